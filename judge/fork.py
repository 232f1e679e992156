"""One fork hook for all of the judge's per-process state.

A forked child (a Celery prefork worker) inherits the parent's memory but none of its threads:
no spawner thread, no pool watchers, no replay session it may talk to, no flocks. Each module
that keeps such state registers a reset here; the child runs them all, in import order.

State deliberately kept across a fork: the configuration (`config.get_config`, read from the
same environment) and the scratch sweep's timestamps (a sweep is only an optimisation).
"""

from __future__ import annotations

import os
from collections.abc import Callable

_resets: list[Callable[[], None]] = []


def reset_after_fork(reset: Callable[[], None]) -> Callable[[], None]:
    """Register `reset` to run in every forked child (usable as a decorator)."""
    _resets.append(reset)
    return reset


def _after_fork_in_child() -> None:
    for reset in _resets:
        reset()


os.register_at_fork(after_in_child=_after_fork_in_child)

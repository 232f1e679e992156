"""The pre-start pool: sandboxed Lean processes started ahead of their job.

The offline Lean spends ~10 s loading its runtime before it reads a file, so a runner keeps up to
`size` processes waiting, each for one job. The pool knows nothing of Lean or of how a process is
started: the runner spawns a `Prestarted` process (with the key of the jobs it can serve) and
hands it over; the pool watches it until it says it is ready, hands it to one job, and says which
kind of process to start next. A fresh process serves one job and is never returned to the pool.

Besides them the pool holds up to `kept_size` *kept* processes: each has served jobs of one
owner, ended each cleanly (the caller vouched for it: an authenticated export, no refusal, no
crash, no limit hit) and waits for that owner's next job. A kept process is handed only to a job
of the same key and the same owner; the most recently kept stay when there are too many, and
one past its age bound is discarded. A kept process nearing its job count has a successor
started beside the pool's fresh ones, so that the owner moves to it, not to the fresh process a
new owner's job needs at once.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import threading
import time
from collections.abc import Hashable
from typing import Any

from judge.sandbox import SandboxProcess, ScratchDir

READY_MARKER = b"ARENA-PRESTART-READY\n"


@dataclasses.dataclass(frozen=True)
class PoolKey:
    """Which jobs a pooled process serves. `program` is set for a process that already runs its
    job's own program up to its first read of stdin (an early start: the job's arguments and a
    digest of its static files); None for a generic one (the runtime loaded, any job). Either
    way only jobs under the same memory and process limits."""

    program: tuple[tuple[str, ...], str] | None
    memory_bytes: int
    processes: int

    @property
    def early(self) -> bool:
        return self.program is not None

    def generic(self) -> PoolKey:
        """The key of a generic process that could serve this key's jobs."""
        return dataclasses.replace(self, program=None)


@dataclasses.dataclass
class Prestarted:
    """One process in the pool: `key` says which jobs it serves, `early` whether it already runs
    its job's program (up to the first read of stdin), `marker` what it prints on stderr once
    ready."""

    key: PoolKey
    early: bool
    proc: SandboxProcess
    scratch: ScratchDir
    marker: bytes = READY_MARKER
    ready: threading.Event = dataclasses.field(default_factory=threading.Event)
    failed: bool = False
    # Once it has served a job: whose (the job's reuse key), how many, since when it lives.
    owner: str | None = None
    jobs: int = 0
    born: float = dataclasses.field(default_factory=time.monotonic)
    successor: bool = False  # a fresh process was started to take over from it

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.close()
        self.scratch.remove()


class PrestartPool:
    def __init__(self, size: int, ready_timeout: float, kept_size: int = 0, max_age: float = 0.0) -> None:
        self.size = size
        self.ready_timeout = ready_timeout
        self.kept_size = kept_size
        self.max_age = max_age
        self._items: list[Prestarted] = []
        self._kept: list[Prestarted] = []  # oldest kept first
        self._lock = threading.Lock()
        # The kinds of job seen lately, newest last: (key, what to start a process for).
        self._demand: collections.deque[tuple[PoolKey, Hashable | None]] = collections.deque(maxlen=4)
        self._closed = False

    def has_room(self) -> bool:
        with self._lock:
            return not self._closed and len(self._items) < self.size

    def add(self, item: Prestarted) -> None:
        """Take `item` in and watch it until it is ready (or discard it: the pool is closed)."""
        with self._lock:
            if self._closed:
                item.discard()
                return
            self._items.append(item)
        threading.Thread(target=self._await_ready, args=(item,), daemon=True).start()

    def _await_ready(self, item: Prestarted) -> None:
        ok = item.proc.wait_for(lambda _out, err: item.marker in err, self.ready_timeout)
        if not ok or not item.proc.alive:
            item.failed = True
            with self._lock:
                if item in self._items:
                    self._items.remove(item)
            item.discard()
        item.ready.set()

    def take(self, want: PoolKey, generic: PoolKey) -> Prestarted | None:
        """A live, ready process for a job of key `want` (or a generic one), out of the pool."""
        with self._lock:
            candidates = [i for i in self._items if i.key == want] or [i for i in self._items if i.key == generic]
            # A ready one first; one still starting beats a cold start (it is further along).
            candidates.sort(key=lambda i: not i.ready.is_set())
            item = candidates[0] if candidates else None
            if item is not None:
                self._items.remove(item)
        if item is None:
            return None
        # Still starting: it is on the critical path now, so no longer niced.
        item.proc.renice(0)
        item.ready.wait(self.ready_timeout)
        if item.failed or not item.proc.alive:
            item.discard()
            return None
        return item

    # -- kept processes: one owner's, between that owner's jobs

    def keep(self, item: Prestarted) -> None:
        """Keep `item` (it has served a job of `item.owner` cleanly) for that owner's next job;
        the oldest kept processes past `kept_size` are discarded."""
        with self._lock:
            if self._closed or self.kept_size <= 0 or item.owner is None:
                evicted = [item]
            else:
                self._kept.append(item)
                evicted = self._kept[: -self.kept_size]
                del self._kept[: -self.kept_size]
        for old in evicted:
            old.discard()

    def take_kept(self, key: PoolKey, owner: str) -> Prestarted | None:
        """The kept process that served `owner` for jobs of `key`, out of the pool, if it is
        still alive and within its age bound (otherwise it is discarded)."""
        with self._lock:
            found = next((i for i in self._kept if i.key == key and i.owner == owner), None)
            if found is not None:
                self._kept.remove(found)
        if found is None:
            return None
        if not found.proc.alive or self.expired(found):
            found.discard()
            return None
        return found

    def ready_count(self, *keys: PoolKey) -> int:
        """Fresh processes ready now for jobs of any of `keys`."""
        with self._lock:
            return sum(1 for i in self._items if i.key in keys and i.ready.is_set() and i.proc.alive)

    def expired(self, item: Prestarted) -> bool:
        return self.max_age > 0 and time.monotonic() - item.born > self.max_age

    def kept(self) -> list[Prestarted]:
        with self._lock:
            return list(self._kept)

    def next_to_start(self, key: PoolKey, job: Any | None) -> tuple[bool, Any | None]:
        """Record a job of `key` (`job`: what a process for it is started from, None for a generic
        one) and say whether to start a process now, and for which job (None: a generic one).

        One per kind of job seen lately when the pool has room for each; otherwise a generic one,
        which serves any job (an early-start job then compiles its program on dispatch). So a
        runner alternating two kinds of job with a pool of 1 never gets a cold run.
        """
        with self._lock:
            self._demand.append((key, job))
            if self._closed or len(self._items) >= self.size:
                return False, None
            kinds: dict[PoolKey, Any | None] = {}
            for k, j in reversed(self._demand):
                kinds.setdefault(k, j)
            pooled = [i.key for i in self._items]
            if len(kinds) <= self.size:
                return True, next((j for k, j in kinds.items() if k not in pooled), None)
            return True, None

    def status(self) -> list[dict[str, Any]]:
        """The fresh processes (kept ones: kept())."""
        with self._lock:
            return [
                {"key": "early" if i.key.early else "generic", "ready": i.ready.is_set(), "alive": i.proc.alive}
                for i in self._items
            ]

    def items(self) -> list[Prestarted]:
        with self._lock:
            return list(self._items)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            items, self._items = self._items + self._kept, []
            self._kept = []
        for item in items:
            item.discard()

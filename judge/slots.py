"""The machine-wide semaphore of Lean jobs: N slots shared by every process on the machine, with
interactive jobs first (a capped share). See docs/judge.md, "One Lean at a time"."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from judge.fork import reset_after_fork


class SlotTimeout(RuntimeError):
    """No Lean slot became free in time (a judge error: retry later)."""


class SlotReentered(RuntimeError):
    """A thread asked for a machine slot while holding one (a bug of ours, never the submission's)."""


# Which threads hold a machine slot now (flock cannot tell: a second open file is another holder).
_slot_holder = threading.local()


# How long a job that is not interactive leaves free Lean slots to waiting interactive ones (a
# check, a browser's verdict) before it takes one anyway: interactive jobs go first, but their
# share is capped (at ~0.5 s a job, a batch job waits behind at most ~20 of them).
INTERACTIVE_FIRST_SECONDS = 10.0


class MachineSlots:
    """N slots shared by every process on the machine: flock'ed files slot-0.lock … slot-N-1.lock.

    A lock dies with its holder, so a killed worker never leaks a slot. A slot belongs to one
    job: a thread that asks for a second while holding one would wait for itself (with one slot,
    until its wait runs out, blocking every Lean user on the machine), so that is refused at once.
    """

    def __init__(self, directory: Path, slots: int) -> None:
        self.directory = directory
        self.slots = slots

    @contextlib.contextmanager
    def hold(self, timeout: float, interactive: bool = False) -> Iterator[int]:
        """A slot, waiting up to `timeout`. An `interactive` job (a check, a browser's verdict)
        goes first: while one waits, other jobs leave free slots to it, each for at most
        INTERACTIVE_FIRST_SECONDS of its own wait (the cap on interactive jobs' share: a stream
        of them never starves the batch)."""
        if getattr(_slot_holder, "held", False):
            raise SlotReentered("this thread already holds a Lean slot: a job must release it before the next")
        _slot_holder.held = True
        try:
            with self._acquire(timeout, interactive) as index:
                yield index
        finally:
            _slot_holder.held = False

    def _interactive_waiting(self) -> bool:
        """Whether a live process's interactive job waits for a slot (its marker file)."""
        for marker in self.directory.glob("interactive-*.wait"):
            try:
                pid = int(marker.name.split("-")[1])
                os.kill(pid, 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    marker.unlink(missing_ok=True)  # its process is gone
                continue
            except (ValueError, IndexError, PermissionError):
                pass
            return True
        return False

    @contextlib.contextmanager
    def _acquire(self, timeout: float, interactive: bool = False) -> Iterator[int]:
        if not self.directory.is_dir():
            self.directory.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):  # shared by every user that runs Lean here
                os.chmod(self.directory, 0o1777)
        started = time.monotonic()
        deadline = started + timeout
        delay = 0.02
        marker: Path | None = None
        if interactive:
            marker = self.directory / f"interactive-{os.getpid()}-{threading.get_ident()}.wait"
            marker.touch()
        try:
            yield from self._take_slot(started, deadline, delay, marker)
        finally:
            if marker is not None:
                marker.unlink(missing_ok=True)

    def _take_slot(self, started: float, deadline: float, delay: float, marker: Path | None) -> Iterator[int]:
        timeout = deadline - started
        while True:
            defer = (
                marker is None
                and time.monotonic() - started < INTERACTIVE_FIRST_SECONDS
                and self._interactive_waiting()
            )
            for index in range(0 if defer else self.slots):
                fd = os.open(self.directory / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT, 0o666)
                with contextlib.suppress(OSError):
                    os.fchmod(fd, 0o666)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                if marker is not None:
                    marker.unlink(missing_ok=True)  # no longer waiting
                try:
                    yield index
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
                return
            if time.monotonic() > deadline:
                raise SlotTimeout(f"no free Lean slot after {timeout:.0f} s ({self.slots} slots)")
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


@reset_after_fork
def _reset_after_fork() -> None:
    global _slot_holder
    _slot_holder = threading.local()  # the child holds none of its parent's flocks

"""Supervision of one sandboxed command: its output readers, its watchdogs, its result.

The wall clock and the output cap are always enforced here; memory and processes are enforced
here only when the backend's ResourceControl does not enforce them itself (its `enforces`):
an RSS-polling watchdog (a fast allocator may overshoot by one poll) and a thread count.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from judge.sandbox.base import LimitHit, Limits, ProcessHandle, ResourceControl, SandboxResult


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _status_sum(pids: Sequence[int], field: str) -> int:
    """Sum of a numeric /proc/PID/status field (VmRSS in kB, Threads) over `pids`."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
    return total


def tasks_of_uid(uid: int) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    total += len(os.listdir(f"/proc/{entry.name}/task"))
    return total


DEATH_SIGNALS = {
    signal.SIGABRT,
    signal.SIGBUS,
    signal.SIGFPE,
    signal.SIGILL,
    signal.SIGKILL,
    signal.SIGSEGV,
    signal.SIGSYS,
    signal.SIGTERM,
    signal.SIGTRAP,
    signal.SIGXCPU,
    signal.SIGXFSZ,
}


class SandboxProcess:
    """A running sandboxed command: stdin pipe, captured output, watchdogs, and its result.

    The wall clock starts at spawn, or with `start_clock()` when the caller defers it (the
    pre-started pool: at dispatch). Output counts toward the cap from the same moment; what
    came before (start-up chatter) is kept apart in `preamble` unless the caller keeps it.
    """

    POLL = 0.1

    def __init__(
        self, handle: ProcessHandle, control: ResourceControl, limits: Limits, start_clock: bool = True
    ) -> None:
        self.handle = handle
        self.control = control
        self.limits = limits
        self._cond = threading.Condition()
        self._out = [bytearray(), bytearray()]
        self._pre = [b"", b""]
        self._counted = 0
        # Started before the readers, or output that comes first would count as preamble.
        self._clock_start: float | None = time.monotonic() if start_clock else None
        self._end: float | None = None
        self.limit_hit: LimitHit | None = None
        self._peak_rss_kb = 0
        self._exited = False
        self._result: SandboxResult | None = None
        self._readers = [
            threading.Thread(target=self._read, args=(i, s), daemon=True)
            for i, s in enumerate((handle.stdout, handle.stderr))
        ]
        for t in self._readers:
            t.start()
        self._watchdog = threading.Thread(target=self._watch, daemon=True)
        self._watchdog.start()

    # -- output

    def _read(self, index: int, stream: IO[bytes] | None) -> None:
        assert stream is not None  # both are pipes
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    break
                if self._clock_start is not None:
                    room = self.limits.output_bytes - self._counted
                    self._counted += len(chunk)
                    self._out[index] += chunk[: max(room, 0)]
                    if self._counted > self.limits.output_bytes:
                        self._kill_locked(LimitHit.OUTPUT)
                else:
                    self._out[index] += chunk
                    if len(self._out[0]) + len(self._out[1]) > self.limits.output_bytes:
                        self._kill_locked(LimitHit.OUTPUT)
                self._cond.notify_all()
        stream.close()

    def start_clock(self, keep_output: bool = False) -> None:
        """Start the wall clock and the output count; earlier output becomes the preamble
        unless `keep_output` (it is then part of the result but not of the count). A process
        that serves several jobs starts it again for each (finish_job stops it)."""
        with self._cond:
            if self._clock_start is not None:
                return
            self._clock_start = time.monotonic()
            if not keep_output:
                self._pre = [bytes(self._out[0]), bytes(self._out[1])]
                self._out = [bytearray(), bytearray()]
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[bytearray, bytearray], bool], timeout: float) -> bool:
        """Wait until predicate(stdout, stderr) holds or the process ended; True if it holds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate(self._out[0], self._out[1]):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or (self._exited and not any(t.is_alive() for t in self._readers)):
                    return predicate(self._out[0], self._out[1])
                self._cond.wait(min(left, 0.5))

    def finish_job(self, done: Callable[[bytearray], bool], timeout: float) -> SandboxResult | None:
        """The end of the current job of a process that serves several jobs, each started with
        start_clock(): once `done(stdout)` holds, this job's result (its output so far, its wall
        time, no exit status) and the clock stopped, so the process may wait for the next job
        without a limit running. None when the process ended or was killed first (or `timeout`
        passed): wait() then has the result."""
        if not self.wait_for(lambda out, _err: done(out), timeout):
            return None
        with self._cond:
            if self.limit_hit is not None or self._clock_start is None or self.handle.poll() is not None:
                return None
            result = SandboxResult(
                stdout=bytes(self._out[0]),
                stderr=bytes(self._out[1]),
                exit_code=None,
                signal=None,
                wall_seconds=max(0.0, time.monotonic() - self._clock_start),
                peak_memory_kb=self._peak_kb(),
                limit_hit=None,
            )
            self._clock_start = None
            self._out = [bytearray(), bytearray()]
            self._counted = 0
        return result

    def memory_bytes(self) -> int | None:
        """The memory the sandbox holds now (its cgroup's usage, else the RSS of its processes)."""
        current = self.control.memory_bytes()
        if current is not None:
            return current
        if self.handle.pid is None:
            return None
        return _status_sum(_descendants(self.handle.pid), "VmRSS") * 1024

    def _peak_kb(self) -> int:
        peak = self.control.peak_memory_bytes()
        return peak // 1024 if peak is not None else self._peak_rss_kb

    def drop_output(self, upto: int) -> None:
        """Forget the first `upto` bytes of stdout (consumed by a line protocol); call it from
        a wait_for predicate or with no reader racing."""
        del self._out[0][:upto]

    def snapshot(self) -> tuple[bytes, bytes]:
        with self._cond:
            return bytes(self._out[0]), bytes(self._out[1])

    def reset_output_count(self) -> None:
        """A new request of a long-lived process: a fresh output allowance, old chatter dropped."""
        with self._cond:
            self._counted = 0
            del self._out[1][:-4096]

    @property
    def preamble(self) -> tuple[bytes, bytes]:
        return self._pre[0], self._pre[1]

    # -- control

    @property
    def alive(self) -> bool:
        return self.handle.poll() is None

    def write_stdin(self, data: bytes, close: bool = False) -> None:
        stdin = self.handle.stdin
        if stdin is None:
            return
        try:
            if data:
                stdin.write(data)
                stdin.flush()
            if close:
                stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def renice(self, value: int = 0) -> None:
        """Set the CPU niceness of every thread in the sandbox (root may lower it again)."""
        if self.handle.pid is None:
            return
        pids = self.control.members() or _descendants(self.handle.pid)
        for pid in pids:
            with contextlib.suppress(OSError):
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with contextlib.suppress(OSError):
                        os.setpriority(os.PRIO_PROCESS, int(tid), value)

    def kill(self, reason: LimitHit | None = None) -> None:
        with self._cond:
            self._kill_locked(reason)

    def _kill_locked(self, reason: LimitHit | None) -> None:
        if reason and self.limit_hit is None and self.handle.poll() is None:
            self.limit_hit = reason
        if self._end is None:
            self._end = time.monotonic()
        pid = self.handle.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        self.control.kill_all()
        if pid is not None and not self.control.enforces:
            for member in _descendants(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(member, signal.SIGKILL)

    def _watch(self) -> None:
        pid = self.handle.pid
        watch_rss = pid is not None and LimitHit.MEMORY not in self.control.enforces
        watch_tasks = pid is not None and LimitHit.PROCESSES not in self.control.enforces
        while self.handle.poll() is None:
            started = self._clock_start
            if started is not None and time.monotonic() - started > self.limits.wall_seconds:
                self.kill(LimitHit.WALL)
                break
            if self.control.process_limit_reached():
                # A task was refused: fork/clone is failing inside, which no job survives sanely.
                self.kill(LimitHit.PROCESSES)
                break
            if watch_rss or watch_tasks:
                assert pid is not None  # a watchdog runs only for a local process
                tree = _descendants(pid)
                rss = _status_sum(tree, "VmRSS") if watch_rss else 0
                self._peak_rss_kb = max(self._peak_rss_kb, rss)
                if rss * 1024 > self.limits.memory_bytes:
                    self.kill(LimitHit.MEMORY)
                    break
                # Ours are sh/setpriv/bwrap (2 tasks: its monitor and the pid-1 init) + the job.
                if watch_tasks and _status_sum(tree, "Threads") - 2 > self.limits.processes:
                    self.kill(LimitHit.PROCESSES)
                    break
            time.sleep(self.POLL)
        self.handle.wait()
        with self._cond:
            if self._end is None:
                self._end = time.monotonic()
            self._exited = True
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> SandboxResult:
        """Wait for the end (the wall watchdog bounds it once the clock runs) and clean up."""
        if self._result is not None:
            return self._result
        if self._clock_start is None:
            self.start_clock()
        rc = self.handle.wait(timeout=timeout)
        self._watchdog.join()
        for t in self._readers:
            t.join(timeout=30)  # the pipes close when the last process in the sandbox is gone
        # bwrap reports a command killed by signal N as exit status 128+N, which a program can
        # also exit with (`lean --run` returns whatever main returns): only the signals that
        # end a process uninvited are read back from it.
        sig = -rc if rc < 0 else (rc - 128 if rc - 128 in DEATH_SIGNALS else None)
        exit_code = None if sig is not None else rc
        limit = self.limit_hit
        if limit is None and self.control.process_limit_reached():
            limit = LimitHit.PROCESSES
        if limit is None and sig == signal.SIGSYS:
            limit = LimitHit.PROCESSES  # the no-process-creation seccomp filter
        if limit is None and self.control.memory_limit_reached() and (sig is not None or rc != 0):
            limit = LimitHit.MEMORY
        peak_kb = self._peak_kb()
        end = self._end if self._end is not None else time.monotonic()
        start = self._clock_start if self._clock_start is not None else end
        self._result = SandboxResult(
            stdout=bytes(self._out[0]),
            stderr=bytes(self._out[1]),
            exit_code=exit_code,
            signal=sig,
            wall_seconds=max(0.0, end - start),
            peak_memory_kb=peak_kb,
            limit_hit=limit,
        )
        self.control.remove()
        return self._result

    def close(self) -> None:
        """Kill it (if still running) and release everything."""
        self.kill()
        with contextlib.suppress(Exception):
            self.write_stdin(b"", close=True)
        self.wait()

"""Memory and pids cgroups (v1 or v2) for one sandbox: the kernel enforces those two limits.

Without a writable controller a limit is left to the supervision's watchdogs
(judge.sandbox.process), and `enforces` says so.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from pathlib import Path

from judge.sandbox.base import LimitHit, Limits
from judge.sandbox.scratch import sweep_stale


def _own_cgroup_v1(controller: str) -> Path | None:
    root = Path("/sys/fs/cgroup") / controller
    if not (root / "cgroup.procs").exists():
        return None
    rel = "/"
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, ctrls, path = line.split(":", 2)
            if controller in ctrls.split(","):
                rel = path
    return root / rel.lstrip("/")


V2_WORKER_LEAF = "arena-worker"


def _v2_job_parent(root: Path = Path("/sys/fs/cgroup"), self_cgroup: Path = Path("/proc/self/cgroup")) -> Path | None:
    """The cgroup v2 directory under which job cgroups go, with memory and pids delegated.

    cgroup v2 enables a controller for children only in a cgroup without processes of its
    own, so when ours has some (a container's or a service's root) they move into a leaf,
    `arena-worker`, first; job cgroups are then its siblings. Unsupported (None) when the
    tree is read-only or the controllers are not available to us.
    """
    rel = "/"
    with contextlib.suppress(OSError):
        for line in self_cgroup.read_text().splitlines():
            if line.startswith("0::"):
                rel = line[3:]
    own = root / rel.lstrip("/")
    parent = own.parent if own.name == V2_WORKER_LEAF else own
    wanted = {"memory", "pids"}
    try:
        if not wanted <= set((parent / "cgroup.controllers").read_text().split()):
            return None
        control = parent / "cgroup.subtree_control"
        if wanted <= set(control.read_text().split()):
            return parent
        try:
            control.write_text("+memory +pids")
        except OSError:  # EBUSY: processes in `parent` itself
            leaf = parent / V2_WORKER_LEAF
            leaf.mkdir(exist_ok=True)
            for pid in (parent / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):
                    (leaf / "cgroup.procs").write_text(pid)
            control.write_text("+memory +pids")
        return parent
    except OSError:
        return None


class CgroupSet:
    """Memory and pids cgroups for one sandbox, or nothing when they cannot be made here."""

    def __init__(self, limits: Limits) -> None:
        self.memory: Path | None = None
        self.pids: Path | None = None
        self.version = 0
        name = f"arena-{os.getpid()}-{secrets.token_hex(4)}"
        if os.environ.get("ARENA_SANDBOX_NO_CGROUPS"):
            return
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        if v2.exists():
            self._make_v2(name, limits)
        else:
            self._make_v1(name, limits)

    def _make_v1(self, name: str, limits: Limits) -> None:
        mem_parent, pids_parent = _own_cgroup_v1("memory"), _own_cgroup_v1("pids")
        for parent in (mem_parent, pids_parent):
            if parent is not None:
                sweep_stale(parent, "arena-", os.rmdir)
        try:
            if mem_parent is not None:
                path = mem_parent / name
                path.mkdir()
                self.memory = path
                (path / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
                memsw = path / "memory.memsw.limit_in_bytes"
                if memsw.exists():
                    memsw.write_text(str(limits.memory_bytes))
        except OSError:
            self._rmdir(self.memory)
            self.memory = None
        try:
            if pids_parent is not None:
                path = pids_parent / name
                path.mkdir()
                self.pids = path
                (path / "pids.max").write_text(str(limits.processes))
        except OSError:
            self._rmdir(self.pids)
            self.pids = None
        self.version = 1

    def _make_v2(self, name: str, limits: Limits) -> None:
        parent = _v2_job_parent()
        if parent is None:
            return
        sweep_stale(parent, "arena-", os.rmdir)
        path = parent / name
        try:
            path.mkdir()
        except OSError:
            return
        self.version = 2
        try:
            (path / "memory.max").write_text(str(limits.memory_bytes))
            with contextlib.suppress(OSError):
                (path / "memory.swap.max").write_text("0")
            self.memory = path
            (path / "pids.max").write_text(str(limits.processes))
            self.pids = path
        except OSError:
            self.memory = self.pids = None
            self._rmdir(path)

    @property
    def enforces(self) -> frozenset[LimitHit]:
        made = {LimitHit.MEMORY: self.memory, LimitHit.PROCESSES: self.pids}
        return frozenset(limit for limit, path in made.items() if path is not None)

    @property
    def procs_files(self) -> list[Path]:
        dirs = {p for p in (self.memory, self.pids) if p is not None}
        return [d / "cgroup.procs" for d in sorted(dirs)]

    def members(self) -> list[int]:
        pids: set[int] = set()
        for f in self.procs_files:
            with contextlib.suppress(OSError, ValueError):
                pids.update(int(x) for x in f.read_text().split())
        return sorted(pids)

    def _read(self, path: Path | None, name: str) -> str:
        if path is None:
            return ""
        try:
            return (path / name).read_text()
        except OSError:
            return ""

    def peak_memory_bytes(self) -> int | None:
        if self.memory is None:
            return None
        text = self._read(
            self.memory,
            "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak",
        )
        return int(text) if text.strip().isdigit() else None

    def memory_bytes(self) -> int | None:
        if self.memory is None:
            return None
        text = self._read(self.memory, "memory.usage_in_bytes" if self.version == 1 else "memory.current")
        return int(text) if text.strip().isdigit() else None

    def memory_limit_reached(self) -> bool:
        if self.memory is None:
            return False
        if self.version == 1:
            oom = self._read(self.memory, "memory.oom_control")
            for line in oom.splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and value.strip() not in ("", "0"):
                    return True
            return self._read(self.memory, "memory.failcnt").strip() not in ("", "0")
        events = self._read(self.memory, "memory.events")
        counts = dict(line.split() for line in events.splitlines() if line.strip())
        return counts.get("oom_kill", "0") != "0" or counts.get("max", "0") != "0"

    def process_limit_reached(self) -> bool:
        events = self._read(self.pids, "pids.events")
        for line in events.splitlines():
            key, _, value = line.partition(" ")
            if key == "max" and value.strip() not in ("", "0"):
                return True
        return False

    # A killed Lean of several GB takes seconds to free its memory on a loaded machine, and
    # its memory cgroup cannot be removed until then: wait that long rather than leak it (and
    # rather than start the next job while the last one's memory is still charged).
    TEARDOWN_SECONDS = 30.0

    def kill_all(self) -> None:
        deadline = time.monotonic() + self.TEARDOWN_SECONDS
        while time.monotonic() < deadline:
            members = self.members()
            if not members:
                return
            for pid in members:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    @classmethod
    def _rmdir(cls, path: Path | None) -> None:
        if path is None:
            return
        deadline = time.monotonic() + cls.TEARDOWN_SECONDS
        while True:
            try:
                path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # left for the sweep once this worker is gone
                time.sleep(0.05)

    def remove(self) -> None:
        self.kill_all()
        for path in {p for p in (self.memory, self.pids) if p is not None}:
            self._rmdir(path)

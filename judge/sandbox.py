"""Sandboxes that run one untrusted command: bubblewrap here, Docker in production (docker_sandbox).

Every sandboxed command gets an empty scratch directory as its only writable place (mounted at
/tmp/job, its working directory), no network, read-only binds of exactly the directories it
needs instead of the host root, uid/gid 65534, an environment holding only what we set, and
four limits: wall time, memory, output bytes and processes. The result names the limit hit.

How the limits are enforced with bubblewrap (measured on cgroup v1, kernel 6.x, as root):
- wall: a watchdog thread kills the sandbox (its cgroup members and bwrap's process group;
  bwrap's --die-with-parent takes the rest down).
- memory: a memory cgroup (v1 memory.limit_in_bytes or v2 memory.max); the kernel OOM-kills
  the process when it passes the limit. RLIMIT_AS cannot be used: V8 reserves large virtual
  ranges and aborts below ~12 GB. Without a writable memory controller an RSS-polling
  watchdog enforces the limit instead (it may let a fast allocator overshoot by one poll).
- processes: a pids cgroup (counts threads too); without one the watchdog counts the job's
  threads, with RLIMIT_NPROC (which counts every task of uid 65534 on the machine) set well
  above as a backstop against explosive fork bombs.
  When process creation is forbidden (native Lean) a seccomp filter also kills the process at
  its first fork/vfork/clone without CLONE_THREAD (SIGSYS, reported as "processes").
- output: reader threads count stdout+stderr bytes and kill the sandbox past the cap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import platform
import secrets
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

SANDBOX_UID = 65534
SANDBOX_GID = 65534
JOB_DIR = "/tmp/job"  # the scratch directory as the sandboxed command sees it


@dataclasses.dataclass(frozen=True)
class Limits:
    wall_seconds: float
    memory_bytes: int
    output_bytes: int  # stdout+stderr cap, and cap per collected file
    processes: int  # max tasks; threads count (Node needs ~20, native Lean a thread pool)


class SandboxError(RuntimeError):
    """The sandbox itself failed (our fault, never the submission's)."""


@dataclasses.dataclass(frozen=True)
class SandboxSpec:
    """What to run and what it may see; paths in `argv` and `env` are the sandbox's."""

    argv: tuple[str, ...]
    limits: Limits
    ro_binds: tuple[tuple[str, str], ...] = ()  # (host path, path inside)
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    allow_process_creation: bool = True
    # Empty directories to create (the offline Lean needs /home).
    dirs: tuple[str, ...] = ("/home",)
    nice: int = 0  # CPU niceness at start (pre-started processes start at 19, see renice())


@dataclasses.dataclass
class SandboxResult:
    stdout: bytes
    stderr: bytes
    exit_code: int | None
    signal: int | None
    wall_seconds: float
    peak_memory_kb: int
    limit_hit: str | None  # None | "wall" | "memory" | "output" | "processes"


# ---------------------------------------------------------------------------------------------
# Scratch directories


class ScratchDir:
    """A fresh directory owned by the sandbox user; files go in and out without following links.

    The sandboxed command can plant symlinks here, so every host-side open walks the path one
    component at a time with O_NOFOLLOW, and only regular files are read back.
    """

    def __init__(self, root: Path | None = None) -> None:
        base = root if root is not None else Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        _sweep_stale(base, "arena-job-", shutil.rmtree)
        self.path = Path(tempfile.mkdtemp(prefix=f"arena-job-{os.getpid()}-", dir=base))
        os.chmod(self.path, 0o700)
        if os.geteuid() == 0:
            os.chown(self.path, SANDBOX_UID, SANDBOX_GID)

    @staticmethod
    def _parts(name: str) -> list[str]:
        parts = name.split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"bad scratch file name {name!r}")
        return parts

    def _open_parent(self, parts: list[str], create: bool) -> int:
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for part in parts[:-1]:
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                        if os.geteuid() == 0:
                            os.chown(
                                part,
                                SANDBOX_UID,
                                SANDBOX_GID,
                                dir_fd=fd,
                                follow_symlinks=False,
                            )
                nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = nfd
        except BaseException:
            os.close(fd)
            raise
        return fd

    def write(self, name: str, data: bytes) -> None:
        parts = self._parts(name)
        dfd = self._open_parent(parts, create=True)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            fd = os.open(parts[-1], flags, 0o644, dir_fd=dfd)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            if os.geteuid() == 0:
                os.chown(
                    parts[-1],
                    SANDBOX_UID,
                    SANDBOX_GID,
                    dir_fd=dfd,
                    follow_symlinks=False,
                )
        finally:
            os.close(dfd)

    def read(self, name: str, cap: int) -> bytes | None:
        """The file's first `cap`+1 bytes (so the caller sees it was too long), None if absent."""
        parts = self._parts(name)
        try:
            dfd = self._open_parent(parts, create=False)
        except OSError:
            return None
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dfd)
        except OSError:
            return None
        finally:
            os.close(dfd)
        with os.fdopen(fd, "rb") as f:
            if not _is_regular(os.fstat(f.fileno()).st_mode):
                return None
            return f.read(cap + 1)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


_last_sweep: dict[str, float] = {}


def _sweep_stale(directory: Path, prefix: str, remove) -> None:
    """Remove what a dead process left behind (`<prefix><pid>-…`: a worker killed mid-job leaves
    its scratch dir, which holds memory on /dev/shm, and empty cgroups). At most once a minute."""
    key = f"{directory}/{prefix}"
    now = time.monotonic()
    if now - _last_sweep.get(key, -1e9) < 60:
        return
    _last_sweep[key] = now
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            pid = entry.name.removeprefix(prefix).split("-", 1)[0]
            if entry.name.startswith(prefix) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                with contextlib.suppress(OSError):
                    remove(entry.path)


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


# ---------------------------------------------------------------------------------------------
# cgroups


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
                _sweep_stale(parent, "arena-", os.rmdir)
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
        _sweep_stale(parent, "arena-", os.rmdir)
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


# ---------------------------------------------------------------------------------------------
# seccomp: no process creation


_AUDIT_ARCH_X86_64 = 0xC000003E
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_KILL_PROCESS = 0x80000000
_SECCOMP_RET_ERRNO = 0x00050000
_CLONE_THREAD = 0x00010000


def _bpf(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def no_process_creation_filter() -> bytes | None:
    """A classic-BPF seccomp program for bwrap --seccomp (x86-64 only; None elsewhere).

    fork and vfork, clone without CLONE_THREAD, and any syscall of another ABI kill the whole
    process (SIGSYS); clone3 answers ENOSYS so glibc creates threads with clone instead.
    execve stays allowed because bwrap installs the filter before it execs the command; without
    fork an exec can only replace the sandboxed process, inside the same sandbox and limits.
    """
    if platform.machine() != "x86_64":
        return None
    ld_w_abs, jeq_k, jge_k, jset_k, ret_k = 0x20, 0x15, 0x35, 0x45, 0x06
    nr_fork, nr_vfork, nr_clone, nr_clone3 = 57, 58, 56, 435
    kill, allow = _SECCOMP_RET_KILL_PROCESS, _SECCOMP_RET_ALLOW
    prog = [
        _bpf(ld_w_abs, 0, 0, 4),  # 0: arch
        _bpf(jeq_k, 1, 0, _AUDIT_ARCH_X86_64),  # 1
        _bpf(ret_k, 0, 0, kill),  # 2
        _bpf(ld_w_abs, 0, 0, 0),  # 3: syscall number
        _bpf(jge_k, 0, 1, 0x40000000),  # 4: x32 ABI
        _bpf(ret_k, 0, 0, kill),  # 5
        _bpf(jeq_k, 0, 1, nr_fork),  # 6
        _bpf(ret_k, 0, 0, kill),  # 7
        _bpf(jeq_k, 0, 1, nr_vfork),  # 8
        _bpf(ret_k, 0, 0, kill),  # 9
        _bpf(jeq_k, 0, 1, nr_clone3),  # 10
        _bpf(ret_k, 0, 0, _SECCOMP_RET_ERRNO | errno.ENOSYS),  # 11
        _bpf(jeq_k, 0, 3, nr_clone),  # 12
        _bpf(ld_w_abs, 0, 0, 16),  # 13: clone flags (low 32 bits of args[0])
        _bpf(jset_k, 1, 0, _CLONE_THREAD),  # 14
        _bpf(ret_k, 0, 0, kill),  # 15
        _bpf(ret_k, 0, 0, allow),  # 16
    ]
    return b"".join(prog)


# ---------------------------------------------------------------------------------------------
# Processes


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


def _tasks_of_uid(uid: int) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    total += len(os.listdir(f"/proc/{entry.name}/task"))
    return total


DEATH_SIGNALS = {
    signal.SIGABRT, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGKILL, signal.SIGSEGV,
    signal.SIGSYS, signal.SIGTERM, signal.SIGTRAP, signal.SIGXCPU, signal.SIGXFSZ,
}  # fmt: skip


class SandboxProcess:
    """A running sandboxed command: stdin pipe, captured output, watchdogs, and its result.

    The wall clock starts at spawn, or with `start_clock()` when the caller defers it (the
    pre-started pool: at dispatch). Output counts toward the cap from the same moment; what
    came before (start-up chatter) is kept apart in `preamble` unless the caller keeps it.
    """

    POLL = 0.1

    def __init__(self, popen: subprocess.Popen, cgroups: CgroupSet, limits: Limits, cleanup,
                 start_clock: bool = True) -> None:  # fmt: skip
        self.popen = popen
        # Not a local process (a container): its backend's `cgroups` stand-in kills and measures.
        self._local = isinstance(popen, subprocess.Popen)
        self.cgroups = cgroups
        self.limits = limits
        self._cleanup = cleanup
        self._cond = threading.Condition()
        self._out = [bytearray(), bytearray()]
        self._pre = [b"", b""]
        self._counted = 0
        # Started before the readers, or output that comes first would count as preamble.
        self._clock_start: float | None = time.monotonic() if start_clock else None
        self._end: float | None = None
        self.limit_hit: str | None = None
        self._peak_rss_kb = 0
        self._exited = False
        self._result: SandboxResult | None = None
        self._readers = [
            threading.Thread(target=self._read, args=(i, s), daemon=True)
            for i, s in enumerate((popen.stdout, popen.stderr))
        ]
        for t in self._readers:
            t.start()
        self._watchdog = threading.Thread(target=self._watch, daemon=True)
        self._watchdog.start()

    # -- output

    def _read(self, index: int, stream) -> None:
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
                        self._kill_locked("output")
                else:
                    self._out[index] += chunk
                    if len(self._out[0]) + len(self._out[1]) > self.limits.output_bytes:
                        self._kill_locked("output")
                self._cond.notify_all()
        stream.close()

    def start_clock(self, keep_output: bool = False) -> None:
        """Start the wall clock and the output count; earlier output becomes the preamble
        unless `keep_output` (it is then part of the result but not of the count)."""
        with self._cond:
            if self._clock_start is not None:
                return
            self._clock_start = time.monotonic()
            if not keep_output:
                self._pre = [bytes(self._out[0]), bytes(self._out[1])]
                self._out = [bytearray(), bytearray()]
            self._cond.notify_all()

    def wait_for(self, predicate, timeout: float) -> bool:
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
        return self.popen.poll() is None

    def write_stdin(self, data: bytes, close: bool = False) -> None:
        stdin = self.popen.stdin
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
        if not self._local:
            return
        pids = self.cgroups.members() or _descendants(self.popen.pid)
        for pid in pids:
            with contextlib.suppress(OSError):
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with contextlib.suppress(OSError):
                        os.setpriority(os.PRIO_PROCESS, int(tid), value)

    def kill(self, reason: str | None = None) -> None:
        with self._cond:
            self._kill_locked(reason)

    def _kill_locked(self, reason: str | None) -> None:
        if reason and self.limit_hit is None and self.popen.poll() is None:
            self.limit_hit = reason
        if self._end is None:
            self._end = time.monotonic()
        if self._local:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        self.cgroups.kill_all()
        if self._local and self.cgroups.memory is None and self.cgroups.pids is None:
            for pid in _descendants(self.popen.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)

    def _watch(self) -> None:
        watch_rss = self._local and self.cgroups.memory is None
        watch_tasks = self._local and self.cgroups.pids is None
        while self.popen.poll() is None:
            started = self._clock_start
            if started is not None and time.monotonic() - started > self.limits.wall_seconds:
                self.kill("wall")
                break
            if self.cgroups.process_limit_reached():
                # A task was refused: fork/clone is failing inside, which no job survives sanely.
                self.kill("processes")
                break
            if watch_rss or watch_tasks:
                tree = _descendants(self.popen.pid)
                rss = _status_sum(tree, "VmRSS") if watch_rss else 0
                self._peak_rss_kb = max(self._peak_rss_kb, rss)
                if rss * 1024 > self.limits.memory_bytes:
                    self.kill("memory")
                    break
                # Ours are sh/setpriv/bwrap (2 tasks: its monitor and the pid-1 init) + the job.
                if watch_tasks and _status_sum(tree, "Threads") - 2 > self.limits.processes:
                    self.kill("processes")
                    break
            time.sleep(self.POLL)
        self.popen.wait()
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
        self.popen.wait(timeout=timeout)
        self._watchdog.join()
        for t in self._readers:
            t.join(timeout=30)  # the pipes close when the last process in the sandbox is gone
        rc = self.popen.returncode
        # bwrap reports a command killed by signal N as exit status 128+N, which a program can
        # also exit with (`lean --run` returns whatever main returns): only the signals that
        # end a process uninvited are read back from it.
        sig = -rc if rc < 0 else (rc - 128 if rc - 128 in DEATH_SIGNALS else None)
        exit_code = None if sig is not None else rc
        limit = self.limit_hit
        if limit is None and self.cgroups.process_limit_reached():
            limit = "processes"
        if limit is None and sig == signal.SIGSYS:
            limit = "processes"  # the no-process-creation seccomp filter
        if limit is None and self.cgroups.memory_limit_reached() and (sig is not None or rc != 0):
            limit = "memory"
        peak = self.cgroups.peak_memory_bytes()
        peak_kb = peak // 1024 if peak is not None else self._peak_rss_kb
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
        self.cgroups.remove()
        self._cleanup()
        return self._result

    def close(self) -> None:
        """Kill it (if still running) and release everything."""
        self.kill()
        with contextlib.suppress(Exception):
            self.write_stdin(b"", close=True)
        self.wait()


class Sandbox:
    """Interface of a sandbox backend."""

    name = "abstract"

    def spawn(self, spec: SandboxSpec, scratch: ScratchDir, start_clock: bool = True) -> SandboxProcess:
        raise NotImplementedError

    def run(self, spec: SandboxSpec, scratch: ScratchDir, stdin: bytes = b"") -> SandboxResult:
        proc = self.spawn(spec, scratch)
        writer = threading.Thread(target=proc.write_stdin, args=(stdin, True), daemon=True)
        writer.start()
        result = proc.wait()
        writer.join(timeout=1)
        return result


class BubblewrapSandbox(Sandbox):
    name = "bubblewrap"

    def __init__(self, bwrap: str | None = None) -> None:
        found = bwrap or shutil.which("bwrap")
        if found is None:
            raise SandboxError("bubblewrap (bwrap) is not installed; run `python -m judge.provisioning`")
        self.bwrap = found
        self.setpriv = shutil.which("setpriv") if os.geteuid() == 0 else None
        self.prlimit = shutil.which("prlimit")

    def command(self, spec: SandboxSpec, scratch: ScratchDir, seccomp_fd: int | None) -> list[str]:
        cmd = [
            self.bwrap,
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--uid", str(SANDBOX_UID),
            "--gid", str(SANDBOX_GID),
            "--ro-bind", "/usr", "/usr",
        ]  # fmt: skip
        for name in ("lib", "lib64", "bin", "sbin"):
            if Path("/usr", name).is_dir():
                cmd += ["--symlink", f"usr/{name}", f"/{name}"]
        cmd += ["--proc", "/proc", "--dev", "/dev", "--dir", "/tmp"]
        for d in spec.dirs:
            cmd += ["--dir", d]
        cmd += ["--bind", str(scratch.path), JOB_DIR, "--chdir", JOB_DIR]
        for host, inside in spec.ro_binds:
            cmd += ["--ro-bind", host, inside]
        # bwrap's root (and /dev) are tmpfs: make them read-only so the scratch dir is the only
        # writable place.
        cmd += ["--remount-ro", "/dev", "--remount-ro", "/"]
        for key, value in spec.env.items():
            cmd += ["--setenv", key, value]
        if seccomp_fd is not None:
            cmd += ["--seccomp", str(seccomp_fd)]
        return [*cmd, "--", *spec.argv]

    def spawn(self, spec: SandboxSpec, scratch: ScratchDir, start_clock: bool = True) -> SandboxProcess:
        cgroups = CgroupSet(spec.limits)
        prefix: list[str] = []
        if self.setpriv:  # run bwrap itself as nobody: the sandbox has no root behind it
            prefix = [self.setpriv, "--reuid", str(SANDBOX_UID), "--regid", str(SANDBOX_GID),
                      "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]  # fmt: skip
        if spec.nice:
            prefix = ["/usr/bin/nice", "-n", str(spec.nice), *prefix]
        if cgroups.pids is None and self.prlimit:
            # RLIMIT_NPROC counts every task of the uid on the machine (other jobs, pre-started
            # processes): only a backstop against explosive fork bombs; the watchdog counts ours.
            backstop = _tasks_of_uid(SANDBOX_UID) + 4 * spec.limits.processes
            prefix = [self.prlimit, f"--nproc={backstop}", "--", *prefix]
        seccomp_fd = None
        pass_fds: tuple[int, ...] = ()
        if not spec.allow_process_creation:
            program = no_process_creation_filter()
            if program is not None:
                seccomp_fd = _memfd_with(program)
                pass_fds = (seccomp_fd,)
        argv = self.command(spec, scratch, seccomp_fd)
        # A tiny shell joins the cgroups before exec'ing, so every descendant starts inside them.
        join = "".join(f'echo $$ > "{p}" && ' for p in cgroups.procs_files)
        shell = ["/bin/sh", "-c", join + 'exec "$@"', "arena-sandbox", *prefix, *argv]
        try:
            popen = subprocess.Popen(
                shell,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={"PATH": "/usr/bin:/bin"},
                start_new_session=True,
                pass_fds=pass_fds,
                close_fds=True,
            )
        except OSError as exc:
            cgroups.remove()
            raise SandboxError(f"cannot start bwrap: {exc}") from exc
        finally:
            if seccomp_fd is not None:
                os.close(seccomp_fd)
        return SandboxProcess(popen, cgroups, spec.limits, cleanup=lambda: None, start_clock=start_clock)


def _memfd_with(data: bytes) -> int:
    fd = os.memfd_create("arena-seccomp", 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def get_sandbox(name: str = "bubblewrap") -> Sandbox:
    if name == "bubblewrap":
        return BubblewrapSandbox()
    if name == "docker":
        from judge.docker_sandbox import DockerSandbox

        return DockerSandbox()
    raise SandboxError(f"unknown sandbox backend {name!r} (bubblewrap or docker)")

"""What every sandbox backend shares: the job's spec and limits, its result, and the two
interfaces a backend fills in (a process handle, a resource control).

A backend spawns one untrusted command and hands `SandboxProcess` (judge.sandbox.process) a
handle to it and the control that enforces some of its limits; the process supervision
enforces the rest itself (watchdogs), so which limit is whose is stated here, not guessed.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from judge.sandbox.process import SandboxProcess
    from judge.sandbox.scratch import ScratchDir

SANDBOX_UID = 65534
SANDBOX_GID = 65534
JOB_DIR = "/tmp/job"  # the scratch directory as the sandboxed command sees it


class LimitHit(enum.StrEnum):
    """The limit a job ran into; the values are stored with results and shown in the API."""

    WALL = "wall"
    MEMORY = "memory"
    OUTPUT = "output"
    PROCESSES = "processes"


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
    limit_hit: LimitHit | None


class Stdin(Protocol):
    """A command's stdin as supervision uses it."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...

    def close(self) -> object: ...


class ProcessHandle(Protocol):
    """What supervision needs of a started command: a `subprocess.Popen`, or a stand-in for a
    process that is not ours to signal (a container)."""

    @property
    def pid(self) -> int | None:
        """The local process id, whose process group holds the sandbox; None when the process is
        not in this machine's process table (its ResourceControl then kills it)."""

    @property
    def stdin(self) -> Stdin | None: ...

    @property
    def stdout(self) -> IO[bytes] | None: ...

    @property
    def stderr(self) -> IO[bytes] | None: ...

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class ResourceControl(Protocol):
    """Kernel-side control of one sandbox (cgroups, a container's own limits).

    `enforces` names the limits it enforces itself; supervision watches the others (memory by
    RSS polling, processes by counting threads). Wall time and output are always supervision's.
    """

    @property
    def enforces(self) -> frozenset[LimitHit]: ...

    def members(self) -> list[int]: ...

    def kill_all(self) -> None: ...

    def process_limit_reached(self) -> bool: ...

    def memory_limit_reached(self) -> bool: ...

    def peak_memory_bytes(self) -> int | None: ...

    def memory_bytes(self) -> int | None:
        """The memory charged now, or None when this control cannot tell."""

    def remove(self) -> None: ...


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

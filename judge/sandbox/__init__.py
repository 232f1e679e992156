"""Sandboxes that run one untrusted command: the judge's outermost trust boundary.

    base        the job's spec and limits, its result, LimitHit, the backend interfaces
    scratch     the scratch directory, the only writable place, read back without links
    cgroups     memory and pids cgroups: the kernel enforces those limits
    seccomp     the no-process-creation syscall policy (BPF for bwrap, a Docker profile)
    process     supervision: output readers and cap, wall clock, watchdogs, the result
    bubblewrap  the default backend
    docker      one container per job (production)

`get_sandbox(config)` picks the backend the configuration names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from judge.sandbox.base import (
    JOB_DIR,
    SANDBOX_GID,
    SANDBOX_UID,
    LimitHit,
    Limits,
    Sandbox,
    SandboxError,
    SandboxResult,
    SandboxSpec,
)
from judge.sandbox.bubblewrap import BubblewrapSandbox
from judge.sandbox.process import SandboxProcess
from judge.sandbox.scratch import ScratchDir

if TYPE_CHECKING:
    from judge.config import JudgeConfig

__all__ = [
    "BubblewrapSandbox",
    "JOB_DIR",
    "SANDBOX_GID",
    "SANDBOX_UID",
    "LimitHit",
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxProcess",
    "SandboxResult",
    "SandboxSpec",
    "ScratchDir",
    "get_sandbox",
]


def get_sandbox(config: JudgeConfig) -> Sandbox:
    if config.sandbox == "bubblewrap":
        return BubblewrapSandbox()
    if config.sandbox == "docker":
        # imported here: the Docker SDK is needed only where this backend runs
        from judge.sandbox.docker import DockerSandbox

        return DockerSandbox(image=config.docker_image)
    raise SandboxError(f"unknown sandbox backend {config.sandbox!r} (bubblewrap or docker)")

"""The bubblewrap backend (the default; Docker in production: judge.sandbox.docker).

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

import os
import shutil
import subprocess
from pathlib import Path

from judge.sandbox import seccomp
from judge.sandbox.base import JOB_DIR, SANDBOX_GID, SANDBOX_UID, LimitHit, Sandbox, SandboxError, SandboxSpec
from judge.sandbox.cgroups import CgroupSet
from judge.sandbox.process import SandboxProcess, tasks_of_uid
from judge.sandbox.scratch import ScratchDir


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
            "--uid",
            str(SANDBOX_UID),
            "--gid",
            str(SANDBOX_GID),
            "--ro-bind",
            "/usr",
            "/usr",
        ]
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
            prefix = [
                self.setpriv,
                "--reuid",
                str(SANDBOX_UID),
                "--regid",
                str(SANDBOX_GID),
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
            ]
        if spec.nice:
            prefix = ["/usr/bin/nice", "-n", str(spec.nice), *prefix]
        if LimitHit.PROCESSES not in cgroups.enforces and self.prlimit:
            # RLIMIT_NPROC counts every task of the uid on the machine (other jobs, pre-started
            # processes): only a backstop against explosive fork bombs; the watchdog counts ours.
            backstop = tasks_of_uid(SANDBOX_UID) + 4 * spec.limits.processes
            prefix = [self.prlimit, f"--nproc={backstop}", "--", *prefix]
        seccomp_fd = None
        pass_fds: tuple[int, ...] = ()
        if not spec.allow_process_creation:
            program = seccomp.bpf_filter()
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
        return SandboxProcess(popen, cgroups, spec.limits, start_clock=start_clock)


def _memfd_with(data: bytes) -> int:
    fd = os.memfd_create("arena-seccomp", 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd

"""The Docker sandbox backend: one container per job, its spec built as data.

`container_spec()` turns a SandboxSpec into the keyword arguments of the Docker SDK's
`APIClient.create_container`, with the host config built by `docker.types.HostConfig`, so a
spec Docker would refuse fails here (and in tests) before any daemon is asked.

What each job gets: no network (network_mode none), a read-only root file system, the scratch
directory bind-mounted at /tmp/job as the only writable place, uid/gid 65534, all capabilities
dropped, no-new-privileges, a memory cgroup without swap, a pids limit, and (when process
creation is forbidden) a seccomp profile that kills at fork/vfork/clone-without-CLONE_THREAD.

Paths in ro_binds and the scratch directory are paths as the Docker daemon sees them: when the
worker itself runs in a container, mount ARENA_SCRATCH_DIR and the Lean directories at the same
paths on the host and in the worker. `spawn()` creates the container with stdin open, attaches
to its multiplexed stream and pumps it into local pipes, so the same SandboxProcess as with
bubblewrap drives it (wall clock, output cap, stdin, the sessions' line protocol, the
pre-started pool); memory and pids limits are the container's own, and the container is
removed when the process ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
from typing import Any

from judge.sandbox import seccomp
from judge.sandbox.base import JOB_DIR, SANDBOX_GID, SANDBOX_UID, LimitHit, Sandbox, SandboxError, SandboxSpec
from judge.sandbox.process import SandboxProcess
from judge.sandbox.scratch import ScratchDir

# The API version every request is made at: the lowest that has all we use, so any engine from
# 20.10 on answers (engines keep serving older API versions). Checked against Engine 20.10.24
# (API 1.41) by tests/judge/test_sandbox_docker.py with real containers. What needs what: mounts
# 1.30, init 1.25, pids_limit 1.23, ipc_mode "none" Engine 17.06 (1.30); the rest is older.
# Engines before 20.10 are not supported (never run).
DOCKER_API_VERSION = "1.41"


def container_spec(spec: SandboxSpec, scratch: ScratchDir, image: str) -> dict[str, Any]:
    """Keyword arguments for `docker.APIClient.create_container` (host_config included)."""
    from docker.types import HostConfig, LogConfig, Mount, Ulimit

    limits = spec.limits
    mounts = [Mount(target=JOB_DIR, source=str(scratch.path), type="bind", read_only=False)]
    mounts += [Mount(target=inside, source=host, type="bind", read_only=True) for host, inside in spec.ro_binds]
    security_opt = ["no-new-privileges"]
    if not spec.allow_process_creation:
        security_opt.append("seccomp=" + json.dumps(seccomp.docker_profile(), separators=(",", ":")))
    host_config = HostConfig(
        version=DOCKER_API_VERSION,
        network_mode="none",
        read_only=True,
        mounts=mounts,
        mem_limit=limits.memory_bytes,
        memswap_limit=limits.memory_bytes,  # = mem_limit: no swap
        pids_limit=limits.processes,
        cap_drop=["ALL"],
        security_opt=security_opt,
        ulimits=[Ulimit(name="core", soft=0, hard=0), Ulimit(name="fsize", soft=1 << 30, hard=1 << 30)],
        # Output is read (and capped) live through the attach stream; keep the daemon's log small.
        log_config=LogConfig(type="json-file", config={"max-size": str(max(limits.output_bytes * 2, 1 << 20))}),
        # docker-init forks the command: under the no-fork profile it would be killed first.
        init=spec.allow_process_creation,
        ipc_mode="none",
    )
    return {
        "image": image,
        "command": list(spec.argv),
        "user": f"{SANDBOX_UID}:{SANDBOX_GID}",
        "environment": dict(spec.env),
        "working_dir": JOB_DIR,
        "network_disabled": True,
        "host_config": host_config,
        "labels": {"arena.job": "1"},
        "stdin_open": True,  # the job's stdin goes through the attach stream
    }


class _AttachedStdin:
    """The container's stdin: bytes go to the attach socket; close() half-closes it (EOF)."""

    def __init__(self, sock: Any) -> None:
        self._sock = getattr(sock, "_sock", sock)

    def write(self, data: bytes) -> None:
        self._sock.sendall(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)


class _ContainerHandle:
    """The ProcessHandle of a started container: stdin, stdout and stderr (local pipes fed from
    the multiplexed attach stream), poll() and wait(); no local pid (nothing here to signal)."""

    def __init__(self, api: Any, cid: str, sock: Any) -> None:
        from docker.utils.socket import frames_iter

        self.api, self.cid, self.pid = api, cid, None
        self.returncode: int | None = None
        self._done = threading.Event()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.stdout, self.stderr = os.fdopen(out_r, "rb", 0), os.fdopen(err_r, "rb", 0)
        self.stdin = _AttachedStdin(sock)

        def pump() -> None:
            try:
                for stream, data in frames_iter(sock, tty=False):
                    if data:
                        os.write(err_w if stream == 2 else out_w, data)
            except OSError:
                pass
            finally:
                os.close(out_w)
                os.close(err_w)

        def await_exit() -> None:
            try:
                self.returncode = int(api.wait(cid).get("StatusCode", -1))
            except Exception:  # noqa: BLE001 - the daemon went away: treat as killed
                self.returncode = 128 + signal.SIGKILL
            self._done.set()

        threading.Thread(target=pump, daemon=True).start()
        threading.Thread(target=await_exit, daemon=True).start()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(f"container {self.cid}", timeout or 0)
        return self.returncode  # type: ignore[return-value]


class _ContainerControl:
    """The ResourceControl of a container: the daemon enforces memory and pids; this kills,
    reads the OOM flag, samples peak memory, and removes the container at the end."""

    enforces = frozenset({LimitHit.MEMORY, LimitHit.PROCESSES})

    def __init__(self, api: Any, cid: str) -> None:
        self.api, self.cid = api, cid
        self._peak = 0
        self._usage: int | None = None
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                memory = self.api.stats(self.cid, stream=False).get("memory_stats", {})
                self._usage = int(memory.get("usage") or 0) or None
                self._peak = max(self._peak, int(memory.get("max_usage") or 0), self._usage or 0)
            self._stop.wait(0.5)

    def members(self) -> list[int]:
        return []

    def kill_all(self) -> None:
        # Asynchronously: the daemon answers a kill only once the container's output is drained,
        # and the caller may be the very reader that drains it (the output cap).
        def kill() -> None:
            with contextlib.suppress(Exception):
                self.api.kill(self.cid, signal="SIGKILL")

        threading.Thread(target=kill, daemon=True).start()

    def process_limit_reached(self) -> bool:
        return False

    def memory_limit_reached(self) -> bool:
        try:
            return bool(self.api.inspect_container(self.cid).get("State", {}).get("OOMKilled"))
        except Exception:  # noqa: BLE001
            return False

    def peak_memory_bytes(self) -> int | None:
        return self._peak

    def memory_bytes(self) -> int | None:
        return self._usage

    def remove(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):
            self.api.remove_container(self.cid, force=True)


class DockerSandbox(Sandbox):
    name = "docker"

    def __init__(self, image: str, client: Any = None) -> None:
        self.image = image
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import docker

            # (mypy resolves `docker` to the repository's docker/ folder of Dockerfiles)
            self._client = docker.from_env(version=DOCKER_API_VERSION)  # type: ignore[attr-defined]
        return self._client

    def spawn(self, spec: SandboxSpec, scratch: ScratchDir, start_clock: bool = True) -> SandboxProcess:
        """A long-lived container driven like a local process (sessions, the pre-started pool)."""
        import docker.errors

        api = self.client.api
        try:
            cid = api.create_container(**container_spec(spec, scratch, self.image))["Id"]
        except docker.errors.DockerException as exc:
            raise SandboxError(f"docker refused the job container: {exc}") from exc
        try:
            sock = api.attach_socket(cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            api.start(cid)
        except docker.errors.DockerException as exc:
            with contextlib.suppress(docker.errors.DockerException):
                api.remove_container(cid, force=True)
            raise SandboxError(f"docker could not start the job container: {exc}") from exc
        handle = _ContainerHandle(api, cid, sock)
        control = _ContainerControl(api, cid)
        return SandboxProcess(handle, control, spec.limits, start_clock=start_clock)

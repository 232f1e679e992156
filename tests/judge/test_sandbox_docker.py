"""The Docker backend's container spec, validated by the docker SDK's own types (no daemon
here), and its run() against a stand-in API client."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
import socket
import struct
import threading
from pathlib import Path

import pytest
from docker.errors import InvalidVersion
from docker.types import ContainerConfig, HostConfig

import docker
from judge.config import load_config
from judge.lean_runner import LeanJob, NativeLeanRunner, RunStats
from judge.provisioning import NativeLean
from judge.sandbox import Limits, SandboxError, SandboxSpec, ScratchDir
from judge.sandbox.docker import DOCKER_API_VERSION, DockerSandbox, container_spec

LIMITS = Limits(wall_seconds=7.0, memory_bytes=512 << 20, output_bytes=1000, processes=48)


@pytest.fixture
def scratch(tmp_path):
    made = ScratchDir(tmp_path)
    yield made
    made.remove()


def native_spec(**overrides) -> SandboxSpec:
    fields = {
        "argv": ("/opt/lean/bin/lean", "--json", "Sol.lean"),
        "limits": LIMITS,
        "ro_binds": (("/srv/lean-4.28.0", "/opt/lean"),),
        "env": {"PATH": "/opt/lean/bin"},
        "allow_process_creation": False,
    }
    return SandboxSpec(**{**fields, **overrides})


def test_spec_is_accepted_by_the_sdk(scratch):
    spec = container_spec(native_spec(), scratch, "arena-judge:test")
    host = spec["host_config"]
    assert isinstance(host, HostConfig)
    # Every create_container argument exists in the SDK, and the container config builds.
    inspect.signature(docker.APIClient.create_container).bind(None, **spec)
    config = ContainerConfig(DOCKER_API_VERSION, **{k: v for k, v in spec.items()})
    assert config["User"] == "65534:65534"
    assert config["NetworkDisabled"] is True
    assert config["WorkingDir"] == "/tmp/job"
    assert config["Env"] == ["PATH=/opt/lean/bin"]


def test_spec_isolates_the_job(scratch):
    host = container_spec(native_spec(), scratch, "img")["host_config"]
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert host["Memory"] == host["MemorySwap"] == 512 << 20
    assert host["PidsLimit"] == 48
    assert "Privileged" not in host or host["Privileged"] is False
    mounts = {m["Target"]: m for m in host["Mounts"]}
    assert mounts["/tmp/job"]["Source"] == str(scratch.path) and not mounts["/tmp/job"]["ReadOnly"]
    assert mounts["/opt/lean"]["ReadOnly"] is True
    assert "no-new-privileges" in host["SecurityOpt"]
    [seccomp] = [o for o in host["SecurityOpt"] if o.startswith("seccomp=")]
    profile = json.loads(seccomp.removeprefix("seccomp="))
    killed = {n for rule in profile["syscalls"] if rule["action"] == "SCMP_ACT_KILL_PROCESS" for n in rule["names"]}
    assert {"fork", "vfork", "clone"} <= killed


def test_process_creation_allowed_keeps_the_default_seccomp_profile(scratch):
    host = container_spec(native_spec(allow_process_creation=True), scratch, "img")["host_config"]
    assert host["SecurityOpt"] == ["no-new-privileges"]


def test_the_sdk_does_refuse_bad_specs():
    """The negative control: the types we build through do validate."""
    with pytest.raises(InvalidVersion):
        HostConfig(version="1.10", pids_limit=10)
    with pytest.raises(TypeError):
        HostConfig(version=DOCKER_API_VERSION, mem_swappiness="high")


class FakeClient:
    def __init__(self, api):
        self.api = api


def test_a_refused_container_is_a_sandbox_error(scratch):
    class Refusing:
        def create_container(self, **kwargs):
            raise docker.errors.APIError("no such image")

    with pytest.raises(SandboxError):
        DockerSandbox(image="img", client=FakeClient(Refusing())).spawn(native_spec(), scratch)


# --- long-lived containers (sessions, the pool): the attach stream against a stand-in daemon


class FakeDaemon:
    """Plays the Docker daemon for one container: the attach socket is one end of a socketpair,
    frames carry the 8-byte stream headers, and the "program" is a Python function."""

    def __init__(self, program, oom=False):
        self.program, self.oom = program, oom
        self.calls: list[str] = []
        self.created: dict = {}
        self.ours, self.theirs = socket.socketpair()
        self.exit_code: int | None = None
        self.done = threading.Event()
        self.killed = threading.Event()

    def create_container(self, **kwargs):
        self.calls.append("create")
        self.created = kwargs
        return {"Id": "c2"}

    def attach_socket(self, cid, params=None):
        self.calls.append("attach")
        return self.ours

    def start(self, cid):
        self.calls.append("start")

        def run():
            code = self.program(self)
            if self.exit_code is None:
                self.exit_code = code
            with contextlib.suppress(OSError):
                self.theirs.close()
            self.done.set()

        threading.Thread(target=run, daemon=True).start()

    def send(self, stream: int, data: bytes) -> None:
        self.theirs.sendall(struct.pack(">BxxxL", stream, len(data)) + data)

    def lines(self):
        buffer = b""
        while True:
            chunk = self.theirs.recv(4096)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line

    def wait(self, cid, timeout=None):
        self.done.wait()
        return {"StatusCode": self.exit_code}

    def kill(self, cid, signal=None):
        self.calls.append("kill")
        self.exit_code = 137
        self.killed.set()
        with contextlib.suppress(OSError):
            self.theirs.shutdown(socket.SHUT_RDWR)

    def stats(self, cid, stream=False):
        return {"memory_stats": {"max_usage": 64 << 20}}

    def inspect_container(self, cid):
        return {"State": {"OOMKilled": self.oom}}

    def remove_container(self, cid, force=False):
        self.calls.append("remove")


def serve(daemon: FakeDaemon) -> int:
    daemon.send(2, b"[DEBUG] starting\n")
    for line in daemon.lines():
        daemon.send(1, b"[DEBUG] chatter\nARENA-REPLY " + line + b"\n")
    return 0


def hang(daemon: FakeDaemon) -> int:
    daemon.killed.wait(30)
    return 0


def docker_runner(daemon: FakeDaemon, tmp_path):
    config = dataclasses.replace(load_config({}), slot_dir=tmp_path / "slots", native_limits=LIMITS)
    native = NativeLean(binary=Path("/opt/lean/bin/lean"), prefix=Path("/srv/lean"), version="Lean (version 4.28.0)")
    sandbox = DockerSandbox(image="arena-judge:test", client=FakeClient(daemon))
    return NativeLeanRunner(config, native, sandbox=sandbox, stats=RunStats())


def test_session_through_a_container(tmp_path):
    daemon = FakeDaemon(serve)
    runner = docker_runner(daemon, tmp_path)
    with runner.open_session(("--run", "Replay.lean"), {"Replay.lean": b"-- ours"}) as session:
        assert session.request(b"r1 {}", timeout=5) == b"r1 {}"
        assert session.request(b"r2 {}", timeout=5) == b"r2 {}"
    assert daemon.created["stdin_open"] is True and daemon.created["user"] == "65534:65534"
    assert daemon.calls[:3] == ["create", "attach", "start"] and daemon.calls[-1] == "remove"


def test_job_through_a_container_gets_stdin_and_limits(tmp_path):
    daemon = FakeDaemon(serve)
    result = docker_runner(daemon, tmp_path).run(LeanJob(args=("--json", "Sol.lean"), stdin=b"a\nb\n"))
    assert result.stdout == "[DEBUG] chatter\nARENA-REPLY a\n[DEBUG] chatter\nARENA-REPLY b\n"
    assert result.stderr == "[DEBUG] starting\n"
    assert result.exit_code == 0 and result.limit_hit is None
    assert result.peak_memory_kb == 64 << 10
    hung = FakeDaemon(hang)
    job = LeanJob(args=("x",), limits=dataclasses.replace(LIMITS, wall_seconds=0.5))
    timed_out = docker_runner(hung, tmp_path).run(job)
    assert timed_out.limit_hit == "wall" and "kill" in hung.calls and hung.calls[-1] == "remove"


def test_oom_killed_container_is_a_memory_limit(tmp_path):
    def killed(daemon: FakeDaemon) -> int:
        return 137

    result = docker_runner(FakeDaemon(killed, oom=True), tmp_path).run(LeanJob(args=("x",)))
    assert result.limit_hit == "memory" and result.signal == 9


def test_output_flood_and_forbidden_fork_through_a_container(tmp_path):
    def flood(daemon: FakeDaemon) -> int:
        for _ in range(10):
            daemon.send(1, b"x" * 1000)
        daemon.killed.wait(5)
        return 0

    daemon = FakeDaemon(flood)
    result = docker_runner(daemon, tmp_path).run(
        LeanJob(args=("x",), limits=dataclasses.replace(LIMITS, output_bytes=1000))
    )
    assert result.limit_hit == "output" and len(result.stdout) == 1000 and "kill" in daemon.calls

    def forks(daemon: FakeDaemon) -> int:
        return 128 + 31  # killed by the seccomp profile (SIGSYS)

    assert docker_runner(FakeDaemon(forks), tmp_path).run(LeanJob(args=("x",))).limit_hit == "processes"

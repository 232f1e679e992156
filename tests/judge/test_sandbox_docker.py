"""The Docker backend's container spec, validated by the docker SDK's own types (no daemon
here), and its run() against a stand-in API client."""

from __future__ import annotations

import inspect
import json

import pytest
from docker.errors import InvalidVersion
from docker.types import ContainerConfig, HostConfig

import docker
from judge.docker_sandbox import DOCKER_API_VERSION, DockerSandbox, container_spec
from judge.sandbox import Limits, SandboxError, SandboxSpec, ScratchDir

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


def test_stdin_is_redirected_from_the_scratch_dir_without_a_fork(scratch):
    spec = container_spec(native_spec(), scratch, "img", has_stdin=True)
    assert spec["command"][:2] == ["/bin/sh", "-c"]
    assert spec["command"][2].startswith('exec "$0" "$@" < /tmp/job/')
    assert spec["command"][3:] == ["/opt/lean/bin/lean", "--json", "Sol.lean"]


class FakeAPI:
    """Answers like the docker SDK's APIClient for one container."""

    def __init__(self, wait_status=0, oom=False, hang=False, stdout=b"out\n", stderr=b""):
        self.calls: list[str] = []
        self.wait_status, self.oom, self.hang = wait_status, oom, hang
        self.stdout, self.stderr = stdout, stderr
        self.created: dict = {}

    def create_container(self, **kwargs):
        self.calls.append("create")
        self.created = kwargs
        return {"Id": "c1"}

    def start(self, cid):
        self.calls.append("start")

    def wait(self, cid, timeout=None):
        self.calls.append("wait")
        if self.hang and "kill" not in self.calls:
            raise TimeoutError("read timed out")
        return {"StatusCode": 137 if "kill" in self.calls else self.wait_status}

    def kill(self, cid, signal=None):
        self.calls.append("kill")

    def stats(self, cid, stream=False):
        return {"memory_stats": {"max_usage": 10 << 20}}

    def inspect_container(self, cid):
        return {"State": {"OOMKilled": self.oom}}

    def logs(self, cid, stdout=True, stderr=True):
        return self.stdout if stdout else self.stderr

    def remove_container(self, cid, force=False):
        self.calls.append("remove")


class FakeClient:
    def __init__(self, api):
        self.api = api


def test_run_returns_output_and_removes_the_container(scratch):
    api = FakeAPI()
    result = DockerSandbox(image="img", client=FakeClient(api)).run(native_spec(), scratch, b"in")
    assert result.stdout == b"out\n" and result.exit_code == 0 and result.limit_hit is None
    assert api.calls[:2] == ["create", "start"] and api.calls[-1] == "remove"
    assert not (scratch.path / ".arena-stdin").exists()


def test_run_maps_limits(scratch):
    sandbox = DockerSandbox(image="img", client=FakeClient(FakeAPI(hang=True)))
    assert sandbox.run(native_spec(), scratch).limit_hit == "wall"
    sandbox = DockerSandbox(image="img", client=FakeClient(FakeAPI(wait_status=137, oom=True)))
    assert sandbox.run(native_spec(), scratch).limit_hit == "memory"
    sandbox = DockerSandbox(image="img", client=FakeClient(FakeAPI(wait_status=159)))
    assert sandbox.run(native_spec(), scratch).limit_hit == "processes"
    flood = FakeAPI(stdout=b"x" * 5000)
    result = DockerSandbox(image="img", client=FakeClient(flood)).run(native_spec(), scratch)
    assert result.limit_hit == "output" and len(result.stdout) == 1000


def test_docker_backend_has_no_long_lived_processes(scratch):
    with pytest.raises(SandboxError):
        DockerSandbox(image="img", client=FakeClient(FakeAPI())).spawn(native_spec(), scratch)

"""The bubblewrap sandbox, checked with a native probe (never with Lean, which cannot try most
of this offline and would pass for the wrong reason). Each limit test then runs a normal job
to show the sandbox is still usable."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
from pathlib import Path

import pytest

from judge.sandbox import Limits, SandboxSpec, ScratchDir
from judge.sandbox.cgroups import CgroupSet


@pytest.fixture
def run_probe(sandbox, probe_dir, small_limits):
    made: list[ScratchDir] = []

    def run(*args: str, limits: Limits | None = None, allow_process_creation: bool = True, stdin: bytes = b""):
        scratch = ScratchDir()
        made.append(scratch)
        spec = SandboxSpec(
            argv=("/opt/probe/probe", *args),
            limits=limits or small_limits,
            ro_binds=((str(probe_dir), "/opt/probe"),),
            allow_process_creation=allow_process_creation,
        )
        result = sandbox.run(spec, scratch, stdin)
        result.scratch = scratch
        return result

    yield run
    for scratch in made:
        scratch.remove()


def assert_still_works(run_probe) -> None:
    result = run_probe("hello", "echo", stdin=b"ping")
    assert result.limit_hit is None
    assert result.exit_code == 0
    assert result.stdout == b"hello uid=65534 gid=65534 cwd=/tmp/job\nping"


def test_runs_as_nobody_in_the_scratch_dir_with_stdin(run_probe):
    assert_still_works(run_probe)


def test_host_files_are_invisible(run_probe):
    assert run_probe("read", "/etc/passwd").stdout == b"read ERR No such file or directory\n"
    assert run_probe("read", "/root/.bashrc").stdout.startswith(b"read ERR")


def test_parent_environment_does_not_leak(run_probe, monkeypatch):
    monkeypatch.setenv("ARENA_TEST_SECRET", "hunter2")
    assert run_probe("env", "ARENA_TEST_SECRET").stdout == b"env ABSENT\n"
    assert run_probe("env", "PATH").stdout == b"env ABSENT\n"


def test_no_network(run_probe):
    # A server that the host can reach on its loopback: the sandbox cannot.
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        result = run_probe("connect", "127.0.0.1", str(port))
    assert result.stdout.startswith(b"connect ERR")
    assert run_probe("connect", "127.0.0.1", "5432").stdout.startswith(b"connect ERR")  # the site's database


@pytest.mark.parametrize("path", ["/usr/evil", "/tmp/evil", "/home/evil", "/evil", "/dev/evil", "/opt/probe/evil"])
def test_only_the_scratch_dir_is_writable(run_probe, path):
    assert run_probe("write", path).stdout.startswith(b"write ERR")
    inside = run_probe("write", "out")
    assert inside.stdout == b"write OK\n"
    assert (inside.scratch.path / "out").read_bytes() == b"x"


def test_fork_bomb_ends_at_the_process_limit(run_probe):
    result = run_probe("forkbomb")
    assert result.limit_hit == "processes"
    assert result.wall_seconds < 4
    assert_still_works(run_probe)


def test_forbidden_process_creation_kills_at_the_first_fork(run_probe):
    result = run_probe("fork", allow_process_creation=False)
    assert result.limit_hit == "processes"
    assert result.stdout == b""  # killed in fork(), before it could report
    bomb = run_probe("forkbomb", allow_process_creation=False)
    assert bomb.limit_hit == "processes"
    assert_still_works(run_probe)


def test_threads_stay_allowed_without_process_creation(run_probe):
    result = run_probe("threads", "8", allow_process_creation=False)
    assert result.stdout == b"threads 8\n"
    assert result.limit_hit is None


def test_memory_hog_ends_at_the_memory_limit(run_probe):
    result = run_probe("hog", "1024")
    assert result.limit_hit == "memory"
    assert b"hog done" not in result.stdout
    assert result.peak_memory_kb <= 256 << 10
    assert_still_works(run_probe)


def test_memory_watchdog_without_cgroups(run_probe, monkeypatch):
    monkeypatch.setenv("ARENA_SANDBOX_NO_CGROUPS", "1")
    result = run_probe("hog", "1024")
    assert result.limit_hit == "memory"
    assert_still_works(run_probe)


def test_output_flood_is_cut_at_the_output_limit(run_probe, small_limits):
    result = run_probe("flood", str(1 << 20))
    assert result.limit_hit == "output"
    assert len(result.stdout) + len(result.stderr) <= small_limits.output_bytes
    assert_still_works(run_probe)


def test_sleep_ends_at_the_wall_limit(run_probe, small_limits):
    limits = dataclasses.replace(small_limits, wall_seconds=1.0)
    result = run_probe("sleep", "30", limits=limits)
    assert result.limit_hit == "wall"
    assert 1.0 <= result.wall_seconds < 3.0
    assert result.stdout == b""
    assert_still_works(run_probe)


def test_cgroups_are_removed_after_each_run(run_probe):
    run_probe("hello")
    mine = f"arena-{os.getpid()}-"
    for controller in ("memory", "pids"):
        root = Path("/sys/fs/cgroup", controller)
        if root.is_dir():
            assert not [p for p in root.rglob(f"{mine}*") if p.is_dir()], controller


def test_cgroup_limits_are_available_here(small_limits):
    """Not a requirement of the code (it falls back), but CI must exercise the real mechanism."""
    cgroups = CgroupSet(small_limits)
    try:
        assert cgroups.memory is not None and cgroups.pids is not None
    finally:
        cgroups.remove()


def test_scratch_files_are_read_back_without_following_links(tmp_path):
    scratch = ScratchDir(tmp_path)
    try:
        (scratch.path / "planted").symlink_to("/etc/hostname")
        assert scratch.read("planted", 100) is None
        (scratch.path / "sub").symlink_to("/etc")
        assert scratch.read("sub/hostname", 100) is None
        with pytest.raises(FileExistsError):
            scratch.write("planted", b"x")
        for bad in ("../escape", "/abs", "a/../b", ""):
            with pytest.raises(ValueError):
                scratch.write(bad, b"x")
        scratch.write("dir/file.lean", b"ok")
        assert scratch.read("dir/file.lean", 100) == b"ok"
        assert scratch.read("missing", 100) is None
    finally:
        scratch.remove()
    assert not scratch.path.exists()


def test_scratch_dirs_of_dead_processes_are_swept(tmp_path, monkeypatch):
    from judge.sandbox import scratch as sandbox_module

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"arena-job-{dead.pid}-abc"
    (stale / "sub").mkdir(parents=True)
    mine = ScratchDir(tmp_path)
    monkeypatch.setattr(sandbox_module, "_last_sweep", {})
    other = ScratchDir(tmp_path)
    assert not stale.exists()
    assert mine.path.exists() and other.path.exists()  # a live process keeps its own
    mine.remove()
    other.remove()


def test_process_watchdog_without_cgroups(run_probe, monkeypatch):
    monkeypatch.setenv("ARENA_SANDBOX_NO_CGROUPS", "1")
    result = run_probe("forkbomb")
    assert result.limit_hit == "processes"
    assert_still_works(run_probe)


def test_output_written_at_once_is_never_lost(run_probe):
    # Regression: the clock used to start after the readers, so a quick program's output could
    # land in the pre-start preamble and vanish.
    for _ in range(30):
        assert run_probe("hello").stdout == b"hello uid=65534 gid=65534 cwd=/tmp/job\n"


def fake_v2_tree(tmp_path: Path, own: str, controllers: str, subtree: str) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for directory in {root / "svc", root / own.lstrip("/")}:
        directory.mkdir(parents=True, exist_ok=True)
    (root / "svc" / "cgroup.controllers").write_text(controllers)
    (root / "svc" / "cgroup.subtree_control").write_text(subtree)
    self_cgroup = tmp_path / "self-cgroup"
    self_cgroup.write_text(f"0::{own}\n")
    return root, self_cgroup


def test_cgroup_v2_jobs_go_beside_the_worker(tmp_path):
    from judge.sandbox.cgroups import _v2_job_parent

    root, me = fake_v2_tree(tmp_path, "/svc", "cpu memory pids", "memory pids")
    assert _v2_job_parent(root, me) == root / "svc"
    root, me = fake_v2_tree(tmp_path, "/svc/arena-worker", "cpu memory pids", "memory pids")
    assert _v2_job_parent(root, me) == root / "svc"  # moved into the leaf earlier: its parent
    root, me = fake_v2_tree(tmp_path, "/svc", "cpu memory pids", "")
    assert _v2_job_parent(root, me) == root / "svc"  # delegates the controllers itself
    assert (root / "svc" / "cgroup.subtree_control").read_text() == "+memory +pids"
    root, me = fake_v2_tree(tmp_path, "/svc", "cpu io", "")
    assert _v2_job_parent(root, me) is None  # memory and pids are not ours to use

"""Native Lean runs the exporter and the replay compiled ahead of time when the judge image built
them (judge/lean/aot/, ARENA_LEAN_AOT_DIR) from exactly the source the job carries; otherwise
`lean --run`. The builds here are doubles (the sandbox probe in the place of `arena-export`):
no native Lean exists on the development machines, so the real build is untested."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from judge import provisioning
from judge.config import load_config
from judge.exporter_program import exporter_source
from judge.lean_runner import LeanJob, NativeLeanRunner, OfflineLeanRunner, RunStats
from judge.pipeline import exporter_job
from judge.replay import REPLAY_SOURCE
from judge.sandbox import Limits

LIMITS = Limits(wall_seconds=10.0, memory_bytes=1 << 30, output_bytes=64 << 10, processes=64)
EXPORT = exporter_source()


def aot_build(directory: Path, program: str, source: bytes, binary: Path) -> None:
    """What judge/lean/aot/build.sh leaves: bin/<program> and <program>.sha256 of its source."""
    (directory / "bin").mkdir(parents=True, exist_ok=True, mode=0o755)
    shutil.copy(binary, directory / "bin" / program)
    (directory / f"{program}.sha256").write_text(hashlib.sha256(source).hexdigest() + "\n")
    os.chmod(directory, 0o755)


@pytest.fixture
def where():
    """A directory the sandbox's uid can reach (pytest's tmp_path is private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="arena-fake-aot-"))
    os.chmod(directory, 0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def native(where, probe_dir, sandbox, tmp_path):
    prefix = where / "toolchain"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy(probe_dir / "probe", prefix / "bin" / "lean")
    for p in (prefix, prefix / "bin"):
        os.chmod(p, 0o755)
    lean = provisioning.NativeLean(binary=prefix / "bin" / "lean", prefix=prefix, version="Lean (version 4.28.0, fake)")
    runners = []

    def make(aot_dir: Path | None) -> NativeLeanRunner:
        config = dataclasses.replace(
            load_config({}), native_limits=LIMITS, slot_dir=tmp_path / "slots", pool_size=0, aot_dir=aot_dir
        )
        runner = NativeLeanRunner(config, lean, sandbox=sandbox, stats=RunStats())
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()


def test_the_aot_exporter_is_used_when_built_from_this_source(native, tmp_path, probe_dir):
    aot = tmp_path / "aot"
    aot_build(aot, "arena-export", EXPORT, probe_dir / "probe")
    runner = native(aot)
    spec = runner.spec(("--run", "Export.lean", "Std"), LIMITS, static_files={"Export.lean": EXPORT})
    assert spec.argv == ("/opt/arena-aot/bin/arena-export", "Std")
    assert (str(aot), "/opt/arena-aot") in spec.ro_binds
    assert spec.env["LEAN_SYSROOT"] == "/opt/lean"
    # the pre-started exporter a native worker keeps is the compiled one too
    assert runner.prestart_spec(exporter_job(b"", None), LIMITS).argv == ("/opt/arena-aot/bin/arena-export",)


def test_the_aot_replay_is_used_for_the_replay_session(native, tmp_path, probe_dir):
    aot = tmp_path / "aot"
    aot_build(aot, "arena-replay", REPLAY_SOURCE.read_bytes(), probe_dir / "probe")
    spec = native(aot).spec(("--run", "Replay.lean"), LIMITS, static_files={"Replay.lean": REPLAY_SOURCE.read_bytes()})
    assert spec.argv == ("/opt/arena-aot/bin/arena-replay",)


@pytest.mark.parametrize("build", ["none", "no-binary", "other-source"])
def test_without_a_matching_build_lean_runs_the_source(native, tmp_path, probe_dir, build):
    aot = tmp_path / "aot"
    if build == "no-binary":
        aot.mkdir()
        (aot / "arena-export.sha256").write_text(hashlib.sha256(EXPORT).hexdigest())
    if build == "other-source":  # built before the exporter changed: stale, never used
        aot_build(aot, "arena-export", EXPORT + b"\n-- an older exporter\n", probe_dir / "probe")
    runner = native(None if build == "none" else aot)
    spec = runner.spec(("--run", "Export.lean", "Std"), LIMITS, static_files={"Export.lean": EXPORT})
    assert spec.argv == ("/opt/lean/bin/lean", "--run", "Export.lean", "Std")
    assert all(inside != "/opt/arena-aot" for _, inside in spec.ro_binds)


def test_the_aot_binary_runs_in_the_sandbox_with_the_jobs_arguments(native, where, probe_dir):
    aot = where / "aot"
    aot_build(aot, "arena-export", EXPORT, probe_dir / "probe")
    # the probe in the place of arena-export: its first argument is its mode
    job = LeanJob(args=("--run", "Export.lean", "hello"), static_files={"Export.lean": EXPORT})
    result = native(aot).run(job)
    assert result.stdout == "hello uid=65534 gid=65534 cwd=/tmp/job\n", result.stderr


def test_the_offline_lean_always_runs_the_source(tmp_path, probe_dir):
    aot = tmp_path / "aot"
    aot_build(aot, "arena-export", EXPORT, probe_dir / "probe")
    config = dataclasses.replace(load_config({}), pool_size=0, aot_dir=aot)
    runner = OfflineLeanRunner(config, provisioning.OfflineLean(root=tmp_path), stats=RunStats())
    try:
        spec = runner.spec(("--run", "Export.lean"), LIMITS, static_files={"Export.lean": EXPORT})
        assert spec.argv == ("/tmp/node/node", "/tmp/lean/lean.js", "--run", "Export.lean")
    finally:
        runner.close()

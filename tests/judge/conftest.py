"""Fixtures for the Lean layer: the bubblewrap sandbox, a native probe, real Lean runners.

The probe (probe.c) is compiled once per session and run through the same bubblewrap backend
the judge uses, so the sandbox tests check the sandbox and not the offline Lean's own limits.
The session ends with a line counting the real Lean runs and their time.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from judge import lean_runner
from judge.config import load_config
from judge.provisioning import ProvisioningError, ensure_bubblewrap, ensure_offline_lean, find_native_lean
from judge.sandbox import BubblewrapSandbox, Limits

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def sandbox() -> BubblewrapSandbox:
    try:
        ensure_bubblewrap()
    except ProvisioningError as exc:
        pytest.fail(f"the sandbox needs bubblewrap: {exc}")
    return BubblewrapSandbox()


@pytest.fixture(scope="session")
def probe_dir():
    """A directory holding the compiled probe, readable by the sandbox's uid."""
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build the sandbox probe (apt-get install gcc)")
    directory = Path(tempfile.mkdtemp(prefix="arena-probe-"))
    os.chmod(directory, 0o755)
    subprocess.run(
        ["gcc", "-O1", "-Wall", "-o", str(directory / "probe"), str(HERE / "probe.c"), "-lpthread"],
        check=True,
    )
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def small_limits() -> Limits:
    return Limits(wall_seconds=5.0, memory_bytes=256 << 20, output_bytes=64 << 10, processes=32)


@pytest.fixture(scope="session")
def real_runner():
    """The Lean the judge would use here (native when installed, else offline), with no pool:
    every run is cold. Provisions the offline Lean when it is missing (cached per user)."""
    config = dataclasses.replace(load_config(), pool_size=0)
    if config.lean != "native" and find_native_lean() is None:
        try:
            ensure_offline_lean(config.cache_dir)
        except ProvisioningError as exc:
            pytest.fail(f"cannot provision the offline Lean: {exc}")
    runner = lean_runner.make_runner(config)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def runner_settings() -> dict:
    """Config fields a test module sets on its `runner` (override this fixture in the module)."""
    return {}


@pytest.fixture(scope="module")
def runner(runner_settings):
    """The Lean a worker has: a pool of one pre-started exporter, the replay kept alive between
    verdicts. One per test module."""
    from judge.pipeline import judge_for

    config = dataclasses.replace(load_config(), pool_size=1, **runner_settings)
    runner = lean_runner.make_runner(config)
    yield runner
    # Both, or each module leaves a pre-started Lean (~1 GB, its cgroup) alive to the session's end.
    judge_for(runner).close()
    runner.close()
    runner.close()


def pytest_terminal_summary(terminalreporter) -> None:
    stats = lean_runner.STATS
    if not (stats.jobs or stats.sessions):
        return
    terminalreporter.write_sep("-", "real Lean runs")
    terminalreporter.write_line(
        f"real Lean runs: {stats.jobs} jobs ({stats.prestarted_jobs} pre-started), "
        f"{stats.job_seconds:.1f} s in jobs; {stats.sessions} sessions answering "
        f"{stats.requests} requests in {stats.request_seconds:.1f} s"
    )

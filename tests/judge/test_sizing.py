"""The worker's sizing from the memory it may use (judge/sizing.py, arena/celery.py)."""

from __future__ import annotations

import os
import types

import pytest

from judge.sizing import GB, GIB, size_this_worker, size_worker, usable_memory

OFFLINE = dict(lean="offline", cores=2, slots=1, job_limit=6 * GIB, reuse=True, source="test")


def test_a_24_gib_machine_judges_with_one_process_a_spare_and_a_kept_exporter():
    sizing = size_worker(budget=24 * GIB, **OFFLINE)
    assert (sizing.concurrency, sizing.pool_size, sizing.kept) == (1, 1, 1)
    # 6 GiB for the running job + 3 processes (pool, kept, replay) x 3.6 GB + 1 GB for the site
    assert sizing.needed() == 6 * GIB + 3 * int(3.6 * GB) + 1 * GB
    line = sizing.describe()
    assert "concurrency 1" in line and "1 kept exporter" in line and "= 18.2 GB" in line
    assert "no more than the 1 Lean slot" in line


def test_without_room_for_a_kept_exporter_each_exporter_serves_one_job():
    sizing = size_worker(budget=16 * GB, **OFFLINE)
    assert (sizing.concurrency, sizing.pool_size, sizing.kept) == (1, 1, 0)
    assert "one job per exporter process" in sizing.describe()


def test_without_room_for_a_pool_every_run_starts_cold():
    sizing = size_worker(budget=12 * GB, **OFFLINE)
    assert (sizing.pool_size, sizing.kept) == (0, 0)
    assert "starts cold" in sizing.describe()


def test_one_job_per_process_mode_needs_no_kept_exporter():
    sizing = size_worker(budget=24 * GIB, **{**OFFLINE, "reuse": False})
    assert (sizing.pool_size, sizing.kept) == (1, 0)


def test_concurrency_is_the_largest_that_fits_within_cores_and_slots():
    sizing = size_worker(budget=64 * GB, **{**OFFLINE, "cores": 8, "slots": 4})
    assert sizing.concurrency == 3
    assert "concurrency 4 would need 70.0 GB" in sizing.describe()
    assert size_worker(budget=1000 * GB, **{**OFFLINE, "cores": 8, "slots": 4}).concurrency == 4
    assert size_worker(budget=1000 * GB, **{**OFFLINE, "cores": 2, "slots": 4}).concurrency == 2


def test_native_lean_counts_its_smaller_processes():
    sizing = size_worker(budget=17 * GB, **{**OFFLINE, "lean": "native", "job_limit": 4 * GIB, "slots": 2})
    assert (sizing.concurrency, sizing.pool_size, sizing.kept) == (2, 1, 1)
    assert sizing.needed() == 2 * 4 * GIB + 2 * 3 * GIB + 1 * GB


def test_what_the_operator_set_is_kept_and_only_reported():
    sizing = size_worker(budget=12 * GB, **OFFLINE, concurrency=2, pool_size=1)
    assert (sizing.concurrency, sizing.pool_size) == (2, 1)
    assert "expect the kernel's OOM killer" in sizing.describe()


def test_the_usable_memory_is_the_setting_else_a_cgroup_limit_else_the_machine():
    assert usable_memory({"ARENA_WORKER_MEMORY_MB": "2048"}) == (2048 << 20, "ARENA_WORKER_MEMORY_MB")
    budget, source = usable_memory({})
    assert budget > 0 and source in ("the worker's cgroup limit", "the machine's MemTotal")


def test_the_worker_passes_its_pool_and_mode_to_its_judging_processes():
    env = {"ARENA_LEAN": "offline", "ARENA_WORKER_MEMORY_MB": str(16 * 1000**3 >> 20)}
    sizing = size_this_worker(concurrency=None, env=env)
    assert sizing.kept == 0
    assert env["ARENA_LEAN_POOL_SIZE"] == "1" and env["ARENA_EXPORTER_JOBS_PER_PROCESS"] == "1"
    roomy = {"ARENA_LEAN": "offline", "ARENA_WORKER_MEMORY_MB": str(24 << 10), "ARENA_LEAN_POOL_SIZE": "2"}
    assert size_this_worker(concurrency=None, env=roomy).pool_size == 2
    assert roomy["ARENA_LEAN_POOL_SIZE"] == "2" and "ARENA_EXPORTER_JOBS_PER_PROCESS" not in roomy


@pytest.fixture
def worker_environment(monkeypatch):
    for name in ("ARENA_JUDGE", "ARENA_LEAN_POOL_SIZE", "ARENA_EXPORTER_JOBS_PER_PROCESS"):
        monkeypatch.setenv(name, "")  # restored after the test, whatever the hook writes
    monkeypatch.delenv("ARENA_JUDGE")
    monkeypatch.setenv("ARENA_LEAN", "offline")
    monkeypatch.setenv("ARENA_WORKER_MEMORY_MB", str(24 << 10))
    yield
    from judge.config import get_config

    get_config.cache_clear()


def test_a_starting_worker_sizes_its_concurrency_and_logs_one_line(worker_environment, caplog):
    from arena import celery

    conf = types.SimpleNamespace(worker_concurrency=None)
    celery._sizing_lines.clear()
    celery.size_the_judge(conf=conf, options={"concurrency": None})
    assert conf.worker_concurrency == 1
    with caplog.at_level("INFO", logger="judge.sizing"):
        celery.log_the_sizing()
    [record] = [r for r in caplog.records if r.name == "judge.sizing"]
    assert record.getMessage().startswith("judge sizing: 25.8 GB usable (ARENA_WORKER_MEMORY_MB); offline Lean")
    assert record.getMessage().endswith("another process would only wait for one") or os.cpu_count() == 1


def test_a_worker_with_a_judge_double_judges_one_at_a_time(worker_environment, monkeypatch):
    from arena import celery

    monkeypatch.setenv("ARENA_JUDGE", "tests.site.judge_doubles.recording_judge_double")
    conf = types.SimpleNamespace(worker_concurrency=None)
    celery.size_the_judge(conf=conf, options={"concurrency": None})
    assert conf.worker_concurrency == 1


def test_a_concurrency_given_on_the_command_line_is_kept(worker_environment):
    from arena import celery

    conf = types.SimpleNamespace(worker_concurrency=1)
    celery.size_the_judge(conf=conf, options={"concurrency": 3})
    assert conf.worker_concurrency == 1  # celery takes -c 3 itself; the sizing only reports it
    assert "concurrency 3" in celery._sizing_lines[-1]

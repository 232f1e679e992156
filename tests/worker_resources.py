"""Resources of one pytest-xdist worker (scripts/test.sh runs the suite in two): its own ports,
Redis databases, live database names and var directory, so two workers never share a server,
a queue or a file. Loaded with `-p tests.worker_resources` (pyproject.toml), before Django's
settings are read; without xdist, or on the first worker, every default stays as it is.

It also puts every real-Lean test file on one worker (one work unit, given out first, longest
module first): one offline Lean needs ~3.6 GB, a module holds up to three (a kept exporter, a
pre-started one, the replay), and two workers' worth ran this 24 GB machine out of memory. Every
other test file is a unit of its own, so a module's fixtures (a live site, a Celery worker) serve
all its tests."""

from __future__ import annotations

import os
import re
import tempfile

import pytest

# Each worker after the first moves its ports by this much, and takes Redis databases below 13.
PORT_STEP = 1000
PORTS = {
    "ARENA_BROWSER_PORTS": "8103,8113",
    "ARENA_FUZZ_PORT": "8113",
    "ARENA_TEST_OUTAGE_WEB_PORT": "8104",
    "ARENA_TEST_SLOW_CLIENT_PORT": "8114",
    "ARENA_TEST_PRIVATE_PG_PORT": "55432",
    "ARENA_TEST_PRIVATE_REDIS_PORT": "16380",
}


def worker_index() -> int:
    """0 for the first worker and for a run without xdist, 1 for `gw1`, ..."""
    match = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(match.group(1)) if match else 0


def _with_redis_db(url: str, db: int) -> str:
    return re.sub(r"/\d+$", f"/{db}", url) if re.search(r"/\d+$", url) else url


def _give_this_worker_its_own() -> None:
    index = worker_index()
    if index == 0:
        return
    env = os.environ
    for name, default in PORTS.items():
        ports = env.get(name, default).split(",")
        env[name] = ",".join(str(int(port) + index * PORT_STEP) for port in ports)
    test_redis = env.get("ARENA_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    env["ARENA_TEST_REDIS_URL"] = _with_redis_db(test_redis, 13 - index)
    if env.get("CELERY_BROKER_URL", "").startswith("redis"):
        env["CELERY_BROKER_URL"] = _with_redis_db(env["CELERY_BROKER_URL"], index)
    base = env.get("DATABASE_URL", "")
    if base.startswith("postgres") and "ARENA_BROWSER_DATABASE_URL" not in env:
        env["ARENA_BROWSER_DATABASE_URL"] = f"{base.rstrip('/')}_browser_live_gw{index}"
    env["ARENA_VAR_DIR"] = tempfile.mkdtemp(prefix=f"arena-var-gw{index}-")


_give_this_worker_its_own()

# Every file with a real-Lean test, longest first (their times in the fresh-clone CI of
# 2026-12-07): the Lean lane's order. Collection refuses a Lean test in a file not named here.
LONGEST_FIRST = (
    "tests/judge/test_soundness_lean.py",
    "tests/judge/test_counterexamples_lean.py",
    "tests/judge/test_judge_real_lean.py",
    "tests/judge/test_checks_lean.py",
    "tests/problems/test_validation_lean.py",
    "tests/judge/test_preloaded_imports_lean.py",
    "tests/judge/test_curriculum_corpus_lean.py",
    "tests/judge/test_runner_lean.py",
    "tests/browser/test_real_judge_in_the_browser.py",
    "tests/site/test_end_to_end_lean.py",
    "tests/problems/test_import_verina_real.py",
    "tests/judge/test_wire.py",
    "tests/judge/test_exports.py",
    "tests/judge/test_exporter_isolation_lean.py",
)


def pytest_collection_modifyitems(items) -> None:
    lean_files = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("lean")}
    unlisted = sorted(lean_files - set(LONGEST_FIRST))
    if unlisted:  # it would run beside the Lean lane, and the machine would run out of memory
        raise pytest.UsageError(f"real-Lean test files missing from LONGEST_FIRST ({__file__}): {unlisted}")
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(LONGEST_FIRST)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Work units of one file each, but every real-Lean file in one unit, the first given out."""
    from xdist.scheduler import LoadScopeScheduling

    class OneLeanLane(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return "real-lean" if path in LONGEST_FIRST else path

    return OneLeanLane(config, log)

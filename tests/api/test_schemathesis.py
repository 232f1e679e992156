"""schemathesis against a live server (benchmarks/api_fuzz.py): no 5xx, and no status code the
schema does not document (issue 32, item 12). It needs schemathesis's own virtualenv, which
scripts/test.sh makes (cached by requirements-fuzz.txt's content) and then requires:
    python3.11 -m venv .venv-fuzz && .venv-fuzz/bin/pip install -r requirements-fuzz.txt
Run by pytest alone without it, the test skips, saying so.

Bounded for CI: the examples and fuzzing phases, 5 cases per operation, positive and negative
(about 90 cases, ~1 min of schemathesis under load, plus ~1.5 min to migrate a fresh database
and start the server). The coverage phase (~1,000 cases, ~5 min) is the full run's:
`benchmarks/api_fuzz.py` with its defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.live_arena import _recreate_postgres_database

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_schemathesis_finds_no_server_error_and_no_undocumented_status():
    if not (REPO / ".venv-fuzz/bin/schemathesis").exists():
        if os.environ.get("ARENA_FUZZ_REQUIRED"):
            pytest.fail("scripts/test.sh should have made .venv-fuzz (requirements-fuzz.txt)")
        pytest.skip("no .venv-fuzz (see the docstring; scripts/test.sh makes it)")
    port = os.environ.get("ARENA_FUZZ_PORT", "8113")
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("the fuzzed server needs PostgreSQL (a database of its own beside DATABASE_URL's)")
    database = base.rstrip("/") + "_fuzz"  # never the database DATABASE_URL names
    _recreate_postgres_database(database)
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/api_fuzz.py",
            *("--port", port, "--max-examples", "5", "--phases", "examples,fuzzing"),
        ],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-6000:]

"""schemathesis against a live server (benchmarks/api_fuzz.py): no 5xx, and no status code the
schema does not document (issue 32, item 12). It needs schemathesis's own virtualenv:
    python3.11 -m venv .venv-fuzz && .venv-fuzz/bin/pip install -r requirements-fuzz.txt
and skips, saying so, without it. A few examples per operation: about 2-3 minutes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.live_arena import _recreate_postgres_database

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.skipif(not (REPO / ".venv-fuzz/bin/schemathesis").exists(), reason="no .venv-fuzz (see the docstring)")
def test_schemathesis_finds_no_server_error_and_no_undocumented_status():
    port = os.environ.get("ARENA_FUZZ_PORT", "8113")
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("the fuzzed server needs PostgreSQL (a database of its own beside DATABASE_URL's)")
    database = base.rstrip("/") + "_fuzz"  # never the database DATABASE_URL names
    _recreate_postgres_database(database)
    done = subprocess.run(
        [sys.executable, "benchmarks/api_fuzz.py", "--port", port, "--max-examples", "5"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:]

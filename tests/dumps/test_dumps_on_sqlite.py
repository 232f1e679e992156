"""Dumps on the default deployment's SQLite (issue 32, item 16): scripts/up.sh with no
DATABASE_URL runs on SQLite, and its weekly export must make a dump there too, streamed in one
read transaction, with the same rows as on PostgreSQL.

The dump tests that touch the database (the files, privacy, the schedule's task, the times'
format below) are run again here on a SQLite database, in a child pytest (~1 min)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from dumps.models import DatasetDump
from dumps.services import dump_root
from dumps.tasks import export_dataset_task

REPO = Path(__file__).resolve().parents[2]
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def test_times_are_iso_utc_with_microseconds_on_either_database(make, solver):
    problem = make.problem("open-problem")
    make.submission(user=solver, problem=problem)
    export_dataset_task()  # the beat's task: a dump, not a warning
    dump = DatasetDump.objects.get()
    rows = [json.loads(line) for line in (dump_root() / dump.name / "submissions.jsonl").read_text().splitlines()]
    assert rows and all(ISO_UTC.match(row["submitted_at"]) and ISO_UTC.match(row["verdict_time"]) for row in rows)


@pytest.mark.skipif(os.environ.get("ARENA_DUMPS_ON_SQLITE") == "1", reason="already the SQLite run")
def test_the_dump_tests_pass_on_sqlite(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'arena.sqlite3'}",
        "ARENA_DUMPS_ON_SQLITE": "1",
    }
    tests = [
        "tests/dumps/test_dump_files.py",
        "tests/dumps/test_dump_privacy.py",
        "tests/dumps/test_export_schedule.py",
        "tests/dumps/test_dumps_on_sqlite.py",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout and "skipped" in done.stdout  # the wrapper skipped itself there

"""Redis, then PostgreSQL, restarted during a burst of 50 submissions (private instances, real
gunicorn, a real worker with beat, the sleeping judge double): every acknowledged submission
ends with exactly one verdict, the site answers clear 503s while the database is down, and it
recovers by itself."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.site.celery_workers import WorkerProcess, wait_until
from tests.site.private_services import PG_BIN, PrivatePostgres, PrivateRedis

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(400),
    pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL's server binaries are not installed"),
]

REPO = Path(__file__).resolve().parents[2]
PG_PORT = int(os.environ.get("ARENA_TEST_PRIVATE_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("ARENA_TEST_PRIVATE_REDIS_PORT", "16380"))
WEB_PORT = int(os.environ.get("ARENA_TEST_OUTAGE_WEB_PORT", "8104"))
BURST = 50


class Site:
    """gunicorn and one worker (with beat) on the private PostgreSQL and Redis."""

    def __init__(self, root: Path):
        self.pg = PrivatePostgres(PG_PORT)
        self.redis = PrivateRedis(root, REDIS_PORT)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": self.pg.url,
            "CELERY_BROKER_URL": self.redis.url,
            "ARENA_VAR_DIR": str(root / "var"),
            "ARENA_SUBMISSION_RATE": "10000/min",
        }
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["createcachetable"],
            ["load_sample_problems"],
            ["ensure_demo_user", "--username", "bot", "--password", "bot-pass-123456"],
        ):
            self.manage(*command)
        self.token = re.search(r"[0-9a-f]{40}", self.manage("drf_create_token", "bot")).group(0)
        self.log = (root / "web.log").open("w")
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "arena.wsgi:application", "-c", "gunicorn.conf.py"],
            cwd=REPO,
            env={**self.env, "PORT": str(WEB_PORT), "HOST": "127.0.0.1", "WEB_WORKERS": "2"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.worker = WorkerProcess(
            "outage",
            root,
            {
                "DATABASE_URL": self.pg.url,
                "CELERY_BROKER_URL": self.redis.url,
                "ARENA_TEST_JUDGE_SLEEP": "0.1",
                "ARENA_JUDGE_LEASE_SECONDS": "3",
                "ARENA_QUEUED_STALE_SECONDS": "3",
                "ARENA_SWEEP_INTERVAL_SECONDS": "1",
                "ARENA_JUDGE_RETRY_DELAY_SECONDS": "0",
            },
            beat=True,
        )
        self.worker.wait_ready()
        wait_until(lambda: self.get("/health/")[0] == 200, 60, "gunicorn")

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def request(self, path: str, body: dict | None = None) -> tuple[int, dict | str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{WEB_PORT}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        except OSError as error:
            return 0, repr(error)
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def get(self, path: str) -> tuple[int, dict | str]:
        return self.request(path)

    def submit(self) -> tuple[int, dict | str]:
        code = "def solveAdd (a b : Int) : Int := b - a\n"
        return self.request("/api/submissions/", {"problem": "solve-add", "code": code})

    def stop(self) -> None:
        self.web.terminate()
        self.web.wait(timeout=30)
        self.log.close()
        self.worker.stop()
        self.redis.stop()
        self.pg.remove()


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    yield site
    site.stop()


def burst_with_outage(site: Site, stop_service, start_service, down_seconds: float = 4) -> list[tuple[int, object]]:
    """Send BURST submissions, one every 0.15 s; the service goes down after ~2 s and comes back."""
    responses: list[tuple[int, object]] = []

    def outage() -> None:
        time.sleep(2)
        stop_service()
        time.sleep(down_seconds)
        start_service()

    restarter = threading.Thread(target=outage)
    restarter.start()
    for _ in range(BURST):
        responses.append(site.submit())
        time.sleep(0.15)
    restarter.join()
    return responses


def assert_each_acknowledged_submission_has_one_verdict(site: Site, responses) -> list[int]:
    acknowledged = [body["id"] for status, body in responses if status == 201]
    with site.pg.connect() as conn:

        def all_finished() -> bool:
            rows = conn.execute("SELECT count(*) FROM submissions_submission WHERE status = 'finished'").fetchone()
            return rows[0] == len(acknowledged)

        wait_until(all_finished, 180, "every acknowledged submission's verdict")
        time.sleep(3)  # room for a late duplicate delivery to (not) write again
        stored = conn.execute("SELECT id, status, verdict FROM submissions_submission ORDER BY id").fetchall()
        writes = dict(
            conn.execute(
                "SELECT submission_id, count(*) FROM submissions_judgerun WHERE finished_at IS NOT NULL "
                "GROUP BY submission_id"
            ).fetchall()
        )
    assert sorted(row[0] for row in stored) == sorted(acknowledged)  # nothing lost, nothing extra
    assert all(status == "finished" and verdict == "ACCEPTED" for _, status, verdict in stored), stored
    assert all(writes.get(submission_id) == 1 for submission_id in acknowledged), writes
    return acknowledged


def assert_recovered(site: Site) -> None:
    status, body = site.submit()
    assert status == 201, body

    def judged() -> bool:
        return site.get(f"/api/submissions/{body['id']}/")[1].get("status") == "finished"

    wait_until(judged, 60, "a submission sent after the outage to be judged")
    assert site.get("/health/") == (200, {"database": "ok"})


def test_redis_restarted_during_a_burst_loses_no_submission(site):
    responses = burst_with_outage(site, site.redis.stop, site.redis.start)
    # the database is the truth: with the broker down a submission is still stored and
    # acknowledged; the sweep sends its message once Redis is back
    assert [status for status, _ in responses] == [201] * BURST, responses
    assert len(assert_each_acknowledged_submission_has_one_verdict(site, responses)) == BURST
    assert_recovered(site)


def test_postgresql_restarted_during_a_burst_loses_no_acknowledged_submission(site):
    responses = burst_with_outage(site, site.pg.stop, site.pg.start)
    statuses = [status for status, _ in responses]
    print("201:", statuses.count(201), "503:", statuses.count(503))
    assert set(statuses) <= {201, 503}, responses
    unavailable = [body for status, body in responses if status == 503]
    assert unavailable, "the database was down for 4 s: some submissions must have been refused"
    assert all("database is unavailable" in body["detail"] for body in unavailable)
    assert_each_acknowledged_submission_has_one_verdict(site, responses)
    assert_recovered(site)

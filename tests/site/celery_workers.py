"""Real Celery worker processes for the reliability tests, on the test database and Redis.

The worker runs `celery -A arena worker` as a subprocess in its own session (so SIGKILL can take
the whole process group), against the test database pytest-django made (the test must use
transactional_db so its rows are committed and visible) and a Redis database of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import redis
from django.db import connection

from arena.celery import app
from submissions.tasks import judge_submission_task

REPO = Path(__file__).resolve().parents[2]
TEST_REDIS_URL = os.environ.get("ARENA_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def test_database_url() -> str:
    """A DATABASE_URL naming the test database this process is using."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def flush_test_broker() -> None:
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()


def send_judge_task(submission_id: int, **options) -> None:
    """Deliver a judging message to the test broker, as the site would."""
    with app.connection_for_write(TEST_REDIS_URL) as conn:
        judge_submission_task.apply_async(args=[submission_id], connection=conn, **options)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class WorkerProcess:
    def __init__(self, name: str, workdir: Path, env: dict[str, str], beat: bool = False):
        self.name = name
        self.log_path = workdir / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "arena",
            "worker",
            "-Q",
            "judge,celery",
            "--concurrency",
            "1",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ]
        if beat:
            command += ["--beat", "--schedule", str(workdir / f"{name}-beat-schedule")]
        full_env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": TEST_REDIS_URL,
            "ARENA_VAR_DIR": str(workdir),
            "ARENA_JUDGE": "tests.site.judge_doubles.sleeping_judge_double",
            **env,
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.output()}")
            return " ready." in self.output()

        wait_until(ready, timeout, f"worker {self.name} to be ready")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        self.log.close()

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

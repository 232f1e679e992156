"""A live Arena on loopback for the API fuzz run and the load benchmark: gunicorn, a Celery
worker judging with the recording double (never Lean), PostgreSQL and Redis from the environment.

Used by benchmarks/api_fuzz.py and benchmarks/api_load.py, and by benchmarks/pipeline.py with the
real judge (`environment(ARENA_JUDGE=...)`) and a prefork worker (`worker_args`); every process it
starts is stopped by stop() (their process ids only).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DOUBLE = "tests.site.judge_doubles.recording_judge_double"

SEED = """
import json
from django.contrib.auth import get_user_model
from bots.services import token_create
User = get_user_model()
user, _ = User.objects.get_or_create(username="bench-bot")
other, _ = User.objects.get_or_create(username="bench-other")
from accounts.services import licence_accept
# as sign-up makes every user do: without it each submission is refused (licence not accepted)
licence_accept(user=user)
licence_accept(user=other)
from django.utils import timezone
from bots.models import ApiToken
# earlier runs' tokens (and those the fuzzer made) are revoked: at most 20 active per account
ApiToken.objects.filter(user__in=[user, other], revoked_at__isnull=True).update(revoked_at=timezone.now())
print(json.dumps({
    "token": token_create(user=user, name="bench", is_machine=True, model_name="bench-model").key,
    "other_token": token_create(user=other, name="other").key,
}))
"""


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/arena_api")
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
    env.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    env.update(
        ARENA_JUDGE=DOUBLE,
        ARENA_VAR_DIR=str(ROOT / "var" / "live"),
        # Limits far above the load, so the benchmark measures the work, not the 429s (the
        # throttles still count every request in the cache).
        ARENA_API_IP_RATE="100000000/min",
        ARENA_API_USER_RATE="100000000/min",
        ARENA_API_SUBMISSION_RATE="100000000/min",
        # the create passes post thousands while the double judges them one at a time
        ARENA_MAX_IN_FLIGHT_PER_OWNER="100000000",
        ARENA_WEBHOOK_MAX_ATTEMPTS="1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def prepare(env: dict[str, str]) -> dict[str, str]:
    """Migrate, cache table, sample problems, two users with tokens: {"token", "other_token"}."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "load_sample_problems")
    return json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])


class Stack:
    def __init__(
        self,
        env: dict[str, str],
        port: int,
        gunicorn_args: list[str],
        worker: bool = True,
        worker_args: tuple[str, ...] = ("-P", "solo"),
        worker_log_level: str = "WARNING",
    ) -> None:
        self.env = env
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.processes: list[subprocess.Popen] = []
        log_dir = ROOT / "var" / "live"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.worker_log = log_dir / f"worker-{port}.log"
        # celery appends: a log left by an earlier stack would answer for this one's start-up
        self.worker_log.unlink(missing_ok=True)
        self.processes.append(
            subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "gunicorn"), "arena.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                + ["--no-control-socket", "--error-logfile", str(log_dir / f"web-{port}.log")]
                + ["--access-logfile", str(log_dir / f"access-{port}.log"), *gunicorn_args],
                cwd=ROOT,
                env=env,
            )
        )
        if worker:
            self.processes.append(
                subprocess.Popen(
                    [str(ROOT / ".venv" / "bin" / "celery"), "-A", "arena", "worker", "-Q", "judge,celery"]
                    + [*worker_args, "-n", f"bench-{port}@%h", "-l", worker_log_level]
                    + ["--logfile", str(self.worker_log)],
                    cwd=ROOT,
                    env=env,
                )
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on {self.url}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit("import this module; see api_fuzz.py and api_load.py")

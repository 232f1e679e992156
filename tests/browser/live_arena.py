"""The Arena started the README's way (scripts/up.sh: migrate, sample problems, demo user,
gunicorn, a Celery worker and beat) on a database and a Redis database of its own, with the
judge chosen by a dotted path, and stopped with scripts/down.sh.

    with LiveArena(judge="tests.site.judge_doubles.recording_judge_double") as arena:
        arena.url, arena.demo_username, arena.demo_password
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

REPO = Path(__file__).resolve().parents[2]
RECORDING_JUDGE = "tests.site.judge_doubles.recording_judge_double"
REAL_JUDGE = "judge.pipeline.judge_submission"
# This branch's ports (the machine is shared): the first free one is taken.
DEFAULT_PORTS = tuple(int(p) for p in os.environ.get("ARENA_BROWSER_PORTS", "8103,8113").split(","))


def _free_port(ports: tuple[int, ...]) -> int:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"none of the ports {ports} is free (ARENA_BROWSER_PORTS)")


def _live_database_url() -> str:
    """ARENA_BROWSER_DATABASE_URL, else DATABASE_URL's server with a database of our own."""
    if os.environ.get("ARENA_BROWSER_DATABASE_URL"):
        return os.environ["ARENA_BROWSER_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tempfile.mkdtemp(prefix='arena-browser-')}/arena.sqlite3"
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_browser_live"))


def _recreate_postgres_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class LiveArena:
    def __init__(self, *, judge: str = RECORDING_JUDGE, ports: tuple[int, ...] = DEFAULT_PORTS, extra_env=None):
        self.judge = judge
        self.port = _free_port(ports)
        self.url = f"http://127.0.0.1:{self.port}"
        self.var_dir = Path(tempfile.mkdtemp(prefix="arena-live-"))
        self.database_url = _live_database_url()
        self.broker_url = os.environ.get(
            "ARENA_BROWSER_REDIS_URL", os.environ.get("ARENA_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
        )
        self.env = {
            **os.environ,
            "ARENA_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "ARENA_JUDGE": judge,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "WEB_WORKERS": "2",
            "DEBUG": "false",
            "SECRET_KEY": "browser-tests-only",
            # The judge doubles need no Lean; the real judge does (up.sh provisions it).
            "ARENA_SKIP_LEAN": "0" if judge == REAL_JUDGE else "1",
            "ARENA_TEST_JUDGE_SLEEP": os.environ.get("ARENA_TEST_JUDGE_SLEEP", "2"),
            # The site's mail, one file per message, for the tests to read (LiveArena.mails).
            "EMAIL_URL": f"filemail:///{self.var_dir / 'mail'}",
            **(extra_env or {}),
        }
        self.demo_username = self.demo_password = ""

    def start(self) -> LiveArena:
        if self.database_url.startswith("postgres"):
            _recreate_postgres_database(self.database_url)
        redis.Redis.from_url(self.broker_url).flushdb()
        done = subprocess.run(
            ["scripts/up.sh"], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=900, check=False
        )
        self.up_log = done.stdout + done.stderr
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"scripts/up.sh failed ({done.returncode}):\n{self.up_log[-3000:]}")
        login = re.search(r"username: (\S+)  password: (\S+)", self.up_log)
        if login:
            self.demo_username, self.demo_password = login.group(1), login.group(2)
        return self

    def stop(self) -> None:
        subprocess.run(["scripts/down.sh"], cwd=REPO, env=self.env, capture_output=True, timeout=120, check=False)

    def log(self, name: str = "web") -> str:
        path = self.var_dir / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def mails(self) -> list[str]:
        """Every message the site sent, oldest first, as the files Django's file backend writes."""
        folder = self.var_dir / "mail"
        files = sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime) if folder.exists() else []
        return [path.read_text(errors="replace") for path in files]

    def __enter__(self) -> LiveArena:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# Sleeps ARENA_TEST_JUDGE_SLEEP seconds, then answers like the recording double: long enough for
# a browser to see a submission pending.
SLEEPING_JUDGE = "tests.site.judge_doubles.sleeping_judge_double"

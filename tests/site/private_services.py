"""A private PostgreSQL and Redis for tests that restart them (the machine's shared ones must
never be restarted: other test runs use them). Ports from ARENA_TEST_PRIVATE_PG_PORT (55432)
and ARENA_TEST_PRIVATE_REDIS_PORT (16380)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

PG_BIN = (
    Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]).parent
    if glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    else None
)


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    def __init__(self, port: int):
        self.port = port
        # not under pytest's tmp_path: its parents are root's only, and postgres must reach it
        self.root = Path(tempfile.mkdtemp(prefix="arena-private-pg-"))
        self.data = self.root / "pgdata"
        self.log = self.root / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{port}/arena"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(f"postgres://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE arena")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / tool), *args]), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("fast")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)


class PrivateRedis:
    def __init__(self, root: Path, port: int):
        self.port = port
        self.root = root
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        # no persistence: a restart loses every queued and unacknowledged message (the worst case)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, cwd=self.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("private Redis did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)

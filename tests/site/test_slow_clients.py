"""With 50 idle or trickling connections open, gunicorn (gunicorn.conf.py: gevent workers)
still answers /health/ and a problem page in under a second."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.site import celery_workers
from tests.site.celery_workers import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("ARENA_TEST_SLOW_CLIENT_PORT", "8114"))


@pytest.fixture
def web_server(problem, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": celery_workers.test_database_url(),
        "ARENA_VAR_DIR": str(tmp_path),
        "WEB_WORKERS": "2",
        "PORT": str(PORT),
        "HOST": "127.0.0.1",
    }
    log = (tmp_path / "web.log").open("w")
    command = [sys.executable, "-m", "gunicorn", "arena.wsgi:application", "-c", "gunicorn.conf.py"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)

    def answers() -> bool:
        assert process.poll() is None, (tmp_path / "web.log").read_text()
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/", timeout=2).status == 200
        except OSError:
            return False

    wait_until(answers, 60, "gunicorn")
    yield f"http://127.0.0.1:{PORT}"
    process.terminate()
    process.wait(timeout=30)
    log.close()


def timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.status, time.monotonic() - started


def test_fifty_slow_clients_do_not_hold_up_the_site(web_server, problem):
    stop = threading.Event()
    sockets = []
    for n in range(50):
        sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        if n % 2:  # the other half connect and never send a byte
            sock.sendall(b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sockets.append(sock)

    def trickle() -> None:  # one more header line every 2 s, never the blank line that ends them
        line = 0
        while not stop.wait(2):
            line += 1
            for sock in sockets[1::2]:
                try:
                    sock.sendall(f"X-Slow-{line}: {'a' * 10}\r\n".encode())
                except OSError:
                    pass

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(3)  # long enough for the trickle to have begun
        timings = []
        for _ in range(3):
            timings.append(timed_get(f"{web_server}/health/"))
            timings.append(timed_get(f"{web_server}/problems/{problem.slug}/"))
        print("status, seconds:", timings)
        assert all(status == 200 for status, _ in timings)
        # the median under 1 s; a single answer may take longer when the machine is busy with
        # other work (seen: 1.1 s once while a real-Lean test ran beside the suite)
        assert sorted(seconds for _, seconds in timings)[len(timings) // 2] < 1.0
        assert max(seconds for _, seconds in timings) < 3.0
    finally:
        stop.set()
        trickler.join()
        for sock in sockets:
            sock.close()

"""`manage.py check --deploy` is clean with production settings; HSTS and secure cookies behind
the HTTPS proxy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "p" * 20 + "-a-long-random-production-key-" + "q" * 30,
    "ALLOWED_HOSTS": "arena.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://arena.example.org",
    "BEHIND_HTTPS_PROXY": "true",
}


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # without what other tests put in the environment (Playwright needs DJANGO_ALLOW_ASYNC_UNSAFE)
    env = {**_clean_environ(), **PRODUCTION_ENV, "ARENA_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_fails_without_the_proxy_settings(tmp_path):
    env = {**_clean_environ(), **PRODUCTION_ENV, "BEHIND_HTTPS_PROXY": "false", "ARENA_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "security.W004" in done.stderr  # no HSTS


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


def test_https_answers_carry_hsts_and_secure_cookies(db, behind_proxy):
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    response = client.get("/accounts/login/")
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["csrftoken"]["secure"]


def test_plain_http_is_redirected_but_the_health_probe_is_not(db, behind_proxy):
    client = Client()
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/health/").status_code == 200

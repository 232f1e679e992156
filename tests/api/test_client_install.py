"""The client installs on its own, the README's way, into a fresh virtualenv (issue 32, items 13
and 14): `pip install -e .` in a tree with the site's packages beside the client's (the flat
layout that used to fail), then the installed `arena` command, with no Django in its
virtualenv, signs in with a password and lists the problems of a live server.

pip builds in isolation as a user's does, fetching setuptools from the package index: without
the index this skips, saying so. About 10-20 s."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _index_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/simple/setuptools/", timeout=10).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    if not _index_reachable():
        pytest.skip("no package index (pip's isolated build needs setuptools from it)")
    root = tmp_path_factory.mktemp("client-install")
    tree = root / "arena"
    tree.mkdir()
    shutil.copy(REPO / "pyproject.toml", tree)
    for package in REPO.iterdir():  # every top-level package, as in a checkout
        if (package / "__init__.py").exists():
            shutil.copytree(package, tree / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run(
        [str(venv / "bin/pip"), "install", "--disable-pip-version-check", "-q", "-e", str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


def test_the_install_is_the_client_alone(installed):
    listed = subprocess.run(
        [str(installed / "bin/python"), "-c", "import arena_client, importlib.util as u; print(u.find_spec('django'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert listed.stdout.strip() == "None"  # nothing of the site came along
    help_text = subprocess.run(
        [str(installed / "bin/arena"), "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "sign-in" in help_text and "submit" in help_text


def test_the_installed_command_signs_in_and_lists_problems(installed, live_server, user, problem):
    env = {"PATH": "/usr/bin:/bin", "ARENA_URL": live_server.url}
    signed_in = subprocess.run(
        [str(installed / "bin/arena"), "sign-in", "--bot", "prover-1"],
        env={**env, "ARENA_USERNAME": "alice", "ARENA_PASSWORD": "alice-pass-123"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert signed_in.returncode == 0, signed_in.stderr
    key = signed_in.stdout.strip().removeprefix("export ARENA_TOKEN=")
    assert key.startswith("arena_")
    listed = subprocess.run(
        [str(installed / "bin/arena"), "problems"],
        env={**env, "ARENA_TOKEN": key},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "solve-add\teasy\tSolve an addition\n"
    wrong = subprocess.run(
        [str(installed / "bin/arena"), "sign-in"],
        env={**env, "ARENA_USERNAME": "alice", "ARENA_PASSWORD": "wrong"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2 and "Wrong username or password" in wrong.stderr

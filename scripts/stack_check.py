"""scripts/stack.sh check: the stack end to end, as a user and an operator would, through the
published port: sign up in the web pages, make a token, submit the sample problem's reference
solution through the API and wait for ACCEPTED from a judge that ran Lean in a job container
(counted from the engine's events: containers labelled arena.job=1), export a dataset dump and
fetch its file list through the site, scrape the metrics server on the compose network.
Standard library only; prints each step with its time; exits non-zero at the first failure."""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def step(name: str, started: float) -> None:
    print(f"ok  {name} ({time.monotonic() - started:.1f} s)", flush=True)


class Site:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, data=None, headers=None, form=False):
        body = None
        headers = dict(headers or {})
        if data is not None and form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")


def sign_up(site: Site, user: str) -> str:
    """Sign up through the web pages (the form, its CSRF token and the licence box)."""
    status, _ = site.request("GET", "/health/")
    assert status == 200, f"/health/ answered {status}"
    status, page = site.request("GET", "/accounts/signup/")
    assert status == 200, f"sign-up page: {status}"
    password = "stack-Check-password-42"
    form = {
        "csrfmiddlewaretoken": site.csrf(),
        "username": user,
        "password1": password,
        "password2": password,
        "accept_licence": "on",
    }
    status, page = site.request(
        "POST", "/accounts/signup/", form, {"Referer": site.base + "/accounts/signup/"}, form=True
    )
    assert status == 200 and user.encode() in page, f"sign-up: {status}"
    return user


def make_token(site: Site) -> dict[str, str]:
    """An API token made in the signed-in session; the Authorization header that carries it."""
    status, body = site.request(
        "POST", "/api/v1/tokens/", {"name": "stack-check"}, {"X-CSRFToken": site.csrf(), "Referer": site.base + "/"}
    )
    assert status == 201, f"token: {status} {body[:300]!r}"
    return {"Authorization": f"Token {json.loads(body)['key']}"}


def compose(env_file: str, project: str, *args: str) -> str:
    argv = ["docker-compose", "-p", project, "--env-file", env_file, "-f", str(ROOT / "docker-compose.yml"), *args]
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=600).stdout


def job_containers_since(since: float) -> int:
    out = subprocess.run(
        [
            "docker",
            "events",
            "--since",
            str(int(since)),
            "--until",
            str(int(time.time()) + 1),
            "--filter",
            "label=arena.job=1",
            "--filter",
            "event=create",
            "--format",
            "{{.ID}}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return len(out.split())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env-file", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--verdict-timeout", type=float, default=900)
    opts = parser.parse_args()
    env = dict(line.split("=", 1) for line in Path(opts.env_file).read_text().splitlines() if "=" in line)
    site = Site(f"http://127.0.0.1:{env['WEB_PORT']}")
    began = time.time()

    t = time.monotonic()
    user = sign_up(site, f"stack{int(began)}")
    step(f"signed up as {user} in the web pages", t)

    t = time.monotonic()
    auth = make_token(site)
    step("made a token", t)

    t = time.monotonic()
    sample = json.loads((ROOT / "problems" / "samples" / "problems.jsonl").read_text().splitlines()[0])
    status, body = site.request(
        "POST", "/api/v1/submissions/", {"problem": sample["slug"], "code": sample["reference_solution"]}, auth
    )
    assert status == 202, f"submission: {status} {body[:300]!r}"
    sid = json.loads(body)["id"]
    if opts.verdict_timeout <= 0:  # --verdict-timeout 0: a stack started without judges
        step(f"submission {sid} acknowledged (202); its verdict NOT waited for", t)
    else:
        deadline = time.monotonic() + opts.verdict_timeout
        verdict = None
        while time.monotonic() < deadline and verdict is None:
            status, body = site.request("GET", f"/api/v1/submissions/{sid}/?wait=20", headers=auth)
            verdict = (json.loads(body).get("verdict") or None) if status == 200 else None  # "" while pending
        assert verdict == "ACCEPTED", f"verdict {verdict!r} after {time.monotonic() - t:.0f} s"
        jobs = job_containers_since(began)
        assert jobs > 0, "no job container was created: the judge did not run Lean through Docker"
        step(f"submission {sid} ACCEPTED through the API; {jobs} job container(s) ran Lean", t)

    t = time.monotonic()
    out = compose(opts.env_file, opts.project, "exec", "-T", "web", "python", "manage.py", "export_dataset")
    status, body = site.request("GET", "/api/v1/datasets/", headers=auth)
    assert status == 200, f"datasets: {status} {body[:300]!r}"
    step(f"dataset dump: {out.splitlines()[0] if out else '?'}", t)

    t = time.monotonic()
    metrics = compose(opts.env_file, opts.project, "exec", "-T", "web", "curl", "-fsS", "http://metrics:9100/metrics")
    families = sorted({m.group(1) for m in re.finditer(r"^# TYPE (arena_\w+)", metrics, re.M)})
    assert families, "no arena_ metric on the metrics server"
    step(f"metrics scraped: {len(families)} arena_ families", t)
    print(f"stack check passed in {time.time() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

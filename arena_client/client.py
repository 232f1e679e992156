"""ArenaClient: one method per API call, JSON in and out, errors as ApiError."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

BATCH_MAX_ITEMS = 100
# What `arena batch` sends per request: two such batches fit the default in-flight limit (100
# per account), so the next one is accepted while the previous is judged.
DIR_BATCH_ITEMS = 50


class ApiError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        message = f"{status} {body.get('code', '')}: {body.get('detail', body)}"
        for field, errors in (body.get("fields") or {}).items():  # what was wrong, not only "Invalid input."
            message += f"\n  {field}: {' '.join(map(str, errors)) if isinstance(errors, list) else errors}"
        super().__init__(message)
        self.status = status
        self.body = body


class ArenaClient:
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 60.0) -> None:
        self.url = (url or os.environ.get("ARENA_URL") or "http://127.0.0.1:8000").rstrip("/")
        self.token = token if token is not None else os.environ.get("ARENA_TOKEN", "")
        self.timeout = timeout

    def request(self, method: str, path: str, body=None, headers: dict | None = None, retries: int = 3):
        """One call; a 429 or 503 is retried after its Retry-After, at most `retries` times."""
        url = path if path.startswith("http") else f"{self.url}{path}"
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        if self.token:
            all_headers["Authorization"] = f"Token {self.token}"
        for attempt in range(retries + 1):
            request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                raw = exc.read()
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = {"detail": raw.decode(errors="replace")[:200]}
                in_flight = isinstance(payload, dict) and payload.get("code") == "too_many_in_flight"
                if exc.code in (429, 503) and attempt < retries and not in_flight:  # in flight: see batch_when_room
                    time.sleep(float(exc.headers.get("Retry-After") or 1))
                    continue
                raise ApiError(exc.code, payload if isinstance(payload, dict) else {"detail": payload}) from None
        raise AssertionError("unreachable")

    # problems
    def problems(self, **filters) -> list[dict]:
        """Every page of the problem list."""
        query = urllib.parse.urlencode({k: v for k, v in filters.items() if v not in (None, "")})
        page = self.request("GET", f"/api/v1/problems/?{query}")
        results = list(page["results"])
        while page["next"]:
            page = self.request("GET", page["next"])
            results += page["results"]
        return results

    def problem(self, slug: str) -> dict:
        return self.request("GET", f"/api/v1/problems/{urllib.parse.quote(slug)}/")

    # submissions
    def submit(self, problem: str, code: str, *, run: int | None = None, callback_url: str = "") -> dict:
        body = {"problem": problem, "code": code}
        if run is not None:
            body["run"] = run
        if callback_url:
            body["callback_url"] = callback_url
        # a fresh key per logical submission: the retries inside request() cannot make a second one
        return self.request("POST", "/api/v1/submissions/", body, {"Idempotency-Key": str(uuid.uuid4())})

    def submission(self, submission_id: int, wait: float = 0) -> dict:
        return self.request("GET", f"/api/v1/submissions/{submission_id}/" + (f"?wait={wait}" if wait else ""))

    def wait(self, submission_id: int, timeout: float = 3600) -> dict:
        """Until the verdict: long-polls with ?wait, which the server bounds."""
        deadline = time.monotonic() + timeout
        while True:
            submission = self.submission(submission_id, wait=20)
            if submission["status"] == "finished" or time.monotonic() > deadline:
                return submission
            time.sleep(1)

    # checks: Lean's proof state, not a verdict (only a submission gets one)
    def check(self, problem: str, code: str, timeout: float = 600) -> dict:
        """Check code against a problem; the answer once Lean has given it (polls the check's id
        when the server's own bounded wait was not enough)."""
        answer = self.request("POST", "/api/v1/check/", {"problem": problem, "code": code})
        deadline = time.monotonic() + timeout
        while answer["status"] != "finished" and time.monotonic() < deadline:
            answer = self.request("GET", f"{answer['status_url']}?wait=20")
        return answer

    def batch(self, items: list[dict], *, run: int | None = None, callback_url: str = "") -> dict:
        body: dict = {"submissions": items}
        if run is not None:
            body["run"] = run
        if callback_url:
            body["callback_url"] = callback_url
        return self.request("POST", "/api/v1/submissions/batch/", body, {"Idempotency-Key": str(uuid.uuid4())})

    # tokens
    def sign_in(self, username: str, password: str, *, name: str, model_name: str = "") -> dict:
        """A new token for the account, made with its password (the one way in without a browser).
        Never retried: a refusal is a limit, and its Retry-After counts in minutes."""
        body = {"username": username, "password": password, "name": name}
        if model_name:
            body.update(is_machine=True, model_name=model_name)
        return self.request("POST", "/api/v1/tokens/sign-in/", body, retries=0)

    # runs
    def open_run(self, model_name: str, k: int, problems: list[str] | None = None, name: str = "") -> dict:
        body: dict = {"model_name": model_name, "k": k, "name": name}
        if problems:
            body["problems"] = problems
        return self.request("POST", "/api/v1/runs/", body)

    def run(self, run_id: int) -> dict:
        return self.request("GET", f"/api/v1/runs/{run_id}/")

    def runs(self) -> list[dict]:
        return self.request("GET", "/api/v1/runs/")

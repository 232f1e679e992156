"""Check latency (issue 27): how long a person or a bot waits for Lean's goals, side by side with a
submission's verdict in the same run, on a warm idle site and while one bot's batch is judged.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arena_bench_checks CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python benchmarks/check_latency.py [--checks 20] [--batch 50] [--lone 5]

    # the same against the judge double, to try the benchmark itself (no Lean, no slot needed):
    ... .venv/bin/python benchmarks/check_latency.py --judge tests.site.judge_doubles.sleeping_judge_double

It starts gunicorn and a prefork Celery worker (sized from memory, as in production) with the real
judge through benchmarks/live_stack.py, waits for the worker's warm-up, then:

1. `idle checks`: `--checks` checks, one at a time after `--idle` s of quiet, by one signed-in
   account (a token) through `POST /api/v1/check/`, polling the id when the answer takes longer
   than the request's wait; each is a sample problem's template (every body `sorry`) with a
   numbered comment, so no check is answered from the cache. Target (issue 27): p50 <= 1 s.
2. `idle submissions`: `--lone` submissions of the same templates on the idle site, POST to
   verdict, for the side-by-side.
3. `checks during a batch`: a bot POSTs a `--batch`-submission batch; while it is judged, another
   account makes `--checks` checks; the batch's own submissions' latency is reported beside them.
   Target: check p50 <= 3 s.

Each latency is the client's wall time from the POST to the answer (a check's `finished`, a
submission's verdict). On a shared machine run the real-Lean benchmark alone (or through its Lean
slot); the first line prints the load average, which the figures must be quoted with.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.live_stack import Stack, environment, prepare  # noqa: E402

PORT = 8122
REAL_JUDGE = "judge.pipeline.judge_submission"


def templates() -> list[tuple[str, str]]:
    """(slug, template) of the sample problems on the core profile: every body a `sorry`."""
    sys.path.insert(0, str(ROOT))
    from judge.problem_format import ProblemSpec

    out = []
    with (ROOT / "problems" / "samples" / "problems.jsonl").open() as f:
        for line in f:
            if line.strip():
                spec = ProblemSpec.from_dict(json.loads(line))
                if not spec.imports:
                    out.append((spec.slug, spec.template()))
    return out


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            path if path.startswith("http") else f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def check(self, slug: str, code: str) -> tuple[float, dict]:
        """Seconds from the POST to the answer, and the answer."""
        started = time.monotonic()
        status, answer = self.call("POST", "/api/v1/check/", {"problem": slug, "code": code})
        if status not in (200, 202):
            raise RuntimeError(f"check refused: {status} {answer}")
        while answer["status"] != "finished":
            _, answer = self.call("GET", f"{answer['status_url']}?wait=20")
        return time.monotonic() - started, answer

    def submit_many(self, items: list[tuple[str, str]]) -> tuple[float, list[int]]:
        status, batch = self.call(
            "POST", "/api/v1/submissions/batch/", {"submissions": [{"problem": s, "code": c} for s, c in items]}
        )
        if status != 202:
            raise RuntimeError(f"batch refused: {status} {batch}")
        return time.monotonic(), [item["id"] for item in batch["submissions"]]

    def wait_verdict(self, submission_id: int) -> dict:
        while True:
            _, submission = self.call("GET", f"/api/v1/submissions/{submission_id}/?wait=20")
            if submission["status"] == "finished":
                return submission


def percentiles(values: list[float]) -> str:
    if not values:
        return "no data"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"n={len(values)} p50={statistics.median(ordered):.2f}s p95={p95:.2f}s max={ordered[-1]:.2f}s"


def checks_of(api: Api, problems: list[tuple[str, str]], count: int, idle: float, tag: str) -> list[float]:
    times = []
    for i in range(count):
        slug, template = problems[i % len(problems)]
        seconds, answer = api.check(slug, f"{template}\n-- {tag} {i} {time.time()}\n")
        assert answer["result"]["status"] in ("ok", "refused", "limit", "error"), answer
        times.append(seconds)
        time.sleep(idle)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--judge", default=REAL_JUDGE)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--lone", type=int, default=5)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of quiet between idle checks")
    args = parser.parse_args()

    env = environment(ARENA_JUDGE=args.judge, ARENA_CHECK_RATE="100000/min")
    tokens = prepare(env)
    problems = templates()
    worker = () if args.judge == REAL_JUDGE else ("-P", "solo")
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} load {os.getloadavg()} judge {args.judge}", flush=True)
    with Stack(env, PORT, ["--workers", "2", "--threads", "4"], worker_args=worker) as stack:
        bot, person = Api(stack.url, tokens["token"]), Api(stack.url, tokens["other_token"])
        checks_of(person, problems, 2, 0, "warm-up")  # the worker's first Lean job is not a user's wait

        idle_checks = checks_of(person, problems, args.checks, args.idle, "idle")
        lone = []
        for i in range(args.lone):
            slug, template = problems[i % len(problems)]
            posted, (submission_id,) = bot.submit_many([(slug, f"{template}\n-- lone {i}\n")])
            bot.wait_verdict(submission_id)
            lone.append(time.monotonic() - posted)
            time.sleep(args.idle)

        items = [(s, f"{t}\n-- batch {i}\n") for i, (s, t) in enumerate(problems * args.batch)][: args.batch]
        posted, ids = bot.submit_many(items)
        busy_checks = checks_of(person, problems, args.checks, 0.5, "busy")
        batch_latency = []
        for submission_id in ids:
            bot.wait_verdict(submission_id)
            batch_latency.append(time.monotonic() - posted)

    print(f"idle checks           {percentiles(idle_checks)}   (target p50 <= 1 s)")
    print(f"idle submissions      {percentiles(lone)}")
    print(f"checks during a batch {percentiles(busy_checks)}   (target p50 <= 3 s)")
    print(f"that batch's verdicts {percentiles(batch_latency)}   (from the batch's POST)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The whole judging pipeline under load: HTTP API → Redis broker → a real Celery worker with the
real (offline) Lean → the verdict in PostgreSQL, in both exporter modes side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arena_pipeline CELERY_BROKER_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python benchmarks/pipeline.py [--count 50] [--lone 5] [--modes reuse,one-job]

For each mode (`reuse`: ARENA_EXPORTER_JOBS_PER_PROCESS at its default; `one-job`: 1, a fresh
exporter process per submission) it starts gunicorn and a prefork Celery worker (sized from
memory, as in production; its start-up line is printed) through benchmarks/live_stack.py, waits
for the worker's warm-up, then runs:

1. `batch`: one bot POSTs `--count` small submissions (`/api/v1/submissions/`, one request each,
   as fast as it can), alternating an accepted solution and a compile error over the sample
   problems; target ≥ 20 verdicts/min sustained.
2. `batch+human`: the same again, and once half of them have their verdict a person submits once
   through the form (signed in, CSRF and all: an interactive submission); target: that verdict
   within 15 s of the POST.
3. `bots`: `--bots` bots (3) POST `--per-bot` submissions each (50) at once, one thread each.
   Fair share (issue 28): while every bot still has submissions waiting (from the first verdict
   to the moment the first bot's last verdict is written), each bot gets 1/bots of the verdicts;
   the report gives each bot's count in that window and its distance from the fair share
   (target: within 20 %).
4. `lone`: `--lone` single submissions on the idle site, each after `--idle` seconds of quiet
   (the pool refilled); target p50 ≤ 3 s from POST to verdict.

Per scenario: verdicts per minute (submissions / (last verdict − first POST)) and latency from
POST to verdict (p50, p95), split into queue wait (row created → claimed), sandbox start (getting
an exporter going: a pre-started or kept process, a Lean slot: the judge's `phases.sandbox_ms`),
Lean time (exporter + replay), checks (the judge's remaining time: parsing, the checker) and
result write (judge returned → the verdict committed). The last column counts verdicts whose
exporter had served the same owner before. Timestamps: the client's clock at POST, the rows'
created_at / claimed_at / finished_at and the judge's phases (same machine, same clock).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.live_stack import PY, Stack, environment, prepare  # noqa: E402

PORT = 8120
REAL_JUDGE = "judge.pipeline.judge_submission"
MODES = {"reuse": {}, "one-job": {"ARENA_EXPORTER_JOBS_PER_PROCESS": "1"}}
HUMAN_PASSWORD = "bench-human-password-not-secret"

SEED_HUMAN = f"""
from django.contrib.auth import get_user_model
from accounts.services import licence_accept
user, _ = get_user_model().objects.get_or_create(username="bench-human")
user.set_password({HUMAN_PASSWORD!r})
user.save()
licence_accept(user=user)
"""

# Everything the report needs about a set of submissions, read straight from PostgreSQL.
ROWS = """
SELECT id, status, verdict, extract(epoch FROM created_at), extract(epoch FROM claimed_at),
       extract(epoch FROM finished_at), (result->>'time_ms')::int, coalesce(result->'phases', '{}'::jsonb)
FROM submissions_submission WHERE id = ANY(%s)
"""


def shell(env: dict[str, str], code: str) -> str:
    import subprocess

    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def samples() -> list[dict]:
    with (ROOT / "problems" / "samples" / "problems.jsonl").open() as f:
        return [json.loads(line) for line in f if line.strip()]


def attempts(count: int) -> list[tuple[str, str]]:
    """`count` (problem, code) pairs: an accepted reference solution, then a compile error."""
    problems = [p for p in samples() if p.get("reference_solution") and not p.get("imports")]
    out = []
    for i in range(count):
        p = problems[(i // 2) % len(problems)]
        code = p["reference_solution"]
        if i % 2:  # a wrong last line: Lean reports an error
            code += "\ntheorem oops_wrong : (1 : Nat) = 2 := by decide\n"
        out.append((p["slug"], code))
    return out


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def submit(self, slug: str, code: str) -> tuple[int, float]:
        body = json.dumps({"problem": slug, "code": code}).encode()
        request = urllib.request.Request(
            f"{self.url}/api/v1/submissions/",
            data=body,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        posted = time.time()
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["id"], posted


class Browser:
    """A person at the form: signs in, then posts the problem page's form (CSRF included)."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self._post("/accounts/login/", {"username": username, "password": password}, "/accounts/login/")

    def _csrf(self, page: str) -> str:
        with self.opener.open(f"{self.url}{page}", timeout=30) as response:
            html = response.read().decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if match is None:
            raise RuntimeError(f"no CSRF token on {page}")
        return match.group(1)

    def _post(self, path: str, fields: dict[str, str], page: str) -> str:
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self._csrf(page)}).encode()
        with self.opener.open(f"{self.url}{path}", data=data, timeout=30) as response:
            return response.geturl()

    def submit(self, slug: str, code: str) -> tuple[int, float]:
        token = self._csrf(f"/problems/{slug}/")
        data = urllib.parse.urlencode({"code": code, "csrfmiddlewaretoken": token}).encode()
        posted = time.time()
        with self.opener.open(f"{self.url}/problems/{slug}/submit/", data=data, timeout=30) as response:
            final = response.geturl()  # redirected to /submissions/<id>/
        match = re.search(r"/submissions/(\d+)/", final)
        if match is None:
            raise RuntimeError(f"the form did not redirect to a submission: {final}")
        return int(match.group(1)), posted


SEED_BOTS = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from accounts.services import licence_accept
from bots.models import ApiToken
from bots.services import token_create
tokens = []
for n in range({bots}):
    user, _ = get_user_model().objects.get_or_create(username=f"bench-bot-{{n}}")
    licence_accept(user=user)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    tokens.append(token_create(user=user, name="bench", is_machine=True, model_name=f"bench-{{n}}").key)
print(json.dumps(tokens))
"""


def fair_shares(posts_by_bot: list[dict[int, float]], rows: dict[int, list]) -> dict:
    """Each bot's verdicts while every bot still had some waiting, and how far from 1/bots."""
    window_end = min(max(rows[pk][5] for pk in posts) for posts in posts_by_bot)
    window_start = min(rows[pk][5] for posts in posts_by_bot for pk in posts)
    counts = [sum(1 for pk in posts if rows[pk][5] <= window_end) for posts in posts_by_bot]
    total = sum(counts)
    fair = total / len(counts)
    return {
        "window_s": window_end - window_start,
        "counts": counts,
        "worst_deviation": max(abs(c - fair) / fair for c in counts) if fair else float("nan"),
    }


def bots_at_once(url: str, tokens: list[str], per_bot: int) -> list[dict[int, float]]:
    """Every bot POSTs its submissions, all bots at the same time (one thread each)."""
    import threading

    posts: list[dict[int, float]] = [{} for _ in tokens]
    start = threading.Barrier(len(tokens))

    def bot(n: int) -> None:
        api = Api(url, tokens[n])
        start.wait()
        for slug, code in attempts(per_bot):
            pk, posted = api.submit(slug, code)
            posts[n][pk] = posted

    threads = [threading.Thread(target=bot, args=(n,)) for n in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return posts


def rows_of(env: dict[str, str], ids: list[int]) -> dict[int, list]:
    import psycopg

    for attempt in range(10):
        try:
            with psycopg.connect(env["DATABASE_URL"], connect_timeout=30) as conn:
                rows = conn.execute(ROWS, (ids,)).fetchall()
            break
        except psycopg.OperationalError:  # a loaded machine: PostgreSQL answers late, not never
            if attempt == 9:
                raise
            time.sleep(5)
    return {
        row[0]: [row[0], row[1], row[2], *(float(x) if x is not None else None for x in row[3:6]), *row[6:]]
        for row in rows
    }


def wait_finished(env: dict[str, str], ids: list[int], timeout: float, on_progress=None) -> dict[int, list]:
    deadline = time.monotonic() + timeout
    while True:
        rows = rows_of(env, ids)
        done = [i for i in ids if rows.get(i) and rows[i][1] == "finished"]
        if on_progress is not None:
            on_progress(len(done))
        if len(done) == len(ids):
            return rows
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(ids) - len(done)} of {len(ids)} submissions without a verdict after {timeout} s")
        time.sleep(0.5)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(name: str, posts: dict[int, float], rows: dict[int, list]) -> dict:
    latency, queue, sandbox, lean, checks, write, reused, verdicts = [], [], [], [], [], [], 0, {}
    for pk, posted in posts.items():
        _pk, _status, verdict, created, claimed, finished, time_ms, phases = rows[pk]
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        latency.append(finished - posted)
        queue.append(claimed - created)
        sb = phases.get("sandbox_ms", 0) / 1000
        ln = (phases.get("exporter_ms", 0) + phases.get("replay_ms", 0)) / 1000
        sandbox.append(sb)
        lean.append(ln)
        checks.append(max(0.0, (time_ms or 0) / 1000 - sb - ln))
        write.append(max(0.0, finished - claimed - (time_ms or 0) / 1000))
        reused += phases.get("exporter_reused", 0)
    span = max(r[5] for r in rows.values() if r[0] in posts) - min(posts.values())
    return {
        "scenario": name,
        "n": len(posts),
        "per_min": len(posts) / span * 60 if span > 0 else float("nan"),
        "latency": latency,
        "parts": {"queue": queue, "sandbox": sandbox, "lean": lean, "checks": checks, "write": write},
        "reused": reused,
        "verdicts": verdicts,
    }


def clean_slate(env: dict[str, str]) -> None:
    """Leave nothing of an earlier, interrupted run to be judged with this one: its submissions
    still waiting are marked finished (JUDGE_ERROR) and the broker's queues are emptied."""
    import subprocess

    import psycopg

    with psycopg.connect(env["DATABASE_URL"], connect_timeout=30) as conn:
        conn.execute(
            "UPDATE submissions_submission SET status = 'finished', verdict = 'JUDGE_ERROR', finished_at = now()"
            " WHERE status IN ('queued', 'running')"
            " AND user_id IN (SELECT id FROM auth_user WHERE username LIKE 'bench-%%')"
        )
    celery = str(ROOT / ".venv" / "bin" / "celery")
    subprocess.run([celery, "-A", "arena", "purge", "-f", "-Q", "judge,celery"], cwd=ROOT, env=env, check=True)


def worker_started(stack: Stack, timeout: float = 180.0) -> str:
    """Wait for the worker to say it is ready; its sizing line (the real judge's) if any."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = stack.worker_log.read_text() if stack.worker_log.exists() else ""
        if " ready." in text:
            sizing = [line.split("judge sizing:", 1)[1] for line in text.splitlines() if "judge sizing:" in line]
            return sizing[-1].strip() if sizing else "no sizing line (a judge double)"
        time.sleep(0.5)
    raise RuntimeError(f"the worker did not start in {timeout:.0f} s: see {stack.worker_log}")


def run_mode(mode: str, args, base_env: dict[str, str], tokens: dict[str, str]) -> list[dict]:
    env = environment(
        ARENA_JUDGE=args.judge,
        LOG_LEVEL="INFO",
        ARENA_LEAN_SLOT_DIR=str(ROOT / "var" / "live" / "slots"),
        **{k: v for k, v in base_env.items() if k in ("DATABASE_URL", "CELERY_BROKER_URL")},
        **MODES[mode],
    )
    if mode == "reuse":
        env.pop("ARENA_EXPORTER_JOBS_PER_PROCESS", None)
    results = []
    clean_slate(env)
    stack = Stack(env, PORT, ["--workers", "2"], worker_args=("-P", "prefork"), worker_log_level="INFO")
    try:
        print(f"[{mode}] {worker_started(stack)}", flush=True)
        api = Api(stack.url, tokens["token"])
        warm = Api(stack.url, tokens["other_token"])
        # the worker warms up in the background (exporter and replay compiled): one verdict, then quiet
        started = time.monotonic()
        wait_finished(env, [warm.submit(*attempts(1)[0])[0]], timeout=900)
        print(f"[{mode}] warm after {time.monotonic() - started:.0f} s; idle {args.idle:.0f} s", flush=True)
        time.sleep(args.idle)

        count = args.count if mode == "reuse" or args.one_job_count is None else args.one_job_count
        posts = dict(api.submit(slug, code) for slug, code in attempts(count))
        results.append(report("batch", posts, wait_finished(env, list(posts), timeout=count * 300)))
        print(f"[{mode}] batch done", flush=True)
        time.sleep(args.idle)

        posts = dict(api.submit(slug, code) for slug, code in attempts(count))
        human: dict[int, float] = {}

        def human_at_half(done: int) -> None:
            if not human and done >= len(posts) // 2:
                browser = Browser(stack.url, "bench-human", HUMAN_PASSWORD)
                pk, posted = browser.submit(*attempts(1)[0])
                human[pk] = posted

        rows = wait_finished(env, list(posts), timeout=count * 300, on_progress=human_at_half)
        rows.update(wait_finished(env, list(human), timeout=600))
        results.append(report("batch+human (bot)", posts, rows))
        results.append(report("batch+human (human)", human, rows))
        print(f"[{mode}] batch+human done", flush=True)
        time.sleep(args.idle)

        if args.bots:
            by_bot = bots_at_once(stack.url, tokens["bots"], args.per_bot)
            every = {pk: posted for posts in by_bot for pk, posted in posts.items()}
            rows = wait_finished(env, list(every), timeout=len(every) * 300)
            results.append(report(f"{args.bots} bots at once", every, rows))
            results[-1]["fair"] = fair_shares(by_bot, rows)
            print(f"[{mode}] bots done", flush=True)

        lone: dict[int, float] = {}
        for slug, code in attempts(args.lone):
            time.sleep(args.idle)
            pk, posted = api.submit(slug, code)
            wait_finished(env, [pk], timeout=600)
            lone[pk] = posted
        results.append(report("lone", lone, rows_of(env, list(lone))))
    finally:
        stack.stop()
    return results


def print_table(all_results: dict[str, list[dict]]) -> None:
    print(
        "\n| mode | scenario | n | verdicts/min | p50 s | p95 s | queue p50/p95 | sandbox p50/p95 | "
        "Lean p50/p95 | checks p50/p95 | write p50/p95 | reused | verdicts |"
    )
    print("|---|---|---:|---:|---:|---:|---|---|---|---|---|---:|---|")
    for mode, results in all_results.items():
        for r in results:
            parts = " | ".join(f"{pct(v, 0.5):.1f} / {pct(v, 0.95):.1f}" for v in r["parts"].values())
            verdicts = ", ".join(f"{k} {n}" for k, n in sorted(r["verdicts"].items()))
            print(
                f"| {mode} | {r['scenario']} | {r['n']} | {r['per_min']:.1f} | {pct(r['latency'], 0.5):.1f} | "
                f"{pct(r['latency'], 0.95):.1f} | {parts} | {r['reused']} | {verdicts} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="the bot's submissions per batch (default 50)")
    parser.add_argument(
        "--one-job-count", type=int, default=None, help="the same in one-job mode (default: --count; it is slow)"
    )
    parser.add_argument("--bots", type=int, default=3, help="bots sending at once (default 3; 0 skips)")
    parser.add_argument("--per-bot", type=int, default=50, help="each bot's submissions (default 50)")
    parser.add_argument("--lone", type=int, default=5, help="lone submissions on the idle site (default 5)")
    parser.add_argument("--idle", type=float, default=40.0, help="quiet seconds before each lone one (default 40)")
    parser.add_argument("--modes", default="reuse,one-job", help="comma-separated: reuse, one-job")
    parser.add_argument("--judge", default=REAL_JUDGE, help="ARENA_JUDGE (a double checks the harness without Lean)")
    args = parser.parse_args()
    base_env = environment(
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/arena_pipeline"),
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/4"),
    )
    tokens = prepare(base_env)
    shell(base_env, SEED_HUMAN)
    tokens["bots"] = json.loads(shell(base_env, SEED_BOTS.format(bots=args.bots))) if args.bots else []
    print(f"load average at start: {os.getloadavg()}", flush=True)
    all_results = {}
    for mode in args.modes.split(","):
        all_results[mode] = run_mode(mode, args, base_env, tokens)
        print(f"load average after {mode}: {os.getloadavg()}", flush=True)
    print_table(all_results)
    for mode, results in all_results.items():
        for r in results:
            if "fair" in r:
                fair = r["fair"]
                print(
                    f"\n[{mode}] fair share over {fair['window_s']:.0f} s with every bot waiting: verdicts per bot "
                    f"{fair['counts']}, worst {fair['worst_deviation']:.0%} from the fair share (target ≤ 20 %)"
                )
    human = [r for rs in all_results.values() for r in rs if r["scenario"] == "batch+human (human)"]
    print("\nhuman verdict within 15 s:", [f"{max(r['latency']):.1f} s" for r in human])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load benchmark of the bot API: gunicorn + PostgreSQL + Redis on this machine, judging by the
recording double (no Lean), load from Debian's wrk (apt-get install wrk).

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... \\
        .venv/bin/python benchmarks/api_load.py [--port 8102] [--seconds 15] [--connections 32]

Scenarios, each against the gunicorn set-ups of CONFIGS (--config to choose). Every set-up
starts from gunicorn.conf.py (gunicorn reads it from the working directory: gevent workers,
keep-alive 5 s, the access log, which goes to var/live/access-<port>.log here) and overrides
it with its own flags:

- poll: GET one of 200 submissions at random (token auth, throttles counted in the cache),
  on the unversioned /api/submissions/<id>/ and on /api/v1/submissions/<id>/;
- list: GET /api/v1/problems/ (anonymous, first page);
- create: POST /api/v1/submissions/ with a fresh Idempotency-Key each, then the same keys again:
  rows in the database must equal the 202s of the first pass, and the second pass adds none.

Results go to stdout as a table (and --json FILE); benchmarks/README.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from live_stack import Stack, environment, manage, prepare  # noqa: E402

from arena_client import ArenaClient  # noqa: E402

GTHREAD = ["--workers", "2", "--worker-class", "gthread", "--threads", "8", "--keep-alive", "5"]
GTHREAD_2X4 = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "5"]
# (gunicorn flags, persistent database connections): Django's default CONN_MAX_AGE=0 opens a
# PostgreSQL connection (a backend process) for every request.
CONFIGS = {
    # scripts/up.sh's: gunicorn.conf.py as it is (until 2026-12-01 23:03 up.sh ran 2 sync workers)
    "gevent (up.sh)": (["--workers", "2"], False),
    "sync": (["--workers", "2", "--worker-class", "sync"], False),
    "gthread 2x8, keep-alive 5": (GTHREAD, False),
    "gthread 2x8, ka 5, conn_max_age": (GTHREAD, True),
    # fewer threads: a lean poll is ~1 ms of Python, so 8 threads per process may only queue for the GIL
    "gthread 2x4, ka 5, conn_max_age": (GTHREAD_2X4, True),
    # a connection per greenlet, kept while its client keeps the connection alive
    "gevent, conn_max_age": (["--workers", "2"], True),
}

POLL_LUA = """
local ids = {%(ids)s}
local prefix = "%(prefix)s"
local headers = {["Authorization"] = "Token %(token)s"}
request = function()
  return wrk.format("GET", prefix .. ids[math.random(#ids)] .. "/", headers)
end
"""

CREATE_LUA = """
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  accepted = 0
  other = 0
  replayed = 0
end
request = function()
  counter = counter + 1
  if counter > %(budget)d then
    -- past the budget: a cheap GET, so no POST is in flight when wrk stops
    return wrk.format("GET", "/health/")
  end
  local code = "def solveAdd (a b : Int) : Int := b - a -- " .. id .. "-" .. counter
  local body = '{"problem": "solve-add", "code": "' .. code .. '"}'
  local headers = {
    ["Authorization"] = "Token %(token)s",
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "%(run)s-" .. id .. "-" .. counter,
  }
  return wrk.format("POST", "/api/v1/submissions/", headers, body)
end
response = function(status, headers, body)
  if status == 202 then
    accepted = accepted + 1
    if headers["Idempotent-Replayed"] then replayed = replayed + 1 end
  elseif status ~= 200 then
    other = other + 1
  end
end
function done(summary, latency, requests)
  local a, o, r = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("accepted")
    o = o + thread:get("other")
    r = r + thread:get("replayed")
  end
  io.write(string.format("ACKS accepted=%%d other=%%d replayed=%%d\\n", a, o, r))
end
"""

COUNT = """
from submissions.models import Submission
print(Submission.objects.filter(user__username="bench-bot", code__contains=" -- ").count())
"""


def wrk(url: str, script: str, *, seconds: int, connections: int, max_requests: int | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", f.name, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(f.name).unlink()
    return parse_wrk(out)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def parse_wrk(out: str) -> dict:
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "90", "99"):
        result[f"p{pct}_ms"] = _ms(re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M).group(1))
    result["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    sockets = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = sockets.group(1) if sockets else ""
    acks = re.search(r"ACKS accepted=(\d+) other=(\d+) replayed=(\d+)", out)
    if acks:
        result.update(accepted=int(acks.group(1)), refused=int(acks.group(2)), replayed=int(acks.group(3)))
    return result


def seed_submissions(url: str, token: str) -> list[int]:
    client = ArenaClient(url, token)
    items = [
        {"problem": "solve-add", "code": f"def solveAdd (a b : Int) : Int := b - a\n-- seed {i}\n"} for i in range(200)
    ]
    return [s["id"] for chunk in (items[:100], items[100:]) for s in client.batch(chunk)["submissions"]]


def count_rows(env) -> int:
    return int(manage(env, "shell", "-c", COUNT).split()[-1])


SETTLE = """
from submissions.models import Submission
# the create passes' submissions, counted already, that the worker has not judged yet
backlog = Submission.objects.filter(user__username="bench-bot", code__contains=" -- ", status="queued")
print(backlog.delete()[0])
"""


def settle(env) -> None:
    """Drop the create passes' unjudged backlog: the solo worker judges ~1,000 of them for minutes
    after a set-up, and that judging would load the machine while the next one is measured."""
    print(f"dropped {manage(env, 'shell', '-c', SETTLE).split()[-1]} queued rows of earlier create passes", flush=True)


CREATE_BUDGET = 100  # POSTs per wrk thread in the exact passes


def creation(env, url: str, token: str, config: str, seconds: int, budget: int = CREATE_BUDGET) -> list[dict]:
    """Creation under load, then the exact count: `budget` POSTs per wrk thread (2 threads),
    after which each connection sends cheap GETs, so none is in flight when wrk stops."""
    run = f"{config[:4]}-{int(time.time())}"
    timed = wrk(url, CREATE_LUA % {"token": token, "run": run + "t", "budget": 10**9}, seconds=seconds, connections=20)
    timed.update(rows_added=None)
    exact = CREATE_LUA % {"token": token, "run": run, "budget": budget}
    before = count_rows(env)
    first = wrk(url, exact, seconds=seconds, connections=20)
    first.update(rows_added=count_rows(env) - before)
    middle = count_rows(env)
    again = wrk(url, exact, seconds=seconds, connections=20)
    again.update(rows_added=count_rows(env) - middle)
    return [
        {"config": config, "scenario": "create (timed)", **timed},
        {"config": config, "scenario": f"create exact ({2 * budget})", **first},
        {"config": config, "scenario": "create exact again, same keys", **again},
    ]


def exactness(rows: list[dict]) -> int:
    """0 if rows added = submissions acknowledged and retried keys added none; else 1 (or 2)."""
    exact = [r for r in rows if r["scenario"].startswith("create exact (")]
    # The check holds only if every budgeted POST was answered before wrk stopped (wrk may send
    # one request fewer than the budget per thread); on a loaded machine 200 POSTs can take
    # longer than --seconds, and those still in flight are stored but not counted.
    unfinished = [r for r in exact if r["accepted"] + r["refused"] < 2 * CREATE_BUDGET - 1]
    if unfinished:
        print("INCONCLUSIVE: the budgeted POSTs did not all finish within --seconds; run longer", unfinished)
        return 2
    # rows == 202s exactly
    lost = [r for r in exact if r["rows_added"] != r["accepted"] or r["refused"]]
    retried = [r for r in rows if r["scenario"].startswith("create exact again")]
    duplicated = [r for r in retried if r["rows_added"] != 0 or r["replayed"] != r["accepted"]]
    if lost or duplicated:
        print("FAIL: rows in the database differ from the submissions acknowledged", lost, duplicated)
        return 1
    print("ok: rows in the database = submissions acknowledged; retried keys added none")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", default="")
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append", help="only these (default: all)")
    parser.add_argument("--cache-url", default="", help="e.g. redis://127.0.0.1:6379/11 (default: the database cache)")
    args = parser.parse_args()
    env = environment(**({"CACHE_URL": args.cache_url} if args.cache_url else {}))
    tokens = prepare(env)
    rows = []
    ids: list[int] = []
    for config, (gunicorn_args, persistent) in CONFIGS.items():
        if args.config and config not in args.config:
            continue
        config_env = dict(env)
        if persistent:
            separator = "&" if "?" in env["DATABASE_URL"] else "?"
            config_env["DATABASE_URL"] = env["DATABASE_URL"] + f"{separator}conn_max_age=60"
        with Stack(config_env, args.port, gunicorn_args) as stack:
            settle(env)
            if not ids:
                ids = seed_submissions(stack.url, tokens["token"])
                time.sleep(5)  # let the worker judge them: polling reads finished rows
            id_list = ",".join(map(str, ids))
            for name, prefix in [("poll /api/", "/api/submissions/"), ("poll /api/v1/", "/api/v1/submissions/")]:
                script = POLL_LUA % {"ids": id_list, "prefix": prefix, "token": tokens["token"]}
                rows.append(
                    {
                        "config": config,
                        "scenario": name,
                        **wrk(stack.url, script, seconds=args.seconds, connections=args.connections),
                    }
                )
            list_lua = 'request = function() return wrk.format("GET", "/api/v1/problems/") end'
            rows.append(
                {
                    "config": config,
                    "scenario": "list /api/v1/problems/",
                    **wrk(stack.url, list_lua, seconds=args.seconds, connections=args.connections),
                }
            )
            rows.extend(creation(env, stack.url, tokens["token"], config, args.seconds))
    print(
        f"\n{'config':32} {'scenario':30} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'non-2xx':>8}  extra"
    )
    for row in rows:
        extra = ""
        if "accepted" in row:
            extra = f"202s={row['accepted']} replayed={row['replayed']} refused={row['refused']}"
            extra += " (in flight at stop not counted)" if row["rows_added"] is None else f" rows+={row['rows_added']}"
        print(
            f"{row['config']:32} {row['scenario']:30} {row['rps']:8.1f} {row['p50_ms']:8.1f} {row['p90_ms']:8.1f}"
            f" {row['p99_ms']:8.1f} {row['non_2xx']:8d}  {extra} {row['socket_errors']}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return exactness(rows)


if __name__ == "__main__":
    sys.exit(main())

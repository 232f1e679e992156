"""scripts/stack.sh chaos: the stack broken on purpose the way judges lose data, then counted.

While a burst of submissions is sent through the API (one every --interval seconds, the
reference solutions of the sample problems, so every verdict must be ACCEPTED):
  1. `docker kill` a judge that is in the middle of a job (the submission RUNNING under it),
  2. restart PostgreSQL, 3. restart Redis, 4. scale the judges to 3, 5. then to 1;
a watcher asks /health/ twice a second throughout. Then it waits for every acknowledged
submission's verdict and counts, from the database: acknowledged (202), refused (503 and the
rest, by status), final verdicts (finished runs), re-runs (claims beyond the first), lost (not
in the database), pending (no verdict when the wait ended), submissions with other than exactly
one recorded final verdict, the most job containers alive at once, job containers left behind.
Exits non-zero when a submission is lost or still pending, has two final verdicts, or is not
ACCEPTED. Standard library only.

    scripts/stack.sh chaos --burst 20
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_check import ROOT, Site, compose, make_token, sign_up  # noqa: E402


class Chaos:
    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        env = dict(line.split("=", 1) for line in Path(opts.env_file).read_text().splitlines() if "=" in line)
        self.site = Site(f"http://127.0.0.1:{env['WEB_PORT']}")
        self.began = time.monotonic()
        self.events: list[str] = []
        self.health: collections.Counter[str] = collections.Counter()
        self.submitted: collections.Counter[str] = collections.Counter()
        self.acknowledged: list[int] = []
        self.most_jobs = 0
        self.killed_submission: int | None = None
        self.done = threading.Event()

    def log(self, text: str) -> None:
        line = f"{time.monotonic() - self.began:7.1f} s  {text}"
        self.events.append(line)
        print(line, flush=True)

    def compose(self, *args: str) -> str:
        return compose(self.opts.env_file, self.opts.project, *args)

    def request(self, method: str, path: str, data=None, headers=None) -> tuple[int | str, bytes]:
        try:
            return self.site.request(method, path, data, headers)
        except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
            return type(getattr(exc, "reason", exc)).__name__, b""

    def sql(self, query: str) -> list[list[str]]:
        out = self.compose("exec", "-T", "db", "psql", "-U", "arena", "-d", "arena", "-tA", "-F", "\t", "-c", query)
        return [line.split("\t") for line in out.splitlines() if line]

    def judges(self) -> list[str]:
        return self.compose("ps", "-q", "judge").split()

    # the watchers
    def watch_health(self) -> None:
        while not self.done.is_set():
            status, _ = self.request("GET", "/health/")
            self.health[str(status)] += 1
            time.sleep(0.5)

    def watch_jobs(self) -> None:
        while not self.done.is_set():
            self.most_jobs = max(self.most_jobs, len(running_job_containers()))
            time.sleep(1)

    def submit_burst(self, auth: dict[str, str]) -> None:
        lines = (ROOT / "problems" / "samples" / "problems.jsonl").read_text().splitlines()
        samples = [json.loads(line) for line in lines]
        for i in range(self.opts.burst):
            sample = samples[i % len(samples)]
            # a comment makes each code distinct (no duplicate of an earlier submission)
            code = f"{sample['reference_solution']}\n-- chaos {i}\n"
            status, body = self.request("POST", "/api/v1/submissions/", {"problem": sample["slug"], "code": code}, auth)
            self.submitted[str(status)] += 1
            if status == 202:
                self.acknowledged.append(json.loads(body)["id"])
            else:
                self.log(f"submission {i + 1}/{self.opts.burst}: {status} {body[:120]!r}")
            time.sleep(self.opts.interval)
        self.log(f"burst sent: {dict(self.submitted)}")

    # the breakage
    def kill_a_judge_mid_job(self) -> None:
        deadline = time.monotonic() + self.opts.timeout
        while time.monotonic() < deadline:
            running = self.sql("select id, judged_by from submissions_submission where status = 'running' order by id")
            jobs = running_job_containers()
            for sid, worker in running:
                host = worker.rsplit("@", 1)[-1]
                judge = next((c for c in self.judges() if c.startswith(host) or host.startswith(c[:12])), None)
                if judge and jobs:
                    subprocess.run(["docker", "kill", judge], check=True, capture_output=True, timeout=60)
                    self.log(f"docker kill judge {judge[:12]} mid-job: submission {sid}, {len(jobs)} job(s) running")
                    self.killed_submission = int(sid)
                    return
            time.sleep(1)
        raise SystemExit("no judge was seen in the middle of a job")

    def restart(self, service: str) -> None:
        t = time.monotonic()
        self.compose("restart", service)
        self.log(f"{service} restarted ({time.monotonic() - t:.1f} s)")

    def scale(self, n: int) -> None:
        t = time.monotonic()
        self.compose("up", "-d", "--no-deps", "--no-build", "--no-recreate", "--scale", f"judge={n}", "judge")
        self.log(f"judges scaled to {n} ({time.monotonic() - t:.1f} s): {len(self.judges())} running")

    def wait_for_verdicts(self) -> None:
        deadline = time.monotonic() + self.opts.timeout
        ids = ",".join(map(str, self.acknowledged)) or "0"
        while time.monotonic() < deadline:
            query = f"select count(*) from submissions_submission where id in ({ids}) and status <> 'finished'"
            pending = self.sql(query)
            if pending[0][0] == "0":
                self.log("every acknowledged submission has its verdict")
                return
            time.sleep(5)
        self.log("deadline reached with submissions still pending")

    def count(self) -> dict:
        ids = ",".join(map(str, self.acknowledged)) or "0"
        rows = self.sql(
            "select s.id, s.status, s.verdict, count(r.id), count(r.finished_at), "
            "count(r.id) filter (where r.judging = s.judging and r.finished_at is not null) "
            f"from submissions_submission s left join submissions_judgerun r on r.submission_id = s.id "
            f"where s.id in ({ids}) group by s.id order by s.id"
        )
        verdicts = collections.Counter(r[2] or "(none)" for r in rows)
        leftovers = subprocess.run(
            ["docker", "ps", "-a", "--filter", "label=arena.job=1", "--format", "{{.ID}} {{.Status}}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        return {
            "burst": self.opts.burst,
            "acknowledged": len(self.acknowledged),
            "refused": {k: v for k, v in self.submitted.items() if k != "202"},
            "final_verdicts": sum(int(r[4]) for r in rows),
            "verdicts": dict(verdicts),
            "re_runs": sum(int(r[3]) - 1 for r in rows if int(r[3]) > 1),
            # acknowledged but not in the database at all
            "lost": len(self.acknowledged) - len(rows),
            # recorded, no verdict yet when the wait ended (lost too if the wait was long enough)
            "pending": [int(r[0]) for r in rows if r[1] != "finished"],
            "not_exactly_one_final_verdict": [int(r[0]) for r in rows if r[5] != "1"],
            "health_answers": dict(self.health),
            "most_job_containers_at_once": self.most_jobs,
            "job_containers_left": leftovers,
            "seconds": round(time.monotonic() - self.began),
        }

    def run(self) -> int:
        user = sign_up(self.site, f"chaos{int(time.time())}")
        auth = make_token(self.site)
        self.log(f"signed up as {user}; {len(self.judges())} judges")
        watchers = [threading.Thread(target=f, daemon=True) for f in (self.watch_health, self.watch_jobs)]
        burst = threading.Thread(target=self.submit_burst, args=(auth,), daemon=True)
        for thread in [*watchers, burst]:
            thread.start()
        self.kill_a_judge_mid_job()
        time.sleep(self.opts.pause)
        self.restart("db")
        time.sleep(self.opts.pause)
        self.restart("redis")
        time.sleep(self.opts.pause)
        self.scale(3)
        time.sleep(self.opts.pause * 3)
        self.scale(1)
        burst.join()
        self.wait_for_verdicts()
        self.done.set()
        result = self.count()
        print(json.dumps(result, indent=2))
        ok = (
            result["lost"] == 0
            and not result["pending"]
            and not result["not_exactly_one_final_verdict"]
            and set(result["verdicts"]) == {"ACCEPTED"}
            and result["acknowledged"] > 0
        )
        print("chaos run passed" if ok else "chaos run FAILED")
        return 0 if ok else 1


def running_job_containers() -> list[str]:
    out = subprocess.run(
        ["docker", "ps", "-q", "--filter", "label=arena.job=1", "--filter", "status=running"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return out.split()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env-file", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between submissions")
    parser.add_argument("--pause", type=float, default=15.0, help="seconds between breakages")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for verdicts")
    return Chaos(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())

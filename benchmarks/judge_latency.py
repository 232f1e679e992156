"""Verdict latency on the sample problems, beside a bare `lean --json` of the same file.

    python benchmarks/judge_latency.py [--problems N] [--back-to-back K]

Modes, each through the real runner and sandbox:
- cold: no pool; every Lean process starts from nothing. The bare run is `lean --json Sol.lean`;
  the verdict is the exporter run plus the replay request (replay session already compiled).
- pre-started, one at a time: a pool of one; we wait until the pre-started process is ready
  before each run. For the bare run the process waits with its runtime loaded; for the verdict
  the exporter is compiled too and waits for the file.
- pre-started, back to back: K verdicts without waiting; the pool refills in the background.
Prints the table, the ratios verdict / bare run, p50, and the Lean processes per verdict
(counted by the runner: exporter jobs + replay requests on the critical path).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judge import pipeline  # noqa: E402
from judge.config import load_config  # noqa: E402
from judge.lean_runner import STATS, LeanJob, make_runner  # noqa: E402
from judge.problem_format import load_problem_set  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "problems" / "samples" / "problems.jsonl"


def wait_ready(runner, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(s["ready"] and s["alive"] for s in runner.pool_status()):
            return
        time.sleep(0.1)
    raise SystemExit("no pre-started process became ready")


def bare_job(code: bytes) -> LeanJob:
    return LeanJob(args=("--json", "Sol.lean"), files={"Sol.lean": code})


def timed_verdict(problem, code: bytes, runner) -> tuple[float, str, int]:
    jobs, requests = STATS.jobs, STATS.requests
    started = time.monotonic()
    result = pipeline.judge_submission(problem, code, runner=runner)
    processes = (STATS.jobs - jobs) + (STATS.requests - requests)
    return time.monotonic() - started, str(result.verdict), processes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=3, help="how many sample problems (default 3)")
    parser.add_argument("--back-to-back", type=int, default=3, help="verdicts in a row (default 3)")
    args = parser.parse_args()
    problems = [p for p in load_problem_set(SAMPLES.read_text(encoding="utf-8"))][: args.problems]
    config = load_config()
    codes = {p.slug: p.reference_solution.encode() for p in problems}

    # A. cold: no pool
    cold = make_runner(dataclasses.replace(config, pool_size=0))
    print(f"{cold.kind} Lean {cold.version()}", flush=True)
    for problem in problems:  # reference exports and the replay's compile are set-up costs
        pipeline.judge_for(cold).reference_export(problem)
    pipeline.judge_for(cold).replayer.warm_up()
    bare_cold, verdict_cold, verdicts = {}, {}, {}
    for problem in problems:
        bare_cold[problem.slug] = cold.run(bare_job(codes[problem.slug])).wall_seconds
        verdict_cold[problem.slug], verdicts[problem.slug], _ = timed_verdict(problem, codes[problem.slug], cold)
    pipeline.judge_for(cold).close()
    cold.close()

    # B. pre-started bare runs: the runtime is loaded, callMain on demand
    bare_warm = {}
    runner = make_runner(dataclasses.replace(config, pool_size=1))
    for problem in problems:
        runner.prestart(bare_job(codes[problem.slug]))
        wait_ready(runner)
        bare_warm[problem.slug] = runner.run(bare_job(codes[problem.slug])).wall_seconds
    runner.close()

    # C. pre-started verdicts: the exporter is compiled and waits for the file
    runner = make_runner(dataclasses.replace(config, pool_size=1))
    pipeline.judge_for(runner).replayer.warm_up()
    verdict_warm, processes = {}, {}
    for problem in problems:
        runner.prestart(pipeline.exporter_job(b"", None))
        wait_ready(runner)
        verdict_warm[problem.slug], _, processes[problem.slug] = timed_verdict(problem, codes[problem.slug], runner)
    wait_ready(runner)
    back = []
    for _ in range(args.back_to_back):
        seconds, _, _ = timed_verdict(problems[0], codes[problems[0].slug], runner)
        back.append(seconds)
    pipeline.judge_for(runner).close()
    runner.close()

    print(
        f"{'problem':14} {'verdict':9} {'bare cold':>9} {'verdict cold':>12} {'ratio':>6} "
        f"{'bare pre':>9} {'verdict pre':>11} {'ratio':>6} {'Lean procs':>10}"
    )
    for problem in problems:
        slug = problem.slug
        print(
            f"{slug:14} {verdicts[slug]:9} {bare_cold[slug]:9.1f} {verdict_cold[slug]:12.1f} "
            f"{verdict_cold[slug] / bare_cold[slug]:6.2f} {bare_warm[slug]:9.1f} {verdict_warm[slug]:11.1f} "
            f"{verdict_warm[slug] / bare_warm[slug]:6.2f} {processes[slug]:10}"
        )
    print(
        f"back to back ({args.back_to_back} x {problems[0].slug}, pool refilling behind): "
        + ", ".join(f"{s:.1f}" for s in back)
        + " s"
    )
    slugs = [p.slug for p in problems]
    p50 = statistics.median(verdict_warm[s] for s in slugs)
    ratio = statistics.median(verdict_warm[s] / bare_warm[s] for s in slugs)
    cold_ratio = statistics.median(verdict_cold[s] / bare_cold[s] for s in slugs)
    print(
        f"pre-started, one at a time: verdict p50 {p50:.1f} s, verdict/bare p50 {ratio:.2f}x "
        f"(targets <= 8 s, <= 1.5x); cold: verdict/bare p50 {cold_ratio:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

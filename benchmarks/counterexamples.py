"""Counterexamples on wrong implementations of the sample problems, and what the search costs.

    python benchmarks/counterexamples.py [--only N,M] [--json out.json]

Each wrong implementation (written for this benchmark, over the sample problems and one
problem whose theorem has a hypothesis) is judged twice by the same warm judge, back to back,
as one owner's submissions (the exporter process is reused between jobs, up to its bound, so
both are timed on a running process): with the probes (the site's default) and without them
(ARENA_COUNTEREXAMPLES=0's path). It prints, per implementation, both verdicts, both times,
the counterexample found, and the Lean work on the critical path (exporter jobs and replay
requests: the probes add no process, only replay requests); then how many got a
counterexample and the median extra latency.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judge import pipeline  # noqa: E402
from judge.config import load_config  # noqa: E402
from judge.lean_runner import STATS, make_runner  # noqa: E402
from judge.problem_format import ProblemSpec, TheoremSpec, load_problem_set  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "problems" / "samples" / "problems.jsonl"
PROBLEMS = {p.slug: p for p in load_problem_set(SAMPLES.read_text(encoding="utf-8"))}
PROBLEMS["from-five"] = ProblemSpec(
    slug="from-five",
    title="Identity from five on",
    definitions=("def f (n : Nat) : Nat",),
    theorems=(TheoremSpec("f_spec", "theorem f_spec (n : Nat) (h : n ≥ 5) : f n = n"),),
)


def _with_sorry(slug: str, body: str) -> str:
    problem = PROBLEMS[slug]
    proofs = "\n\n".join(f"{t.signature} := by\n  sorry" for t in problem.theorems)
    preamble = problem.preamble + "\n\n" if problem.preamble else ""
    return f"{preamble}{problem.definitions[0]} :=\n  {body}\n\n{proofs}\n"


# (problem, implementation body); every one is wrong on some input
WRONG: list[tuple[str, str]] = [
    ("solve-add", "a - b"),
    ("solve-add", "b + a"),
    ("solve-add", "b - a + 1"),
    ("solve-add", "if a = 0 then b else 0"),
    ("solve-add", "b"),
    ("is-in", "xs.length > 0"),
    ("is-in", "false"),
    ("is-in", "xs.head? == some x"),
    ("is-in", "xs.getLast? == some x"),
    ("double-even", "n * 3"),
    ("double-even", "n + 1"),
    ("double-even", "if n = 0 then 0 else n * 2 + 2"),
    ("my-max", "a"),
    ("my-max", "if a ≤ b then a else b"),
    ("my-max", "a + b"),
    ("sum-list", "xs.length"),
    ("sum-list", "match xs with\n  | [] => 0\n  | x :: _ => x"),
    ("sum-list", "xs.foldl (· + ·) 1"),
    ("list-length", "xs.length + 1"),
    ("list-length", "(xs.filter (· > 0)).length"),
    ("from-five", "if n < 3 then n else 0"),
    ("from-five", "if n < 7 then n else n + 1"),
    # evaluation too expensive for the probes' budget: expected misses
    ("solve-add", "((List.replicate 100000000 0).length : Int) - 100000000 + a - b"),
    ("from-five", "n + 10 ^ 100000 % 7"),
]


def judge(judge_, problem, code: str) -> dict:
    jobs, requests = STATS.jobs, STATS.requests
    started = time.monotonic()
    # one owner: the exporter process goes on from job to job (ARENA_EXPORTER_JOBS_PER_PROCESS),
    # so both modes are timed on a running process, not on its start-up
    result = judge_.judge(problem, code, owner="benchmark")
    return {
        "verdict": str(result.verdict),
        "seconds": round(time.monotonic() - started, 2),
        "exporter_jobs": STATS.jobs - jobs,
        "replay_requests": STATS.requests - requests,
        "counterexample": result.counterexample,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="indices of WRONG to run, comma-separated")
    parser.add_argument("--json", default="", help="write the rows as JSON here")
    args = parser.parse_args()
    chosen = [int(i) for i in args.only.split(",") if i] or list(range(len(WRONG)))

    runner = make_runner(load_config())
    judge_ = pipeline.judge_for(runner)
    judge_.warm_up()
    rows = []
    try:
        for index in chosen:
            slug, body = WRONG[index]
            code = _with_sorry(slug, body)
            problem = PROBLEMS[slug]
            judge_.probes = True
            with_probes = judge(judge_, problem, code)
            judge_.probes = False
            without = judge(judge_, problem, code)
            row = {"index": index, "problem": slug, "implementation": body, "with": with_probes, "without": without}
            rows.append(row)
            cx = with_probes["counterexample"]
            shown = (
                ", ".join(f"{i['name']}={i['value']}" for i in cx["inputs"]) + f" → {cx.get('returned')}" if cx else "-"
            )
            print(
                f"{index:2} {slug:12} {body[:38]:38} {with_probes['verdict']:16} {with_probes['seconds']:6.1f}s"
                f" | {without['verdict']:16} {without['seconds']:6.1f}s | jobs {with_probes['exporter_jobs']}/"
                f"{without['exporter_jobs']} replays {with_probes['replay_requests']}/{without['replay_requests']}"
                f" | {shown}",
                flush=True,
            )
    finally:
        pipeline.close_judges()
        runner.close()
    found = [r for r in rows if r["with"]["verdict"] == "WRONG_ANSWER"]
    extra = [r["with"]["seconds"] - r["without"]["seconds"] for r in rows]
    print(f"\ncounterexamples: {len(found)} of {len(rows)}")
    extra_found = [r["with"]["seconds"] - r["without"]["seconds"] for r in found] or [0.0]
    if extra:
        print(
            f"extra latency with the probes: median {statistics.median(extra):.2f} s, "
            f"mean {statistics.mean(extra):.2f} s, max {max(extra):.2f} s "
            f"(with a counterexample: median {statistics.median(extra_found):.2f} s)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

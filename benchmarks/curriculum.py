"""The curriculum as a judge regression corpus, with the real judge, and how long it takes.

    python benchmarks/curriculum.py [--levels 1,2] [--only slug,slug] [--json out.json]

For every problem of problems/curriculum (problems.curriculum.corpus.check_problem): the
reference solution is ACCEPTED with no spec-audit finding, the uniqueness theorems are proved
(the problem with them added, judged on the reference), every test is consistent with the spec
(decided by Lean), and every wrong implementation is rejected as expected (WRONG_ANSWER with a
counterexample, or any verdict but ACCEPTED). Everything is judged as one owner, so one
exporter process serves job after job. Prints a line per check, then the counts and the time;
exits 1 when a check fails.
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
from problems.curriculum import load_curriculum  # noqa: E402
from problems.curriculum.corpus import check_problem  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="", help="levels to run, comma-separated (default: all)")
    parser.add_argument("--only", default="", help="slugs to run, comma-separated")
    parser.add_argument("--json", default="", help="write the outcomes as JSON here")
    args = parser.parse_args()
    levels = {int(n) for n in args.levels.split(",") if n}
    slugs = {s for s in args.only.split(",") if s}
    problems = [
        p for p in load_curriculum() if (not levels or p.level in levels) and (not slugs or p.spec.slug in slugs)
    ]

    runner = make_runner(load_config())
    judge = pipeline.judge_for(runner)
    started = time.monotonic()
    judge.warm_up()
    warm = time.monotonic() - started
    outcomes = []
    try:
        for problem in problems:

            def show(outcome, level=problem.level):
                mark = "ok  " if outcome.ok else "FAIL"
                print(
                    f"{mark} L{level} {outcome.slug:22} {outcome.check:10} {outcome.seconds:6.1f}s  "
                    f"{outcome.detail[:160]}",
                    flush=True,
                )

            outcomes.extend(check_problem(judge, problem, report=show))
    finally:
        pipeline.close_judges()
        runner.close()
    total = time.monotonic() - started
    failed = [o for o in outcomes if not o.ok]
    kinds: dict[str, list[float]] = {}
    for o in outcomes:
        kinds.setdefault(o.check.split()[0], []).append(o.seconds)
    print(
        f"\n{len(problems)} problems, {len(outcomes)} checks, {len(failed)} failed; "
        f"{total:.0f} s in all (warm-up {warm:.0f} s); exporter jobs {STATS.jobs}, replay requests {STATS.requests}"
    )
    for kind, seconds in kinds.items():
        median = statistics.median(seconds)
        print(f"  {kind:10} {len(seconds):3} checks, median {median:.1f} s, max {max(seconds):.1f} s")
    for o in failed:
        print(f"FAILED {o.slug} {o.check}: {o.detail}")
    if args.json:
        Path(args.json).write_text(json.dumps([o.to_json() for o in outcomes], indent=2, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

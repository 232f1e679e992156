"""The curriculum as a judge regression corpus: each problem's reference must stay ACCEPTED
(its uniqueness theorems too, its tests consistent), each wrong implementation rejected as its
`expect` says. Used by benchmarks/curriculum.py (the whole corpus) and the CI test (a sample).

`judge` is a judge.pipeline.Judge; everything is judged as one owner, so the exporter process
is reused from job to job (ARENA_EXPORTER_JOBS_PER_PROCESS).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from problems.curriculum import CurriculumProblem

OWNER = "curriculum-corpus"


@dataclasses.dataclass(frozen=True)
class Outcome:
    slug: str
    check: str  # reference, uniqueness, tests, wrong N
    ok: bool
    detail: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_problem(judge, problem: CurriculumProblem, report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Every check of one problem, in order; never raises for a bad verdict (it is an Outcome).
    `report` is called with each outcome as soon as it is known."""
    spec, slug = problem.spec, problem.spec.slug
    outcomes: list[Outcome] = []

    def add(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if report is not None:
            report(outcome)

    started = time.monotonic()
    result = judge.judge(spec, spec.reference_solution or "", owner=OWNER)
    audit = "; spec audit: " + str(result.spec_audit) if result.spec_audit else ""
    add(
        Outcome(
            slug,
            "reference",
            result.verdict == "ACCEPTED" and not result.spec_audit,
            f"{result.verdict}{_reason(result)}{audit}",
            time.monotonic() - started,
        )
    )

    if problem.uniqueness:
        started = time.monotonic()
        result = judge.judge(problem.uniqueness_problem(), problem.uniqueness_solution(), owner=OWNER)
        detail = f"{result.verdict}{_reason(result)}"
        add(Outcome(slug, "uniqueness", result.verdict == "ACCEPTED", detail, time.monotonic() - started))

    if spec.tests:
        started = time.monotonic()
        checks = judge.check_tests(spec)
        bad = [c for c in checks if c.status != "consistent"]
        detail = "; ".join(f"test {c.number}: {c.status} ({c.detail})" for c in bad) or f"{len(checks)} consistent"
        add(Outcome(slug, "tests", not bad and len(checks) == len(spec.tests), detail, time.monotonic() - started))

    for number, wrong in enumerate(problem.wrong_implementations, start=1):
        started = time.monotonic()
        result = judge.judge(spec, problem.wrong_solution(wrong), owner=OWNER)
        if wrong.expect == "WRONG_ANSWER":
            ok = result.verdict == "WRONG_ANSWER" and result.counterexample is not None
        else:
            ok = result.verdict not in ("ACCEPTED", "JUDGE_ERROR")
        shown = _counterexample(result.counterexample) if result.counterexample else _reason(result)
        add(
            Outcome(
                slug,
                f"wrong {number}",
                ok,
                f"expected {wrong.expect}, got {result.verdict}{shown} ({wrong.why})",
                time.monotonic() - started,
            )
        )
    return outcomes


def _reason(result) -> str:
    return f": {result.reasons[0].code}: {str(result.reasons[0].detail)[:300]}" if result.reasons else ""


def _counterexample(cx: dict[str, Any]) -> str:
    inputs = ", ".join(f"{i['name']}={i['value']}" for i in cx.get("inputs", []))
    return f": {cx.get('theorem')} false for {inputs}"

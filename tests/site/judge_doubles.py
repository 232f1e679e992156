"""Test doubles for the judge at its seam (judge.seam.SiteJudge), named by ARENA_JUDGE.

Each double is a module-level object implementing SiteJudge, and mypy checks it against the
interface (pyproject's mypy `files` include this module; see SEAM_CHECKED at the end). Their
checker version is this module's CHECKER_VERSION, read at each call, so a test can change it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from pathlib import Path
from typing import Any

from judge.problem_format import ProblemSpec
from judge.results import (
    CheckResult,
    CheckStatus,
    JudgeResult,
    Message,
    Reason,
    ReasonCode,
    TheoremResult,
    TheoremStatus,
    Verdict,
)
from judge.sandbox import Limits
from judge.seam import InvalidReference, SiteJudge

CHECKER_VERSION = "double-2"
LEAN_VERSION = "4.28.0-double"
RECORDED_TEMPLATE_EXPORT = Path(__file__).parent.parent / "judge" / "exports" / "solve_add_reference.jsonl"


def accepted(problem: ProblemSpec) -> JudgeResult:
    return JudgeResult(
        verdict=Verdict.ACCEPTED,
        theorems=[TheoremResult(name, TheoremStatus.PROVED) for name in problem.theorem_names],
        lean_version=LEAN_VERSION,
        checker_version=CHECKER_VERSION,
        time_ms=5,
    )


def compile_error(problem: ProblemSpec, text: str = "unknown identifier 'oops'") -> JudgeResult:
    return JudgeResult(
        verdict=Verdict.COMPILE_ERROR,
        reasons=[Reason(code=ReasonCode.LEAN_ERROR, declaration=problem.theorem_names[0], detail=text)],
        theorems=[TheoremResult(name, TheoremStatus.ERROR) for name in problem.theorem_names],
        messages=[Message("error", 4, 2, 4, 6, text)],
        lean_version=LEAN_VERSION,
        checker_version=CHECKER_VERSION,
        time_ms=7,
    )


def by_code(problem: ProblemSpec, code: str) -> JudgeResult:
    """The doubles' answer from the text: what the real source checks refuse (judge.source_checks,
    no Lean) is FORBIDDEN_CONSTRUCT with every theorem "error", as the real judge stores it;
    code containing "oops" COMPILE_ERROR; anything else ACCEPTED."""
    from judge.source_checks import check_source

    refused = check_source(code, list(problem.imports))
    if refused:
        return JudgeResult(
            verdict=Verdict.FORBIDDEN_CONSTRUCT,
            reasons=refused,
            theorems=[TheoremResult(name, TheoremStatus.ERROR) for name in problem.theorem_names],
            lean_version=LEAN_VERSION,
            checker_version=CHECKER_VERSION,
            time_ms=3,
        )
    return compile_error(problem) if "oops" in code else accepted(problem)


# A real check's answer (CheckResult.to_dict) for issue 27's solveAdd sketch: three sorries with
# their goals and every tactic step; recorded by the judge side (tests/judge/test_checks_lean.py)
RECORDED_SKETCH_CHECK = Path(__file__).parent.parent / "judge" / "exports" / "check_solve_add_sketch.json"
SOLVE_ADD_SKETCH = """def solveAdd (a b : Int) : Int := b - a

theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by
  have hsub : solveAdd a b = b - a := by
    sorry
  have haba : a + (b - a) = b := by
    sorry
  have hfinal : a + (solveAdd a b) = b := by
    sorry
  exact hfinal
"""
_THEOREM = re.compile(r"^\s*theorem\s+(\S+)\s*((?:\([^()]*\)\s*)*):\s*(.*?)\s*:=\s*by\s*$")
_HAVE = re.compile(r"^(\s*)have\s+\S+\s*:\s*(.*?)\s*:=\s*by\s*$")
_BINDER = re.compile(r"\(([^():]+):([^()]+)\)")


def check_by_code(problem: ProblemSpec, code: str) -> CheckResult:
    """The doubles' check, from the text, not from Lean: what the source checks refuse is
    "refused"; the issue's solveAdd sketch itself is answered with the recorded real check (when
    recorded); "oops" is an error message with every theorem open; any other code is read
    (check_from_text): each `sorry` with the goal of the `have … := by` or theorem it stands in."""
    import json

    from judge.source_checks import check_source

    refused = check_source(code, list(problem.imports))
    if refused:
        result = CheckResult(status=CheckStatus.REFUSED, refusal="; ".join(r.detail for r in refused))
    elif code.strip() == SOLVE_ADD_SKETCH.strip() and RECORDED_SKETCH_CHECK.exists():
        result = CheckResult.from_dict(json.loads(RECORDED_SKETCH_CHECK.read_text()))
    elif "oops" in code:
        result = CheckResult(
            status=CheckStatus.OK,
            messages=[Message("error", 4, 2, 4, 6, "unknown identifier 'oops'")],
            open_theorems=list(problem.theorem_names),
        )
    else:
        result = check_from_text(code)
    return dataclasses.replace(result, lean_version=LEAN_VERSION, checker_version=CHECKER_VERSION, time_ms=4)


def check_from_text(code: str) -> CheckResult:
    """Goals read from the text, as Lean would print them for simple sketches ("a b : Int\n⊢
    target": the theorem's binders, the `have`'s or theorem's statement); each tactic line a step
    (closing the goal when it is `sorry`, `exact`, `simp`, `omega` or `rfl`)."""
    sorries: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    messages: list[Message] = []
    open_theorems: set[str] = set()
    hypotheses, theorem = "", ""
    scopes: list[tuple[int, str]] = [(-1, "")]  # (indent, goal) of the `by` blocks open
    for number, line in enumerate(code.split("\n"), start=1):
        text, indent = line.strip(), len(line) - len(line.lstrip())
        if (found := _THEOREM.match(line)) is not None:
            theorem = found.group(1)
            hypotheses = "\n".join(f"{n.strip()} : {k.strip()}" for n, k in _BINDER.findall(found.group(2)))
            scopes = [(indent, f"{hypotheses}\n⊢ {found.group(3)}".lstrip())]
            continue
        while len(scopes) > 1 and indent <= scopes[-1][0] and text:
            scopes.pop()
        if not text or scopes[-1][0] < 0 or text.startswith("--"):
            continue
        goal = scopes[-1][1]
        step = {"line": number, "column": indent, "end_line": number, "end_column": len(line)}
        if (found := _HAVE.match(line)) is not None:
            steps.append({**step, "goals_before": [goal], "goals_after": [goal]})
            scopes.append((indent, f"{hypotheses}\n⊢ {found.group(2)}".lstrip()))
            continue
        closes = text == "sorry" or text.startswith(("exact", "simp", "omega", "rfl"))
        steps.append({**step, "goals_before": [goal], "goals_after": [] if closes else [goal]})
        if text == "sorry":
            sorries.append({**step, "goal": goal})
            messages.append(Message("warning", number, indent, number, len(line), "declaration uses 'sorry'"))
            open_theorems.add(theorem)
    return CheckResult.from_dict(
        {
            "status": CheckStatus.OK,
            "messages": [dataclasses.asdict(m) for m in messages],
            "sorries": sorries,
            "steps": steps,
            "open_theorems": sorted(open_theorems),
        }
    )


def judge_error(detail: str = "the sandbox failed") -> JudgeResult:
    return JudgeResult(
        verdict=Verdict.JUDGE_ERROR,
        reasons=[Reason(code=ReasonCode.JUDGE_ERROR, detail=detail)],
        lean_version=LEAN_VERSION,
        checker_version=CHECKER_VERSION,
    )


class JudgeDouble:
    """What every double shares: the version, no Lean, no test check."""

    runs_lean = False
    check_tests = None  # validation says "not checked"

    @property
    def checker_version(self) -> str:
        return CHECKER_VERSION


class RecordingJudgeDouble(JudgeDouble):
    """Records every call; answers from a script of results (or exceptions), else by the code
    (by_code: refused by the source checks, "oops", or ACCEPTED)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.calls: list[tuple[ProblemSpec, str]] = []
        self.owners: list[str | None] = []  # the `owner` of each judging call
        self.script: list[JudgeResult | Exception] = []
        self.check_owners: list[str] = []  # the `owner` of each check
        self.check_script: list[CheckResult | Exception] = []

    def check(self, problem: ProblemSpec, code: str | bytes, *, owner: str) -> CheckResult:
        code = code.decode() if isinstance(code, bytes) else code
        self.calls.append((problem, code))
        self.check_owners.append(owner)
        if self.check_script:
            outcome = self.check_script.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return check_by_code(problem, code)

    def judge(
        self, problem: ProblemSpec, code: str | bytes, *, limits: Limits | None = None, owner: str | None = None
    ) -> JudgeResult:
        code = code.decode() if isinstance(code, bytes) else code
        self.calls.append((problem, code))
        self.owners.append(owner)
        if self.script:
            outcome = self.script.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return by_code(problem, code)

    def reference_export(self, problem: ProblemSpec) -> str:
        """The template's export, as problems.validation asks for it: a template containing
        "oops" does not elaborate; any other is answered with the recorded real export of the
        solve-add template (so a problem declaring other names misses its targets)."""
        self.calls.append((problem, "<template>"))
        if "oops" in problem.template():
            raise InvalidReference("the problem's template does not elaborate: line 1: unknown identifier 'oops'")
        return RECORDED_TEMPLATE_EXPORT.read_text()


class SleepingJudgeDouble(JudgeDouble):
    """For real worker processes: sleeps ARENA_TEST_JUDGE_SLEEP seconds, appends one line per
    call to ARENA_TEST_JUDGE_CALLS (a file), then answers like RecordingJudgeDouble."""

    reference_export = None  # validation says "not checked"

    def check(self, problem: ProblemSpec, code: str | bytes, *, owner: str) -> CheckResult:
        code = code.decode() if isinstance(code, bytes) else code
        # not ARENA_TEST_JUDGE_SLEEP: a check is interactive, and the browser tests wait for it
        time.sleep(float(os.environ.get("ARENA_TEST_CHECK_SLEEP", "0")))
        return check_by_code(problem, code)

    def judge(
        self, problem: ProblemSpec, code: str | bytes, *, limits: Limits | None = None, owner: str | None = None
    ) -> JudgeResult:
        code = code.decode() if isinstance(code, bytes) else code
        calls = os.environ.get("ARENA_TEST_JUDGE_CALLS")
        if calls:
            with Path(calls).open("a") as f:
                f.write(f"{os.getpid()} {problem.slug}\n")
        time.sleep(float(os.environ.get("ARENA_TEST_JUDGE_SLEEP", "0")))
        return by_code(problem, code)


recording_judge_double = RecordingJudgeDouble()
sleeping_judge_double = SleepingJudgeDouble()

# mypy checks each double against the seam here (and site_judge() checks it at run time).
SEAM_CHECKED: tuple[SiteJudge, ...] = (recording_judge_double, sleeping_judge_double)

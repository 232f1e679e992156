"""Checks on the real Lean (issue 27): the proof state a check returns, and that a check is as
sound as a verdict. Bounded: every check here has the same owner, so one exporter process serves
them in turn (one compile of the exporter), except after a refusal (a refused job's process is
never used again).

`ARENA_RECORD_CHECK=1` rewrites `exports/check_solve_add_sketch.json` (the site side's fast
tests and the seam's doubles answer with it) from the sketch's real check."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from judge.pipeline import judge_for, judge_submission
from judge.problem_format import load_problem_set
from judge.results import CheckResult, CheckStatus, Verdict
from tests.judge.test_soundness_lean import ATTACKS, PAYLOAD_FILES, SOLUTION, CollectingRunner

pytestmark = pytest.mark.lean

HERE = Path(__file__).resolve().parent
RECORDED = HERE / "exports" / "check_solve_add_sketch.json"
SAMPLES = HERE.parents[1] / "problems" / "samples" / "problems.jsonl"
PROBLEMS = {p.slug: p for p in load_problem_set(SAMPLES.read_text(encoding="utf-8"))}
OWNER = "user:checks"

# issue 27's sketch for solveAdd
SKETCH = """def solveAdd (a b : Int) : Int := b - a

theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by
  have hsub : solveAdd a b = b - a := by
    sorry
  have haba : a + (b - a) = b := by
    sorry
  have hfinal : a + (solveAdd a b) = b := by
    sorry
  exact hfinal
"""

IS_IN = """def isIn (x : Int) (xs : List Int) : Bool :=
  match xs with
  | [] => false
  | h :: t => x == h || isIn x t

theorem isIn_spec (x : Int) (xs : List Int) : isIn x xs = true ↔ x ∈ xs := by
  induction xs with
  | nil => simp [isIn]
  | cons h t ih => simp [isIn, ih]
"""


@pytest.fixture(scope="module")
def collecting(runner):
    """The module's runner, bringing back the soundness payloads' files from every job."""
    wrapped = CollectingRunner(runner, tuple(PAYLOAD_FILES.values()))
    yield wrapped
    judge_for(wrapped).close()


def check(collecting, slug: str, code: str) -> CheckResult:
    return judge_for(collecting).check(PROBLEMS[slug], code, owner=OWNER)


# solve-add with tests (a wrong implementation fails them): a check must never show them
WITH_TESTS = dataclasses.replace(
    PROBLEMS["solve-add"], tests=({"input": "13 1729", "output": "1716"}, {"input": "-4171 9", "output": "4180"})
)


def innermost_at(result: CheckResult, line: int, column: int):
    """The innermost step whose range holds the position (what an editor shows there)."""
    holding = [s for s in result.steps if (s.line, s.column) <= (line, column) <= (s.end_line, s.end_column)]
    return min(holding, key=lambda s: (s.end_line - s.line, s.end_column - s.column))


def test_the_sketch_gives_three_sorries_with_their_goals(collecting):
    result = check(collecting, "solve-add", SKETCH)
    assert result.status is CheckStatus.OK, result
    assert [(s.line, s.column) for s in result.sorries] == [(5, 4), (7, 4), (9, 4)]
    goals = [s.goal for s in result.sorries]
    assert all("a b : Int" in g for g in goals), goals
    assert "⊢ solveAdd a b = b - a" in goals[0] and "⊢ a + (b - a) = b" in goals[1]
    assert "hsub : solveAdd a b = b - a" in goals[2] and "haba" in goals[2]
    assert result.open_theorems == ["solveAdd_spec"]
    assert any(m.severity == "warning" and "sorry" in m.text for m in result.messages)
    # the last step closes the proof
    last = innermost_at(result, 10, 3)
    assert "hfinal" in last.goals_before[0] and last.goals_after == []
    assert not result.truncated
    if os.environ.get("ARENA_RECORD_CHECK"):
        RECORDED.write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    recorded = CheckResult.from_dict(json.loads(RECORDED.read_text(encoding="utf-8")))
    assert recorded.sorries == result.sorries and recorded.steps == result.steps


def test_a_check_then_a_submission_on_the_same_process(collecting):
    before = len(collecting.runs)
    check(collecting, "solve-add", SKETCH.replace("exact hfinal", "exact hfinal\n#check solveAdd"))
    result = judge_submission(PROBLEMS["solve-add"], SOLUTION, runner=collecting, owner=OWNER)
    assert result.verdict is Verdict.ACCEPTED, result.to_json()
    assert result.phases["exporter_reused"] == 1  # the process that ran the check
    assert all(run.files == {} for run in collecting.runs[before:])


def test_the_cons_case_shows_ih_among_its_hypotheses(collecting):
    result = check(collecting, "is-in", IS_IN)
    assert result.status is CheckStatus.OK and result.open_theorems == [] and result.sorries == []
    line = IS_IN.splitlines().index("  | cons h t ih => simp [isIn, ih]") + 1
    step = innermost_at(result, line, len("  | cons h t ih => si"))
    (goal,) = step.goals_before
    assert "ih : isIn x t = true ↔ x ∈ t" in goal and "⊢ isIn x (h :: t) = true ↔ x ∈ h :: t" in goal, goal
    nil = innermost_at(result, line - 1, len("  | nil => si"))
    assert "ih" not in nil.goals_before[0] and "[]" in nil.goals_before[0]


def test_a_check_runs_no_probe_and_shows_no_test(collecting):
    wrong = SKETCH.replace(":= b - a", ":= a", 1)
    before = len(collecting.runs)
    result = judge_for(collecting).check(WITH_TESTS, wrong, owner=OWNER)
    assert result.status is CheckStatus.OK and result.open_theorems == ["solveAdd_spec"]
    (run,) = collecting.runs[before:]
    assert '["PROBES"]' not in run.stdout and "ArenaProbe" not in run.stdout
    text = json.dumps(result.to_dict())
    assert not any(value in text for value in ("1729", "1716", "4171", "4180"))


@pytest.mark.parametrize("attack", ["eval-forged-export", "macro-to-eval"])
def test_a_payload_is_refused_as_a_check(collecting, attack):
    before = len(collecting.runs)
    result = check(collecting, "solve-add", ATTACKS[attack] + SOLUTION)
    assert result.status is CheckStatus.REFUSED and "line 1" in result.refusal, result
    assert result.sorries == [] and result.steps == []
    assert all(run.files == {} for run in collecting.runs[before:])

"""Counterexamples and test checks on the real Lean: what the exporter proves by evaluation, the
trusted side checks and the kernel replays (judge.counterexamples, judge.spec_consistency)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from judge.pipeline import judge_for, judge_submission
from judge.problem_format import ProblemSpec, TheoremSpec, load_problem_set
from judge.results import Verdict

pytestmark = pytest.mark.lean

SAMPLES = Path(__file__).resolve().parents[2] / "problems" / "samples" / "problems.jsonl"
PROBLEMS = {p.slug: p for p in load_problem_set(SAMPLES.read_text(encoding="utf-8"))}
SPEC = "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b"
AT_LEAST_FIVE = ProblemSpec(
    slug="identity-from-five",
    title="Identity from five on",
    definitions=("def f (n : Nat) : Nat",),
    theorems=(TheoremSpec("f_spec", "theorem f_spec (n : Nat) (h : n ≥ 5) : f n = n"),),
)


@pytest.fixture(scope="module")
def runner_settings() -> dict:
    """The one-job-per-process mode (ARENA_EXPORTER_JOBS_PER_PROCESS=1): the real-Lean file whose
    verdicts are checked in that mode too (test_judge_real_lean.py has the default, reuse)."""
    return {"exporter_jobs": 1}


@pytest.fixture(scope="module", autouse=True)
def warm(runner):
    """Warm up as a worker does: a cold run counts its start-up against the wall limit, which a
    loaded machine can exceed (the template's export came first and timed out so)."""
    judge_for(runner).warm_up()
    deadline = time.monotonic() + 900
    while not any(s["ready"] and s["alive"] for s in runner.pool_status()) and time.monotonic() < deadline:
        time.sleep(0.5)


def judge(problem: ProblemSpec, code: str, runner):
    # one owner for the module, as a bot's stream of attempts: in this mode still a fresh
    # exporter for each
    return judge_submission(problem, code, runner=runner, owner="user:tests")


def inputs(result) -> dict[str, str]:
    return {i["name"]: i["value"] for i in result.counterexample["inputs"]}


def test_a_wrong_implementation_gets_a_checked_counterexample(runner):
    code = f"def solveAdd (a b : Int) : Int := a - b\n\n{SPEC} := by\n  simp [solveAdd]\n  omega\n"
    result = judge(PROBLEMS["solve-add"], code, runner)
    assert result.verdict is Verdict.WRONG_ANSWER, result.to_json()
    a, b = (int(v) for v in inputs(result).values())
    assert a + (a - b) != b  # a real counterexample
    assert int(result.counterexample["returned"]) == a - b
    assert result.reasons[0].code == "COUNTEREXAMPLE"
    # what the proof check said stays among the reasons
    assert "LEAN_ERROR" in [r.code for r in result.reasons]


def test_a_wrong_membership_on_lists_gets_one(runner):
    code = (
        "def isIn (x : Int) (xs : List Int) : Bool := xs.length > 0\n\n"
        "theorem isIn_spec (x : Int) (xs : List Int) : isIn x xs = true ↔ x ∈ xs := by\n  sorry\n"
    )
    result = judge(PROBLEMS["is-in"], code, runner)
    assert result.verdict is Verdict.WRONG_ANSWER, result.to_json()
    found = inputs(result)
    x, xs = int(found["x"]), [int(v) for v in found["xs"].strip("[]").split(",") if v.strip()]
    assert (len(xs) > 0) != (x in xs)


def test_a_counterexample_satisfies_the_theorems_hypothesis(runner):
    code = (
        "def f (n : Nat) : Nat := if n < 3 then n else 0\n\n"
        "theorem f_spec (n : Nat) (h : n ≥ 5) : f n = n := by\n  sorry\n"
    )
    result = judge(AT_LEAST_FIVE, code, runner)
    assert result.verdict is Verdict.WRONG_ANSWER, result.to_json()
    assert int(inputs(result)["n"]) >= 5


def test_a_correct_implementation_with_an_incomplete_proof_stays_incomplete(runner):
    code = f"def solveAdd (a b : Int) : Int := b - a\n\n{SPEC} := by\n  sorry\n"
    result = judge(PROBLEMS["solve-add"], code, runner)
    assert result.verdict is Verdict.INCOMPLETE_PROOF, result.to_json()
    assert result.counterexample is None
    assert result.phases["exporter_reused"] == 0  # the mode holds: a fresh process, same owner or not


def test_a_decoy_in_an_open_namespace_does_not_make_a_correct_solution_wrong(runner):
    # appended as text, the probes would read `solveAdd` as Foo.solveAdd, which is wrong
    code = (
        "def solveAdd (a b : Int) : Int := b - a\n\n"
        "namespace Foo\n\n"
        "def solveAdd (a b : Int) : Int := a - b\n\n"
        "theorem _root_.solveAdd_spec (a b : Int) : a + (_root_.solveAdd a b) = b := by\n  sorry\n"
    )
    result = judge(PROBLEMS["solve-add"], code, runner)
    assert result.verdict is Verdict.INCOMPLETE_PROOF, result.to_json()
    assert result.counterexample is None


def test_an_implementation_too_slow_to_evaluate_gets_no_counterexample_and_no_error(runner):
    code = (
        "def solveAdd (a b : Int) : Int := ((List.replicate 100000000 0).length : Int) - 100000000 + a - b\n\n"
        f"{SPEC} := by\n  sorry\n"
    )
    started = time.monotonic()
    result = judge(PROBLEMS["solve-add"], code, runner)
    assert result.verdict is Verdict.INCOMPLETE_PROOF, result.to_json()
    assert result.counterexample is None
    assert time.monotonic() - started < runner.default_limits.wall_seconds + 60


def test_each_test_is_consistent_inconsistent_or_undecided(runner):
    solve_add = ProblemSpec.from_dict(
        {
            **PROBLEMS["solve-add"].to_dict(),
            "tests": [
                {"input": "1 3", "output": "2", "wrong_outputs": ["4"]},
                {"input": {"a": -1, "b": -4}, "output": "-5"},  # -1 + -5 ≠ -4
            ],
        }
    )
    checks = judge_for(runner).check_tests(solve_add)
    assert [c.status for c in checks] == ["consistent", "inconsistent"], checks
    assert "fails solveAdd_spec" in checks[1].detail

    unbounded = ProblemSpec(
        slug="unbounded",
        title="A spec over every natural number",
        definitions=("def g (n : Nat) : Nat",),
        theorems=(TheoremSpec("g_spec", "theorem g_spec (n : Nat) : ∀ m : Nat, m ≤ g n + m"),),
        tests=({"input": 2, "output": 3},),
    )
    assert [c.status for c in judge_for(runner).check_tests(unbounded)] == ["undecided"]

"""Verdicts of the real judge on the real Lean: each case asserts the verdict and its reason.

One runner serves the module, with a pool of one pre-started exporter, and the replay session
stays alive between verdicts, as in production, in the default exporter mode: one owner's
submissions judged in a row by one exporter process. The other mode, a fresh exporter process
for every submission (ARENA_EXPORTER_JOBS_PER_PROCESS=1), is test_counterexamples_lean.py's:
running every case here in both doubled this file to ~16 minutes of CI.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from judge import lean_runner
from judge.config import load_config
from judge.pipeline import judge_for, judge_submission
from judge.problem_format import load_problem_set
from judge.results import TheoremStatus, Verdict

pytestmark = pytest.mark.lean

SAMPLES = Path(__file__).resolve().parents[2] / "problems" / "samples" / "problems.jsonl"
PROBLEMS = {p.slug: p for p in load_problem_set(SAMPLES.read_text(encoding="utf-8"))}

SPEC = "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b"


@pytest.fixture(scope="module")
def runner():
    """The worker's Lean (a pool of one, the replay kept alive, reuse on), warmed up as a worker
    is: a cold run counts its start-up against the wall limit, which a loaded machine can
    exceed (docs/lean.md)."""
    config = dataclasses.replace(load_config(), pool_size=1)
    runner = lean_runner.make_runner(config)
    judge_for(runner).warm_up()
    deadline = time.monotonic() + 900
    while not any(s["ready"] and s["alive"] for s in runner.pool_status()) and time.monotonic() < deadline:
        time.sleep(0.5)
    yield runner
    judge_for(runner).close()
    runner.close()


def judge(runner, slug: str, code: str):
    # one owner for the whole module, as a bot's stream of attempts
    return judge_submission(PROBLEMS[slug], code, runner=runner, owner="user:tests")


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


@pytest.mark.parametrize("slug", sorted(PROBLEMS))
def test_reference_solution_is_accepted(runner, slug):
    result = judge(runner, slug, PROBLEMS[slug].reference_solution)
    assert result.verdict is Verdict.ACCEPTED, result.to_json()
    assert {t.status for t in result.theorems} == {TheoremStatus.PROVED}


def test_helper_lemmas_and_public_names_are_accepted(runner):
    code = f"""theorem helper (a b : Int) : a + (b - a) = b := by omega

public def solveAdd (a b : Int) : Int := b - a

{SPEC} := helper a b
"""
    result = judge(runner, "solve-add", code)
    assert result.verdict is Verdict.ACCEPTED, result.to_json()


def test_let_rec_is_accepted(runner):
    code = """def sumList (xs : List Nat) : Nat := go xs
where
  go : List Nat → Nat
    | [] => 0
    | x :: xs => x + go xs

theorem sumList_nil : sumList [] = 0 := rfl

theorem sumList_cons (x : Nat) (xs : List Nat) : sumList (x :: xs) = x + sumList xs := rfl
"""
    result = judge(runner, "sum-list", code)
    assert result.verdict is Verdict.ACCEPTED, result.to_json()


def test_wrong_implementation_is_a_wrong_answer(runner):
    code = f"def solveAdd (a b : Int) : Int := a + b\n\n{SPEC} := by\n  simp [solveAdd]\n  omega\n"
    result = judge(runner, "solve-add", code)
    # its proof fails (COMPILE_ERROR), and a counterexample shows why (test_counterexamples_lean.py)
    assert result.verdict is Verdict.WRONG_ANSWER, result.to_json()
    assert "LEAN_ERROR" in codes(result)
    assert result.messages and result.messages[0].severity == "error"
    assert result.messages[0].line in (3, 4, 5)


@pytest.mark.parametrize(
    "code",
    [
        f"def solveAdd (a b : Int) : Int := b - a\n\n{SPEC} := by\n  sorry\n",
        f"def solveAdd (a b : Int) : Int := sorry\n\n{SPEC} := by\n  sorry\n",
        "def countdown (n : Nat) : Nat := if n = 0 then 0 else countdown (n - 1)\n"
        "termination_by n\ndecreasing_by sorry\n\n"
        "def solveAdd (a b : Int) : Int := b - a + countdown 0\n\n"
        f"{SPEC} := by\n  have h : countdown 0 = 0 := by rw [countdown]; simp\n  simp [solveAdd, h]\n  omega\n",
    ],
    ids=["in-proof", "in-implementation", "in-termination-proof"],
)
def test_sorry_is_an_incomplete_proof(runner, code):
    result = judge(runner, "solve-add", code)
    assert result.verdict is Verdict.INCOMPLETE_PROOF, result.to_json()
    assert "SORRY" in codes(result)
    assert result.theorems[0].status is TheoremStatus.SORRY


def test_submitted_axiom_is_forbidden_and_named(runner):
    code = f"""axiom cheat (a b : Int) : a + (b - a) = b

def solveAdd (a b : Int) : Int := b - a

{SPEC} := cheat a b
"""
    result = judge(runner, "solve-add", code)
    assert result.verdict is Verdict.FORBIDDEN_AXIOM
    assert any(r.code == "FORBIDDEN_AXIOM" and r.declaration == "cheat" for r in result.reasons)


def test_native_decide_is_refused_before_it_runs(runner):
    code = f"""theorem four : (2 : Nat) + 2 = 4 := by native_decide

def solveAdd (a b : Int) : Int := b - a

{SPEC} := by
  have _h := four
  simp [solveAdd]
  omega
"""
    result = judge(runner, "solve-add", code)
    # the exporter's policy stops it (it would run compiled code); the checker's
    # Lean.ofReduceBool rule stays behind it
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT, result.to_json()
    assert result.reasons[0].code == "FORBIDDEN_COMMAND" and "native_decide" in result.reasons[0].declaration


@pytest.mark.parametrize(
    "code",
    [
        # a changed statement
        "def solveAdd (a b : Int) : Int := b - a\n\n"
        "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b + 0 := by\n  simp [solveAdd]\n  omega\n",
        # the statement re-meant by an instance: `+` now keeps its right operand
        "local instance : HAdd Int Int Int := ⟨fun _ y => y⟩\n\n"
        f"def solveAdd (a b : Int) : Int := b\n\n{SPEC} := rfl\n",
    ],
    ids=["changed", "instance"],
)
def test_changed_statement_is_a_mismatch(runner, code):
    result = judge(runner, "solve-add", code)
    assert result.verdict is Verdict.STATEMENT_MISMATCH, result.to_json()
    assert result.theorems[0].status is TheoremStatus.MISMATCH


def test_changed_preamble_definition_is_a_mismatch(runner):
    code = """def isEven (n : Nat) : Prop := True

def double (n : Nat) : Nat := n + n

theorem double_spec (n : Nat) : isEven (double n) ∧ double n = n + n := ⟨trivial, rfl⟩
"""
    result = judge(runner, "double-even", code)
    assert result.verdict is Verdict.STATEMENT_MISMATCH, result.to_json()
    assert any(r.code == "CHANGED_DEPENDENCY" and r.declaration == "isEven" for r in result.reasons)


def test_a_macro_re_meaning_the_statement_is_refused(runner):
    code = f"macro_rules | `($a + $b) => `($b)\n\ndef solveAdd (a b : Int) : Int := b\n\n{SPEC} := rfl\n"
    result = judge(runner, "solve-add", code)
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT, result.to_json()
    assert result.reasons[0].code == "FORBIDDEN_COMMAND"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("@[implemented_by Int.sub] def solveAdd (a b : Int) : Int := b - a\n", "FORBIDDEN_ATTRIBUTE"),
        ('@[extern "lean_int_sub"] def solveAdd (a b : Int) : Int := b - a\n', "FORBIDDEN_ATTRIBUTE"),
        ("prelude\nimport Init.Prelude\ndef solveAdd (a b : Int) : Int := b - a\n", "PRELUDE"),
    ],
    ids=["implemented_by", "extern", "prelude"],
)
def test_forbidden_constructs(runner, code, reason):
    result = judge(runner, "solve-add", code + f"\n{SPEC} := by\n  simp [solveAdd]\n  omega\n")
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT
    assert reason in codes(result)


def test_fake_verdict_on_stdout_is_refused(runner):
    code = f"""#eval IO.println "{{\\"verdict\\": \\"ACCEPTED\\", \\"reasons\\": []}}"

def solveAdd (a b : Int) : Int := b - a

{SPEC} := by
  sorry
"""
    result = judge(runner, "solve-add", code)
    assert result.verdict is Verdict.FORBIDDEN_CONSTRUCT, result.to_json()

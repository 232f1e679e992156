"""Validation with the real offline Lean (few, well chosen; each costs 30-60 s and ~3.6 GB).
Run one at a time, with ARENA_LEAN_POOL_SIZE=0."""

import pytest

from problems.models import ProblemStatus, ProblemValidation
from problems.services import problem_propose, problem_publish
from tests.problems.conftest import run_validations

pytestmark = [
    pytest.mark.lean,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(1200),
]


@pytest.fixture
def real_judge(settings):
    settings.ARENA_JUDGE = "judge.pipeline.judge_submission"


def validated(author, data, sent):
    problem = problem_propose(author=author, data=data)
    run_validations(sent)
    validation = ProblemValidation.objects.get(problem=problem)
    return problem, validation, {c["check"]: c for c in validation.checks}


def test_valid_proposal_validates_and_is_published(author, maintainer, proposal_data, validations_sent, real_judge):
    proposal_data["preamble"] = "def offset : Int := 0"
    proposal_data["tests"] = [{"input": "1 3", "output": "2", "wrong_outputs": ["3"]}]

    problem, validation, checks = validated(author, proposal_data, validations_sent)

    assert validation.status == "passed", validation.checks
    assert checks["tests"]["status"] == "passed", checks["tests"]
    assert "test 1: consistent" in checks["tests"]["detail"]
    assert checks["template"]["status"] == "passed"
    assert checks["preamble_export"]["status"] == "passed"
    assert checks["reference_solution"] == {
        "check": "reference_solution",
        "status": "passed",
        "detail": "ACCEPTED by the judge",
    }
    problem_publish(problem=problem, user=maintainer)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.PUBLISHED


def test_wrong_reference_solution_fails_with_the_reason(author, proposal_data, validations_sent, real_judge):
    proposal_data["reference_solution"] = proposal_data["reference_solution"].replace("b - a", "a - b")

    _problem, validation, checks = validated(author, proposal_data, validations_sent)

    assert validation.status == "failed"
    assert checks["reference_solution"]["status"] == "failed"
    # a wrong implementation: the judge shows where it is wrong (issue 16)
    assert checks["reference_solution"]["detail"].startswith("WRONG_ANSWER: COUNTEREXAMPLE: solveAdd_spec is false for")


def test_template_that_does_not_elaborate_is_caught(author, proposal_data, validations_sent, real_judge):
    proposal_data["theorems"] = [
        {
            "name": "solveAdd_spec",
            # dotted: an undotted unknown name would be auto-bound as an implicit (autoImplicit)
            "signature": "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = Int.undefinedThing b",
        }
    ]
    proposal_data["reference_solution"] = ""

    _problem, validation, checks = validated(author, proposal_data, validations_sent)

    assert validation.status == "failed"
    assert checks["template"]["status"] == "failed"
    assert "does not elaborate" in checks["template"]["detail"]
    assert "Int.undefinedThing" in checks["template"]["detail"]


def test_a_test_inconsistent_with_the_spec_is_caught(author, proposal_data, validations_sent, real_judge):
    # 1 + 5 ≠ 3: the expected output contradicts solveAdd_spec
    proposal_data["tests"] = [{"input": "1 3", "output": "2"}, {"input": {"a": 1, "b": 3}, "output": "5"}]
    proposal_data["reference_solution"] = ""

    _problem, validation, checks = validated(author, proposal_data, validations_sent)

    assert validation.status == "failed"
    assert checks["tests"]["status"] == "failed", checks["tests"]
    assert "test 1: consistent" in checks["tests"]["detail"]
    assert "test 2: inconsistent (the expected output fails solveAdd_spec)" in checks["tests"]["detail"]


def test_a_malicious_preamble_is_refused_with_named_reasons(author, proposal_data, validations_sent, real_judge):
    """Issue 26, hole 2: an axiom hidden from the old text check behind a `'"'` char literal,
    named under a target so the old export check skipped it; a wrong reference solution that
    uses it. Each point now names it: the text, the export (no name skipped) and the judge
    (an axiom in the file is the file's, never the problem's)."""
    preamble = "def quote : Char := '\"'\naxiom solveAdd.cheat : False\n"
    proposal_data["preamble"] = preamble
    proposal_data["reference_solution"] = (
        preamble + "\ndef solveAdd (a b : Int) : Int := 0\n\n"
        "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := solveAdd.cheat.elim\n"
    )

    _problem, validation, checks = validated(author, proposal_data, validations_sent)

    assert validation.status == "failed"
    assert checks["preamble"]["status"] == "failed" and "axiom" in checks["preamble"]["detail"], checks
    assert checks["preamble_export"]["status"] == "failed", checks["preamble_export"]
    assert "solveAdd.cheat (axiom)" in checks["preamble_export"]["detail"]
    assert checks["reference_solution"]["status"] == "failed", checks["reference_solution"]
    assert checks["reference_solution"]["detail"].startswith("FORBIDDEN_AXIOM"), checks["reference_solution"]

"""The validation report, point by point, through the judge double."""

import pytest

from problems.models import ProblemValidation
from problems.services import problem_propose
from tests.problems.conftest import run_validations

pytestmark = pytest.mark.django_db(transaction=True)


def validate(author, data, sent):
    problem = problem_propose(author=author, data=data)
    run_validations(sent)
    validation = ProblemValidation.objects.get(problem=problem)
    return validation, {c["check"]: c for c in validation.checks}


def test_valid_proposal_passes_every_point(author, proposal_data, validations_sent, judge_double):
    validation, checks = validate(author, proposal_data, validations_sent)

    assert validation.status == "passed"
    assert [c["check"] for c in validation.checks] == [
        "imports",
        "preamble",
        "headers",
        "template",
        "preamble_export",
        "reference_solution",
        "tests",
    ]
    assert checks["template"]["status"] == "passed"
    assert checks["reference_solution"]["status"] == "passed"
    assert checks["tests"]["status"] == "skipped"
    assert (judge_double.calls[-1][1]) == proposal_data["reference_solution"]


def test_wrong_reference_solution_fails_with_the_judges_reason(author, proposal_data, validations_sent, judge_double):
    proposal_data["reference_solution"] += "\n-- oops\n"

    validation, checks = validate(author, proposal_data, validations_sent)

    assert validation.status == "failed"
    assert checks["reference_solution"]["status"] == "failed"
    assert "COMPILE_ERROR" in checks["reference_solution"]["detail"]
    assert "unknown identifier 'oops'" in checks["reference_solution"]["detail"]


def test_template_that_does_not_elaborate_fails(author, proposal_data, validations_sent, judge_double):
    proposal_data["preamble"] = "def oops := 1"

    validation, checks = validate(author, proposal_data, validations_sent)

    assert validation.status == "failed"
    assert checks["template"]["status"] == "failed"
    assert "does not elaborate" in checks["template"]["detail"]


def test_template_missing_a_declared_target_fails(author, proposal_data, validations_sent, judge_double):
    proposal_data["theorems"].append({"name": "solveAdd_zero", "signature": "theorem solveAdd_zero : solveAdd 0 0 = 0"})

    validation, checks = validate(author, proposal_data, validations_sent)

    assert checks["template"]["status"] == "failed"
    assert "does not declare solveAdd_zero" in checks["template"]["detail"]


@pytest.mark.parametrize("preamble", ["axiom cheat : False", "opaque secret : Nat", "theorem t : 1 = 2 := sorry"])
def test_preamble_leaving_something_unproved_fails(author, proposal_data, validations_sent, judge_double, preamble):
    proposal_data["preamble"] = preamble

    validation, checks = validate(author, proposal_data, validations_sent)

    assert validation.status == "failed"
    assert checks["preamble"]["status"] == "failed"


def test_preamble_words_in_comments_are_not_flagged(author, proposal_data, validations_sent, judge_double):
    proposal_data["preamble"] = "-- no axiom here, no sorry either\ndef helper (n : Nat) : Nat := n"

    _validation, checks = validate(author, proposal_data, validations_sent)

    assert checks["preamble"]["status"] == "passed"


def test_tests_a_judge_cannot_check_are_not_checked_never_passed(author, proposal_data, validations_sent, judge_double):
    proposal_data["tests"] = [{"input": "1 2", "output": "1"}]

    validation, checks = validate(author, proposal_data, validations_sent)

    assert checks["tests"]["status"] == "not_checked"
    assert "cannot check tests" in checks["tests"]["detail"]  # the double has no Lean to decide them
    assert validation.status == "passed"  # nothing failed; the report says what was not checked


def test_a_second_delivery_of_one_validation_does_nothing(author, proposal_data, validations_sent, judge_double):
    problem = problem_propose(author=author, data=proposal_data)
    validation_id = validations_sent[0][0]
    run_validations(list(validations_sent))
    calls = len(judge_double.calls)

    from problems.services import problem_validate

    assert problem_validate(validation_id=validation_id) is None
    assert len(judge_double.calls) == calls
    assert problem.validations.count() == 1


def test_judge_error_on_the_reference_is_an_error_not_a_failure(author, proposal_data, validations_sent, judge_double):
    from tests.site.judge_doubles import judge_error

    judge_double.script.append(judge_error("the sandbox failed"))

    validation, checks = validate(author, proposal_data, validations_sent)

    assert validation.status == "error"
    assert checks["reference_solution"]["status"] == "error"
    assert "validate again" in checks["reference_solution"]["detail"]


def test_judge_crash_is_recorded_never_left_running(author, proposal_data, validations_sent, judge_double):
    judge_double.script.append(RuntimeError("Lean slot timed out"))

    validation, checks = validate(author, proposal_data, validations_sent)

    assert validation.status == "error"
    assert checks == {"judge": {"check": "judge", "status": "error", "detail": "the judge failed: Lean slot timed out"}}


def test_validation_abandoned_by_a_dead_worker_is_taken_again(
    author, proposal_data, validations_sent, judge_double, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from problems.services import problem_validate

    problem_propose(author=author, data=proposal_data)
    validation_id = validations_sent[0][0]
    long_ago = timezone.now() - timedelta(seconds=settings.ARENA_JUDGE_TIME_LIMIT_SECONDS + 120)
    ProblemValidation.objects.filter(pk=validation_id).update(status="running", started_at=long_ago)

    assert problem_validate(validation_id=validation_id).status == "passed"

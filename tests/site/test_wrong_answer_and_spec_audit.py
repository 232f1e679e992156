"""What the site does with a counterexample and with a spec audit (the judge is a double that
returns what the real judge returns for them: tests/judge/test_counterexamples_lean.py)."""

import dataclasses

import pytest
from django.urls import reverse

from judge.results import JudgeResult, Reason, ReasonCode, Verdict
from problems.models import SpecAuditFlag
from submissions.models import Submission
from submissions.services import submission_claim, submission_create, submission_record_result
from tests.site.conftest import GOOD_CODE
from tests.site.judge_doubles import accepted

COUNTEREXAMPLE = {
    "theorem": "solveAdd_spec",
    "inputs": [{"name": "a", "value": "0"}, {"name": "b", "value": "1"}],
    "statement": "¬ solveAdd_spec (0) (1)",
    "definition": "solveAdd",
    "returned": "-1",
}
FINDING = {"test": 2, "definition": "solveAdd", "inputs": ["1", "3"], "expected": "7", "returned": "2"}


def record(submission: Submission, result: JudgeResult) -> None:
    run = submission_claim(submission_id=submission.pk, worker="w")
    assert submission_record_result(run=run, result=result)


@pytest.fixture
def submission(problem, user, enqueued):
    return submission_create(user=user, problem=problem, code=GOOD_CODE)


def test_a_wrong_answer_shows_its_counterexample(submission, signed_in, problem):
    result = JudgeResult(
        verdict=Verdict.WRONG_ANSWER,
        reasons=[Reason(ReasonCode.COUNTEREXAMPLE, "solveAdd_spec", "solveAdd_spec is false for a = 0, b = 1")],
        counterexample=COUNTEREXAMPLE,
    )
    record(submission, result)
    submission.refresh_from_db()
    assert submission.verdict == "WRONG_ANSWER"
    assert JudgeResult.from_json(submission.result).counterexample == COUNTEREXAMPLE
    page = signed_in.get(submission.get_absolute_url()).content.decode()
    assert 'data-verdict="WRONG_ANSWER"' in page
    assert "<code>solveAdd_spec</code> is false for" in page
    assert "<code>a</code> = <code>0</code>" in page and "returns <code>-1</code>" in page


def test_an_accepted_solution_disagreeing_with_a_test_flags_the_problem(submission, problem, client, django_user_model):
    record(submission, dataclasses.replace(accepted(problem.to_spec()), spec_audit=[FINDING]))
    flag = SpecAuditFlag.objects.get()
    assert (flag.problem, flag.submission, flag.test_number) == (problem, submission, 2)
    assert flag.evidence["returned"] == "2" and flag.evidence["expected"] == "7"

    page_url = reverse("problem-proposal", args=[problem.slug])
    maintainer = django_user_model.objects.create_user(username="mod", password="mod-pass-123", is_staff=True)
    client.force_login(maintainer)
    page = client.get(page_url).content.decode()
    assert "Spec audit" in page and "<code>7</code>" in page and "<code>2</code>" in page


def test_the_same_finding_twice_makes_one_flag(submission, problem):
    from problems.services import spec_audit_record

    assert spec_audit_record(submission=submission, findings=[FINDING]) == 1
    assert spec_audit_record(submission=submission, findings=[FINDING, {"test": "x"}]) == 0
    assert SpecAuditFlag.objects.count() == 1

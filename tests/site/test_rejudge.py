"""Rejudging keeps every earlier result; rejudge_outdated reports changed verdicts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from judge.results import Verdict
from submissions.models import JudgeRun, SubmissionStatus
from submissions.services import submission_claim, submission_create, submission_judge, submission_rejudge
from tests.site import judge_doubles
from tests.site.conftest import GOOD_CODE


@pytest.fixture
def judged(problem, user, enqueued, judge_double):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    submission_judge(submission_id=submission.pk, worker="w1")
    submission.refresh_from_db()
    assert submission.verdict == Verdict.ACCEPTED
    enqueued.clear()
    return submission


def test_rejudge_keeps_the_history(judged, judge_double, enqueued, django_capture_on_commit_callbacks):
    problem = judged.problem_version.to_spec()
    judge_double.script = [judge_doubles.compile_error(problem)]
    with django_capture_on_commit_callbacks(execute=True):
        assert submission_rejudge(submission=judged) is True
    assert enqueued == [(judged.pk, None)]
    judged.refresh_from_db()
    assert judged.status == SubmissionStatus.QUEUED and judged.verdict == "" and judged.attempts == 0

    submission_judge(submission_id=judged.pk, worker="w2")
    judged.refresh_from_db()
    assert judged.verdict == Verdict.COMPILE_ERROR and judged.judging == 2
    runs = JudgeRun.objects.filter(submission=judged).order_by("id")
    assert [(r.judging, r.attempt, r.verdict) for r in runs] == [
        (1, 1, "ACCEPTED"),
        (2, 1, "COMPILE_ERROR"),
    ]


def test_a_submission_being_judged_is_not_rejudged(problem, user, enqueued):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    assert submission_rejudge(submission=submission) is False
    submission_claim(submission_id=submission.pk, worker="w")
    assert submission_rejudge(submission=submission) is False


def test_the_admin_action_rejudges(judged, admin_client, enqueued, django_capture_on_commit_callbacks):
    url = reverse("admin:submissions_submission_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"action": "rejudge", "_selected_action": [judged.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 submission(s) queued for rejudging" in response.content.decode()
    assert enqueued == [(judged.pk, None)]
    judged.refresh_from_db()
    assert judged.status == SubmissionStatus.QUEUED


def test_rejudge_outdated_reports_changed_verdicts(judged, judge_double, monkeypatch, problem, user):
    # Both judged under checker "double-2"; the judge is now at "double-3" and rejects one.
    still_good = submission_create(user=user, problem=problem, code=GOOD_CODE + "\n")
    submission_judge(submission_id=still_good.pk, worker="w1")
    monkeypatch.setattr(judge_doubles, "CHECKER_VERSION", "double-3")
    spec = judged.problem_version.to_spec()
    judge_double.script = [judge_doubles.compile_error(spec), judge_doubles.accepted(spec)]

    out = StringIO()
    call_command("rejudge_outdated", stdout=out)
    text = out.getvalue()
    assert "2 ACCEPTED submission(s) judged before checker double-3" in text
    assert f"CHANGED submission {judged.pk} " in text and "ACCEPTED -> COMPILE_ERROR" in text
    assert f"CHANGED submission {still_good.pk} " not in text
    assert "rejudged 2, changed 1, skipped 0" in text
    judged.refresh_from_db()
    assert judged.verdict == Verdict.COMPILE_ERROR
    assert JudgeRun.objects.filter(submission=judged).count() == 2


def test_rejudge_outdated_dry_run_judges_nothing(judged, judge_double, monkeypatch):
    monkeypatch.setattr(judge_doubles, "CHECKER_VERSION", "double-3")
    out = StringIO()
    call_command("rejudge_outdated", "--dry-run", stdout=out)
    assert f"would rejudge submission {judged.pk}" in out.getvalue()
    assert len(judge_double.calls) == 1  # the original judging only

"""The sweep: re-queues submissions left queued or running past their bound; after the last
attempt, JUDGE_ERROR."""

from datetime import timedelta

import pytest
from django.utils import timezone

from judge.results import Verdict
from submissions.models import JudgeRun, Submission, SubmissionStatus
from submissions.services import (
    submission_claim,
    submission_create,
    submission_judge,
    submission_record_result,
    submissions_sweep,
)
from tests.site.conftest import GOOD_CODE
from tests.site.judge_doubles import accepted


@pytest.fixture
def submission(problem, user, enqueued):
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)
    enqueued.clear()
    return submission


def later(seconds):
    return timezone.now() + timedelta(seconds=seconds)


def sweep_at(seconds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submissions_sweep(now=later(seconds))


def test_a_fresh_queued_submission_is_left_alone(submission, enqueued, django_capture_on_commit_callbacks):
    report = sweep_at(10, django_capture_on_commit_callbacks)
    assert report.requeued == [] and enqueued == []


def test_a_submission_queued_too_long_is_enqueued_again_once_per_period(
    submission, enqueued, settings, django_capture_on_commit_callbacks
):
    bound = settings.ARENA_QUEUED_STALE_SECONDS
    assert sweep_at(bound + 1, django_capture_on_commit_callbacks).requeued == [submission.pk]
    # The sweep touched it: a sweep a moment later leaves it alone.
    assert sweep_at(bound + 2, django_capture_on_commit_callbacks).requeued == []
    assert enqueued == [(submission.pk, None)]


def test_a_running_submission_within_its_lease_is_left_alone(
    submission, enqueued, settings, django_capture_on_commit_callbacks
):
    submission_claim(submission_id=submission.pk, worker="a")
    report = sweep_at(settings.ARENA_JUDGE_LEASE_SECONDS - 5, django_capture_on_commit_callbacks)
    assert report.requeued == [] and report.given_up == []
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.RUNNING


def test_a_lost_run_is_requeued_and_its_late_result_refused(
    submission, enqueued, settings, judge_double, django_capture_on_commit_callbacks
):
    lost = submission_claim(submission_id=submission.pk, worker="killed")
    report = sweep_at(settings.ARENA_JUDGE_LEASE_SECONDS + 1, django_capture_on_commit_callbacks)
    assert report.requeued == [submission.pk]
    assert enqueued == [(submission.pk, None)]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.QUEUED and submission.attempts == 1

    assert submission_judge(submission_id=submission.pk, worker="b") is True
    problem = submission.problem_version.to_spec()
    assert submission_record_result(run=lost, result=accepted(problem)) is False

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FINISHED and submission.attempts == 2
    runs = JudgeRun.objects.filter(submission=submission).order_by("attempt")
    assert [(r.worker, r.finished_at is not None) for r in runs] == [("killed", False), ("b", True)]


def test_after_the_last_attempt_a_lost_run_becomes_judge_error(
    submission, enqueued, settings, django_capture_on_commit_callbacks
):
    settings.ARENA_JUDGE_LEASE_SECONDS = -1
    for worker in ["a", "b", "c"]:
        assert submission_claim(submission_id=submission.pk, worker=worker) is not None
    assert submission_claim(submission_id=submission.pk, worker="d") is None
    report = sweep_at(1, django_capture_on_commit_callbacks)
    assert report.given_up == [submission.pk] and enqueued == []
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FINISHED
    assert submission.verdict == Verdict.JUDGE_ERROR
    assert submission.result["reasons"][0]["code"] == "judging_lost"
    assert submission.attempts == 3

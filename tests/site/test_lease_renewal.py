"""While the judge works, its worker renews the lease: the sweep never takes back a long
judging, yet takes back a dead worker's within one lease (test_worker_reliability)."""

import contextlib
import threading
import time

import pytest
from django.db import connection

from judge.results import Verdict
from submissions import services
from submissions.models import JudgeRun, SubmissionStatus
from submissions.services import submission_create, submission_judge, submissions_sweep
from tests.site.conftest import GOOD_CODE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_judging(problem, user, enqueued, settings, monkeypatch):
    """A 4-second judging under a 1.5-second lease, with the sweep run at 2.5 seconds."""
    settings.ARENA_JUDGE = "tests.site.judge_doubles.sleeping_judge_double"
    settings.ARENA_JUDGE_LEASE_SECONDS = 1.5
    monkeypatch.setenv("ARENA_TEST_JUDGE_SLEEP", "4")
    submission = submission_create(user=user, problem=problem, code=GOOD_CODE)

    def judge_in_thread() -> None:
        try:
            submission_judge(submission_id=submission.pk, worker="w")
        finally:
            connection.close()  # the thread's own, or the test database cannot be dropped

    def run() -> list[int]:
        judging = threading.Thread(target=judge_in_thread)
        judging.start()
        time.sleep(2.5)
        requeued = submissions_sweep().requeued
        judging.join()
        submission.refresh_from_db()
        return requeued

    return submission, run


def test_a_long_judging_keeps_its_lease(slow_judging):
    submission, run = slow_judging
    assert run() == []
    assert submission.status == SubmissionStatus.FINISHED
    assert submission.verdict == Verdict.ACCEPTED and submission.attempts == 1
    assert JudgeRun.objects.filter(submission=submission, finished_at__isnull=False).count() == 1


def test_without_renewal_the_sweep_would_take_it_back(slow_judging, monkeypatch):
    # The control: shows the test above can fail.
    monkeypatch.setattr(services, "_lease_renewed", lambda run: contextlib.nullcontext())
    submission, run = slow_judging
    assert run() == [submission.pk]
    assert submission.status == SubmissionStatus.QUEUED
    assert JudgeRun.objects.filter(submission=submission, finished_at__isnull=False).count() == 0


def test_a_renewal_after_a_broken_connection_reconnects(slow_judging):
    """The chaos run's PostgreSQL restart broke the renewing thread's connection and every later
    renewal failed on it; a failed renewal now closes it, and the next one reconnects."""
    submission, _run = slow_judging
    run = JudgeRun.objects.create(submission=submission, judging=1, attempt=1, worker="w")
    submission.status, submission.current_run = SubmissionStatus.RUNNING, run
    submission.save()
    answers: list = []

    def in_thread() -> None:
        try:
            connection.ensure_connection()
            connection.connection.close()  # as a server restart leaves it: broken underneath Django
            answers.append(services._renew_lease(run, 60))
            answers.append(services._renew_lease(run, 60))
        finally:
            connection.close()

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert answers == [None, True]

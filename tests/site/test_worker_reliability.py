"""Reliability through real worker processes and Redis: a worker killed with SIGKILL while
judging, and the same task delivered twice, each end with exactly one verdict."""

import signal
import time

import pytest

from judge.results import Verdict
from submissions.models import JudgeRun, Submission, SubmissionStatus
from submissions.services import submission_create
from tests.site.celery_workers import WorkerProcess, flush_test_broker, send_judge_task, wait_until
from tests.site.conftest import GOOD_CODE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """start_worker(name, sleep=..., beat=...) -> a ready WorkerProcess; all stopped at the end."""
    flush_test_broker()
    calls = tmp_path / "judge-calls.txt"
    calls.touch()
    workers = []

    def start(name: str, *, sleep: float, beat: bool = False, **settings: str) -> WorkerProcess:
        env = {
            "ARENA_TEST_JUDGE_SLEEP": str(sleep),
            "ARENA_TEST_JUDGE_CALLS": str(calls),
            "ARENA_JUDGE_LEASE_SECONDS": "3",
            "ARENA_SWEEP_INTERVAL_SECONDS": "1",
            "ARENA_JUDGE_RETRY_DELAY_SECONDS": "0",
            **settings,
        }
        worker = WorkerProcess(name, tmp_path, env, beat=beat)
        workers.append(worker)
        worker.wait_ready()
        return worker

    start.judge_calls = lambda: calls.read_text().splitlines()
    yield start
    for worker in workers:
        worker.stop()
    flush_test_broker()


@pytest.fixture
def submission(problem, user, enqueued):
    # Created with the broker replaced by a list; each test delivers its messages itself.
    return submission_create(user=user, problem=problem, code=GOOD_CODE)


def status_of(submission):
    return Submission.objects.get(pk=submission.pk).status


def test_a_worker_killed_while_judging_loses_nothing(submission, start_worker):
    first = start_worker("first", sleep=120)
    send_judge_task(submission.pk)
    wait_until(lambda: status_of(submission) == SubmissionStatus.RUNNING, 30, "the claim")
    wait_until(lambda: len(start_worker.judge_calls()) == 1, 30, "the judge to start")
    first.kill(signal.SIGKILL)

    # A new worker, with beat running the sweep every second, takes over once the lease ends.
    start_worker("second", sleep=0, beat=True)
    wait_until(lambda: status_of(submission) == SubmissionStatus.FINISHED, 90, "the verdict")
    time.sleep(3)  # room for any duplicate delivery to play out and (not) write again

    submission.refresh_from_db()
    assert submission.verdict == Verdict.ACCEPTED
    assert submission.attempts == 2
    runs = list(JudgeRun.objects.filter(submission=submission).order_by("attempt"))
    assert [run.attempt for run in runs] == [1, 2]
    assert runs[0].worker.startswith("first@") and runs[0].finished_at is None
    assert runs[1].worker.startswith("second@") and runs[1].verdict == Verdict.ACCEPTED
    assert len(start_worker.judge_calls()) == 2
    assert JudgeRun.objects.filter(submission=submission, finished_at__isnull=False).count() == 1


def test_the_same_task_delivered_twice_gives_one_verdict(submission, start_worker):
    # Two workers, so the second delivery arrives while the first is still being judged.
    workers = [start_worker("one", sleep=3), start_worker("two", sleep=3)]
    send_judge_task(submission.pk)
    send_judge_task(submission.pk)
    wait_until(lambda: status_of(submission) == SubmissionStatus.FINISHED, 60, "the verdict")

    def both_deliveries_done():
        return sum(worker.output().count(" succeeded in ") for worker in workers) >= 2

    wait_until(both_deliveries_done, 30, "both deliveries")
    assert all(" succeeded in " in worker.output() for worker in workers)  # one message each

    submission.refresh_from_db()
    assert submission.verdict == Verdict.ACCEPTED
    assert submission.attempts == 1
    assert len(start_worker.judge_calls()) == 1
    assert JudgeRun.objects.filter(submission=submission).count() == 1
    assert JudgeRun.objects.filter(submission=submission, finished_at__isnull=False).count() == 1


def test_a_judging_past_the_time_limit_ends_as_judge_error_after_three_attempts(submission, start_worker, monkeypatch):
    # The sender writes the limits into the message (the site and its workers share them).
    start_worker("slow", sleep=60, ARENA_JUDGE_TIME_LIMIT_SECONDS="2")
    send_judge_task(submission.pk, soft_time_limit=2, time_limit=62)
    wait_until(lambda: status_of(submission) == SubmissionStatus.FINISHED, 90, "the final verdict")

    submission.refresh_from_db()
    assert submission.verdict == Verdict.JUDGE_ERROR
    assert "SoftTimeLimitExceeded" in submission.result["reasons"][0]["detail"]
    assert submission.attempts == 3
    runs = JudgeRun.objects.filter(submission=submission).order_by("attempt")
    assert [(run.attempt, run.verdict) for run in runs] == [(n, Verdict.JUDGE_ERROR) for n in (1, 2, 3)]
    assert len(start_worker.judge_calls()) == 3

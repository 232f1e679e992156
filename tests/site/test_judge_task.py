"""The judging task: claims with a conditional update, writes the result once, retries
JUDGE_ERROR up to three attempts. The judge is the recording double; the broker is a list."""

import pytest

from judge.results import JudgeResult, Reason, Verdict
from submissions.models import JudgeRun, Submission, SubmissionStatus
from submissions.services import submission_claim, submission_create, submission_record_result
from submissions.tasks import judge_submission_task
from tests.site.conftest import GOOD_CODE
from tests.site.judge_doubles import CHECKER_VERSION, LEAN_VERSION, accepted, judge_error


@pytest.fixture
def submission(problem, user, enqueued):
    return submission_create(user=user, problem=problem, code=GOOD_CODE)


def finished_runs(submission):
    return JudgeRun.objects.filter(submission=submission, finished_at__isnull=False)


def test_the_task_judges_and_stores_the_result(submission, judge_double, result_writes):
    judge_submission_task.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FINISHED
    assert submission.verdict == Verdict.ACCEPTED
    assert submission.result["theorems"] == [{"name": "solveAdd_spec", "status": "proved"}]
    assert (submission.lean_version, submission.checker_version) == (LEAN_VERSION, CHECKER_VERSION)
    assert submission.attempts == 1
    assert submission.judged_by and submission.judged_by == submission.current_run.worker
    assert submission.finished_at is not None
    problem, code = judge_double.calls[0]
    assert problem.slug == "solve-add" and code == GOOD_CODE
    assert len(result_writes) == 1
    assert finished_runs(submission).get().verdict == Verdict.ACCEPTED


def test_a_second_delivery_of_the_same_task_changes_nothing(submission, judge_double, result_writes):
    judge_submission_task.apply(args=[submission.pk])
    judge_submission_task.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert len(judge_double.calls) == 1
    assert len(result_writes) == 1
    assert submission.attempts == 1
    assert JudgeRun.objects.filter(submission=submission).count() == 1


def test_a_delivery_while_another_worker_holds_the_lease_is_a_no_op(submission, judge_double):
    holder = submission_claim(submission_id=submission.pk, worker="a")
    judge_submission_task.apply(args=[submission.pk])
    assert judge_double.calls == []
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RUNNING
    assert submission.current_run == holder


def test_a_late_result_from_a_run_that_lost_its_lease_is_not_written(submission, settings):
    settings.ARENA_JUDGE_LEASE_SECONDS = -1  # every lease has already expired
    first = submission_claim(submission_id=submission.pk, worker="slow")
    second = submission_claim(submission_id=submission.pk, worker="fast")
    assert second is not None and second.attempt == 2
    problem = submission.problem_version.to_spec()
    assert submission_record_result(run=second, result=accepted(problem)) is True
    assert submission_record_result(run=first, result=accepted(problem)) is False
    assert finished_runs(submission).count() == 1
    assert finished_runs(submission).get().worker == "fast"


def test_judge_error_is_retried_then_accepted(submission, judge_double, enqueued, result_writes):
    problem = submission.problem_version.to_spec()
    judge_double.script = [judge_error(), judge_error(), accepted(problem)]
    enqueued.clear()
    for _ in range(3):
        judge_submission_task.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FINISHED
    assert submission.verdict == Verdict.ACCEPTED
    assert submission.attempts == 3
    assert [r.verdict for r in finished_runs(submission)] == ["JUDGE_ERROR", "JUDGE_ERROR", "ACCEPTED"]
    assert len(result_writes) == 3


def test_judge_error_after_three_attempts_is_final(
    submission, judge_double, enqueued, django_capture_on_commit_callbacks
):
    judge_double.script = [judge_error("one"), judge_error("two"), judge_error("three")]
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            judge_submission_task.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FINISHED
    assert submission.verdict == Verdict.JUDGE_ERROR
    assert submission.result["reasons"][0]["detail"] == "three"
    assert submission.attempts == 3
    assert len(judge_double.calls) == 3
    # Re-enqueued after the first two errors only, each after the retry delay.
    assert [sid for sid, _ in enqueued] == [submission.pk, submission.pk]
    assert all(countdown is not None for _, countdown in enqueued)


def test_a_judge_error_the_submission_may_have_caused_is_judged_twice_at_most(
    submission, judge_double, enqueued, django_capture_on_commit_callbacks
):
    suspect = JudgeResult(verdict=Verdict.JUDGE_ERROR, reasons=[Reason(code="EXPORT_INVALID", detail="garbled")])
    judge_double.script = [suspect, suspect, accepted(submission.problem_version.to_spec())]
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            judge_submission_task.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.verdict == Verdict.JUDGE_ERROR
    assert submission.attempts == 2
    assert len(judge_double.calls) == 2


def test_a_judge_that_raises_gives_a_judge_error_run(submission, judge_double):
    judge_double.script = [RuntimeError("lean.js vanished")]
    judge_submission_task.apply(args=[submission.pk])
    run = finished_runs(submission).get()
    assert run.verdict == Verdict.JUDGE_ERROR
    assert "lean.js vanished" in run.result["reasons"][0]["detail"]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.QUEUED  # to be tried again


def test_an_unknown_submission_id_is_ignored(db, judge_double):
    judge_submission_task.apply(args=[987654])
    assert judge_double.calls == []
    assert Submission.objects.count() == 0


def test_a_retried_submission_is_left_to_its_own_delayed_message(
    submission, problem, other_user, judge_double, settings
):
    settings.ARENA_JUDGE_RETRY_DELAY_SECONDS = 60
    judge_double.script = [judge_error()]
    judge_submission_task.apply(args=[submission.pk])  # a JUDGE_ERROR: queued again, its message delayed
    later = submission_create(user=other_user, problem=problem, code=GOOD_CODE)

    judge_submission_task.apply(args=[later.pk])
    judge_submission_task.apply(args=[later.pk])  # a duplicate: nothing else is due
    assert Submission.objects.get(pk=later.pk).status == SubmissionStatus.FINISHED
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.QUEUED

    judge_submission_task.apply(args=[submission.pk])  # its own message, once the countdown ends
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.FINISHED


def test_the_judge_is_told_whose_submission_it_judges(problem, user, other_user, enqueued, judge_double):
    """The owner lets one exporter process judge an account's submissions in a row (never
    another account's): it must be the submission's account, whatever message claimed it."""
    mine = submission_create(user=user, problem=problem, code=GOOD_CODE)
    theirs = submission_create(user=other_user, problem=problem, code=GOOD_CODE + "\n-- bob's")
    judge_submission_task.apply(args=[mine.pk])
    judge_submission_task.apply(args=[mine.pk])  # a turn: it claims bob's, the one left
    by_code = dict(zip([code for _, code in judge_double.calls], judge_double.owners, strict=True))
    assert by_code == {GOOD_CODE: f"user:{user.pk}", theirs.code: f"user:{other_user.pk}"}

"""Thin Celery tasks keyed by ids; the services hold the logic and the database the state."""

from celery import shared_task

from submissions.checks import check_run, checks_prune
from submissions.services import submission_judge, submissions_sweep


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    bind=True,
    # Time limits: CELERY_TASK_SOFT_TIME_LIMIT and CELERY_TASK_TIME_LIMIT in settings (the
    # sender writes them into the message, so the site and its workers must share them).
)
def judge_submission_task(self, submission_id: int) -> None:
    # acks_late + reject_on_worker_lost: a worker killed mid-judging leaves the message to be
    # delivered again; the claim in submission_judge makes any extra delivery a no-op.
    submission_judge(submission_id=submission_id, worker=self.request.hostname or "")


@shared_task(ignore_result=True)
def sweep_submissions_task() -> None:
    submissions_sweep()


@shared_task(ignore_result=True)
def prune_checks_task() -> None:
    checks_prune()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_check_task(check_id: int) -> None:
    # a duplicate delivery finds the check claimed or answered and does nothing (check_run)
    check_run(check_id=check_id)

"""Thin Celery tasks keyed by ids; problems.services holds the logic."""

from celery import shared_task

from problems.services import problem_validate


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, bind=True)
def validate_problem_task(self, validation_id: int) -> None:
    # Sent to the problem's profile queue (judge, judge-mathlib): only a worker with its modules runs it.
    problem_validate(validation_id=validation_id, worker=self.request.hostname or "")

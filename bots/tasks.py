"""Thin Celery tasks keyed by ids; the services decide."""

from celery import shared_task

from bots.services import webhook_attempt


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=None)
def deliver_webhook_task(self, delivery_id: str) -> None:
    # webhook_attempt counts attempts in the database and says when to stop, not Celery.
    delay = webhook_attempt(delivery_id=delivery_id)
    if delay is not None:
        raise self.retry(countdown=delay)

"""Listeners: a finished submission with a callback URL gets a webhook delivery."""

from django.dispatch import receiver

from bots.services import webhook_delivery_create
from submissions.signals import submission_finished


@receiver(submission_finished, dispatch_uid="bots-webhook-on-finish")
def webhook_on_finish(sender, submission_id: int, **kwargs) -> None:
    webhook_delivery_create(submission_id=submission_id)

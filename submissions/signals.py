"""Signals other apps listen to (the bot API's webhooks), sent once the change is committed."""

from django.dispatch import Signal

# Sent with submission_id after a submission's final verdict is committed.
submission_finished = Signal()

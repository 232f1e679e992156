"""Thin Celery task: beat makes a dump on its schedule, skipped when nothing changed."""

import logging

from celery import shared_task

from dumps.services import dataset_export

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def export_dataset_task(only_if_changed: bool = True) -> None:
    """The beat's weekly dump (skipped when nothing changed), or one a staff member asked for."""
    dataset_export(only_if_changed=only_if_changed)

"""Thin Celery task: beat makes a dump on its schedule, skipped when nothing changed."""

import logging

from celery import shared_task

from dumps.services import dataset_export

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def export_dataset_task() -> None:
    dataset_export(only_if_changed=True)

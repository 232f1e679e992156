"""Thin Celery task: beat makes a dump on its schedule, skipped when nothing changed."""

import logging

from celery import shared_task
from django.db import connection

from dumps.services import dataset_export

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def export_dataset_task() -> None:
    if connection.vendor != "postgresql":
        logger.warning("dataset dumps need PostgreSQL; the %s site makes none", connection.vendor)
        return
    dataset_export(only_if_changed=True)

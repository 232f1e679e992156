"""Thin Celery task: beat makes a dump on its schedule, skipped when nothing changed."""

from celery import shared_task

from datasets.services import dataset_export


@shared_task(ignore_result=True)
def export_dataset_task() -> None:
    dataset_export(only_if_changed=True)

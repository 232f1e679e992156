"""The Arena site: settings, URLs and the Celery app."""

from arena.celery import app as celery_app

__all__ = ("celery_app",)

"""The Celery app: configuration comes from Django settings prefixed CELERY_."""

import logging
import os
import threading

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    celeryd_after_setup,
    celeryd_init,
    worker_process_init,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")

app = Celery("arena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def structured_worker_logs(logger, **_kwargs) -> None:
    """Celery installs its own handlers: give them the site's submission filter and, with
    LOG_FORMAT=json, its JSON lines (lib.logging), so every judge line names its submission."""
    from django.conf import settings

    from lib.logging import SubmissionIdFilter, formatter_for

    for handler in logger.handlers:
        handler.addFilter(SubmissionIdFilter())
        if settings.LOG_FORMAT == "json":
            handler.setFormatter(formatter_for("json"))


def _judges_with_lean() -> bool:
    """This worker runs the real judge (not a test double)."""
    from judge.seam import site_judge

    return site_judge().runs_lean


_sizing_lines: list[str] = []


@celeryd_init.connect
def size_the_judge(conf=None, options=None, **_kwargs) -> None:
    """Before the worker forks its judging processes: derive their number (unless `-c` or
    ARENA_JUDGE_CONCURRENCY says) and their pre-started pool from the memory the worker may use
    (judge/sizing.py); the line saying what was chosen and why is logged once logging is set up."""
    if conf is None:
        return
    given = (options or {}).get("concurrency")  # None: neither `-c` nor a number in the settings
    if not _judges_with_lean():
        if given is None:
            conf.worker_concurrency = 1  # a judge double needs no more
        return
    from judge.sizing import size_this_worker

    sizing = size_this_worker(concurrency=int(given) if given is not None else None)
    if given is None:
        conf.worker_concurrency = sizing.concurrency
    _sizing_lines.append(sizing.describe())


@celeryd_after_setup.connect
def log_the_sizing(**_kwargs) -> None:
    for line in _sizing_lines:
        logging.getLogger("judge.sizing").info(line)


@worker_process_init.connect
def warm_up_judge(**_kwargs) -> None:
    """Start the judge's Lean processes when a worker process starts, in the background: the
    offline Lean takes tens of seconds to compile the exporter and the replay, which would
    otherwise land on the first submission. Off for judge doubles and with ARENA_JUDGE_WARM_UP=0."""
    if not _judges_with_lean():
        return
    if os.environ.get("ARENA_JUDGE_WARM_UP", "1") in ("0", "false", "no"):
        return

    def warm_up() -> None:
        from judge.pipeline import warm_up

        try:
            warm_up()
        except Exception:  # the first judging will start what failed here, and report it
            app.log.get_default_logger().exception("judge warm-up failed")

    threading.Thread(target=warm_up, name="judge-warm-up", daemon=True).start()

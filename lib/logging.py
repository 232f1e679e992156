"""Structured logs: every line carries the submission being judged, if any.

`submission_log_context(id)` marks the judging (in submissions.services.submission_judge);
`SubmissionIdFilter` copies it onto every record, the judge library's own lines included. A
context variable covers the judging thread; a process-wide value covers the threads the judge
starts itself (which do not inherit context variables): a worker process judges one
submission at a time (prefork, --concurrency 1 per process).
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_current_submission: contextvars.ContextVar[int | None] = contextvars.ContextVar("submission_id", default=None)
_process_submission: int | None = None


@contextmanager
def submission_log_context(submission_id: int) -> Iterator[None]:
    global _process_submission
    token = _current_submission.set(submission_id)
    previous, _process_submission = _process_submission, submission_id
    try:
        yield
    finally:
        _current_submission.reset(token)
        _process_submission = previous


def current_submission_id() -> int | None:
    found = _current_submission.get()
    return found if found is not None else _process_submission


class SubmissionIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "submission_id", None) is None:
            record.submission_id = current_submission_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, submission_id, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "submission_id": getattr(record, "submission_id", None),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [submission=%(submission_id)s] %(message)s"


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)

"""A check's message is taken before the judging turns already queued (issue 27, "Scheduling"):
on Redis (ARENA_TEST_REDIS_URL) a lower priority number is served first, and every message but a
check's goes at CELERY_TASK_DEFAULT_PRIORITY."""

from __future__ import annotations

import uuid

from arena.celery import app
from submissions import checks
from submissions.tasks import judge_submission_task
from tests.site.celery_workers import TEST_REDIS_URL


def test_a_check_is_taken_before_a_batchs_queued_turns():
    queue = f"test-priority-{uuid.uuid4().hex}"
    with app.connection_for_write(TEST_REDIS_URL) as connection:
        for submission_id in (1, 2, 3):  # as submissions.services._enqueue sends them
            judge_submission_task.apply_async(args=[submission_id], queue=queue, connection=connection)
        checks._send(99, queue=queue, connection=connection)
        judge_submission_task.apply_async(args=[4], queue=queue, connection=connection)
        channel = connection.default_channel
        taken = []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            taken.append((message.headers["task"].rsplit(".", 1)[-1], message.payload[0][0]))
    assert taken == [
        ("run_check_task", 99),
        ("judge_submission_task", 1),
        ("judge_submission_task", 2),
        ("judge_submission_task", 3),
        ("judge_submission_task", 4),
    ]

"""Nothing is lost and nothing is judged twice when messages claim fairly: the site sends one
message per submission (and one more per retry); whichever submission a message claims, every
queued submission ends with exactly one verdict written, in any delivery order, with duplicate
deliveries, with judge errors retried, and with two workers draining the queue at once.
The judge is the recording double; the broker is a list the test delivers from."""

import collections
import random
import threading

import pytest
from django.db import connection

from judge.results import Verdict
from submissions.models import JudgeRun, Submission, SubmissionStatus
from submissions.services import submission_create, submission_judge
from submissions.tasks import judge_submission_task
from tests.site.conftest import GOOD_CODE
from tests.site.judge_doubles import judge_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owners(django_user_model):
    return [django_user_model.objects.create_user(username=f"owner{i}", password="pass-123-pass") for i in range(4)]


@pytest.fixture
def queue_of_40(problem, owners, enqueued, settings):
    """40 submissions of 4 owners (a few from the form), their 40 messages in `enqueued`."""
    settings.ARENA_JUDGE_RETRY_DELAY_SECONDS = 0
    made = [
        submission_create(user=owner, problem=problem, code=f"{GOOD_CODE}-- {i}\n", interactive=i == 3)
        for owner in owners
        for i in range(10)
    ]
    assert sorted(sid for sid, _ in enqueued) == sorted(s.pk for s in made)
    return made


def assert_each_judged_exactly_once(made, result_writes, judge_errors: int):
    final = [(sid, verdict) for sid, verdict in result_writes if verdict != Verdict.JUDGE_ERROR]
    assert sorted(sid for sid, _ in final) == sorted(s.pk for s in made)
    assert len(result_writes) == len(made) + judge_errors
    assert set(Submission.objects.values_list("status", "verdict")) == {(SubmissionStatus.FINISHED, Verdict.ACCEPTED)}
    assert not JudgeRun.objects.filter(finished_at__isnull=True).exists()  # no claim left hanging


def test_in_any_order_with_duplicates_and_retries_each_submission_is_judged_once(
    queue_of_40, enqueued, judge_double, result_writes
):
    judge_double.script = [judge_error(), judge_error(), judge_error()]  # the first three judged are retried
    messages = [sid for sid, _ in enqueued] + [s.pk for s in queue_of_40[::7]]  # duplicates too
    enqueued.clear()
    random.Random(20).shuffle(messages)

    while messages:
        judge_submission_task.apply(args=[messages.pop()])
        messages += [sid for sid, _ in enqueued]  # a retry's message
        enqueued.clear()

    assert_each_judged_exactly_once(queue_of_40, result_writes, judge_errors=3)
    assert len(judge_double.calls) == 40 + 3


def test_two_workers_draining_at_once_judge_each_submission_once(queue_of_40, enqueued, judge_double, result_writes):
    judge_double.script = [judge_error(), judge_error()]
    messages = collections.deque(sid for sid, _ in enqueued)
    enqueued.clear()

    def worker(name: str) -> None:
        try:
            while True:
                try:
                    message = messages.popleft()
                except IndexError:
                    return
                submission_judge(submission_id=message, worker=name)  # what the task runs
        finally:
            connection.close()

    while messages:  # a retry's message arrives while the other worker may have stopped: go again
        workers = [threading.Thread(target=worker, args=(name,)) for name in ("w1@test", "w2@test")]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=120)
        messages.extend(sid for sid, _ in enqueued)
        enqueued.clear()

    assert_each_judged_exactly_once(queue_of_40, result_writes, judge_errors=2)
    assert len(judge_double.calls) == 40 + 2
    assert {run.worker for run in JudgeRun.objects.all()} == {"w1@test", "w2@test"}

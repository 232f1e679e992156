"""Claims stay exclusive under concurrent claimers: two threads, each with its own database
connection, claim from one queue as fast as they can; every queued submission is claimed by
exactly one of them, once, and nothing is left queued."""

import threading

import pytest
from django.db import connection

from submissions.models import JudgeRun, Submission, SubmissionStatus
from submissions.services import submission_claim_next, submission_create
from tests.site.conftest import GOOD_CODE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owners(django_user_model):
    return [django_user_model.objects.create_user(username=f"owner{i}", password="pass-123-pass") for i in range(3)]


def claim_until_empty(name: str, hint_id: int, start: threading.Barrier, claimed: list[int]) -> None:
    try:
        start.wait()
        while (run := submission_claim_next(hint_id=hint_id, worker=name)) is not None:
            claimed.append(run.submission_id)
    finally:
        connection.close()  # this thread's own connection


def test_two_concurrent_claimers_never_claim_the_same_submission(problem, owners, enqueued):
    made = [
        submission_create(user=owner, problem=problem, code=f"{GOOD_CODE}-- {i}\n", interactive=i % 5 == 0)
        for i in range(20)
        for owner in owners
    ]
    start = threading.Barrier(2)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    threads = [
        threading.Thread(target=claim_until_empty, args=(name, made[0].pk, start, ids)) for name, ids in claimed.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    everything = claimed["a"] + claimed["b"]
    assert sorted(everything) == sorted(s.pk for s in made)  # each once, none left out
    assert claimed["a"] and claimed["b"], "both claimers took part"
    assert not Submission.objects.filter(status=SubmissionStatus.QUEUED).exists()
    assert JudgeRun.objects.count() == len(made)
    assert set(Submission.objects.values_list("attempts", flat=True)) == {1}
    for name, ids in claimed.items():
        assert set(JudgeRun.objects.filter(submission__in=ids).values_list("worker", flat=True)) == {name}

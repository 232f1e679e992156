"""Fixtures for the site's tests: a published problem, users, the judge double, the queue."""

from __future__ import annotations

import pytest

from judge.problem_format import ProblemSpec
from problems.services import problem_upsert_from_spec
from submissions import services as submission_services
from tests.site.judge_doubles import recording_judge_double

SOLVE_ADD = {
    "slug": "solve-add",
    "title": "Solve an addition",
    "description": "Find `x` with `a + x = b`.",
    "definitions": ["def solveAdd (a b : Int) : Int"],
    "theorems": [
        {
            "name": "solveAdd_spec",
            "signature": "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b",
        }
    ],
    "reference_solution": "def solveAdd (a b : Int) : Int :=\n  b - a\n",
    "difficulty": "easy",
    "tags": ["arithmetic"],
}

GOOD_CODE = (
    "def solveAdd (a b : Int) : Int :=\n  b - a\n\n"
    "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n"
    "  unfold solveAdd\n  omega\n"
)


@pytest.fixture
def problem(db):
    return problem_upsert_from_spec(spec=ProblemSpec.from_dict(SOLVE_ADD)).problem


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="alice-pass-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="bob", password="bob-pass-123")


@pytest.fixture
def signed_in(client, user):
    """The test client, signed in as user."""
    client.force_login(user)
    return client


@pytest.fixture
def judge_double(settings):
    """The judge replaced at its boundary by a double that records calls."""
    recording_judge_double.reset()
    settings.ARENA_JUDGE = "tests.site.judge_doubles.recording_judge_double"
    yield recording_judge_double
    recording_judge_double.reset()


@pytest.fixture
def enqueued(monkeypatch):
    """Stands in for the broker: records which submissions were enqueued, and when."""
    sent: list[tuple[int, int | None]] = []
    monkeypatch.setattr(submission_services, "_enqueue", lambda sid, countdown: sent.append((sid, countdown)))
    return sent


@pytest.fixture
def result_writes(monkeypatch):
    """Every result write that took effect: (submission id, verdict)."""
    writes = []
    original = submission_services.submission_record_result

    def counting(*, run, result):
        written = original(run=run, result=result)
        if written:
            writes.append((run.submission_id, str(result.verdict)))
        return written

    monkeypatch.setattr(submission_services, "submission_record_result", counting)
    return writes

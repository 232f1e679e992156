"""Fixtures for authoring, validation, moderation and importing: users, a valid proposal, the
judge double (tests/site/judge_doubles.py), and validations recorded instead of sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from problems import services as problem_services
from tests.site.judge_doubles import recording_judge_double

FIXTURES = Path(__file__).parent / "fixtures"

# Names as in the recorded template export the judge double answers with (solve-add).
PROPOSAL = {
    "slug": "solve-add-proposal",
    "title": "Solve an addition",
    "description": "Find `x` with `a + x = b`.",
    "import_profile": "core",
    "definitions": ["def solveAdd (a b : Int) : Int"],
    "theorems": [{"name": "solveAdd_spec", "signature": "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b"}],
    "reference_solution": (
        "def solveAdd (a b : Int) : Int :=\n  b - a\n\n"
        "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by\n  unfold solveAdd\n  omega\n"
    ),
    "difficulty": "easy",
    "tags": ["arithmetic"],
}


@pytest.fixture
def proposal_data():
    return {key: (list(value) if isinstance(value, list) else value) for key, value in PROPOSAL.items()}


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(username="ada", password="ada-pass-123")


@pytest.fixture
def maintainer(django_user_model):
    return django_user_model.objects.create_user(username="max", password="max-pass-123", is_staff=True)


@pytest.fixture
def judge_double(settings):
    recording_judge_double.reset()
    settings.ARENA_JUDGE = "tests.site.judge_doubles.recording_judge_double"
    yield recording_judge_double
    recording_judge_double.reset()


@pytest.fixture
def validations_sent(monkeypatch):
    """Stands in for the broker: (validation id, queue) of every validation sent."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(problem_services, "_enqueue_validation", lambda vid, queue: sent.append((vid, queue)))
    return sent


def run_validations(sent: list[tuple[int, str]]) -> None:
    """What a worker does with each message."""
    while sent:
        validation_id, _queue = sent.pop(0)
        problem_services.problem_validate(validation_id=validation_id, worker="test-worker")

"""The JSON API for bots: problems to read, submissions to create and poll, token auth."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.submissions import SubmissionCreateThrottle
from submissions.models import Submission
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE


@pytest.fixture
def bot(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_problems_are_listed_and_read_without_signing_in(problem):
    client = APIClient()
    assert client.get("/api/problems/").json() == [
        {"slug": "solve-add", "title": "Solve an addition", "difficulty": "easy", "tags": ["arithmetic"]}
    ]
    detail = client.get("/api/problems/solve-add/").json()
    assert detail["version"] == 1
    assert detail["template"] == problem.to_spec().template()
    assert detail["theorems"][0]["name"] == "solveAdd_spec"
    assert "reference_solution" not in detail
    assert client.get("/api/problems/nope/").status_code == 404


def test_a_bot_submits_and_polls_the_verdict(bot, problem, enqueued, judge_double):
    response = bot.post("/api/submissions/", {"problem": "solve-add", "code": GOOD_CODE}, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "queued" and created["verdict"] == ""
    assert created["problem"] == "solve-add" and created["problem_version"] == 1

    submission_judge(submission_id=created["id"], worker="w")
    polled = bot.get(f"/api/submissions/{created['id']}/").json()
    assert polled["status"] == "finished" and polled["verdict"] == "ACCEPTED"
    assert polled["result"]["theorems"] == [{"name": "solveAdd_spec", "status": "proved"}]
    assert [s["id"] for s in bot.get("/api/submissions/").json()] == [created["id"]]


def test_too_large_code_is_a_400_with_the_reason(bot, problem, enqueued):
    response = bot.post("/api/submissions/", {"problem": "solve-add", "code": "-" * 70_000}, format="json")
    assert response.status_code == 400
    assert "the limit is 65,536 bytes (64 KiB)" in response.json()["code"][0]
    assert Submission.objects.count() == 0


def test_unknown_problem_is_a_400(bot, problem, enqueued):
    response = bot.post("/api/submissions/", {"problem": "nope", "code": GOOD_CODE}, format="json")
    assert response.status_code == 400 and response.json() == {"problem": ["No such problem."]}


def test_submitting_needs_a_token(problem, enqueued):
    response = APIClient().post("/api/submissions/", {"problem": "solve-add", "code": GOOD_CODE}, format="json")
    assert response.status_code == 401
    assert Submission.objects.count() == 0


def test_another_users_submission_is_not_found(bot, other_user, problem, enqueued):
    theirs = submission_create(user=other_user, problem=problem, code=GOOD_CODE)
    assert bot.get(f"/api/submissions/{theirs.pk}/").status_code == 404


def test_submissions_are_rate_limited(bot, problem, enqueued, monkeypatch):
    monkeypatch.setattr(SubmissionCreateThrottle, "THROTTLE_RATES", {"submissions": "2/min"})
    cache.clear()
    post = lambda: bot.post("/api/submissions/", {"problem": "solve-add", "code": GOOD_CODE}, format="json")  # noqa: E731
    assert [post().status_code for _ in range(3)] == [201, 201, 429]
    assert Submission.objects.count() == 2
    assert bot.get("/api/submissions/").status_code == 200  # reading is not limited
    cache.clear()

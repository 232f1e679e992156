"""The in-flight limit through the API: past ARENA_MAX_IN_FLIGHT_PER_OWNER submissions queued or
running, a submission is answered 429 with the code "too_many_in_flight"; a batch counts one per
item and is taken whole or not at all. The default lets a 50-submission batch through."""

from submissions.models import Submission
from tests.site.conftest import GOOD_CODE


def items(n):
    return [{"problem": "solve-add", "code": f"{GOOD_CODE}-- {i}\n"} for i in range(n)]


def test_a_batch_of_50_passes_the_default_limits(bot, problem, enqueued):
    made = bot.post("/api/v1/submissions/batch/", {"submissions": items(50)}, format="json")

    assert made.status_code == 202, made.content[:300]
    assert Submission.objects.count() == 50


def test_a_submission_past_the_limit_is_a_429_with_a_code(bot, problem, enqueued, settings):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 2
    for i in range(2):
        assert bot.post("/api/v1/submissions/", items(2)[i], format="json").status_code == 202

    refused = bot.post("/api/v1/submissions/", items(1)[0], format="json")

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "too_many_in_flight"
    assert body["detail"] == (
        "You have 2 submissions waiting for a verdict, and the limit is 2 per account. "
        "Submit again once some are judged."
    )
    assert Submission.objects.count() == 2


def test_a_batch_that_would_pass_the_limit_is_refused_whole(bot, problem, enqueued, settings):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 60
    assert bot.post("/api/v1/submissions/batch/", {"submissions": items(50)}, format="json").status_code == 202

    refused = bot.post("/api/v1/submissions/batch/", {"submissions": items(11)}, format="json")

    assert refused.status_code == 429 and refused.json()["code"] == "too_many_in_flight"
    assert "You have 50 submissions waiting for a verdict; these 11 would make 61" in refused.json()["detail"]
    assert Submission.objects.count() == 50
    assert bot.post("/api/v1/submissions/batch/", {"submissions": items(10)}, format="json").status_code == 202


def test_a_refused_submission_leaves_its_idempotency_key_free(bot, problem, enqueued, settings):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 0
    headers = {"HTTP_IDEMPOTENCY_KEY": "try-1"}
    assert bot.post("/api/v1/submissions/", items(1)[0], format="json", **headers).status_code == 429

    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 1

    assert bot.post("/api/v1/submissions/", items(1)[0], format="json", **headers).status_code == 202


def test_the_unversioned_api_answers_429_too(api, problem, enqueued, settings):
    settings.ARENA_MAX_IN_FLIGHT_PER_OWNER = 0

    refused = api.post("/api/submissions/", {"problem": "solve-add", "code": GOOD_CODE}, format="json")

    assert refused.status_code == 429 and refused.json()["code"] == "too_many_in_flight"

"""Batches: up to 100 submissions in one request, one id each, all or nothing; the size limit."""

import json

from submissions.models import Submission
from tests.site.conftest import GOOD_CODE


def _items(n, code=GOOD_CODE):
    return [{"problem": "solve-add", "code": f"{code}-- {i}\n"} for i in range(n)]


def test_a_batch_makes_one_submission_each_enqueued_independently(
    bot, problem, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = bot.post("/api/v1/submissions/batch/", {"submissions": _items(3)}, format="json")
    assert made.status_code == 202
    ids = [item["id"] for item in made.json()["submissions"]]
    assert len(set(ids)) == 3 and sorted(sid for sid, _ in enqueued) == sorted(ids)
    assert set(Submission.objects.values_list("model_name", flat=True)) == {"prover-7b"}
    batch = bot.get(f"/api/v1/batches/{made.json()['id']}/").json()
    assert [item["id"] for item in batch["submissions"]] == sorted(ids)


def test_one_bad_item_refuses_the_batch_and_stores_nothing(bot, problem, enqueued):
    items = _items(2) + [{"problem": "solve-add", "code": "-" * 70_000}, {"problem": "nope", "code": "x"}]
    refused = bot.post("/api/v1/submissions/batch/", {"submissions": items}, format="json")
    assert refused.status_code == 400
    errors = refused.json()["fields"]["submissions"]
    assert errors[:2] == [{}, {}] and "problem" in errors[3]
    assert Submission.objects.count() == 0 and enqueued == []


def test_more_than_100_items_is_a_400(bot, problem, enqueued):
    refused = bot.post("/api/v1/submissions/batch/", {"submissions": _items(101)}, format="json")
    assert refused.status_code == 400 and Submission.objects.count() == 0


def test_a_batch_of_100_times_64_kib_fits_the_limit(bot, problem, enqueued, settings):
    settings.ARENA_API_SUBMISSION_RATE = "1000/min"
    code = GOOD_CODE + "-" * (64 * 1024 - len(GOOD_CODE) - 10)
    made = bot.post("/api/v1/submissions/batch/", {"submissions": _items(100, code)}, format="json")
    assert made.status_code == 202, made.content[:300]
    assert Submission.objects.count() == 100


def test_a_body_over_the_batch_limit_is_a_json_413(bot, problem, enqueued, settings):
    settings.ARENA_API_BATCH_MAX_BYTES = 1000
    body = json.dumps({"submissions": _items(10)})
    refused = bot.post("/api/v1/submissions/batch/", body, content_type="application/json")
    assert refused.status_code == 413 and refused.json()["code"] == "request_too_large"
    assert "limit here is 1,000 bytes" in refused.json()["detail"]
    assert Submission.objects.count() == 0


def test_a_batch_costs_one_submission_each_against_the_rate(bot, problem, enqueued, settings):
    settings.ARENA_API_SUBMISSION_RATE = "5/min"
    assert bot.post("/api/v1/submissions/batch/", {"submissions": _items(4)}, format="json").status_code == 202
    refused = bot.post("/api/v1/submissions/batch/", {"submissions": _items(2)}, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert bot.post("/api/v1/submissions/", _items(1)[0], format="json").status_code == 202  # the refund
    assert Submission.objects.count() == 5

"""Submissions: 202 with a status URL, authorship from the token, idempotency, privacy, ?wait."""

import threading

from django.db import connection
from rest_framework.test import APIClient

from api import views as api_views
from submissions.models import AuthorKind, Submission
from submissions.services import submission_create, submission_judge
from tests.site.conftest import GOOD_CODE

BODY = {"problem": "solve-add", "code": GOOD_CODE}


def test_create_answers_202_with_the_status_url(api, problem, enqueued, judge_double):
    created = api.post("/api/v1/submissions/", BODY, format="json")
    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "queued" and body["status_url"] == f"/api/v1/submissions/{body['id']}/"
    submission_judge(submission_id=body["id"], worker="w")
    polled = api.get(body["status_url"]).json()
    assert polled["verdict"] == "ACCEPTED" and polled["code"] == GOOD_CODE
    assert polled["author_kind"] == "human" and polled["model_name"] == ""


def test_a_bot_tokens_submissions_are_a_machines(bot, problem, enqueued):
    body = bot.post("/api/v1/submissions/", BODY, format="json").json()
    submission = Submission.objects.get(pk=body["id"])
    assert (submission.author_kind, submission.model_name) == (AuthorKind.MACHINE, "prover-7b")
    # the unversioned API marks them too
    legacy = bot.post("/api/submissions/", BODY, format="json").json()
    assert Submission.objects.get(pk=legacy["id"]).model_name == "prover-7b"


def test_a_retried_post_with_the_same_key_returns_the_first_submission(
    api, problem, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/submissions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = api.post("/api/v1/submissions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1 and len(enqueued) == 1


def test_the_same_key_with_another_body_is_422(api, problem, enqueued):
    api.post("/api/v1/submissions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api.post("/api/v1/submissions/", dict(BODY, code="oops"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Submission.objects.count() == 1


def test_keys_are_per_user(api, other_api, problem, enqueued):
    mine = api.post("/api/v1/submissions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same").json()
    theirs = other_api.post("/api/v1/submissions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same").json()
    assert mine["id"] != theirs["id"] and Submission.objects.count() == 2


def test_a_refused_submission_does_not_use_up_its_key(api, problem, enqueued):
    refused = api.post("/api/v1/submissions/", dict(BODY, code=" "), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert refused.status_code == 400 and refused.json()["fields"] == {"code": ["The code is empty."]}
    assert api.post("/api/v1/submissions/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 202


def test_too_large_code_is_a_400_naming_the_limit(api, problem, enqueued):
    refused = api.post("/api/v1/submissions/", dict(BODY, code="-" * 70_000), format="json")
    assert refused.status_code == 400
    assert "the limit is 65,536 bytes" in refused.json()["fields"]["code"][0]
    assert Submission.objects.count() == 0


def test_another_users_submission_and_code_never_show(api, other_user, problem, enqueued):
    theirs = submission_create(user=other_user, problem=problem, code=GOOD_CODE + "-- secret idea\n")
    assert api.get(f"/api/v1/submissions/{theirs.pk}/").status_code == 404
    listed = api.get("/api/v1/submissions/").json()
    assert listed["results"] == [] and "secret idea" not in str(listed)


def test_submitting_and_reading_need_authentication(problem, enqueued):
    assert APIClient().post("/api/v1/submissions/", BODY, format="json").status_code == 401
    assert APIClient().get("/api/v1/submissions/").status_code == 401


def test_my_list_filters_and_pages_by_cursor(api, user, problem, enqueued, judge_double):
    ids = [
        api.post("/api/v1/submissions/", dict(BODY, code=f"{GOOD_CODE}-- {i}\n"), format="json").json()["id"]
        for i in range(3)
    ]
    submission_judge(submission_id=ids[0], worker="w")
    page = api.get("/api/v1/submissions/?page_size=2").json()
    assert [s["id"] for s in page["results"]] == [ids[2], ids[1]]
    assert [s["id"] for s in api.get(page["next"]).json()["results"]] == [ids[0]]
    assert [s["id"] for s in api.get("/api/v1/submissions/?verdict=ACCEPTED").json()["results"]] == [ids[0]]
    assert [s["id"] for s in api.get("/api/v1/submissions/?status=queued").json()["results"]] == [ids[2], ids[1]]
    assert api.get("/api/v1/submissions/?verdict=MAYBE").status_code == 400


def test_wait_returns_as_soon_as_the_verdict_is_in(api, problem, enqueued, judge_double, transactional_db):
    created = api.post("/api/v1/submissions/", BODY, format="json").json()

    def judge_later():
        submission_judge(submission_id=created["id"], worker="w")
        connection.close()  # this thread's own connection

    timer = threading.Timer(0.5, judge_later)
    timer.start()
    waited = api.get(f"{created['status_url']}?wait=10").json()
    timer.join()
    assert waited["verdict"] == "ACCEPTED"


def test_wait_is_bounded_and_answers_the_current_state(api, problem, enqueued, settings):
    settings.ARENA_API_MAX_WAIT_SECONDS = 0.3
    created = api.post("/api/v1/submissions/", BODY, format="json").json()
    assert api.get(f"{created['status_url']}?wait=3600").json()["status"] == "queued"
    assert api.get(f"{created['status_url']}?wait=-1").status_code == 400


def test_wait_past_the_waiters_limit_answers_at_once(api, problem, enqueued, monkeypatch):
    monkeypatch.setattr(api_views, "_waiters", threading.BoundedSemaphore(1))
    api_views._waiters.acquire()
    created = api.post("/api/v1/submissions/", BODY, format="json").json()
    assert api.get(f"{created['status_url']}?wait=20").json()["status"] == "queued"

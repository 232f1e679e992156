"""The fast status poll (api.status_poll): the DRF view's answer, read fresh on every poll;
whatever it does not handle goes to the DRF view."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from api import status_poll
from bots.models import ApiToken
from submissions.models import Submission
from submissions.services import submission_create, submission_judge, submission_rejudge
from tests.api.conftest import client_for
from tests.site.conftest import GOOD_CODE

BODY = {"problem": "solve-add", "code": GOOD_CODE}


@pytest.fixture
def fast_answers(monkeypatch):
    """The status codes the fast path answered itself (None when it passed to DRF)."""
    answered = []
    original = status_poll.fast_poll

    def recording(request, submission_id):
        response = original(request, submission_id)
        answered.append(None if response is None else response.status_code)
        return response

    monkeypatch.setattr(status_poll, "fast_poll", recording)
    return answered


def _same_answer(client, url):
    fast = client.get(url)
    drf = client.get(f"{url}?wait=0")  # a query string: the DRF view answers
    assert fast.status_code == drf.status_code == 200
    assert fast.json() == drf.json()
    for header in ("Content-Type", "Allow", "Vary"):
        assert fast[header] == drf[header], header
    return fast.json()


def test_a_poll_answers_what_the_serializer_answers(bot, problem, enqueued, judge_double, fast_answers):
    run = bot.post("/api/v1/runs/", {"model_name": "prover-7b", "k": 1}, format="json").json()
    items = [{"problem": "solve-add", "code": GOOD_CODE + "-- ∀ x, ünïcode\n"}]
    made = bot.post("/api/v1/submissions/batch/", {"submissions": items, "run": run["id"]}, format="json").json()
    url = made["submissions"][0]["status_url"]
    queued = _same_answer(bot, url)
    assert queued["status"] == "queued" and queued["run"] == run["id"] and queued["batch"] == made["id"]
    assert queued["finished_at"] is None and queued["created_at"].endswith("Z")
    submission_judge(submission_id=made["submissions"][0]["id"], worker="w")
    finished = _same_answer(bot, url)
    assert finished["verdict"] == "ACCEPTED" and finished["result"] and finished["finished_at"].endswith("Z")
    assert finished["code"].endswith("ünïcode\n") and finished["model_name"] == "prover-7b"
    assert fast_answers == [200, None, 200, None]


def test_a_submission_without_an_origin_has_no_run_or_batch(api, user, problem, enqueued, fast_answers):
    made = submission_create(user=user, problem=problem, code=GOOD_CODE)  # the form's way in
    polled = _same_answer(api, f"/api/v1/submissions/{made.pk}/")
    assert polled["run"] is None and polled["batch"] is None and fast_answers[0] == 200


def test_every_result_write_shows_at_the_next_poll(api, problem, enqueued, judge_double, fast_answers):
    """Nothing is cached: a verdict, and a rejudge that takes it back, show at once."""
    created = api.post("/api/v1/submissions/", BODY, format="json").json()
    url = created["status_url"]
    assert api.get(url).json()["status"] == "queued"
    submission_judge(submission_id=created["id"], worker="w")
    assert api.get(url).json()["verdict"] == "ACCEPTED"
    submission_rejudge(submission=Submission.objects.get(pk=created["id"]), enqueue=False)
    rejudged = api.get(url).json()
    assert (rejudged["status"], rejudged["verdict"], rejudged["judging"]) == ("queued", "", 2)
    assert rejudged["result"] is None and rejudged["finished_at"] is None
    assert fast_answers == [200, 200, 200]


def test_another_users_submission_is_a_404_and_staff_see_it(api, user, other_user, problem, enqueued):
    theirs = submission_create(user=other_user, problem=problem, code=GOOD_CODE + "-- secret idea\n")
    refused = api.get(f"/api/v1/submissions/{theirs.pk}/")
    assert refused.status_code == 404 and refused.json() == {"code": "not_found", "detail": "No such submission."}
    assert "secret idea" not in refused.content.decode()
    assert api.get("/api/v1/submissions/999999/").status_code == 404
    user.is_staff = True
    user.save()
    assert api.get(f"/api/v1/submissions/{theirs.pk}/").json()["code"].endswith("-- secret idea\n")


def test_a_revoked_token_or_an_inactive_account_is_refused(api, token, user, problem, enqueued, fast_answers):
    created = api.post("/api/v1/submissions/", BODY, format="json").json()
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert api.get(created["status_url"]).status_code == 401
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    assert api.get(created["status_url"]).status_code == 200
    api.delete(f"/api/v1/tokens/{token.token.pk}/")
    refused = api.get(created["status_url"])
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    assert fast_answers == [None, 200, None]


def test_a_poll_marks_its_token_used(api, token, problem, enqueued):
    created = api.post("/api/v1/submissions/", BODY, format="json").json()
    ApiToken.objects.filter(pk=token.token.pk).update(last_used_at=None)
    api.get(created["status_url"])
    assert ApiToken.objects.get(pk=token.token.pk).last_used_at is not None


def test_polls_count_against_the_account_limit(api, problem, enqueued, settings, fast_answers):
    created = api.post("/api/v1/submissions/", BODY, format="json").json()
    settings.ARENA_API_USER_RATE = "3/min"  # the POST above was counted before: 3 more pass
    codes = [api.get(created["status_url"]).status_code for _ in range(2)]
    assert codes == [200, 200] and api.get("/api/v1/tokens/").status_code == 429
    refused = api.get(created["status_url"])
    drf_refused = api.get(f"{created['status_url']}?wait=0")
    assert refused.status_code == drf_refused.status_code == 429
    assert refused.json() == drf_refused.json() and refused.json()["code"] == "throttled"
    assert refused["Retry-After"] == drf_refused["Retry-After"] and 1 <= int(refused["Retry-After"]) <= 60
    assert fast_answers == [200, 200, 429, None]


def test_other_ways_in_take_the_drf_view(signed_in, user, problem, enqueued, fast_answers):
    made = submission_create(user=user, problem=problem, code=GOOD_CODE)
    url = f"/api/v1/submissions/{made.pk}/"
    assert signed_in.get(url).json()["id"] == made.pk  # a session
    from rest_framework.authtoken.models import Token

    legacy = APIClient()
    legacy.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert legacy.get(url).json()["id"] == made.pk  # an older DRF token
    assert APIClient().get(url).status_code == 401  # nobody
    bot = client_for("arena_000000000000_nope")
    assert bot.get(url).status_code == 401  # an unknown key
    assert fast_answers == [None, None, None, None]


def test_the_browsable_api_still_answers_html(api, user, problem, enqueued, fast_answers):
    made = submission_create(user=user, problem=problem, code=GOOD_CODE)
    page = api.get(f"/api/v1/submissions/{made.pk}/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert fast_answers == [None]


def test_the_schema_still_describes_the_poll(db):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    get = schema["paths"]["/api/v1/submissions/{submission_id}/"]["get"]
    assert "wait" in [parameter["name"] for parameter in get["parameters"]]

"""Webhooks against a local receiver: signed, retried then given up, replays detectable, no
private addresses unless allowed, no redirects followed, attempts visible to their owner only."""

import json

import pytest

from arena_client.webhooks import ReplayGuard, verify
from bots.models import DeliveryStatus, WebhookDelivery
from bots.services import webhook_attempt
from submissions.services import submission_judge
from tests.api.receiver import Receiver
from tests.site.conftest import GOOD_CODE


@pytest.fixture
def private_allowed(settings):
    settings.ARENA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


def _finished_with_callback(bot, url, capture) -> WebhookDelivery:
    body = {"problem": "solve-add", "code": GOOD_CODE, "callback_url": url}
    created = bot.post("/api/v1/submissions/", body, format="json")
    assert created.status_code == 202, created.json()
    with capture(execute=True):
        submission_judge(submission_id=created.json()["id"], worker="w")
    return WebhookDelivery.objects.get(submission_id=created.json()["id"])


def _attempt_until_done(delivery) -> list[int]:
    delays = []
    while (delay := webhook_attempt(delivery_id=str(delivery.pk))) is not None:
        delays.append(delay)
    return delays


def test_the_verdict_is_posted_signed_with_the_tokens_secret(
    bot,
    bot_token,
    problem,
    enqueued,
    judge_double,
    deliveries_enqueued,
    private_allowed,
    django_capture_on_commit_callbacks,
):
    with Receiver() as receiver:
        delivery = _finished_with_callback(bot, receiver.url, django_capture_on_commit_callbacks)
        assert deliveries_enqueued == [str(delivery.pk)]
        assert _attempt_until_done(delivery) == []
    (headers, body, path) = receiver.received[0]
    assert path == "/hook"
    assert verify(bot_token.webhook_secret, headers, body)
    assert not verify("whsec_wrong", headers, body)
    assert not verify(bot_token.webhook_secret, headers, body.replace(b"ACCEPTED", b"REJECTED"))
    payload = json.loads(body)
    assert payload["event"] == "submission.finished" and payload["submission"]["verdict"] == "ACCEPTED"
    assert "code" not in payload["submission"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


def test_a_failing_receiver_is_retried_with_back_off_then_given_up(
    bot,
    problem,
    enqueued,
    judge_double,
    deliveries_enqueued,
    private_allowed,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.ARENA_WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver(answers=[500, 503, 500, 200]) as receiver:
        delivery = _finished_with_callback(bot, receiver.url, django_capture_on_commit_callbacks)
        assert _attempt_until_done(delivery) == [10, 30]
    assert len(receiver.received) == 3
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert [a.error for a in delivery.attempt_log.all()] == ["answered 500", "answered 503", "answered 500"]


def test_a_retry_is_the_same_delivery_so_a_replay_is_detectable(
    bot,
    bot_token,
    problem,
    enqueued,
    judge_double,
    deliveries_enqueued,
    private_allowed,
    django_capture_on_commit_callbacks,
):
    with Receiver(answers=[500, 200]) as receiver:
        delivery = _finished_with_callback(bot, receiver.url, django_capture_on_commit_callbacks)
        _attempt_until_done(delivery)
    (first_headers, first_body, _), (second_headers, second_body, _) = receiver.received
    assert first_body == second_body
    assert first_headers["X-Arena-Delivery"] == second_headers["X-Arena-Delivery"] == str(delivery.pk)
    guard = ReplayGuard()
    assert verify(bot_token.webhook_secret, first_headers, first_body) and guard.first_time(str(delivery.pk))
    assert verify(bot_token.webhook_secret, second_headers, second_body) and not guard.first_time(str(delivery.pk))
    # a captured delivery replayed later fails the timestamp check
    late = int(first_headers["X-Arena-Timestamp"]) + 301
    assert not verify(bot_token.webhook_secret, first_headers, first_body, now=late)


def test_redirects_are_not_followed(
    bot,
    problem,
    enqueued,
    judge_double,
    deliveries_enqueued,
    private_allowed,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.ARENA_WEBHOOK_MAX_ATTEMPTS = 1
    with Receiver(answers=[302]) as receiver:
        delivery = _finished_with_callback(bot, receiver.url, django_capture_on_commit_callbacks)
        _attempt_until_done(delivery)
    assert [path for _, _, path in receiver.received] == ["/hook"]
    assert delivery.attempt_log.get().error == "redirect not followed"


def test_loopback_callbacks_are_refused_by_default(bot, problem, enqueued):
    refused = bot.post(
        "/api/v1/submissions/",
        {"problem": "solve-add", "code": GOOD_CODE, "callback_url": "http://127.0.0.1:8112/hook"},
        format="json",
    )
    assert refused.status_code == 400 and "private or loopback" in refused.json()["fields"]["callback_url"][0]


def test_a_name_that_resolves_to_loopback_is_refused_at_delivery(
    bot, problem, enqueued, judge_double, deliveries_enqueued, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        delivery = _finished_with_callback(bot, url, django_capture_on_commit_callbacks)
        assert _attempt_until_done(delivery) == []
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "refused" in delivery.attempt_log.get().error


def test_callbacks_need_a_token(signed_in, problem, enqueued):
    refused = signed_in.post(
        "/api/v1/submissions/",
        {"problem": "solve-add", "code": GOOD_CODE, "callback_url": "https://example.org/hook"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "token" in refused.json()["fields"]["callback_url"][0]


def test_deliveries_are_visible_to_their_owner_only_and_never_the_secret(
    bot,
    bot_token,
    other_api,
    problem,
    enqueued,
    judge_double,
    deliveries_enqueued,
    private_allowed,
    django_capture_on_commit_callbacks,
):
    with Receiver() as receiver:
        delivery = _finished_with_callback(bot, receiver.url, django_capture_on_commit_callbacks)
        _attempt_until_done(delivery)
    mine = bot.get(f"/api/v1/webhooks/deliveries/?submission={delivery.submission_id}").json()["results"]
    assert mine[0]["id"] == str(delivery.pk) and mine[0]["attempt_log"][0]["response_status"] == 200
    assert bot_token.webhook_secret not in json.dumps(mine)
    assert other_api.get("/api/v1/webhooks/deliveries/").json()["results"] == []

"""Fixtures for the v1 API: the site's (problem, users, judge double, queue) and tokens."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from bots import services as bot_services
from bots.services import token_create
from tests.site.conftest import *  # noqa: F403  (the site's fixtures: problem, user, judge_double, ...)


def client_for(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def token(user):
    return token_create(user=user, name="laptop")


@pytest.fixture
def api(token):
    """An API client with user's (human) token."""
    return client_for(token.key)


@pytest.fixture
def bot_token(user):
    return token_create(user=user, name="prover", is_machine=True, model_name="prover-7b")


@pytest.fixture
def bot(bot_token):
    return client_for(bot_token.key)


@pytest.fixture
def other_api(other_user):
    return client_for(token_create(user=other_user, name="theirs").key)


@pytest.fixture
def deliveries_enqueued(monkeypatch):
    """Stands in for the broker for webhook deliveries: records the delivery ids enqueued."""
    sent: list[str] = []
    monkeypatch.setattr(bot_services, "_enqueue_delivery", lambda delivery_id, countdown: sent.append(delivery_id))
    return sent

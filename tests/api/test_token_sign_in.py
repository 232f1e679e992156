"""A bot's first token without a browser (issue 32, item 14): POST /api/v1/tokens/sign-in/ with
the account's username and password, limited like the sign-in form."""

from __future__ import annotations

from rest_framework.test import APIClient

from tests.api.conftest import client_for

URL = "/api/v1/tokens/sign-in/"


def test_a_password_gets_a_working_token(user, problem):
    made = APIClient().post(URL, {"username": "alice", "password": "alice-pass-123", "name": "cli"}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert body["key"].startswith("arena_") and body["webhook_secret"] and body["is_machine"] is False
    assert client_for(body["key"]).get("/api/v1/tokens/").status_code == 200


def test_a_bot_token_names_its_model(user):
    body = {"username": "alice", "password": "alice-pass-123", "name": "p", "is_machine": True, "model_name": "m-1"}
    made = APIClient().post(URL, body, format="json")
    assert made.status_code == 201 and made.json()["model_name"] == "m-1"


def test_a_wrong_password_is_refused_and_limited_like_the_sign_in_form(user, settings):
    client = APIClient()
    wrong = {"username": "alice", "password": "guess", "name": "cli"}
    answers = [client.post(URL, wrong, format="json") for _ in range(5)]
    assert {a.status_code for a in answers} == {400}
    assert answers[0].json()["fields"] == {"password": ["Wrong username or password."]}
    limited = client.post(URL, {**wrong, "password": "alice-pass-123"}, format="json")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0  # even the right password waits


def test_a_session_is_not_needed_nor_used(user, client):
    client.force_login(user)
    refused = client.post(
        URL, {"username": "alice", "password": "nope", "name": "cli"}, content_type="application/json"
    )
    assert refused.status_code == 400

"""Self-serve tokens: several per account, named, shown once, stored hashed, revocable."""

import hashlib

from rest_framework.test import APIClient

from bots.models import ApiToken
from tests.api.conftest import client_for


def test_a_token_is_shown_once_and_only_its_hash_is_stored(signed_in, user):
    api = APIClient()
    api.force_authenticate(user)
    made = api.post("/api/v1/tokens/", {"name": "ci", "is_machine": True, "model_name": "m-1"}, format="json")
    assert made.status_code == 201
    key, secret = made.json()["key"], made.json()["webhook_secret"]
    assert key.startswith("arena_") and secret.startswith("whsec_")
    stored = ApiToken.objects.get(pk=made.json()["id"])
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=stored.pk).values().get())
    listed = client_for(key).get("/api/v1/tokens/").json()
    assert [t["name"] for t in listed] == ["ci"]
    assert "key" not in listed[0] and "webhook_secret" not in listed[0] and "key_hash" not in listed[0]


def test_several_tokens_each_authenticate(user, token):
    from bots.services import token_create

    second = token_create(user=user, name="cluster")
    for key in (token.key, second.key):
        assert client_for(key).get("/api/v1/tokens/").status_code == 200


def test_a_revoked_token_is_refused(api, token):
    assert api.delete(f"/api/v1/tokens/{token.token.pk}/").status_code == 204
    refused = api.get("/api/v1/tokens/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"


def test_an_unknown_token_is_refused(problem):
    assert client_for("arena_000000000000_nope").get("/api/v1/problems/").status_code == 401


def test_another_users_token_cannot_be_seen_or_revoked(api, other_api, token):
    assert other_api.get("/api/v1/tokens/").json()[0]["name"] == "theirs"
    assert other_api.delete(f"/api/v1/tokens/{token.token.pk}/").status_code == 404
    assert api.get("/api/v1/tokens/").status_code == 200


def test_a_bot_token_needs_a_model_name(user):
    api = APIClient()
    api.force_authenticate(user)
    refused = api.post("/api/v1/tokens/", {"name": "bot", "is_machine": True}, format="json")
    assert refused.status_code == 400 and "model_name" in refused.json()["fields"]


def test_the_tokens_page_makes_shows_once_and_revokes(signed_in, user):
    page = signed_in.post("/account/tokens/", {"name": "from the page", "is_machine": "on", "model_name": "m"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    key = page.context["new"].key
    assert key in page.content.decode()
    assert key not in signed_in.get("/account/tokens/").content.decode()
    token = ApiToken.objects.get(user=user)
    assert client_for(key).get("/api/v1/tokens/").status_code == 200
    signed_in.post(f"/account/tokens/{token.pk}/revoke/")
    assert client_for(key).get("/api/v1/tokens/").status_code == 401


def test_a_reload_of_the_tokens_page_makes_no_second_token(signed_in, user):
    form_id = signed_in.get("/account/tokens/").context["form_id"]
    posted = {"name": "laptop", "form_id": form_id}
    first = signed_in.post("/account/tokens/", posted)
    again = signed_in.post("/account/tokens/", posted)  # what the browser's reload sends
    assert first.context["new"] is not None and again.context["new"] is None
    assert "already made its token" in again.content.decode()
    assert ApiToken.objects.filter(user=user).count() == 1


def test_a_refused_token_form_keeps_what_was_typed_and_can_be_sent_again(signed_in, user):
    form_id = signed_in.get("/account/tokens/").context["form_id"]
    refused = signed_in.post("/account/tokens/", {"name": "bot", "is_machine": "on", "form_id": form_id})
    html = refused.content.decode()
    assert refused.status_code == 400 and 'class="errorlist"' in html and 'value="bot"' in html and "checked" in html
    fixed = signed_in.post(
        "/account/tokens/", {"name": "bot", "is_machine": "on", "model_name": "m", "form_id": form_id}
    )
    assert fixed.context["new"] is not None

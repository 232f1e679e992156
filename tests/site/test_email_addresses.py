"""E-mail addresses (issue 32, item 2): given at sign-up, one account per address, changed only
with the current password (a wrong one counts against the sign-in limits), shown to its owner."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

NEW_USER = {
    "username": "carol",
    "email": "Carol@Example.org",
    "password1": "a-long-Password-42",
    "password2": "a-long-Password-42",
    "accept_licence": "on",
}


def test_sign_up_keeps_the_address_and_a_reset_reaches_it(client, db):
    assert client.post(reverse("signup"), NEW_USER).status_code == 302
    assert get_user_model().objects.get(username="carol").email == "Carol@example.org"
    client.logout()
    client.post(reverse("password_reset"), {"email": "carol@example.org"})
    assert [m.to for m in mail.outbox] == [["Carol@example.org"]]


def test_sign_up_without_an_address_is_allowed_and_says_what_it_costs(client, db):
    page = client.get(reverse("signup")).content.decode()
    assert "forgotten password cannot be recovered" in page
    assert client.post(reverse("signup"), {**NEW_USER, "email": ""}).status_code == 302


def test_an_address_belongs_to_one_account(client, user):
    user.email = "carol@example.org"
    user.save()
    response = client.post(reverse("signup"), NEW_USER)
    assert response.status_code == 200 and "Another account uses this address." in response.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()


def test_changing_the_address_needs_the_current_password(signed_in, user):
    url = reverse("account-email")
    refused = signed_in.post(url, {"email": "thief@example.org", "current_password": "wrong"})
    assert refused.status_code == 200 and "That is not your current password." in refused.content.decode()
    user.refresh_from_db()
    assert user.email == ""
    done = signed_in.post(url, {"email": "alice@example.org", "current_password": "alice-pass-123"})
    assert done["Location"] == reverse("profile", args=[user.username])
    user.refresh_from_db()
    assert user.email == "alice@example.org"
    assert "alice@example.org" in signed_in.get(done["Location"]).content.decode()


def test_the_address_page_cannot_be_used_to_guess_the_password(signed_in, settings):
    url = reverse("account-email")
    statuses = [signed_in.post(url, {"email": "", "current_password": f"guess-{n}"}).status_code for n in range(12)]
    assert statuses[-1] == 429


def test_the_address_page_needs_an_account(client, db):
    assert client.get(reverse("account-email"))["Location"].startswith(reverse("login"))


def test_others_do_not_see_the_address(client, user):
    user.email = "alice@example.org"
    user.save()
    assert "alice@example.org" not in client.get(reverse("profile", args=[user.username])).content.decode()

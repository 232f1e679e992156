"""Sign-in and sign-up limits: per (account, address) and per address, never per account alone."""

import pytest
from django.core.cache import cache
from django.urls import reverse


@pytest.fixture(autouse=True)
def fresh_counts(db, settings):
    settings.ARENA_SIGN_IN_FAILURES_PER_ACCOUNT_IP = "5/15m"
    settings.ARENA_SIGN_IN_FAILURES_PER_IP = "8/1h"
    settings.ARENA_SIGN_UPS_PER_IP = "3/1h"
    cache.clear()
    yield
    cache.clear()


def sign_in(client, password, username="alice", ip="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_right_password_is_refused_after_five_wrong_ones_from_that_address(client, user):
    for _ in range(5):
        assert sign_in(client, "wrong").status_code == 200
    response = sign_in(client, "alice-pass-123")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_owner_signs_in_from_another_address_while_an_attacker_is_refused(client, user):
    for _ in range(6):
        sign_in(client, "wrong", ip="198.51.100.1")
    assert sign_in(client, "alice-pass-123", ip="198.51.100.1").status_code == 429
    response = sign_in(client, "alice-pass-123", ip="203.0.113.50")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_one_address_trying_many_accounts_is_stopped_by_the_per_address_limit(client, user, other_user):
    for n in range(8):
        sign_in(client, "wrong", username=f"someone{n}")
    assert sign_in(client, "bob-pass-123", username="bob").status_code == 429


def test_a_successful_sign_in_forgets_the_owners_typos(client, user, settings):
    settings.ARENA_SIGN_IN_FAILURES_PER_IP = "100/1h"
    for _ in range(4):
        sign_in(client, "wrong")
    assert sign_in(client, "alice-pass-123").status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200
    assert sign_in(client, "alice-pass-123").status_code == 302


def test_the_admin_sign_in_is_the_limited_one(client, user):
    for _ in range(5):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    response = client.post(
        "/admin/login/", {"username": "alice", "password": "alice-pass-123"}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 429


def test_the_address_comes_from_the_trusted_proxy(client, user, settings):
    settings.ARENA_PROXY_HOPS = 1
    for n in range(6):  # the attacker varies a forged left part; the proxy appends the real one
        client.post(
            reverse("login"),
            {"username": "alice", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.9",
            REMOTE_ADDR="172.18.0.2",
        )
    refused = client.post(
        reverse("login"),
        {"username": "alice", "password": "alice-pass-123"},
        HTTP_X_FORWARDED_FOR="198.51.100.9",
        REMOTE_ADDR="172.18.0.2",
    )
    assert refused.status_code == 429
    other = client.post(
        reverse("login"),
        {"username": "alice", "password": "alice-pass-123"},
        HTTP_X_FORWARDED_FOR="203.0.113.80",
        REMOTE_ADDR="172.18.0.2",
    )
    assert other.status_code == 302


def test_sign_ups_are_limited_per_address(client, django_user_model):
    for n in range(3):
        password = f"a-long-pass-phrase-{n}x"
        client.post(
            reverse("signup"),
            {"username": f"new{n}", "password1": password, "password2": password, "accept_licence": "on"},
            REMOTE_ADDR="203.0.113.9",
        )
        client.logout()
    response = client.post(
        reverse("signup"),
        {
            "username": "new9",
            "password1": "a-long-pass-phrase-9x",
            "password2": "a-long-pass-phrase-9x",
            "accept_licence": "on",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 429
    assert not django_user_model.objects.filter(username="new9").exists()
    assert django_user_model.objects.filter(username__startswith="new").count() == 3

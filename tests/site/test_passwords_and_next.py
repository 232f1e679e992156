"""Accounts: sign-up returns to where the visitor came from (on this site only); passwords are
changed when signed in and reset by a link sent by e-mail."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

NEW_USER = {
    "username": "carol",
    "password1": "a-long-Password-42",
    "password2": "a-long-Password-42",
    "accept_licence": "on",
}


def test_sign_up_returns_to_next(client, db):
    page = client.get(reverse("signup") + "?next=/problems/solve-add/").content.decode()
    assert 'name="next" value="/problems/solve-add/"' in page
    response = client.post(reverse("signup"), {**NEW_USER, "next": "/problems/solve-add/"})
    assert response.status_code == 302 and response["Location"] == "/problems/solve-add/"


def test_sign_up_refuses_a_next_on_another_site(client, db):
    response = client.post(reverse("signup"), {**NEW_USER, "next": "https://evil.example/"})
    assert response["Location"] == reverse("problem-list")


def test_password_change(signed_in, user):
    response = signed_in.post(
        reverse("password_change"),
        {"old_password": "alice-pass-123", "new_password1": "Another-pass-987", "new_password2": "Another-pass-987"},
    )
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Another-pass-987")


def test_password_reset_by_e_mail(client, user):
    user.email = "alice@example.org"
    user.save()
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Reset your password on The Arena"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)  # Django swaps the token for a session one
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Reset-pass-555", "new_password2": "Reset-pass-555"}
    )
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Reset-pass-555")


def test_e_mail_goes_to_the_console_unless_configured(settings):
    from arena import settings as arena_settings

    assert arena_settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"

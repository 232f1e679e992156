"""The site licence: accepted at sign-up, again when its version changes before the next
submission (page and API alike), recorded on each submission, shown in the footer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import DatasetPreference, LicenceAcceptance
from submissions.models import Submission
from tests.site.conftest import GOOD_CODE, SOLVE_ADD  # noqa: F401

pytestmark = pytest.mark.licence_not_accepted

SIGN_UP = {"username": "carol", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"}


@pytest.fixture
def problem(make):
    return make.problem("open-problem")


def test_sign_up_without_accepting_the_licence_is_refused(client, db, django_user_model):
    response = client.post(reverse("signup"), SIGN_UP)
    assert response.status_code == 200
    assert "You must accept the site licence to sign up." in response.content.decode()
    assert not django_user_model.objects.filter(username="carol").exists()


def test_sign_up_shows_the_licence_and_records_its_acceptance_and_the_opt_out(client, db, django_user_model):
    page = client.get(reverse("signup")).content.decode()
    assert "CC BY-SA 4.0 with the Arena open-weights condition" in page and "Open-weights condition" in page
    response = client.post(reverse("signup"), SIGN_UP | {"accept_licence": "on", "anonymous_in_datasets": "on"})
    assert response.status_code == 302
    carol = django_user_model.objects.get(username="carol")
    assert list(LicenceAcceptance.objects.filter(user=carol).values_list("licence", "version")) == [
        ("cc-by-sa-4.0-open-weights", "1")
    ]
    assert DatasetPreference.objects.get(user=carol).anonymous is True


def test_a_submission_records_the_licence_it_was_contributed_under(client, problem, django_user_model):
    client.post(reverse("signup"), SIGN_UP | {"accept_licence": "on"})
    response = client.post(reverse("submission-create", args=[problem.slug]), {"code": GOOD_CODE})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert (submission.licence, submission.licence_version) == ("cc-by-sa-4.0-open-weights", "1")


def test_a_new_licence_version_must_be_accepted_before_the_next_submission(client, problem, settings):
    client.post(reverse("signup"), SIGN_UP | {"accept_licence": "on"})
    settings.ARENA_LICENCE_VERSION = "2"
    response = client.post(reverse("submission-create", args=[problem.slug]), {"code": GOOD_CODE})
    assert response.status_code == 400
    assert "Accept the site licence (CC BY-SA 4.0 with the Arena open-weights condition, version 2)" in (
        response.content.decode()
    )
    assert not Submission.objects.exists()
    page = client.get(reverse("licence")).content.decode()
    assert "Version 2 is new to you" in page
    client.post(reverse("licence"), {"accept_licence": "on"})
    assert "You have accepted version 2." in client.get(reverse("licence")).content.decode()
    response = client.post(reverse("submission-create", args=[problem.slug]), {"code": GOOD_CODE})
    assert response.status_code == 302
    assert Submission.objects.get().licence_version == "2"


def test_the_api_refuses_a_submission_until_the_licence_is_accepted(client, problem, django_user_model):
    from rest_framework.authtoken.models import Token

    bot = django_user_model.objects.create_user(username="bot", password="bot-pass-123")
    token = Token.objects.create(user=bot)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    payload = {"problem": problem.slug, "code": GOOD_CODE}
    response = client.post("/api/submissions/", payload, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["code"][0].startswith("Accept the site licence")
    assert "/accounts/licence/" in response.json()["code"][0]
    from accounts.services import licence_accept

    licence_accept(user=bot)
    response = client.post("/api/submissions/", payload, content_type="application/json", **headers)
    assert response.status_code == 201


def test_the_licence_page_sets_the_opt_out_both_ways(client, django_user_model, db):
    user = django_user_model.objects.create_user(username="erin", password="erin-pass-123")
    client.force_login(user)
    client.post(reverse("licence"), {"anonymous_in_datasets": "on"})
    assert DatasetPreference.objects.get(user=user).anonymous is True
    client.post(reverse("licence"), {})
    assert DatasetPreference.objects.get(user=user).anonymous is False
    assert not LicenceAcceptance.objects.filter(user=user).exists()  # unticked: nothing accepted


def test_every_page_shows_the_licence_in_the_footer(client, db, settings):
    settings.ARENA_LICENCE_VERSION = "7"
    html = client.get(reverse("problem-list")).content.decode()
    footer = html[html.index("<footer") :]
    assert "CC BY-SA 4.0 with the Arena open-weights condition" in footer and "(v7)" in footer
    text = client.get(reverse("licence-text"))
    assert text["Content-Type"].startswith("text/plain") and b"version 7" in text.content


def test_the_host_can_edit_the_open_weights_clause(client, db, settings):
    settings.ARENA_LICENCE_CLAUSE = "Weights must be published within 90 days."
    text = client.get(reverse("licence-text")).content.decode()
    assert "Weights must be published within 90 days." in text and "Open-weights condition" not in text

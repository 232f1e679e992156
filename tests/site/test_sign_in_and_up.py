"""Signing in and up through the pages."""

from django.urls import reverse


def test_sign_in_page_has_labelled_fields(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_signing_in_with_the_form_works(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302
    assert client.get(reverse("my-submissions")).status_code == 200


def test_sign_up_creates_the_account_and_signs_in(client, db, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
            "accept_licence": "on",
        },
    )
    assert response.status_code == 302
    assert django_user_model.objects.filter(username="carol").exists()
    assert client.get(reverse("my-submissions")).status_code == 200

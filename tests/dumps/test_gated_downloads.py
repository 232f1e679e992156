"""Downloads are gated (issue 32, item 19): a file of a dump goes only to an account that
accepted the site licence, through the page (a session) or a client (an API token); a visitor is
sent to sign in, an account that has not accepted is sent to the licence; each download is kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import licence_accept
from bots.services import token_create
from dumps.models import DatasetDownload
from dumps.services import dataset_export
from tests.api.conftest import client_for


@pytest.fixture
def archive_url(scenario) -> str:
    dump = dataset_export()
    return reverse("dataset-file", args=[dump.name, dump.archive_name])


def test_a_visitor_is_sent_to_sign_in_and_a_client_told_why(archive_url, client):
    page = client.get(archive_url, HTTP_ACCEPT="text/html")
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    api = client.get(archive_url, HTTP_ACCEPT="application/json")
    assert api.status_code == 401 and "accepted the site licence" in api.json()["detail"]
    assert DatasetDownload.objects.count() == 0


@pytest.mark.licence_not_accepted
def test_an_account_that_has_not_accepted_is_sent_to_the_licence(db, client, django_user_model):
    dump = dataset_export()  # no rows: nobody here may submit before accepting
    archive_url = reverse("dataset-file", args=[dump.name, dump.archive_name])
    newcomer = django_user_model.objects.create_user(username="newcomer", password="x-pass-123")
    client.force_login(newcomer)
    page = client.get(archive_url, HTTP_ACCEPT="text/html")
    assert page.status_code == 302 and page["Location"].startswith(reverse("licence") + "?next=")
    refused = client_for(token_create(user=newcomer, name="cli").key).get(archive_url)
    assert refused.status_code == 403 and refused.json()["code"] == "licence_not_accepted"
    licence_accept(user=newcomer)
    assert client.get(archive_url, HTTP_ACCEPT="text/html").status_code == 200


def test_each_download_is_recorded_with_the_licence_version(archive_url, client, scenario):
    client.force_login(scenario["alice"])
    assert client.get(archive_url).status_code == 200
    bot = client_for(token_create(user=scenario["bob"], name="loader").key)
    assert bot.get(archive_url).status_code == 200
    kept = list(DatasetDownload.objects.order_by("id").values_list("user__username", "via_api", "licence_version"))
    assert kept == [("alice", False, "1"), ("bob", True, "1")]

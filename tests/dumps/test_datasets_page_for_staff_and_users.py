"""The Datasets page (issue 32, item 20): staff make a dump from it (the admin offers no "Add"
form that cannot save); every dump lists its files with sizes, row counts and checksums; an
account that may download sees a preview of the first rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dumps import views
from dumps.models import DatasetDump
from dumps.services import dataset_export
from dumps.tasks import export_dataset_task


@pytest.fixture
def asked(monkeypatch):
    """Stands in for the broker: records what the page asked a worker to do."""
    calls = []
    monkeypatch.setattr(views.export_dataset_task, "delay", lambda **kw: calls.append(kw))
    return calls


def test_staff_make_a_dump_from_the_page(client, django_user_model, asked, db):
    staff = django_user_model.objects.create_user(username="keeper", password="x-pass-123", is_staff=True)
    client.force_login(staff)
    assert "Make a dump now" in client.get(reverse("dataset-list")).content.decode()
    response = client.post(reverse("dataset-make"))
    assert response["Location"] == reverse("dataset-list") and asked == [{"only_if_changed": False}]
    export_dataset_task(**asked[0])  # what the worker then runs: a dump even with nothing new
    export_dataset_task(only_if_changed=False)
    assert DatasetDump.objects.count() == 2


def test_others_cannot_make_one(client, solver, asked):
    client.force_login(solver)
    assert "Make a dump now" not in client.get(reverse("dataset-list")).content.decode()
    assert client.post(reverse("dataset-make")).status_code == 403 and asked == []


def test_the_admin_has_no_add_form(admin_client):
    assert admin_client.get("/admin/dumps/datasetdump/add/").status_code == 403


def test_files_sizes_rows_checksums_and_a_preview(scenario, client):
    dump = dataset_export()
    html = client.get(reverse("dataset-list")).content.decode()
    for name, meta in dump.files.items():
        assert name in html and meta["sha256"] in html
    assert f'<td class="num">{dump.counts["solutions"]}</td>' in html
    assert f"A preview of {dump.name}" not in html  # the rows are the download's: gated alike
    client.force_login(scenario["alice"])
    html = client.get(reverse("dataset-list")).content.decode()
    assert f"A preview of {dump.name}" in html and "<code>open-problem</code>" in html

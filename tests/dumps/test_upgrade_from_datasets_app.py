"""A database made while the app was called `datasets` (before issue 33) upgrades in place: the
rows, the content type, the permissions granted on it and the admin log all follow; reversed,
the old layout comes back with nothing dropped. (Also tried by hand on databases made at the
commit before the rename, PostgreSQL and SQLite: the closing note of issue 33.)"""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from dumps.models import DatasetDump

pytestmark = pytest.mark.django_db(transaction=True)

NEW = ("dumps", "0001_dataset_dump_from_datasets_app")
OLD = ("datasets", "0001_dataset_dump")


def _migrate(target):
    # The executor, not `migrate`: no post_migrate, as under the old code, which had no dumps app.
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    ContentType.objects.clear_cache()


def _tables():
    return set(connection.introspection.table_names())


def test_old_layout_upgrades_with_rows_permissions_and_log():
    dump = DatasetDump.objects.create(
        name="arena-20261207-000000", archive_name="a.tar.gz", archive_sha256="0" * 64, licence="CC BY-SA 4.0"
    )
    curator = User.objects.create_user("curator")
    curator.user_permissions.add(*Permission.objects.filter(content_type__app_label="dumps"))
    content_type = ContentType.objects.get_for_model(DatasetDump)
    LogEntry.objects.create(
        user=curator, content_type=content_type, object_id=str(dump.pk), object_repr="a", action_flag=ADDITION
    )
    try:
        _migrate(("dumps", None))
        # the layout the code before the rename made and reads
        assert "datasets_datasetdump" in _tables() and "dumps_datasetdump" not in _tables()
        assert ContentType.objects.get(pk=content_type.pk).app_label == "datasets"
        assert OLD in MigrationRecorder(connection).applied_migrations()
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM datasets_datasetdump")
            assert cursor.fetchall() == [("arena-20261207-000000",)]
    finally:
        _migrate(NEW)
    assert "dumps_datasetdump" in _tables() and "datasets_datasetdump" not in _tables()
    assert list(DatasetDump.objects.values_list("name", flat=True)) == ["arena-20261207-000000"]
    assert ContentType.objects.get_for_model(DatasetDump).pk == content_type.pk
    curator = User.objects.get(pk=curator.pk)
    assert sorted(curator.get_all_permissions()) == [
        f"dumps.{action}_datasetdump" for action in ("add", "change", "delete", "view")
    ]
    assert LogEntry.objects.get().get_edited_object() == dump
    applied = MigrationRecorder(connection).applied_migrations()
    assert NEW in applied and OLD not in applied


def test_a_bare_content_type_made_meanwhile_gives_way_to_the_old_one():
    """`migrate` under the new code after a reversal runs post_migrate, which makes a fresh
    dumps content type; the old one, which the grants point at, is the one kept."""
    curator = User.objects.create_user("curator")
    curator.user_permissions.add(Permission.objects.get(codename="view_datasetdump"))
    old_pk = ContentType.objects.get_for_model(DatasetDump).pk
    try:
        _migrate(("dumps", None))
        ContentType.objects.create(app_label="dumps", model="datasetdump")
    finally:
        _migrate(NEW)
    assert ContentType.objects.get(app_label="dumps", model="datasetdump").pk == old_pk
    assert User.objects.get(pk=curator.pk).has_perm("dumps.view_datasetdump")

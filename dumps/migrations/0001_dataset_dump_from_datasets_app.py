"""The dumps app was called `datasets` until issue 33 (the name shadowed Hugging Face's
`datasets` library). A database made under the old name is taken over in place: its table is
renamed, its content type moved to the new label (the permissions and admin log entries point
at the content type, so they follow) and the old app's migration record removed. A new database
gets the table created. Reversed, it gives the old layout back, nothing dropped."""

from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

OLD_APP = "datasets"
OLD_MIGRATION = "0001_dataset_dump"
OLD_TABLE = "datasets_datasetdump"


def take_over_or_create(apps, schema_editor):
    model = apps.get_model("dumps", "DatasetDump")
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.alter_db_table(model, OLD_TABLE, model._meta.db_table)
    else:
        schema_editor.create_model(model)
    _move_content_types(apps, connection, OLD_APP, "dumps")
    MigrationRecorder(connection).migration_qs.filter(app=OLD_APP).delete()


def give_back(apps, schema_editor):
    model = apps.get_model("dumps", "DatasetDump")
    connection = schema_editor.connection
    schema_editor.alter_db_table(model, model._meta.db_table, OLD_TABLE)
    _move_content_types(apps, connection, "dumps", OLD_APP)
    MigrationRecorder(connection).record_applied(OLD_APP, OLD_MIGRATION)


def _move_content_types(apps, connection, old_label, new_label):
    """The old content type (which the permissions, their grants and the admin log point at)
    takes the new label; a bare one that post_migrate made meanwhile under it gives way."""
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(connection.alias)
    old = content_types.filter(app_label=old_label)
    if old.exists():
        content_types.filter(app_label=new_label, model__in=list(old.values_list("model", flat=True))).delete()
        old.update(app_label=new_label)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DatasetDump',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('counts', models.JSONField(default=dict)),
                        ('files', models.JSONField(default=dict)),
                        ('archive_name', models.CharField(max_length=120)),
                        ('archive_bytes', models.BigIntegerField(default=0)),
                        ('archive_sha256', models.CharField(max_length=64)),
                        ('licence', models.CharField(max_length=100)),
                        ('licence_version', models.CharField(max_length=40)),
                        ('checker_version', models.CharField(max_length=100)),
                        ('watermark', models.CharField(blank=True, max_length=100)),
                        ('seconds', models.FloatField(default=0)),
                    ],
                    options={
                        'ordering': ['-created_at', '-id'],
                    },
                ),
            ],
        ),
        migrations.RunPython(take_over_or_create, give_back),
    ]

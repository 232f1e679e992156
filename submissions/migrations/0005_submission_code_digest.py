"""A stored digest of each submission's normalised code, for the dataset dump's duplicate check.

Added nullable, filled for the existing rows, then made NOT NULL: from here on the field's
pre_save fills it, and a row written without it (raw SQL) is refused rather than silently
taken for a duplicate of every other such row.
"""

from django.db import migrations, models

import submissions.models

# The same digest as submissions.models.normalised_code_digest, in SQL (tests/dumps checks
# that they agree): trailing blanks on a line dropped, then blank lines at either end.
DIGEST_SQL = r"sha256(convert_to(btrim(regexp_replace(code, '[ \t\r\f\v]+$', '', 'gn'), E'\n'), 'UTF8'))"


def fill_digests(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    if schema_editor.connection.vendor == "postgresql":
        # One pass in the database: no row travels to Python.
        schema_editor.execute(f"UPDATE submissions_submission SET code_digest = {DIGEST_SQL}")
        return
    for pk, code in Submission.objects.values_list("pk", "code").iterator():
        Submission.objects.filter(pk=pk).update(code_digest=submissions.models.normalised_code_digest(code))


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0004_submission_interactive_claimed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="code_digest",
            field=submissions.models.NormalisedCodeDigestField(null=True),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="submission",
            name="code_digest",
            field=submissions.models.NormalisedCodeDigestField(),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("verdict", "ACCEPTED")),
                fields=["code_digest", "id"],
                name="submission_accepted_digest",
            ),
        ),
    ]

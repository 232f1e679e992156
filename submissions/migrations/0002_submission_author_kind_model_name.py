from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="author_kind",
            field=models.CharField(
                choices=[("human", "Human"), ("machine", "Machine")], default="human", max_length=10
            ),
        ),
        migrations.AddField(
            model_name="submission",
            name="model_name",
            field=models.CharField(blank=True, help_text="The model that wrote it, for machines.", max_length=200),
        ),
    ]

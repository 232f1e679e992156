from django.contrib import admin

from dumps.models import DatasetDump


@admin.register(DatasetDump)
class DatasetDumpAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "counts", "archive_bytes", "checker_version", "licence_version"]
    readonly_fields = [f.name for f in DatasetDump._meta.fields]

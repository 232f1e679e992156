from django.contrib import admin

from dumps.models import DatasetDump


@admin.register(DatasetDump)
class DatasetDumpAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "counts", "archive_bytes", "checker_version", "licence_version"]
    readonly_fields = [f.name for f in DatasetDump._meta.fields]

    # A dump is made by the export (the Datasets page's "Make a dump now", or export_dataset),
    # never typed in: no "Add" form with Save buttons that cannot save.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

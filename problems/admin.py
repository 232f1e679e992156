from django.contrib import admin

from problems.models import Problem, ProblemChange, ProblemValidation, ProblemVersion, SpecAuditFlag
from problems.services import problem_save


class ProblemVersionInline(admin.TabularInline):
    model = ProblemVersion
    fields = ["number", "fingerprint", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "status", "difficulty", "updated_at"]
    list_filter = ["status", "difficulty"]
    search_fields = ["slug", "title"]
    # Publishing goes through the moderation pages (it needs a passed validation); the profile
    # and the upstream fields are an import's record.
    readonly_fields = [
        "status",
        "import_profile",
        "declared_imports",
        "upstream_id",
        "lean_version",
        "created_at",
        "updated_at",
    ]
    inlines = [ProblemVersionInline]

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        # Through the service, so a changed statement of a published problem gets a version.
        problem_save(problem=obj)
        fields = {name: [form.initial.get(name), form.cleaned_data.get(name)] for name in form.changed_data}
        ProblemChange.objects.create(
            problem=obj, user=request.user, action="edited" if change else "created", fields=fields, note="in the admin"
        )


@admin.register(ProblemVersion)
class ProblemVersionAdmin(admin.ModelAdmin):
    """Versions are frozen: read-only here."""

    list_display = ["problem", "number", "fingerprint", "created_at"]
    list_filter = ["problem"]
    readonly_fields = [
        "problem",
        "number",
        "imports",
        "preamble",
        "definitions",
        "theorems",
        "fingerprint",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProblemValidation)
class ProblemValidationAdmin(admin.ModelAdmin):
    """Validation reports, read-only: they are the judge's."""

    list_display = ["problem", "status", "import_profile", "created_at", "finished_at"]
    list_filter = ["status", "import_profile"]
    readonly_fields = [f.name for f in ProblemValidation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProblemChange)
class ProblemChangeAdmin(admin.ModelAdmin):
    """The audit log, read-only."""

    list_display = ["problem", "action", "user", "created_at"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in ProblemChange._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SpecAuditFlag)
class SpecAuditFlagAdmin(admin.ModelAdmin):
    """Accepted solutions that disagree with a problem's tests (recorded by the judge)."""

    list_display = ["problem", "test_number", "submission", "problem_version", "created_at"]
    list_filter = ["problem"]
    readonly_fields = ["problem", "problem_version", "submission", "test_number", "evidence", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

from django.contrib import admin

from problems.models import Problem, ProblemVersion
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
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ProblemVersionInline]

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        # Through the service, so a changed statement of a published problem gets a version.
        problem_save(problem=obj)


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

from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from submissions.models import JudgeRun, Submission
from submissions.services import submission_rejudge


class JudgeRunInline(admin.TabularInline):
    """Every judging, earlier ones included; a run with no finish time was lost."""

    model = JudgeRun
    fields = [
        "judging",
        "attempt",
        "worker",
        "started_at",
        "finished_at",
        "verdict",
        "checker_version",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description="Rejudge selected submissions (keeps their history)")
def rejudge(modeladmin, request, queryset):
    done = sum(submission_rejudge(submission=submission) for submission in queryset)
    skipped = queryset.count() - done
    modeladmin.message_user(request, f"{done} submission(s) queued for rejudging.")
    if skipped:
        modeladmin.message_user(request, f"{skipped} skipped: still queued or running.", level=messages.WARNING)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "problem_version",
        "status",
        "verdict",
        "attempts",
        "checker_version",
        "created_at",
    ]
    list_filter = ["status", "verdict", "checker_version"]
    search_fields = ["user__username", "problem_version__problem__slug"]
    list_select_related = ["user", "problem_version__problem"]
    actions = [rejudge]
    inlines = [JudgeRunInline]
    # Shown through code_display and result_display instead, never as editable fields.
    exclude = ["code", "result"]
    readonly_fields = [
        "user",
        "problem_version",
        "code_display",
        "status",
        "verdict",
        "result_display",
        "lean_version",
        "checker_version",
        "judged_by",
        "judging",
        "attempts",
        "current_run",
        "lease_expires_at",
        "created_at",
        "updated_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Code")
    def code_display(self, submission: Submission) -> SafeString:
        # Monospace with its indentation and line numbers; the template escapes the text.
        html = render_to_string("admin/submissions/code.html", {"code_lines": submission.code.split("\n")})
        return mark_safe(html)  # noqa: S308 (the template escaped the code)

    @admin.display(description="Result")
    def result_display(self, submission: Submission) -> SafeString:
        result = submission.result if isinstance(submission.result, dict) else None
        return mark_safe(render_to_string("admin/submissions/result.html", {"result": result}))  # noqa: S308

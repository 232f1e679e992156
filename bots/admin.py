from django.contrib import admin

from bots.models import ApiToken, Batch, Run, WebhookAttempt, WebhookDelivery


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "is_machine", "model_name", "created_at", "last_used_at", "revoked_at"]
    # The hash and the webhook secret are never shown, not even to maintainers.
    fields = ["user", "name", "prefix", "is_machine", "model_name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__username"]

    def has_add_permission(self, request) -> bool:
        return False  # made by their owners, shown once


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["pk", "model_name", "k", "user", "created_at"]
    readonly_fields = ["user", "token", "model_name", "k", "problems", "created_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # runs are public records


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    readonly_fields = ["number", "started_at", "response_status", "error", "duration_ms"]
    extra = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "submission", "url", "status", "attempts", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["user", "submission", "token", "url", "event", "payload", "status", "attempts", "delivered_at"]
    inlines = [WebhookAttemptInline]


admin.site.register(Batch)

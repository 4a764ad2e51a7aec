from django.contrib import admin

from core import audit
from core.models import ApiToken, AuditEntry, Notification

Action = AuditEntry.Action


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits go into the same audit trail as the portal's own services."""

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(
            action=Action.UPDATE if change else Action.CREATE,
            obj=obj,
            user=request.user,
            before=before,
            note="管理后台",
        )

    def delete_model(self, request, obj):
        audit.record(
            action=Action.DELETE, obj=obj, user=request.user, before=audit.snapshot(obj), after={}, note="管理后台"
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        audit.record_many(
            audit.build(
                action=Action.DELETE, obj=obj, user=request.user, before=audit.snapshot(obj), after={}, note="管理后台"
            )
            for obj in queryset
        )
        super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "username", "action", "content_type", "object_repr", "note"]
    list_filter = ["action", "content_type", "timestamp"]
    search_fields = ["object_repr", "username", "note", "object_id"]
    date_hierarchy = "timestamp"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "message", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["message", "recipient__username"]
    raw_id_fields = ["recipient"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the office's token page (the key is shown once there); here they are listed."""

    list_display = ["user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["user__username", "prefix"]
    readonly_fields = [
        "user",
        "prefix",
        "key_hash",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "issued_by",
    ]

    def has_add_permission(self, request):
        return False

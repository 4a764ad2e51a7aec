from django.contrib import admin

from . import audit
from .models import (
    ApiToken,
    AuditEntry,
    Bureau,
    County,
    Enterprise,
    EnterpriseYearFigures,
    LeadingGroupOffice,
    Membership,
    Notification,
    Town,
    TownTierChange,
    TownYearFigures,
)

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


@admin.register(County)
class CountyAdmin(AuditedAdmin):
    list_display = ["name", "division_code", "kind", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "division_code"]


class TownTierChangeInline(admin.TabularInline):
    model = TownTierChange
    extra = 0
    readonly_fields = ["from_tier", "to_tier", "effective_date", "source", "recorded_by", "recorded_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # tier changes go through the portal's tier-change page (a logged state change)


@admin.register(Town)
class TownAdmin(AuditedAdmin):
    list_display = ["name", "county", "leading_industry", "sector", "tier", "tier_since"]
    list_filter = ["sector", "tier", "county"]
    search_fields = ["name", "leading_industry"]
    list_select_related = ["county"]
    inlines = [TownTierChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return ["tier", "tier_since"] if obj else []


@admin.register(TownTierChange)
class TownTierChangeAdmin(admin.ModelAdmin):
    list_display = ["town", "from_tier", "to_tier", "effective_date", "source", "recorded_by"]
    list_filter = ["to_tier"]
    search_fields = ["town__name", "source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin):
    list_display = ["name", "credit_code", "town", "role", "above_designated_size"]
    list_filter = ["role", "above_designated_size", "town__county", "town"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["town"]
    autocomplete_fields = ["town"]


@admin.register(TownYearFigures)
class TownYearFiguresAdmin(AuditedAdmin):
    list_display = ["town", "year", "output_wan", "local_jobs", "provincial_share_pct", "tax_wan"]
    list_filter = ["year", "town__county"]
    search_fields = ["town__name"]
    list_select_related = ["town"]


@admin.register(EnterpriseYearFigures)
class EnterpriseYearFiguresAdmin(AuditedAdmin):
    list_display = ["enterprise", "year", "output_wan", "local_jobs", "tax_wan"]
    list_filter = ["year", "enterprise__town"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise"]


@admin.register(Bureau)
class BureauAdmin(AuditedAdmin):
    list_display = ["name", "kind", "leading_group_member", "sort_order"]
    list_filter = ["kind", "leading_group_member"]
    search_fields = ["name"]


@admin.register(LeadingGroupOffice)
class LeadingGroupOfficeAdmin(AuditedAdmin):
    list_display = ["name", "host_bureau"]
    search_fields = ["name"]
    filter_horizontal = ["deputy_bureaus"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "county", "bureau", "title"]
    list_filter = ["role", "county", "bureau"]
    search_fields = ["user__username", "user__first_name", "title"]
    autocomplete_fields = ["user"]


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

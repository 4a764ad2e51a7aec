from django.contrib import admin

from core.admin import AuditedAdmin
from core.models import AuditEntry

from .models import (
    Bureau,
    County,
    Enterprise,
    EnterpriseYearFigures,
    LeadingGroupOffice,
    Membership,
    Town,
    TownTierChange,
    TownYearFigures,
)

Action = AuditEntry.Action


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

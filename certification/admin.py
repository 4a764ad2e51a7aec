from django.contrib import admin

from core.admin import AuditedAdmin

from .models import (
    Application,
    ApplicationFirm,
    ApplicationVersion,
    Attachment,
    Certificate,
    CriteriaPolicy,
    Cycle,
    ExpertAssignment,
    Objection,
    ProvincialRecommendation,
    PublicNotice,
    ReExamination,
    RubricItem,
    Transition,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow records change only through the portal's services (which check state and log)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CriteriaPolicy)
class CriteriaPolicyAdmin(AuditedAdmin):
    list_display = ["code", "name", "min_anchor", "min_supporting", "output_manufacturing_wan", "share_pct", "min_jobs"]
    search_fields = ["code", "name", "source"]

    def get_readonly_fields(self, request, obj=None):
        # A policy an application has used is never edited in place.
        if obj is not None and obj.in_use:
            return [f.name for f in obj._meta.fields]
        return []

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use


class RubricInline(admin.TabularInline):
    """Read-only once experts have scored against it (Cycle.rubric_locked), as in the portal's cycle form."""

    model = RubricItem
    extra = 1

    def has_add_permission(self, request, obj=None):
        return not (obj and obj.rubric_locked) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.rubric_locked) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.rubric_locked) and super().has_delete_permission(request, obj)


@admin.register(Cycle)
class CycleAdmin(AuditedAdmin):
    list_display = ["name", "year", "policy", "opens_on", "closes_on", "notice_days", "certificate_years"]
    list_filter = ["year", "policy"]
    search_fields = ["name"]
    inlines = [RubricInline]


class FirmInline(admin.TabularInline):
    model = ApplicationFirm
    extra = 0
    can_delete = False
    readonly_fields = ["enterprise", "role"]

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "town", "county", "cycle", "target_tier", "status", "submitted_at"]
    list_filter = ["status", "cycle", "county", "target_tier"]
    search_fields = ["number", "town__name"]
    list_select_related = ["town", "county", "cycle"]
    inlines = [FirmInline, TransitionInline]

    def has_view_permission(self, request, obj=None):
        return True


for model, fields, filters, search in [
    (ApplicationVersion, ["application", "number", "submitted_at", "submitted_by"], [], ["application__number"]),
    (Attachment, ["original_name", "application", "kind", "size", "uploaded_at"], ["kind"], ["original_name"]),
    (
        ExpertAssignment,
        ["application", "expert", "total", "recommendation", "reviewed_at"],
        ["recommendation"],
        ["application__number", "expert__username"],
    ),
    (PublicNotice, ["number", "title", "starts_on", "ends_on"], ["cycle"], ["number", "title"]),
    (Objection, ["notice", "application", "objector", "received_on"], [], ["objector", "content"]),
    (
        Certificate,
        ["number", "town", "tier", "issued_on", "valid_until", "revoked_on"],
        ["tier", "cycle"],
        ["number", "town__name"],
    ),
    (ProvincialRecommendation, ["town", "recommended_on", "designated_on"], [], ["town__name"]),
    (Transition, ["application", "from_status", "to_status", "by", "at"], ["to_status"], ["application__number"]),
    (
        ReExamination,
        ["certificate", "status", "opened_on", "due_on", "decided_on"],
        ["status"],
        ["certificate__number"],
    ),
]:
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (ReadOnlyAdmin,),
            {"list_display": fields, "list_filter": filters, "search_fields": search},
        ),
    )

"""The portal's shell: each role's home page, the audit trail, API tokens, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certification.selectors import workflow_summary
from core.models import ApiToken, AuditEntry, Notification
from core.paging import list_page, page_of
from targets import selectors as targets
from tasks_registry.selectors import board as task_board
from towns import selectors, services
from towns.filters import AuditFilter
from towns.models import Role, Tier, Town
from towns.permissions import county_scope, membership, require_office, require_portal_role, role_of


@login_required
def home(request):
    role = role_of(request.user)
    context = {"role": role}
    if role is None:
        return render(request, "home/no_role.html", context, status=403)
    towns = selectors.town_list(user=request.user)
    if role in (Role.LEADER, Role.OFFICE):
        # The targets dashboard reads every town once; the tier counts and top towns come from it.
        context["dashboard"], targets_data = targets.dashboard(user=request.user)
        by_tier = context["dashboard"].tier_counts
    else:
        by_tier = dict(Town.objects.order_by().values_list("tier").annotate(n=Count("pk")))
    context["tier_counts"] = {tier.label: by_tier.get(tier.value, 0) for tier in Tier}
    context["town_count"] = sum(by_tier.values())
    if role == Role.COUNTY:
        context["own_towns"] = towns.filter(county_id=county_scope(request.user))
        context["enterprise_count"] = selectors.enterprise_list(user=request.user).count()
    if role == Role.OFFICE:
        context["recent_changes"] = AuditEntry.objects.select_related("content_type")[:10]
    if role == Role.EXPERT:
        context["my_assignments"] = request.user.expert_assignments.select_related(
            "application__town", "application__cycle"
        ).order_by("reviewed_at", "-assigned_at")[:50]
    if role in (Role.COUNTY, Role.OFFICE):
        context["workflow"] = workflow_summary(user=request.user)
    if role == Role.BUREAU:
        context["top_towns"] = sorted(
            towns, key=lambda t: t.latest_figures.output_wan if t.latest_figures else 0, reverse=True
        )[:10]
        bureau_id = membership(request.user).bureau_id
        context["my_tasks"] = [
            (row, _("牵头") if any(b.pk == bureau_id for b in row.leads) else _("配合"))
            for row in task_board(user=request.user)
            if any(b.pk == bureau_id for b in row.leads + row.supports)
        ]
    if role == Role.LEADER:
        rows = task_board(user=request.user)
        context["task_rows"] = rows
        context["top_towns"] = sorted(
            targets_data.towns, key=lambda t: t.latest_figures.output_wan if t.latest_figures else 0, reverse=True
        )[:10]
    return render(request, f"home/{role}.html", context)


# --- audit trail ---------------------------------------------------------------------------------


@login_required
def audit_trail(request):
    require_office(request.user)
    return list_page(
        request,
        filterset=AuditFilter(request.GET or None, queryset=AuditEntry.objects.select_related("content_type", "user")),
        template="towns/audit_trail.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The office issues and revokes the tokens of API consumers."""
    require_office(request.user)
    holders = (
        get_user_model()
        .objects.filter(membership__role=Role.API)
        .prefetch_related(
            Prefetch("api_tokens", queryset=ApiToken.objects.filter(revoked_at__isnull=True), to_attr="active_tokens")
        )
        .order_by("username")
    )
    if request.method == "POST":
        holder = get_object_or_404(holders, pk=request.POST.get("holder"))
        if request.POST.get("action") == "revoke":
            services.api_token_revoke(user=request.user, holder=holder)
            messages.success(request, _("已吊销%(name)s的令牌。") % {"name": holder.username})
        else:
            token, key = services.api_token_issue(user=request.user, holder=holder)
            messages.success(
                request,
                _("已为%(name)s签发新令牌（有效期至%(date)s）：%(key)s。令牌只显示这一次，请立即转交；旧令牌已失效。")
                % {"name": holder.username, "date": timezone.localtime(token.expires_at).date(), "key": key},
            )
        return redirect("api-tokens")
    return render(request, "towns/api_tokens.html", {"holders": holders, "now": timezone.now()})


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    require_portal_role(request.user)
    mine = Notification.objects.filter(recipient=request.user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    return render(request, "towns/notifications.html", {"page": page_of(request, mine)})

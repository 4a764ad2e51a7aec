"""Pages of the registry. Thin: parse input, call one selector or service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import confirm
from core.errors import ActionNotAllowed
from core.forms import call_service
from core.http import local_next
from core.jobs import import_job_start, jobs_of
from core.models import ImportJob
from core.paging import ListExport, list_page
from core.spreadsheets import SpreadsheetRejected, template_response
from core.uploads import serve

from . import confirmations, county_targets, evidence, exports, importers, selectors, services
from .filters import TownFilter, enterprise_filterset
from .forms import (
    BaselineYearForm,
    EnterpriseFiguresForm,
    EnterpriseForm,
    EvidenceForm,
    ImportForm,
    TierChangeForm,
    TownFiguresForm,
    WithdrawEvidenceForm,
    WithdrawTierChangeForm,
)
from .models import DEFAULT_BASELINE_YEAR, Tier, Town, TownEvidence, TownTierChange, doubling_base_year
from .permissions import can_edit_registry, can_see_enterprises_of, is_office, require_office

# --- counties ------------------------------------------------------------------------------------


@login_required
def county_list(request):
    return render(request, "towns/county_list.html", {"counties": selectors.county_list(user=request.user)})


@login_required
def county_detail(request, pk):
    county = selectors.county_get(user=request.user, pk=pk)
    towns = selectors.town_list(user=request.user).filter(county=county)
    return render(
        request,
        "towns/county_detail.html",
        # the county's own job and tax targets (任务12): aggregates of its towns' figures, open like the registry
        {"county": county, "towns": towns, "targets": county_targets.county_progress(county)},
    )


# --- towns ---------------------------------------------------------------------------------------


@login_required
def town_list(request):
    return list_page(
        request,
        filterset=TownFilter(request.GET or None, queryset=selectors.town_list(user=request.user)),
        template="towns/town_list.html",
        export=("专业镇名录", "专业镇", exports.TOWN_COLUMNS),
    )


@login_required
def town_detail(request, pk):
    town = selectors.town_get(user=request.user, pk=pk)
    tier_changes = _tier_changes(request.user, town)
    context = {
        "town": town,
        "figures": selectors.town_figures(user=request.user, town=town),
        "tier_changes": tier_changes,
        # from the history already read (the same ordering as the manager's), not one more query
        "scheduled_change": next((c for c in tier_changes if c.status == TownTierChange.Status.SCHEDULED), None),
        "certificates": town.certificates.select_related("cycle", "application"),
        "evidence_history": evidence.evidence_history(town),
        "current_ids": {e.pk for e in evidence.current_evidence(town).values()},
        "show_enterprises": can_see_enterprises_of(request.user, town),
        "can_edit": can_edit_registry(request.user) and can_see_enterprises_of(request.user, town),
        "base_year": doubling_base_year(town),
        "default_base_year": DEFAULT_BASELINE_YEAR,
        "baseline_form": BaselineYearForm(initial={"baseline_year": town.baseline_year}),
    }
    if context["show_enterprises"]:
        context["enterprises"] = selectors.town_enterprises(user=request.user, town=town)
        context["history"] = selectors.object_history(user=request.user, obj=town)[:50]
    return render(request, "towns/town_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def town_figures_edit(request, pk, figures_pk=None):
    town = selectors.editable_town_get(user=request.user, pk=pk)
    figures = get_object_or_404(town.figures, pk=figures_pk) if figures_pk else None
    form = TownFiguresForm(request.POST or None, instance=figures)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, services.town_figures_save, user=request.user, town=town, figures=figures, data=form.cleaned_data
        )
    ):
        messages.success(request, _("已保存%(year)s年数据。") % {"year": form.cleaned_data["year"]})
        return redirect("town-detail", pk=town.pk)
    return render(request, "towns/figures_form.html", {"form": form, "owner": town, "figures": figures})


def _tier_changes(user, town: Town) -> list[TownTierChange]:
    """The town's tier history, each change marked with whether the office may still withdraw it."""
    changes = list(town.tier_changes.select_related("recorded_by", "withdrawn_by"))
    office = is_office(user)
    for change in changes:
        change.town = town
        change.can_withdraw = office and services.tier_change_withdrawable(change)
    return changes


@login_required
@require_http_methods(["GET", "POST"])
def town_tier_change(request, pk):
    require_office(request.user)
    town = get_object_or_404(Town, pk=pk)
    form = TierChangeForm(request.POST or None, town=town)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.tier_change_validate,
            town=town,
            to_tier=form.cleaned_data["to_tier"],
            effective_date=form.cleaned_data["effective_date"],
        )
    ):
        if page := confirm.ask(request, lambda: confirmations.tier_change(town, **form.cleaned_data)):
            return page
        change = call_service(
            form, services.town_change_tier, user=request.user, town=town, direct=True, **form.cleaned_data
        )
        if change:
            values = {
                "town": town.name,
                "from": change.get_from_tier_display(),
                "to": change.get_to_tier_display(),
                "date": change.effective_date.isoformat(),
            }
            if change.status == TownTierChange.Status.SCHEDULED:
                messages.success(
                    request,
                    _("已登记计划变更：%(town)s计划于%(date)s由%(from)s变更为%(to)s，此前仍按%(from)s统计。") % values,
                )
            else:
                messages.success(
                    request, _("%(town)s的梯次已由%(from)s变更为%(to)s（%(date)s起）。当日内可撤回。") % values
                )
            return redirect("town-detail", pk=town.pk)
    return render(request, "towns/tier_form.html", {"form": form, "town": town})


@login_required
@require_POST
def tier_change_withdraw(request, pk):
    """The office withdraws a scheduled tier change, or one it entered today (the town's tier goes back)."""
    require_office(request.user)
    change = get_object_or_404(TownTierChange.objects.select_related("town"), pk=pk)
    form = WithdrawTierChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤回须写明理由。"))
        return redirect("town-detail", pk=change.town_id)
    if not services.tier_change_withdrawable(change):
        messages.error(request, _("该梯次变更已不能撤回（只能撤回尚未生效的计划变更，或当日直接登记的变更）。"))
        return redirect("town-detail", pk=change.town_id)
    reason = form.cleaned_data["reason"]
    if page := confirm.ask(request, lambda: confirmations.tier_change_withdraw(change, reason)):
        return page
    try:
        services.tier_change_withdraw(user=request.user, change=change, reason=reason)
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        change.town.refresh_from_db()
        messages.success(
            request,
            _("已撤回梯次变更；%(town)s现为%(tier)s。")
            % {"town": change.town.name, "tier": Tier(change.town.tier).label},
        )
    return redirect("town-detail", pk=change.town_id)


@login_required
@require_POST
def town_baseline_year(request, pk):
    """The office sets the base year of the town's doubling target (a small form on the town's page)."""
    require_office(request.user)
    town = get_object_or_404(Town, pk=pk)
    form = BaselineYearForm(request.POST)
    if form.is_valid() and call_service(
        form, services.town_set_baseline_year, user=request.user, town=town, year=form.cleaned_data["baseline_year"]
    ):
        messages.success(request, _("已设定产值翻一番基准年：%(year)s年。") % {"year": doubling_base_year(town)})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("town-detail", pk=town.pk)


# --- standing evidence (三、二 传统特色, 三、三 全国市场空间) ----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def town_evidence_new(request, pk):
    require_office(request.user)
    town = get_object_or_404(Town, pk=pk)
    form = EvidenceForm(request.POST or None, request.FILES or None, initial={"accepted_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file", None)
        if call_service(
            form, evidence.evidence_record, user=request.user, town=town, attachments=[upload] if upload else [], **data
        ):
            messages.success(request, _("已登记%(town)s的认可证明。") % {"town": town.name})
            return redirect("town-detail", pk=town.pk)
    return render(request, "towns/evidence_form.html", {"form": form, "town": town})


@login_required
@require_POST
def town_evidence_withdraw(request, pk):
    require_office(request.user)
    record = get_object_or_404(TownEvidence.objects.select_related("town"), pk=pk)
    form = WithdrawEvidenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤回须写明理由。"))
        return redirect("town-detail", pk=record.town_id)
    if page := confirm.ask(request, lambda: confirmations.evidence_withdraw(record, form.cleaned_data["reason"])):
        return page
    if call_service(form, evidence.evidence_withdraw, user=request.user, evidence=record, **form.cleaned_data):
        label = record.get_feature_kind_display() if record.feature_kind else record.get_kind_display()
        messages.success(request, _("已撤回%(town)s的“%(label)s”证明。") % {"town": record.town.name, "label": label})
    else:
        messages.error(request, " ".join(form.non_field_errors()) or _("撤回须写明理由。"))
    return redirect("town-detail", pk=record.town_id)


@login_required
def town_evidence_file(request, pk):
    return serve(evidence.evidence_files(user=request.user), pk)


# --- enterprises ---------------------------------------------------------------------------------


ENTERPRISE_EXPORTS = {
    "xlsx": ListExport("专业镇企业名录", "企业", exports.ENTERPRISE_COLUMNS, exports.latest_year_rows, "enterprises"),
    "xlsx-years": ListExport(
        "专业镇企业年度数据", "企业", exports.ENTERPRISE_COLUMNS, exports.every_year_rows, "enterprise-years"
    ),
}


@login_required
def enterprise_list(request):
    return list_page(
        request,
        filterset=enterprise_filterset(user=request.user, data=request.GET),
        template="towns/enterprise_list.html",
        export=ENTERPRISE_EXPORTS,
    )


@login_required
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    context = {
        "enterprise": enterprise,
        "figures": selectors.enterprise_figures(user=request.user, enterprise=enterprise),
        "history": selectors.object_history(user=request.user, obj=enterprise)[:50],
        "can_edit": can_edit_registry(request.user),
    }
    return render(request, "towns/enterprise_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request):
    towns = selectors.editable_towns(user=request.user)
    initial = {"town": request.GET.get("town")} if request.GET.get("town") else None
    form = EnterpriseForm(request.POST or None, towns=towns, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        enterprise = call_service(form, services.enterprise_create, user=request.user, town=data.pop("town"), data=data)
        if enterprise:
            messages.success(request, _("已登记企业“%(name)s”。") % {"name": enterprise.name})
            return redirect(local_next(request) or reverse("enterprise-detail", kwargs={"pk": enterprise.pk}))
    return render(request, "towns/enterprise_form.html", {"form": form, "next": local_next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request, pk):
    enterprise = selectors.editable_enterprise_get(user=request.user, pk=pk)
    form = EnterpriseForm(request.POST or None, instance=enterprise, towns=selectors.editable_towns(user=request.user))
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, services.enterprise_update, user=request.user, enterprise=enterprise, data=form.cleaned_data
        )
    ):
        messages.success(request, _("已保存企业“%(name)s”的信息。") % {"name": enterprise.name})
        return redirect("enterprise-detail", pk=enterprise.pk)
    return render(request, "towns/enterprise_form.html", {"form": form, "enterprise": enterprise})


@login_required
@require_POST
def enterprise_delete(request, pk):
    enterprise = selectors.editable_enterprise_get(user=request.user, pk=pk)
    town_pk = enterprise.town_id
    try:
        services.enterprise_delete_check(user=request.user, enterprise=enterprise)  # refused: say so before asking
        if page := confirm.ask(request, lambda: confirmations.enterprise_delete(enterprise)):
            return page
        services.enterprise_delete(user=request.user, enterprise=enterprise)
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("enterprise-detail", pk=enterprise.pk)
    messages.success(
        request,
        _("已从%(town)s删除企业“%(name)s”及其年度数据。") % {"town": enterprise.town.name, "name": enterprise.name},
    )
    return redirect("town-detail", pk=town_pk)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_figures_edit(request, pk, figures_pk=None):
    enterprise = selectors.editable_enterprise_get(user=request.user, pk=pk)
    figures = get_object_or_404(enterprise.figures, pk=figures_pk) if figures_pk else None
    form = EnterpriseFiguresForm(request.POST or None, instance=figures)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.enterprise_figures_save,
            user=request.user,
            enterprise=enterprise,
            figures=figures,
            data=form.cleaned_data,
        )
    ):
        messages.success(request, _("已保存%(year)s年数据。") % {"year": form.cleaned_data["year"]})
        return redirect("enterprise-detail", pk=enterprise.pk)
    return render(request, "towns/figures_form.html", {"form": form, "owner": enterprise, "figures": figures})


@login_required
def enterprise_import_template(request):
    selectors.editable_towns(user=request.user)  # 403 for read-only roles
    return template_response(
        filename="专业镇企业导入模板", columns=importers.ENTERPRISE_COLUMNS, example=importers.ENTERPRISE_EXAMPLE
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    """The upload page: a good-looking file becomes an import job (core.jobs) and the user follows its progress."""
    towns = selectors.editable_towns(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_start(user=request.user, kind="enterprises", upload=form.cleaned_data["file"])
        except SpreadsheetRejected as exc:
            form.add_error("file", str(exc))
        else:
            url = reverse("import-job", kwargs={"pk": job.pk})
            following = local_next(request)
            return redirect(f"{url}?{urlencode({'next': following})}" if following else url)
    status = 400 if request.method == "POST" else 200
    recent = jobs_of(user=request.user, model=ImportJob, kind="enterprises", limit=5)
    context = {"form": form, "towns": towns, "recent_jobs": recent, "next": local_next(request)}
    return render(request, "towns/import.html", context, status=status)

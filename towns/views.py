"""Pages of the registry. Thin: parse input, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ActionNotAllowed
from core.forms import call_service
from core.paging import list_page
from core.spreadsheets import SpreadsheetRejected, template_response
from core.uploads import serve

from . import county_targets, evidence, exports, importers, selectors, services
from .filters import EnterpriseFilter, TownFilter
from .forms import (
    BaselineYearForm,
    EnterpriseFiguresForm,
    EnterpriseForm,
    EvidenceForm,
    ImportForm,
    TierChangeForm,
    TownFiguresForm,
    WithdrawEvidenceForm,
)
from .models import DEFAULT_BASELINE_YEAR, Town, TownEvidence, doubling_base_year
from .permissions import can_edit_registry, can_see_enterprises_of, county_scope, require_office

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
    context = {
        "town": town,
        "figures": selectors.town_figures(user=request.user, town=town),
        "tier_changes": town.tier_changes.select_related("recorded_by"),
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


@login_required
@require_http_methods(["GET", "POST"])
def town_tier_change(request, pk):
    require_office(request.user)
    town = get_object_or_404(Town, pk=pk)
    form = TierChangeForm(request.POST or None, town=town)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(form, services.town_change_tier, user=request.user, town=town, **form.cleaned_data)
    ):
        messages.success(request, _("梯次已变更。"))
        return redirect("town-detail", pk=town.pk)
    return render(request, "towns/tier_form.html", {"form": form, "town": town})


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
    record = get_object_or_404(TownEvidence, pk=pk)
    form = WithdrawEvidenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤回须写明理由。"))
    elif call_service(form, evidence.evidence_withdraw, user=request.user, evidence=record, **form.cleaned_data):
        messages.success(request, _("已撤回该证明。"))
    else:
        messages.error(request, " ".join(form.non_field_errors()) or _("撤回须写明理由。"))
    return redirect("town-detail", pk=record.town_id)


@login_required
def town_evidence_file(request, pk):
    return serve(evidence.evidence_files(user=request.user), pk)


# --- enterprises ---------------------------------------------------------------------------------


@login_required
def enterprise_list(request):
    filterset = EnterpriseFilter(request.GET or None, queryset=selectors.enterprise_list(user=request.user))
    if county_scope(request.user) is not None:
        filterset.filters["town"].queryset = selectors.editable_towns(user=request.user)
        filterset.form.fields["town"].queryset = filterset.filters["town"].queryset
        del filterset.form.fields["county"]
    return list_page(
        request,
        filterset=filterset,
        template="towns/enterprise_list.html",
        export=("专业镇企业名录", "企业", exports.ENTERPRISE_COLUMNS),
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
            return redirect("enterprise-detail", pk=enterprise.pk)
    return render(request, "towns/enterprise_form.html", {"form": form})


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
        messages.success(request, _("已保存。"))
        return redirect("enterprise-detail", pk=enterprise.pk)
    return render(request, "towns/enterprise_form.html", {"form": form, "enterprise": enterprise})


@login_required
@require_POST
def enterprise_delete(request, pk):
    enterprise = selectors.editable_enterprise_get(user=request.user, pk=pk)
    town_pk = enterprise.town_id
    try:
        services.enterprise_delete(user=request.user, enterprise=enterprise)
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("enterprise-detail", pk=enterprise.pk)
    messages.success(request, _("已删除企业“%(name)s”。") % {"name": enterprise.name})
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
    towns = selectors.editable_towns(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.enterprise_import(user=request.user, upload=form.cleaned_data["file"])
        except SpreadsheetRejected as exc:
            form.add_error("file", str(exc))
        else:
            if report.ok:
                messages.success(
                    request,
                    _(
                        "导入成功：共%(rows)d行；新增企业%(created)d家，更新%(updated)d家；"
                        "新增年度数据%(fc)d条，更新%(fu)d条。"
                    )
                    % {
                        "rows": report.rows,
                        "created": report.created,
                        "updated": report.updated,
                        "fc": report.figures_created,
                        "fu": report.figures_updated,
                    },
                )
                return redirect("enterprise-list")
    status = 400 if request.method == "POST" and (not form.is_valid() or (report and not report.ok)) else 200
    return render(request, "towns/import.html", {"form": form, "report": report, "towns": towns}, status=status)

"""Pages of the special fund: the year's figures, the budget, the allocations and their payment status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core import uploads
from core.charts import BarSeries, bar_chart_svg
from core.errors import ActionNotAllowed
from core.forms import call_service
from core.paging import list_page
from towns.validators import is_programme_year

from . import selectors, services, workflow
from .exports import ALLOCATION_COLUMNS
from .filters import AllocationFilter
from .forms import AllocationForm, AttachForm, BudgetForm, CancelForm, IssueForm, PayForm
from .models import FundAllocation, FundBudget
from .permissions import ALL, TOTALS, can_manage_fund, require_allocation_reader, require_fund_manager

Kind = FundAllocation.Kind
TRANSITION_FORMS = {"issue": IssueForm, "pay": PayForm, "cancel": CancelForm}
TRANSITION_SERVICES = {
    "issue": services.allocation_issue,
    "pay": services.allocation_pay,
    "cancel": services.allocation_cancel,
}
TRANSITION_DONE = {
    "issue": gettext_lazy("已下达。"),
    "pay": gettext_lazy("已登记拨付。"),
    "cancel": gettext_lazy("已撤销。"),
}


def _year(request) -> int:
    """The ``?year=`` asked for (this year if none or not a number); a year outside the programme is a 404."""
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year
    if not is_programme_year(year):
        raise Http404(_("没有%(year)d年度。") % {"year": year})
    return year


def _charts(summary: selectors.FundSummary) -> dict:
    series = (_("已安排"), _("已拨付"))

    def chart(rows, label):
        return bar_chart_svg(
            categories=[r.label for r in rows],
            series=[
                BarSeries(series[0], [r.figures.allocated for r in rows]),
                BarSeries(series[1], [r.figures.paid for r in rows]),
            ],
            label=label,
            width=560,
        )

    return {
        "county_chart": chart(summary.by_county, _("专项资金按县（市、区）")) if summary.by_county else None,
        "purpose_chart": chart(summary.by_purpose, _("专项资金按用途")) if summary.by_purpose else None,
    }


@login_required
def funds_overview(request):
    year = _year(request)
    summary = selectors.fund_summary(user=request.user, year=year)
    recent = ()
    if summary.access != TOTALS:
        recent = selectors.allocations(user=request.user).filter(budget__year=year)[:10]
    return render(
        request,
        "funds/overview.html",
        {
            "summary": summary,
            "budget": summary.budget,
            "attachments": summary.budget.attachments.all() if summary.budget else (),
            "recent": recent,
            "awaiting": selectors.commendations_awaiting_reward(user=request.user) if summary.access == ALL else (),
            "can_manage": can_manage_fund(request.user),
            "kinds": Kind.choices,
            **_charts(summary),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def budget_edit(request, year: int | None = None):
    """Record a year's budget (no ``year``) or change one."""
    require_fund_manager(request.user)
    budget = get_object_or_404(selectors.budgets(user=request.user), year=year) if year is not None else None
    form = BudgetForm(request.POST or None, request.FILES or None, instance=budget, creating=budget is None)
    if budget is None and request.method == "GET" and request.GET.get("year", "").isdigit():
        form.initial["year"] = int(request.GET["year"])
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.budget_save,
            user=request.user,
            budget=budget,
            data=form.data_for_service(),
            attachments=form.cleaned_data["attachments"],
        )
        if saved:
            messages.success(request, _("已保存%(year)d年度专项资金预算。") % {"year": saved.year})
            return redirect(f"{reverse('funds')}?year={saved.year}")
    return render(
        request,
        "funds/budget_form.html",
        {"form": form, "budget": budget},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def budget_attachment(request, pk):
    return uploads.serve(selectors.budget_attachments(user=request.user), pk)


@login_required
@require_POST
def budget_attachment_delete(request, pk):
    require_fund_manager(request.user)
    attachment = get_object_or_404(selectors.budget_attachments(user=request.user).select_related("budget"), pk=pk)
    services.budget_attachment_remove(user=request.user, attachment=attachment)
    messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name})
    return redirect(f"{reverse('funds')}?year={attachment.budget.year}")


# --- allocations ---------------------------------------------------------------------------------------------


@login_required
def allocation_list(request):
    filterset = AllocationFilter(request.GET or None, queryset=selectors.allocations(user=request.user))
    return list_page(
        request,
        filterset=filterset,
        template="funds/allocation_list.html",
        export=("专项资金安排", "资金安排", ALLOCATION_COLUMNS),
        context={"can_manage": can_manage_fund(request.user), "kinds": Kind.choices},
    )


def _kind(request) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or Kind.REWARD
    if kind not in Kind.values:
        raise Http404(_("没有该类别。"))
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def allocation_create(request):
    require_fund_manager(request.user)
    kind = _kind(request)
    initial = {}
    current = FundBudget.objects.filter(year=timezone.localdate().year).first()
    if current:
        initial["budget"] = current.pk
    if request.GET.get("commendation", "").isdigit():
        initial["commendation"] = int(request.GET["commendation"])
    form = AllocationForm(request.POST or None, request.FILES or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        allocation = call_service(
            form,
            services.allocation_create,
            user=request.user,
            kind=kind,
            data=form.data_for_service(),
            attachments=form.cleaned_data["attachments"],
        )
        if allocation:
            messages.success(request, _("已登记资金安排（拟安排）。"))
            return redirect("fund-allocation-detail", pk=allocation.pk)
    return render(
        request,
        "funds/allocation_form.html",
        {
            "form": form,
            "kind": kind,
            "kinds": Kind.choices,
            "allocation": None,
            "has_budget": form.fields["budget"].queryset.exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_edit(request, pk):
    require_fund_manager(request.user)
    allocation = selectors.allocation_get(user=request.user, pk=pk)
    if "edit" not in workflow.allocation_actions_for(request.user, allocation):
        messages.error(request, _("资金安排已下达或办结，不能修改；如需调整，请撤销后重新安排。"))
        return redirect("fund-allocation-detail", pk=allocation.pk)
    initial = model_to_dict(allocation)
    form = AllocationForm(request.POST or None, kind=allocation.kind, allocation=allocation, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.allocation_update,
            user=request.user,
            allocation=allocation,
            data=form.data_for_service(),
            expected=request.POST.get("expected") or None,
        )
        if saved:
            messages.success(request, _("已保存。"))
            return redirect("fund-allocation-detail", pk=allocation.pk)
    return render(
        request,
        "funds/allocation_form.html",
        {"form": form, "kind": allocation.kind, "allocation": allocation, "has_budget": True},
        status=400 if request.method == "POST" else 200,
    )


def _detail(request, allocation: FundAllocation, *, forms: dict | None = None, status: int = 200):
    actions = workflow.allocation_actions_for(request.user, allocation)
    bound = forms or {}
    return render(
        request,
        "funds/allocation_detail.html",
        {
            "allocation": allocation,
            "actions": actions,
            "issue_form": bound.get("issue")
            or IssueForm(
                initial={"document_number": allocation.document_number, "document_date": allocation.document_date}
            ),
            "pay_form": bound.get("pay") or PayForm(initial={"paid_on": timezone.localdate()}),
            "cancel_form": bound.get("cancel") or CancelForm(),
            "attach_form": bound.get("attach") or AttachForm(),
            "attachments": allocation.attachments.all(),
            "history": selectors.allocation_history(user=request.user, allocation=allocation),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_detail(request, pk):
    """The allocation; the office uploads attachments here (e.g. the approving document, the payment voucher)."""
    allocation = selectors.allocation_get(user=request.user, pk=pk)
    if request.method == "POST":
        require_fund_manager(request.user)
        form = AttachForm(request.POST, request.FILES)
        if form.is_valid() and call_service(
            form,
            services.allocation_attach,
            user=request.user,
            allocation=allocation,
            files=form.cleaned_data["attachments"],
        ):
            messages.success(request, _("已上传附件。"))
            return redirect("fund-allocation-detail", pk=allocation.pk)
        return _detail(request, allocation, forms={"attach": form}, status=400)
    return _detail(request, allocation)


@login_required
@require_POST
def allocation_transition(request, pk, action):
    require_fund_manager(request.user)
    if action not in TRANSITION_FORMS:
        raise Http404
    allocation = selectors.allocation_get(user=request.user, pk=pk)
    form = TRANSITION_FORMS[action](request.POST)
    if form.is_valid():
        try:
            TRANSITION_SERVICES[action](
                user=request.user,
                allocation=allocation,
                expected=request.POST.get("expected") or None,
                **form.cleaned_data,
            )
        except ActionNotAllowed as exc:  # someone else moved it meanwhile: the page as it is now, and why
            messages.error(request, str(exc))
            return redirect("fund-allocation-detail", pk=allocation.pk)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, str(TRANSITION_DONE[action]))
            return redirect("fund-allocation-detail", pk=allocation.pk)
    return _detail(request, allocation, forms={action: form}, status=400)


@login_required
@require_POST
def allocation_delete(request, pk):
    require_fund_manager(request.user)
    allocation = selectors.allocation_get(user=request.user, pk=pk)
    try:
        services.allocation_delete(
            user=request.user, allocation=allocation, expected=request.POST.get("expected") or None
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("fund-allocation-detail", pk=allocation.pk)
    messages.success(request, _("已删除拟安排的资金安排（变更记录中保留）。"))
    return redirect("fund-allocation-list")


@login_required
def allocation_attachment(request, pk):
    require_allocation_reader(request.user)
    return uploads.serve(selectors.allocation_attachments(user=request.user), pk)


@login_required
@require_POST
def allocation_attachment_delete(request, pk):
    require_fund_manager(request.user)
    attachment = get_object_or_404(selectors.allocation_attachments(user=request.user), pk=pk)
    try:
        services.allocation_attachment_remove(user=request.user, attachment=attachment)
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name})
    return redirect("fund-allocation-detail", pk=attachment.allocation_id)

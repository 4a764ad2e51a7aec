"""The county's application wizard: basics, firms, figures, attachments, with the self-check and the submit
checklist beside every step. Thin: parse input, call one service or selector, render.

The firm picker (step 2) is one form per page of the town's firms (50 a page, searchable, for towns of hundreds
of firms): every button of the step — filter, page, bulk role, accept the proposals, save — first saves the roles
of the rows the page showed, so moving around never loses a choice, with or without JavaScript.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.forms import call_service
from core.paging import PAGE_SIZE
from towns.models import Enterprise

from . import readiness, selectors, services
from .forms import AttachmentForm, BasicsForm, FiguresForm, FirmPickerForm
from .models import Application, ApplicationFirm
from .permissions import require_applicant
from .views import _run

STEPS = [
    ("basics", gettext_lazy("基本情况")),
    ("firms", gettext_lazy("龙头和配套企业")),
    ("figures", gettext_lazy("产值、就业与市场")),
    ("attachments", gettext_lazy("申报材料")),
]
LISTED_FILTERS = [
    ("", gettext_lazy("全部")),
    ("listed", gettext_lazy("已列入")),
    ("unlisted", gettext_lazy("未列入")),
    ("proposed", gettext_lazy("建议列入（待确认）")),
]


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request, pk, step):
    app = selectors.application_get(user=request.user, pk=pk)
    require_applicant(request.user)
    if step not in dict(STEPS):
        raise PermissionDenied()
    if not app.is_editable:
        messages.error(request, _("申请已提交，不能修改；被退回后可修改再提交。"))
        return redirect("application-detail", pk=app.pk)
    if step == "firms":
        return _firms_step(request, app)
    data, files = request.POST or None, request.FILES or None
    saved = False
    context = {}
    if step == "basics":
        form = BasicsForm(data, instance=app)
        if request.method == "POST" and form.is_valid():
            saved = call_service(
                form, services.application_update, user=request.user, application=app, data=form.cleaned_data
            )
    elif step == "figures":
        totals = selectors.firm_totals(user=request.user, application=app)
        offered = totals is not None and request.method == "GET" and request.GET.get("totals") == "firms"
        initial = (
            {"figures_year": totals.year, "annual_output_wan": totals.output_wan, "local_jobs": totals.local_jobs}
            if offered
            else None
        )
        form = FiguresForm(data, instance=app, initial=initial)
        context = {"totals": totals, "totals_filled": offered}
        if request.method == "POST" and form.is_valid():
            saved = call_service(
                form, services.application_update, user=request.user, application=app, data=form.cleaned_data
            )
    else:
        needed = readiness.unproven_kinds(app)  # the proof a claim still lacks comes first
        form = AttachmentForm(data, files, initial={"kind": needed[0]} if needed else None)
        if (
            request.method == "POST"
            and form.is_valid()
            and call_service(
                form,
                services.attachment_add,
                user=request.user,
                application=app,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        ):
            messages.success(request, _("已上传申报材料“%(name)s”。") % {"name": form.cleaned_data["file"].name})
            return redirect("application-step", pk=app.pk, step="attachments")
    if saved:
        messages.success(request, _("已保存草稿。"))
        return _after_save(request, app, step)
    if request.method == "POST":
        app.refresh_from_db()  # the form wrote the refused values onto the instance: show what is saved
    return _render(request, app, step, form, context, status=400 if request.method == "POST" else 200)


def _after_save(request, app: Application, step: str, query: str = ""):
    following = [s for s, _label in STEPS]
    index = following.index(step)
    if "next" in request.POST and index + 1 < len(following):
        return redirect("application-step", pk=app.pk, step=following[index + 1])
    url = reverse("application-step", kwargs={"pk": app.pk, "step": step})
    return redirect(f"{url}?{query}" if query else url)


def _render(request, app: Application, step: str, form, context: dict, *, status: int = 200):
    anchor, supporting = app.firm_counts()  # prefetched by the selector
    missing = readiness.missing(app, counts=(anchor, supporting))
    return render(
        request,
        "certification/application_step.html",
        {
            "app": app,
            "form": form,
            "step": step,
            "steps": STEPS,
            "verdict": app.verdict(counts=(anchor, supporting)),
            "attachments": app.attachments.all(),
            "missing": missing,
            "anchor_count": anchor,
            "supporting_count": supporting,
            "step_url": reverse("application-step", kwargs={"pk": app.pk, "step": step}),
            **context,
        },
        status=status,
    )


# --- step 2: the firm picker ------------------------------------------------------------------------------------


def _filters(params, prefix: str = "") -> dict[str, str]:
    """The picker's filter (search, registry role, listing) from a query string or the form's fields."""
    listed = params.get(f"{prefix}listed", "")
    role = params.get(f"{prefix}role", "")
    return {
        "q": (params.get(f"{prefix}q") or "").strip()[:100],
        "role": role if role in Enterprise.Role.values else "",
        "listed": listed if listed in dict(LISTED_FILTERS) else "",
    }


def _firms_step(request, app: Application):
    user = request.user
    if request.method == "POST":
        shown_filter = _filters(request.POST, prefix="shown_")  # the filter of the page the user saw
        new_filter = _filters(request.POST)  # what the filter fields say now
        form = FirmPickerForm(request.POST)
        if form.is_valid():
            roles = form.page_roles()
            bulk_role = form.cleaned_data["bulk_role"]
            bulk_count = len(form.cleaned_data["pick"]) if form.bulk_applies("picked") else 0
            if form.bulk_applies("filtered"):
                rows = selectors.firm_picker_rows(
                    user=user,
                    application=app,
                    search=shown_filter["q"],
                    registry_role=shown_filter["role"],
                    listed=shown_filter["listed"],
                )
                filtered = list(rows.values_list("pk", flat=True))
                roles |= dict.fromkeys(filtered, bulk_role)
                bulk_count = len(filtered)
            accept = request.POST.get("action") == "accept"
            listed = ApplicationFirm.objects.filter(application=app)  # not the prefetched firms: counted afresh
            listed_before = listed.count()  # (this page's proposals are saved first, then the rest)
            if _run(request, services.application_choose_firms, user=user, application=app, roles=roles):
                if not accept:
                    _report_save(request, form, bulk_count, bulk_role)
                elif _run(request, services.application_accept_proposed_firms, user=user, application=app) is not None:
                    messages.success(
                        request, _("已按登记角色列入%(n)d家企业。") % {"n": listed.count() - listed_before}
                    )
                page = request.POST.get("goto_page") or request.POST.get("shown_page") or "1"
                if new_filter != shown_filter:
                    page = "1"
                query = urlencode({k: v for k, v in (new_filter | {"page": page}).items() if v and v != "1"})
                return _after_save(request, app, "firms", query)
        filters, page_number, status = shown_filter, request.POST.get("shown_page"), 400
    else:
        filters, page_number, status, form = _filters(request.GET), request.GET.get("page"), 200, None
    rows = selectors.firm_picker_rows(
        user=user, application=app, search=filters["q"], registry_role=filters["role"], listed=filters["listed"]
    )
    page = Paginator(rows, PAGE_SIZE).get_page(page_number)
    if form is None:
        form = FirmPickerForm(rows=page.object_list)
    else:
        form.rows = list(page.object_list)
    return _render(
        request,
        app,
        "firms",
        form,
        {
            "page": page,
            "filters": filters,
            "listed_filters": LISTED_FILTERS,
            "registry_roles": Enterprise.Role.choices,
            "proposed_count": selectors.proposed_firms(app).count(),
            "firms_total": app.town.enterprises.count(),
            "import_url": _with_next(reverse("enterprise-import"), request),
            "register_url": _with_next(f"{reverse('enterprise-create')}?town={app.town_id}", request),
        },
        status=status,
    )


def _report_save(request, form: FirmPickerForm, bulk_count: int, bulk_role: str) -> None:
    if form.data.get("action") != "bulk":
        messages.success(request, _("已保存草稿。"))
    elif not bulk_count:
        messages.error(request, _("请先勾选企业，或将范围选为“全部筛选结果”。本页的选择已保存。"))
    else:
        label = dict(Enterprise.Role.choices).get(bulk_role) or _("不列入")
        messages.success(request, _("已将%(n)d家企业设为%(role)s。") % {"n": bulk_count, "role": label})


def _with_next(url: str, request) -> str:
    """``url`` with ``next`` = this page: the registry's pages send the county back here afterwards."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'next': request.get_full_path()})}"

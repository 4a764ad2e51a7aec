"""Pages of the counties' mechanisms: a county's 三个清单 and targets, its documents and tasks, and the office's
side-by-side comparison. Thin: the rules are in county_permissions, county_selectors and county_services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import audit, uploads
from core.errors import ActionNotAllowed
from core.forms import call_service
from core.paging import list_page
from core.spreadsheets import xlsx_response
from towns import services as town_services
from towns.models import County, CountyTarget, Town
from towns.permissions import can_edit_county_targets, county_scope, is_office, require_county_target_editor

from . import county_selectors as selectors
from . import county_services as services
from . import progress
from .county_exports import COMPARISON_COLUMNS
from .county_filters import CountyDocumentFilter
from .county_forms import CountyTargetForm, CountyTaskForm, CountyTaskReportForm, DocumentForm, RepealForm
from .county_permissions import (
    DOCUMENT_ACTIONS,
    can_edit_county_mechanisms,
    can_edit_document,
    document_actions,
    require_county_mechanisms_editor,
)
from .county_services import REPORTING_PERIOD
from .views import _year


def _own_county(user) -> County:
    return get_object_or_404(County, pk=county_scope(user))


def _errors_as_messages(request, exc: ValidationError) -> None:
    for error in exc.messages:
        messages.error(request, error)


# --- the office's comparison and a county's page -------------------------------------------------------------


@login_required
def comparison(request):
    year = _year(request)
    rows = selectors.comparison(user=request.user, year=year, today=timezone.localdate())
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"各县（市、区）工作机制与三个清单{year}",
            sheet_title="对比",
            columns=COMPARISON_COLUMNS,
            rows=rows,
        )
    return render(request, "tasks_registry/county/comparison.html", {"rows": rows, "year": year})


@login_required
def county_mechanisms(request, pk):
    county = get_object_or_404(County, pk=pk)
    year = _year(request)
    lists = selectors.county_lists(user=request.user, county=county, year=year, today=timezone.localdate())
    return render(
        request,
        "tasks_registry/county/mechanisms.html",
        {
            "lists": lists,
            "county": county,
            "year": year,
            "can_edit": can_edit_county_mechanisms(request.user, county),
            "can_edit_targets": can_edit_county_targets(request.user, county),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def county_target_edit(request, pk):
    """任务12: the county enters its own job and tax targets for a year (the office may correct them)."""
    county = get_object_or_404(County, pk=pk)
    require_county_target_editor(request.user, county)  # 403 for other roles, 404 for another county
    initial = {"year": _year(request)}
    existing = CountyTarget.objects.filter(county=county, year=initial["year"]).first()
    if existing:
        initial |= {
            "jobs_target": existing.jobs_target,
            "tax_target_wan": existing.tax_target_wan,
            "note": existing.note,
        }
    form = CountyTargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {key: form.cleaned_data[key] for key in ("jobs_target", "tax_target_wan", "note")}
        year = form.cleaned_data["year"]
        if call_service(form, town_services.county_target_save, user=request.user, county=county, year=year, data=data):
            messages.success(request, _("已保存%(county)s%(year)s年目标。") % {"county": county.name, "year": year})
            return redirect(f"{_mechanisms_url(county)}?year={year}")
    return render(
        request,
        "tasks_registry/county/target_form.html",
        {"form": form, "county": county},
        status=400 if request.method == "POST" else 200,
    )


def _mechanisms_url(county) -> str:
    return reverse("county-mechanisms", kwargs={"pk": county.pk})


# --- documents ----------------------------------------------------------------------------------------------


@login_required
def document_list(request):
    return list_page(
        request,
        filterset=CountyDocumentFilter(request.GET or None, queryset=selectors.document_list(user=request.user)),
        template="tasks_registry/county/document_list.html",
        context={"can_create": can_edit_county_mechanisms(request.user)},
    )


@login_required
def document_detail(request, pk):
    document = selectors.document_get(user=request.user, pk=pk)
    own = can_edit_county_mechanisms(request.user, document.county)
    return render(
        request,
        "tasks_registry/county/document_detail.html",
        {
            "document": document,
            "attachments": document.attachments.all(),
            "actions": document_actions(request.user, document),
            "can_edit": can_edit_document(request.user, document),
            "repeal_form": RepealForm(initial={"repealed_on": timezone.localdate()}),
            # who changed what: for the drafting county and the office (not for every reader)
            "history": audit.history_for(document)[:50] if own or is_office(request.user) else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk=None):
    require_county_mechanisms_editor(request.user)  # 403 for every role but a county's
    document = selectors.document_get(user=request.user, pk=pk) if pk else None
    if document is not None:
        require_county_mechanisms_editor(request.user, document.county)  # another county's: 404
        if not can_edit_document(request.user, document):
            messages.error(request, _("已发布的文件不能修改；如需调整，请废止后重新登记。"))
            return redirect("county-document-detail", pk=document.pk)
    county = document.county if document else _own_county(request.user)
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        instance=document,
        towns=Town.objects.filter(county=county).order_by("name"),
        initial={"kind": request.GET.get("kind")} if document is None else None,
    )
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key not in ("towns", "attachment")}
        saved = call_service(
            form,
            services.document_save,
            user=request.user,
            county=county,
            data=data,
            towns=list(form.cleaned_data["towns"]),
            document=document,
            attachment=form.cleaned_data.get("attachment"),
        )
        if saved:
            messages.success(request, _("已保存“%(title)s”（草稿，发布前仅本县可见）。") % {"title": saved.title})
            return redirect("county-document-detail", pk=saved.pk)
    return render(
        request,
        "tasks_registry/county/document_form.html",
        {"form": form, "document": document, "county": county},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def document_transition(request, pk, action):
    document = selectors.document_get(user=request.user, pk=pk)
    if action not in DOCUMENT_ACTIONS:
        raise Http404()
    require_county_mechanisms_editor(request.user, document.county)
    expected = request.POST.get("expected") or None
    try:
        if action == "publish":
            services.document_publish(user=request.user, document=document, expected=expected)
            messages.success(request, _("已发布，各县（市、区）和市直单位均可查看。"))
        else:
            form = RepealForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
                return redirect("county-document-detail", pk=document.pk)
            services.document_repeal(
                user=request.user,
                document=document,
                reason=form.cleaned_data["reason"],
                repealed_on=form.cleaned_data["repealed_on"],
                expected=expected,
            )
            messages.success(request, _("已废止。"))
    except ValidationError as exc:
        _errors_as_messages(request, exc)
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    return redirect("county-document-detail", pk=document.pk)


@login_required
def document_attachment(request, pk):
    return uploads.serve(selectors.document_attachments(user=request.user), pk)


@login_required
@require_POST
def document_attachment_delete(request, pk):
    attachment = get_object_or_404(selectors.document_attachments(user=request.user), pk=pk)
    require_county_mechanisms_editor(request.user, attachment.document.county)
    try:
        services.document_attachment_delete(user=request.user, attachment=attachment)
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name})
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    return redirect("county-document-detail", pk=attachment.document_id)


# --- tasks --------------------------------------------------------------------------------------------------


@login_required
def task_detail(request, pk):
    task = selectors.county_task_get(user=request.user, pk=pk)
    return render(
        request,
        "tasks_registry/county/task_detail.html",
        {
            "task": task,
            "reports": selectors.task_reports(user=request.user, task=task),
            "can_edit": can_edit_county_mechanisms(request.user, task.county),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk=None):
    require_county_mechanisms_editor(request.user)
    task = selectors.county_task_get(user=request.user, pk=pk) if pk else None
    if task is not None:
        require_county_mechanisms_editor(request.user, task.county)
    county = task.county if task else _own_county(request.user)
    form = CountyTaskForm(
        request.POST or None, instance=task, towns=Town.objects.filter(county=county).order_by("name")
    )
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "towns"}
        saved = call_service(
            form,
            services.county_task_save,
            user=request.user,
            county=county,
            data=data,
            towns=list(form.cleaned_data["towns"]),
            task=task,
        )
        if saved:
            messages.success(request, _("已保存任务“%(title)s”。") % {"title": saved.title})
            return redirect("county-task-detail", pk=saved.pk)
    return render(
        request,
        "tasks_registry/county/task_form.html",
        {"form": form, "task": task, "county": county},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_report_edit(request, pk, report_pk=None):
    require_county_mechanisms_editor(request.user)
    task = selectors.county_task_get(user=request.user, pk=pk)
    require_county_mechanisms_editor(request.user, task.county)
    report = selectors.task_report_get(user=request.user, task=task, pk=report_pk) if report_pk else None
    today = timezone.localdate()
    periods = progress.reportable_periods(today, REPORTING_PERIOD)
    if report is not None and report.period not in {p.code for p in periods}:
        periods.append(progress.parse_period(report.period, REPORTING_PERIOD))  # an older report, revised
    # The current quarter by default: a county reports where its own task stands now.
    initial = {"period": periods[0].code}
    if report is not None:
        initial = {"period": report.period, "progress_pct": report.progress_pct, "narrative": report.narrative}
    form = CountyTaskReportForm(request.POST or None, request.FILES or None, periods=periods, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.county_task_report_save,
            user=request.user,
            task=task,
            period=form.cleaned_data["period"],
            progress_pct=form.cleaned_data["progress_pct"],
            narrative=form.cleaned_data["narrative"],
            report=report,
            attachment=form.cleaned_data.get("attachment"),
        )
        if saved:
            label = progress.parse_period(saved.period, REPORTING_PERIOD).label
            messages.success(request, _("已报送“%(title)s”%(period)s进展。") % {"title": task.title, "period": label})
            return redirect("county-task-detail", pk=task.pk)
    return render(
        request,
        "tasks_registry/county/task_report_form.html",
        {"form": form, "task": task, "report": report},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def task_report_attachment(request, pk):
    return uploads.serve(selectors.task_report_attachments(user=request.user), pk)

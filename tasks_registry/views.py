"""Pages of the task board, progress reports, problem ledger and project library."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import uploads
from core.forms import call_service
from core.paging import list_page
from core.spreadsheets import xlsx_response
from towns import selectors as town_selectors
from towns.models import Town
from towns.permissions import county_scope, is_office, require_office, require_programme_member
from towns.validators import is_programme_year

from . import exports, progress, selectors, services
from .filters import ProblemFilter, ProjectFilter
from .forms import (
    AssignForm,
    MeasureForm,
    ProblemForm,
    ProjectForm,
    ReportForm,
    RespondForm,
    TaskSettingsForm,
    VerifyForm,
)
from .models import Measure, Problem, ProgressReport, ReportAttachment, Theme
from .permissions import (
    can_edit_project,
    can_edit_report,
    can_record_problem,
    problem_actions,
    reporting_unit,
    require_problem_ledger,
    require_project_editor,
    require_report_editor,
    require_reporter,
)


def _year(request) -> int:
    """The ``?year=`` asked for (this year if none or not a number); a year outside the programme is a 404."""
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year
    if not is_programme_year(year):
        raise Http404(_("没有%(year)d年的数据。") % {"year": year})
    return year


@login_required
def board(request):
    require_programme_member(request.user)
    year = _year(request)
    rows = selectors.board(user=request.user, year=year)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"专业镇重点任务责任清单{year}",
            sheet_title="责任清单",
            columns=exports.RESPONSIBILITY_COLUMNS,
            rows=rows,
        )
    themes = [(value, label, [r for r in rows if r.task.theme == value]) for value, label in Theme.choices]
    return render(
        request,
        "tasks_registry/board.html",
        {
            "themes": themes,
            "year": year,
            "my_bureau": reporting_unit(request.user)[0],
            "batches": selectors.project_counts(user=request.user),
            "last_quarter": progress.last_closed_period(timezone.localdate(), progress.QUARTERLY).code,
        },
    )


@login_required
def matrix(request):
    require_programme_member(request.user)
    rows = selectors.board(user=request.user)
    units = []
    for row in rows:
        for b in row.leads + row.supports:
            if b not in units:
                units.append(b)
    units.sort(key=lambda b: b.sort_order)
    marks = {(row.task.number, b.pk): "牵" for row in rows for b in row.leads}
    marks |= {(row.task.number, b.pk): "配" for row in rows for b in row.supports}
    table = [(row, [marks.get((row.task.number, b.pk), "") for b in units]) for row in rows]
    return render(
        request,
        "tasks_registry/matrix.html",
        {"units": units, "table": table, "my_bureau": reporting_unit(request.user)[0]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, number):
    require_programme_member(request.user)
    task = selectors.task_get(user=request.user, number=number)
    year = _year(request)
    row = next(r for r in selectors.board(user=request.user, year=year) if r.task.pk == task.pk)
    settings_form = TaskSettingsForm(request.POST or None, instance=task) if is_office(request.user) else None
    if request.method == "POST":
        require_office(request.user)
        if settings_form.is_valid() and call_service(
            settings_form, services.task_settings_save, user=request.user, task=task, data=settings_form.cleaned_data
        ):
            messages.success(request, _("已保存。"))
            return redirect("task-detail", number=task.number)
    today = timezone.localdate()
    return render(
        request,
        "tasks_registry/task_detail.html",
        {
            "task": task,
            "row": row,
            "year": year,
            "settings_form": settings_form,
            "reports": selectors.report_list(user=request.user).filter(task=task)[:50],
            "unit_role": selectors.user_unit_role(request.user, task),
            "expected": {
                m.pk: progress.expected_progress(today, timezone.datetime(year, 1, 1).date(), m.deadline)
                for m in row.measures
            },
            "measure_form": MeasureForm(initial={"year": year}) if is_office(request.user) else None,
            # the problems the user may see (a county: its own), as the problem pages decide
            "problems": selectors.problem_list(user=request.user)
            .filter(task=task)
            .exclude(status=Problem.Status.CLOSED)[:20],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request, number, pk=None):
    require_office(request.user)
    task = selectors.task_get(user=request.user, number=number)
    measure = get_object_or_404(Measure, pk=pk, task=task) if pk else None
    form = MeasureForm(request.POST or None, instance=measure, initial={"year": _year(request)})
    if request.method == "POST":
        if "delete" in request.POST and measure:
            try:
                services.measure_delete(user=request.user, measure=measure)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("measure-edit", number=task.number, pk=measure.pk)
            messages.success(request, _("已删除措施。"))
            return redirect("task-detail", number=task.number)
        if form.is_valid() and call_service(
            form, services.measure_save, user=request.user, task=task, measure=measure, data=form.cleaned_data
        ):
            messages.success(request, _("已保存措施。"))
            return redirect(f"/tasks/{task.number}/?year={form.cleaned_data['year']}")
    return render(request, "tasks_registry/measure_form.html", {"form": form, "task": task, "measure": measure})


@login_required
@require_POST
def plan_copy(request, number):
    require_office(request.user)
    task = selectors.task_get(user=request.user, number=number)
    year = _year(request)
    n = services.plan_copy_year(user=request.user, task=task, from_year=year - 1, to_year=year)
    messages.success(request, _("已沿用%(y)d年措施%(n)d项。") % {"y": year - 1, "n": n})
    return redirect(f"/tasks/{task.number}/?year={year}")


def _report_towns(user):
    scope = county_scope(user)
    towns = Town.objects.select_related("county").order_by("county__sort_order", "name")
    return towns.filter(county_id=scope) if scope is not None else towns


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, number, pk=None):
    task = selectors.task_get(user=request.user, number=number)
    consolidated = request.GET.get("kind") == "consolidated" or request.POST.get("kind") == "consolidated"
    report = selectors.report_get(user=request.user, pk=pk, task=task) if pk else None
    if report is not None:
        consolidated = report.kind == ProgressReport.Kind.CONSOLIDATED
        require_report_editor(request.user, report)
    require_reporter(request.user, task, consolidated=consolidated)
    today = timezone.localdate()
    periods = progress.reportable_periods(today, task.reporting_period)
    # The last closed period by default; in the first period of a year, the current one (this year's plan).
    default = periods[1] if periods[1].start.year == today.year else periods[0]
    period_code = report.period if report else request.POST.get("period") or request.GET.get("period") or default.code
    try:
        year = progress.parse_period(period_code, task.reporting_period).start.year
    except ValueError:
        year = today.year
    measures = task.measures.filter(year=year)
    current = {mp.measure_id: (mp.progress_pct, mp.note) for mp in report.measure_progress.all()} if report else {}
    initial = {"period": period_code}
    if report:
        initial |= {"narrative": report.narrative, "towns": list(report.towns.all())}
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        periods=periods,
        measures=measures,
        towns=_report_towns(request.user),
        current=current,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.report_save,
            user=request.user,
            task=task,
            period=form.cleaned_data["period"],
            narrative=form.cleaned_data["narrative"],
            measures=form.measure_values(),
            towns=list(form.cleaned_data["towns"]),
            consolidated=consolidated,
            report=report,
            attachment=form.cleaned_data.get("attachment"),
        )
        if saved:
            label = progress.parse_period(saved.period, task.reporting_period).label
            messages.success(request, _("已报送任务%(n)d %(period)s进展。") % {"n": task.number, "period": label})
            return redirect("task-detail", number=task.number)
    return render(
        request,
        "tasks_registry/report_form.html",
        {
            "form": form,
            "task": task,
            "report": report,
            "consolidated": consolidated,
            "supporting_reports": selectors.report_list(user=request.user).filter(task=task, period=period_code)
            if consolidated
            else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def report_detail(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    return render(
        request,
        "tasks_registry/report_detail.html",
        {
            "report": report,
            "progress": report.measure_progress.select_related("measure"),
            "can_edit": can_edit_report(request.user, report),
        },
    )


@login_required
def progress_export(request):
    require_programme_member(request.user)
    period = request.GET.get("period", "")
    reports = (
        selectors.report_list(user=request.user)
        .filter(period=period)
        .prefetch_related("measure_progress__measure", "towns")
    )
    return xlsx_response(
        filename=f"专业镇重点任务进展{period}",
        sheet_title="进展",
        columns=exports.PROGRESS_COLUMNS,
        rows=exports.progress_rows(reports),
    )


# --- problems ------------------------------------------------------------------------------------------------


@login_required
def problem_list(request):
    return list_page(
        request,
        filterset=ProblemFilter(request.GET or None, queryset=selectors.problem_list(user=request.user)),
        template="tasks_registry/problem_list.html",
        export=("专业镇问题台账", "问题台账", exports.PROBLEM_COLUMNS),
        context={"today": timezone.localdate(), "can_record": can_record_problem(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request):
    require_problem_ledger(request.user)  # 403 for roles outside the ledger
    towns = _report_towns(request.user)
    form = ProblemForm(request.POST or None, towns=towns, initial={"found_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        problem = call_service(form, services.problem_record, user=request.user, data=form.cleaned_data)
        if problem:
            messages.success(request, _("已登记问题%(number)s。") % {"number": problem.number})
            return redirect("problem-detail", pk=problem.pk)
    return render(request, "tasks_registry/problem_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def problem_detail(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    action = request.POST.get("action")
    forms = {
        "assign": AssignForm(
            request.POST if action == "assign" else None,
            initial={
                "bureau": problem.responsible_bureau,
                "county": problem.responsible_county,
                "deadline": problem.deadline,
            },
        ),
        "respond": RespondForm(request.POST if action == "respond" else None),
        "verify": VerifyForm(request.POST if action == "verify" else None),
    }
    if request.method == "POST":
        form = forms.get(action)
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            service = {
                "assign": services.problem_assign,
                "respond": services.problem_respond,
                "verify": services.problem_verify,
            }[action]
            if call_service(form, service, user=request.user, problem=problem, **data):
                messages.success(request, _("已处理。"))
                return redirect("problem-detail", pk=problem.pk)
    return render(
        request,
        "tasks_registry/problem_detail.html",
        {
            "problem": problem,
            "actions": problem.actions.select_related("by"),
            "forms": forms,
            "allowed": problem_actions(request.user, problem),
            "today": timezone.localdate(),
        },
    )


# --- projects ------------------------------------------------------------------------------------------------


@login_required
def project_list(request):
    require_programme_member(request.user)
    filterset = ProjectFilter(request.GET or None, queryset=selectors.project_list(user=request.user))
    return list_page(
        request,
        filterset=filterset,
        template="tasks_registry/project_list.html",
        export=("专业镇重点项目库", "重点项目", exports.PROJECT_COLUMNS),
        context={
            "batches": selectors.three_batches(filterset.qs),
            "can_register": can_edit_project(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk=None):
    require_project_editor(request.user)
    project = get_object_or_404(selectors.project_list(user=request.user), pk=pk) if pk else None
    require_project_editor(request.user, project)  # another county's project: 404
    towns = town_selectors.editable_towns(user=request.user)
    form = ProjectForm(request.POST or None, instance=project, towns=towns)
    if request.method == "POST" and form.is_valid():
        saved = call_service(form, services.project_save, user=request.user, project=project, data=form.cleaned_data)
        if saved:
            messages.success(request, _("已保存项目“%(name)s”。") % {"name": saved.name})
            return redirect("project-list")
    return render(request, "tasks_registry/project_form.html", {"form": form, "project": project})


@login_required
def report_attachment(request, pk):
    return uploads.serve(ReportAttachment.objects.filter(report__in=selectors.report_list(user=request.user)), pk)

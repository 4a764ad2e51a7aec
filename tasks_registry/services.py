"""Every write of the task board, the problem ledger and the project library: scoped, atomic, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, numbering, uploads
from core.errors import ActionNotAllowed
from core.models import AuditEntry
from core.notify import notify, notify_once
from core.services import validate
from towns.models import Role, Town
from towns.permissions import (
    county_scope,
    county_users,
    office_users,
    require_office,
    require_town_in_scope,
)

from . import progress
from .models import (
    KeyProject,
    Measure,
    MeasureProgress,
    Problem,
    ProblemAction,
    ProgressReport,
    ReportAttachment,
    Task,
    TaskUnit,
)
from .permissions import (
    PROBLEM_ACTIONS,
    reporting_unit,
    require_problem_action,
    require_problem_ledger,
    require_project_editor,
    require_report_editor,
    require_reporter,
)

Action = AuditEntry.Action


# --- the office's plan ------------------------------------------------------------------------------------


@transaction.atomic
def task_settings_save(*, user, task: Task, data: dict[str, Any]) -> Task:
    """Reporting period, due days and the office's own status for a task."""
    require_office(user)
    task = Task.objects.select_for_update().get(pk=task.pk)
    before = audit.snapshot(task)
    for key in ("reporting_period", "report_due_days", "status_override", "status_note"):
        if key in data:
            setattr(task, key, data[key])
    validate(task)
    task.save()
    audit.record(action=Action.UPDATE, obj=task, user=user, before=before)
    return task


@transaction.atomic
def measure_save(*, user, task: Task, data: dict[str, Any], measure: Measure | None = None) -> Measure:
    """Add or change a measure of a year's action plan (goal, deadline, weight)."""
    require_office(user)
    before = audit.snapshot(measure) if measure else None
    measure = measure or Measure(task=task)
    for key, value in data.items():
        setattr(measure, key, value)
    if measure.sort_order == 0 and measure._state.adding:
        measure.sort_order = (task.measures.filter(year=measure.year).aggregate(m=Max("sort_order"))["m"] or 0) + 1
    validate(measure)
    measure.save()
    audit.record(action=Action.CREATE if before is None else Action.UPDATE, obj=measure, user=user, before=before)
    return measure


@transaction.atomic
def measure_delete(*, user, measure: Measure) -> None:
    require_office(user)
    if measure.progress.exists():
        raise ValidationError(_("该措施已有进度报送，不能删除；可将权重调低或修改内容。"))
    audit.record(action=Action.DELETE, obj=measure, user=user, before=audit.snapshot(measure), after={})
    measure.delete()


@transaction.atomic
def plan_copy_year(*, user, task: Task, from_year: int, to_year: int) -> int:
    """Start a year's action plan from the previous year's measures (deadlines moved by the years between)."""
    require_office(user)
    existing = set(task.measures.filter(year=to_year).values_list("title", flat=True))
    created = []
    for m in task.measures.filter(year=from_year):
        if m.title in existing:
            continue
        deadline = m.deadline.replace(year=m.deadline.year + (to_year - from_year))
        created.append(
            Measure(
                task=task,
                year=to_year,
                title=m.title,
                text=m.text,
                goal=m.goal,
                deadline=deadline,
                weight=m.weight,
                sort_order=m.sort_order,
            )
        )
    Measure.objects.bulk_create(created)
    audit.record_many(audit.build(action=Action.CREATE, obj=m, user=user, note=_("沿用上年措施")) for m in created)
    return len(created)


# --- reporting --------------------------------------------------------------------------------------------


def _check_period(task: Task, period: str, today: datetime.date) -> None:
    try:
        parsed = progress.parse_period(period, task.reporting_period)
    except ValueError:
        raise ValidationError(
            {
                "period": _("报送期格式应为%(example)s。")
                % {"example": "2026-Q3" if task.reporting_period == progress.QUARTERLY else "2026-11"}
            }
        ) from None
    if parsed.start > today:
        raise ValidationError({"period": _("报送期尚未开始。")})


@transaction.atomic
def report_save(
    *,
    user,
    task: Task,
    period: str,
    narrative: str,
    measures: dict[int, tuple[Decimal, str]],
    towns: list[Town],
    consolidated: bool = False,
    report: ProgressReport | None = None,
    attachment=None,
) -> ProgressReport:
    """A unit's (or, for a lead unit, the task's consolidated) progress report for a period, with an optional
    attachment: saved together or not at all.

    ``measures`` maps measure id -> (progress %, note). A unit edits only its own reports.
    """
    if report is not None and report.task_id != task.pk:
        raise Http404(_("该任务下没有这份报告。"))  # a report never moves to another task
    require_reporter(user, task, consolidated=consolidated)
    bureau_id, county_id = reporting_unit(user)
    if report is not None:
        require_report_editor(user, report)
    if county_id:
        for town in towns:
            require_town_in_scope(user, town)  # a county reports for its own towns only
    today = timezone.localdate()
    _check_period(task, period, today)
    year = progress.parse_period(period, task.reporting_period).start.year
    plan = {m.pk: m for m in task.measures.filter(year=year)}
    unknown = set(measures) - set(plan)
    if unknown:
        raise ValidationError({"measures": _("所填措施不属于该任务%(year)s年度计划。") % {"year": year}})
    errors = {}
    for pk, (pct, _note) in measures.items():
        if pct is None or not (Decimal("0") <= pct <= Decimal("100")):
            errors[f"measure_{pk}"] = _("“%(m)s”的进度应在0到100之间。") % {"m": plan[pk].title}
    if not narrative.strip():
        errors["narrative"] = _("请填写工作进展。")
    if errors:
        raise ValidationError(errors)
    before = None
    if report is None:
        report = ProgressReport(
            task=task,
            bureau_id=bureau_id,
            county_id=county_id,
            submitted_by=user,
            kind=ProgressReport.Kind.CONSOLIDATED if consolidated else ProgressReport.Kind.UNIT,
        )
    else:
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        before = audit.snapshot(report) | {"measures": _measure_summary(report)}
    report.period, report.narrative = period, narrative
    validate(report)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        validate(report)  # a concurrent first report for the same period: say so on the field
        raise
    report.towns.set(towns)
    report.measure_progress.all().delete()
    MeasureProgress.objects.bulk_create(
        MeasureProgress(report=report, measure_id=pk, progress_pct=pct, note=note[:300])
        for pk, (pct, note) in measures.items()
    )
    after = audit.snapshot(report) | {"measures": _measure_summary(report)}
    audit.record(
        action=Action.CREATE if before is None else Action.UPDATE, obj=report, user=user, before=before, after=after
    )
    if before is None and not consolidated:
        leads = TaskUnit.objects.filter(task=task, role=TaskUnit.Role.LEAD).values_list("bureau_id", flat=True)
        from django.contrib.auth import get_user_model

        lead_users = (
            get_user_model()
            .objects.filter(is_active=True, membership__role=Role.BUREAU, membership__bureau_id__in=leads)
            .exclude(membership__bureau_id=bureau_id)
        )  # a lead unit is not told of its own report
        notify(
            lead_users,
            _("%(unit)s报送了任务%(n)d（%(title)s）%(period)s进展。")
            % {"unit": report.unit_name, "n": task.number, "title": task.title, "period": period},
            reverse("report-detail", kwargs={"pk": report.pk}),
        )
    if attachment is not None:
        report_attach(user=user, report=report, upload=attachment)
    return report


def _measure_summary(report: ProgressReport) -> str:
    return "；".join(
        f"{mp.measure.title} {mp.progress_pct}%" for mp in report.measure_progress.select_related("measure")
    )


@transaction.atomic
def report_attach(*, user, report: ProgressReport, upload) -> ReportAttachment:
    require_report_editor(user, report)
    attachment = uploads.store(ReportAttachment, upload=upload, report=report)
    audit.record(action=Action.CREATE, obj=attachment, user=user)
    return attachment


# --- problem ledger ---------------------------------------------------------------------------------------


def _next_problem_number(today: datetime.date) -> str:
    prefix = f"WT{today.year}-"
    n = numbering.draw(
        series=prefix, year=today.year, existing=lambda: numbering.highest(Problem.objects, "number", prefix)
    )
    return f"{prefix}{n:04d}"


def _same_submission(existing: Problem, *, user, data: dict[str, Any]) -> Problem:
    """The problem an earlier post of the same form recorded; a different problem under that form's key (a stale
    page submitted again with other content, or someone else's key) is refused."""
    same = existing.reported_by_id == user.pk and all(
        getattr(existing, key) == value for key, value in data.items() if key in ("title", "description", "town")
    )
    if not same:
        raise ValidationError(_("该表单已提交过，请刷新页面后重新填写。"))
    return existing


@transaction.atomic
def problem_record(*, user, data: dict[str, Any]) -> Problem:
    """Anyone with a role in the programme records a problem found (a county, for its own towns).

    ``data["idempotency_key"]`` (the form's one-time key): the same form posted twice, even at the same instant,
    records one problem; the second post gets the first one back.
    """
    require_problem_ledger(user)
    data = dict(data)
    key = data.pop("idempotency_key", None)
    town = data.get("town")
    if town is not None and county_scope(user) is not None:
        require_town_in_scope(user, town)
    if key is not None and (existing := Problem.objects.filter(idempotency_key=key).first()):
        return _same_submission(existing, user=user, data=data)
    today = timezone.localdate()
    problem = Problem(reported_by=user, number=_next_problem_number(today), idempotency_key=key, **data)
    try:
        validate(problem)
    except ValidationError:
        if key is not None and (existing := Problem.objects.filter(idempotency_key=key).first()):
            return _same_submission(existing, user=user, data=data)  # recorded since the check above
        raise
    for attempt in range(5):  # two problems recorded at the same instant: the second takes the next number
        try:
            with transaction.atomic():
                problem.save()
            break
        except IntegrityError:
            if key is not None and (existing := Problem.objects.filter(idempotency_key=key).first()):
                return _same_submission(existing, user=user, data=data)  # the same form, posted concurrently
            if attempt == 4:
                raise
            problem.number = _next_problem_number(today)
    ProblemAction.objects.create(problem=problem, by=user, kind="record", text=problem.description)
    audit.record(action=Action.CREATE, obj=problem, user=user)
    notify(
        office_users(),
        _("新问题%(number)s：%(title)s") % {"number": problem.number, "title": problem.title},
        reverse("problem-detail", kwargs={"pk": problem.pk}),
    )
    return problem


def _locked_problem(problem: Problem, action: str) -> Problem:
    """The problem under a row lock, in a state the ledger's table (permissions.PROBLEM_ACTIONS) allows
    ``action`` from."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.status not in PROBLEM_ACTIONS[action][0]:
        raise ActionNotAllowed(_("问题当前状态为“%(s)s”，不能执行此操作。") % {"s": problem.get_status_display()})
    return problem


@transaction.atomic
def problem_assign(*, user, problem: Problem, bureau=None, county=None, deadline: datetime.date) -> Problem:
    require_problem_action(user, problem, "assign")
    if (bureau is None) == (county is None):
        raise ValidationError({"responsible": _("请指定一个责任单位（市直单位或县（市、区））。")})
    problem = _locked_problem(problem, "assign")
    before = audit.snapshot(problem)
    problem.responsible_bureau, problem.responsible_county, problem.deadline = bureau, county, deadline
    problem.status = Problem.Status.ASSIGNED
    validate(problem)
    problem.save()
    ProblemAction.objects.create(
        problem=problem,
        by=user,
        kind="assign",
        text=_("交%(unit)s办理，%(date)s前办结。") % {"unit": problem.responsible_name, "date": deadline},
    )
    audit.record(action=Action.STATE, obj=problem, user=user, before=before)
    _notify_responsible(
        problem,
        _("请办理问题%(number)s：%(title)s（%(date)s前办结）")
        % {"number": problem.number, "title": problem.title, "date": deadline},
    )
    return problem


def _notify_responsible(problem: Problem, message: str) -> None:
    from django.contrib.auth import get_user_model

    url = reverse("problem-detail", kwargs={"pk": problem.pk})
    if problem.responsible_county_id:
        notify(county_users(problem.responsible_county), message, url)
    elif problem.responsible_bureau_id:
        notify(
            get_user_model().objects.filter(
                membership__role=Role.BUREAU, membership__bureau_id=problem.responsible_bureau_id
            ),
            message,
            url,
        )


@transaction.atomic
def problem_respond(*, user, problem: Problem, text: str) -> Problem:
    """The responsible unit records the action it took."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)  # judge on the current assignment
    require_problem_action(user, problem, "respond")
    if not text.strip():
        raise ValidationError({"text": _("请填写办理情况。")})
    problem = _locked_problem(problem, "respond")
    before = audit.snapshot(problem)
    problem.status = Problem.Status.RESPONDED
    problem.save(update_fields=["status"])
    ProblemAction.objects.create(problem=problem, by=user, kind="respond", text=text)
    audit.record(action=Action.STATE, obj=problem, user=user, before=before, note=text[:300])
    notify(
        office_users(),
        _("问题%(number)s已反馈办理情况，请核实。") % {"number": problem.number},
        reverse("problem-detail", kwargs={"pk": problem.pk}),
    )
    return problem


@transaction.atomic
def problem_verify(*, user, problem: Problem, accept: bool, text: str) -> Problem:
    """The office verifies: closes (销号) or sends back to the responsible unit."""
    require_problem_action(user, problem, "verify")
    if not text.strip():
        raise ValidationError({"text": _("请填写核实意见。")})
    problem = _locked_problem(problem, "verify")
    before = audit.snapshot(problem)
    if accept:
        problem.status, problem.closed_at, problem.closed_by = Problem.Status.CLOSED, timezone.now(), user
        problem.verification = text
    else:
        problem.status = Problem.Status.ASSIGNED
    problem.save()
    ProblemAction.objects.create(problem=problem, by=user, kind="close" if accept else "reopen", text=text)
    audit.record(action=Action.STATE, obj=problem, user=user, before=before, note=text[:300])
    _notify_responsible(
        problem,
        (_("问题%(number)s已核实销号。") if accept else _("问题%(number)s核实未通过，请继续办理：") + text[:100])
        % {"number": problem.number},
    )
    return problem


# --- key projects -----------------------------------------------------------------------------------------


PROJECT_FIELDS = (
    "town",
    "name",
    "enterprise",
    "investment_wan",
    "stage",
    "planned_sign_on",
    "signed_on",
    "planned_start_on",
    "started_on",
    "planned_production_on",
    "in_production_on",
    "note",
)


@transaction.atomic
def project_save(*, user, data: dict[str, Any], project: KeyProject | None = None) -> KeyProject:
    """Counties register and update their towns' projects; the office any."""
    require_project_editor(user, project)
    before = audit.snapshot(project) if project else None
    project = project or KeyProject(created_by=user)
    for key, value in data.items():
        if key in PROJECT_FIELDS:
            setattr(project, key, value)
    require_town_in_scope(user, project.town)
    errors = {}
    if project.enterprise and project.enterprise.town_id != project.town_id:
        errors["enterprise"] = _("项目单位应为该专业镇的企业。")
    stage_dates = {
        KeyProject.Stage.SIGNED: "signed_on",
        KeyProject.Stage.STARTED: "started_on",
        KeyProject.Stage.IN_PRODUCTION: "in_production_on",
    }
    if not getattr(project, stage_dates[project.stage]):
        errors[stage_dates[project.stage]] = _("请填写实际%(stage)s日期。") % {"stage": project.get_stage_display()}
    if errors:
        raise ValidationError(errors)
    validate(project)
    project.save()
    audit.record(action=Action.CREATE if before is None else Action.UPDATE, obj=project, user=user, before=before)
    return project


# --- reminders --------------------------------------------------------------------------------------------


@transaction.atomic
def reminders_send(*, today: datetime.date) -> dict[str, int]:
    """Daily: remind units of reports due within REMINDER_DAYS_AHEAD days or overdue, the responsible
    units of overdue problems,. One message
    per person per day and kind; a second run on the same day sends nothing."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    ahead = settings.REMINDER_DAYS_AHEAD
    users = get_user_model().objects.filter(is_active=True, membership__role__in=[Role.BUREAU, Role.COUNTY])
    users = list(users.select_related("membership"))
    tasks = list(Task.objects.prefetch_related("units"))
    closed = {kind: progress.last_closed_period(today, kind) for kind in (progress.MONTHLY, progress.QUARTERLY)}
    reported = set(
        ProgressReport.objects.filter(period__in=[p.code for p in closed.values()]).values_list(
            "task_id", "bureau_id", "county_id", "period"
        )
    )
    pending: dict[int, list[str]] = {}
    for user in users:
        bureau_id = user.membership.bureau_id
        county_id = user.membership.county_id
        lines = []
        for task in tasks:
            in_task = task.counties_support if county_id else any(u.bureau_id == bureau_id for u in task.units.all())
            if not in_task:
                continue
            period = closed[task.reporting_period]
            done = any((task.pk, b, c, period.code) in reported for b, c in ((bureau_id, None), (None, county_id)))
            state = progress.report_state(today, period, task.report_due_days, done)
            days_left = (period.due(task.report_due_days) - today).days
            if state == "overdue":
                lines.append(_("任务%(n)d %(period)s报告已逾期") % {"n": task.number, "period": period.label})
            elif state == "due" and days_left <= ahead:
                lines.append(
                    _("任务%(n)d %(period)s报告%(days)d天内到期")
                    % {"n": task.number, "period": period.label, "days": days_left}
                )
        if lines:
            pending[user.pk] = lines
    sent = {"report_reminders": 0, "problem_reminders": 0}
    by_id = {u.pk: u for u in users}
    for user_id, lines in pending.items():
        message = _("进展报送提醒：") + "；".join(lines[:6]) + ("等" if len(lines) > 6 else "") + "。"
        sent["report_reminders"] += notify_once(
            key=f"reports:{user_id}:{today}",
            user=by_id[user_id],
            message=message,
            url=reverse("task-board"),
            today=today,
        )
    overdue_problems = Problem.objects.filter(Problem.overdue_q(today))
    for user in users:
        m = user.membership
        mine = [
            p.number
            for p in overdue_problems
            if (m.bureau_id and p.responsible_bureau_id == m.bureau_id)
            or (m.county_id and p.responsible_county_id == m.county_id)
        ]
        if mine:
            message = _("问题办理超期提醒：%(numbers)s 已超过办结时限。") % {"numbers": "、".join(mine[:10])}
            sent["problem_reminders"] += notify_once(
                key=f"problems:{user.pk}:{today}",
                user=user,
                message=message,
                url=reverse("problem-list") + "?overdue=true",
                today=today,
            )
    return sent

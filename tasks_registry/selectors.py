"""Reads of the task board, reports, problems and projects, scoped to the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from towns.models import Role
from towns.permissions import county_scope, require_portal_role, role_of

from . import progress
from .models import KeyProject, Measure, MeasureProgress, Problem, ProgressReport, Task, TaskStatus, TaskUnit
from .permissions import reporting_unit, require_problem_ledger, unit_role


def _latest_progress(field_name: str):
    """The latest reported value for a measure: the newest period first, a lead unit's consolidated report
    before single units' reports within it, then the newest submission."""
    latest = (
        MeasureProgress.objects.filter(measure=OuterRef("pk"))
        .annotate(
            consolidated=Case(
                When(report__kind="consolidated", then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("-report__period", "consolidated", "-report__submitted_at", "-id")
        .values(field_name)[:1]
    )
    return Subquery(latest, output_field=DecimalField(max_digits=5, decimal_places=1))


def measures_with_progress(year: int) -> QuerySet[Measure]:
    return Measure.objects.filter(year=year).annotate(latest_pct=_latest_progress("progress_pct"))


@dataclass
class TaskRow:
    task: Task
    leads: list
    supports: list
    measures: list
    progress_pct: Decimal | None
    status: str
    last_reports: dict = field(default_factory=dict)  # unit name -> datetime
    overdue_units: list = field(default_factory=list)
    behind_measures: int = 0

    @property
    def status_label(self) -> str:
        return TaskStatus(self.status).label


def board(*, user, year: int | None = None, today: datetime.date | None = None) -> list[TaskRow]:
    """The 12 tasks with their units, measures, rolled-up progress, status and last report per unit.

    A fixed number of queries whatever the number of reports.
    """
    require_portal_role(user)
    return task_rows(year=year, today=today)


def task_rows(*, year: int | None = None, today: datetime.date | None = None) -> list[TaskRow]:
    """The board's rows, read for no one in particular: the annual assessment judges the bureaus by them."""
    today = today or timezone.localdate()
    year = year or today.year
    tolerance = Decimal(str(settings.TASK_PROGRESS_TOLERANCE))
    tasks = list(
        Task.objects.prefetch_related(
            Prefetch("units", queryset=TaskUnit.objects.select_related("bureau").order_by("role", "sort_order")),
            Prefetch("measures", queryset=measures_with_progress(year), to_attr="year_measures"),
        )
    )
    last = {}
    for row in (
        ProgressReport.objects.values("task_id", "bureau__name", "county__name")
        .annotate(last=Max("submitted_at"))
        .order_by()
    ):
        unit = row["bureau__name"] or f"{row['county__name']}人民政府"
        last[(row["task_id"], unit)] = row["last"]
    closed_codes = {progress.last_closed_period(today, kind).code for kind in (progress.MONTHLY, progress.QUARTERLY)}
    # A lead unit has reported for a period with either its own or its consolidated report.
    reported = set(
        ProgressReport.objects.filter(bureau__isnull=False, period__in=closed_codes).values_list(
            "task_id", "bureau_id", "period"
        )
    )
    any_report = set(ProgressReport.objects.values_list("task_id", flat=True).distinct())
    rows = []
    year_start = datetime.date(year, 1, 1)
    for task in tasks:
        units = list(task.units.all())
        leads = [u.bureau for u in units if u.role == TaskUnit.Role.LEAD]
        supports = [u.bureau for u in units if u.role == TaskUnit.Role.SUPPORT]
        closed = progress.last_closed_period(today, task.reporting_period)
        overdue = [
            b
            for b in leads
            if progress.report_state(today, closed, task.report_due_days, (task.pk, b.pk, closed.code) in reported)
            == "overdue"
        ]
        states = [progress.MeasureState(m.weight, m.latest_pct, m.deadline, year_start) for m in task.year_measures]
        rows.append(
            TaskRow(
                task=task,
                leads=leads,
                supports=supports,
                measures=task.year_measures,
                progress_pct=progress.rolled_up(states),
                status=progress.task_status(
                    override=task.status_override,
                    measures=states,
                    any_report=task.pk in any_report,
                    overdue_reports=len(overdue),
                    today=today,
                    tolerance=tolerance,
                ),
                last_reports={unit: at for (task_id, unit), at in last.items() if task_id == task.pk},
                overdue_units=overdue,
                behind_measures=progress.behind_measures(today, states, tolerance),
            )
        )
    return rows


def task_get(*, user, number: int) -> Task:
    require_portal_role(user)
    return get_object_or_404(Task.objects.prefetch_related("units__bureau"), number=number)


def report_list(*, user) -> QuerySet[ProgressReport]:
    """Office and leaders see every report; a lead unit its task's reports; everyone else their own
    unit's reports and the lead units' consolidated reports."""
    require_portal_role(user)
    qs = ProgressReport.objects.select_related("task", "bureau", "county", "submitted_by")
    role = role_of(user)
    if role in (Role.OFFICE, Role.LEADER):
        return qs
    bureau_id, county_id = reporting_unit(user)
    visible = Q(kind=ProgressReport.Kind.CONSOLIDATED)
    if bureau_id:
        visible |= Q(bureau_id=bureau_id) | Q(task__units__bureau_id=bureau_id, task__units__role=TaskUnit.Role.LEAD)
    if county_id:
        visible |= Q(county_id=county_id)
    return qs.filter(visible).distinct()


def report_get(*, user, pk, task: Task | None = None) -> ProgressReport:
    """A report the user may see; with ``task``, only one of that task's reports (else 404)."""
    reports = report_list(user=user)
    if task is not None:
        reports = reports.filter(task=task)
    return get_object_or_404(reports, pk=pk)


def problem_list(*, user) -> QuerySet[Problem]:
    """Counties see their own towns' problems, those assigned to them and those they recorded; city roles
    all of them. Experts and API consumers have no part in the ledger."""
    require_problem_ledger(user)
    qs = Problem.objects.select_related("town__county", "task", "responsible_bureau", "responsible_county")
    county = county_scope(user)
    if county is not None:
        qs = qs.filter(Q(town__county_id=county) | Q(responsible_county_id=county) | Q(reported_by=user))
    return qs


def problem_get(*, user, pk) -> Problem:
    return get_object_or_404(problem_list(user=user), pk=pk)


def project_list(*, user) -> QuerySet[KeyProject]:
    """The project library (page, export, API). A project is its county's record of an enterprise's investment:
    as with enterprises (towns.permissions), a county official sees only their own county's projects, and
    another county's project answers 404; city roles see every project."""
    require_portal_role(user)
    qs = KeyProject.objects.select_related("town__county", "enterprise")
    scope = county_scope(user)
    return qs if scope is None else qs.filter(town__county_id=scope)


def project_counts(*, user) -> list[dict]:
    """The board's city-wide "三个一批" counts per town: aggregates, open to every role like the registry's
    enterprise counts per town (no project name, enterprise or amount)."""
    require_portal_role(user)
    return three_batches(KeyProject.objects.all())


def three_batches(projects: QuerySet[KeyProject]) -> list[dict]:
    """ "三个一批" counts per county and town: projects signed, started and in production."""
    return list(
        projects.values("town__county__name", "town__name", "town_id")
        .annotate(
            signed=Count("pk", filter=Q(stage=KeyProject.Stage.SIGNED)),
            started=Count("pk", filter=Q(stage=KeyProject.Stage.STARTED)),
            in_production=Count("pk", filter=Q(stage=KeyProject.Stage.IN_PRODUCTION)),
            total=Count("pk"),
        )
        .order_by("town__county__sort_order", "town__name")
    )


def user_unit_role(user, task: Task) -> str | None:
    return unit_role(user, task)

"""The facts the annual assessment counts, read from the database into the plain data of
:mod:`evaluation.assessment` (which does all the counting and scoring). A fixed number of queries whatever the
number of counties, bureaus, reports or problems.

Where "on time" is judged, it is judged by the rule the record's own app uses, never a second one:
reports by :func:`tasks_registry.progress.report_state`, problems by ``Problem.is_overdue``, supervision notices
by ``SupervisionNotice.is_overdue``, tasks by the task board's rows (:func:`tasks_registry.selectors.task_rows`),
own targets by :func:`towns.county_targets.progress_by_county`.
"""

from __future__ import annotations

import collections
import datetime
from collections.abc import Iterable

from django.db.models import Min, Q
from django.utils import timezone

from tasks_registry.models import Problem, ProgressReport, Task, TaskUnit
from tasks_registry.selectors import task_rows
from towns.county_targets import progress_by_county
from towns.models import Bureau, County

from . import assessment as rules
from .models import EvaluationRun, SupervisionNotice, TownEvaluation

DAY = datetime.timedelta(days=1)

# What each action of the problem ledger leaves the problem in (tasks_registry.services.problem_*).
PROBLEM_ACTION_STATUS = {
    "record": Problem.Status.OPEN,
    "assign": Problem.Status.ASSIGNED,
    "respond": Problem.Status.RESPONDED,
    "reopen": Problem.Status.ASSIGNED,
    "close": Problem.Status.CLOSED,
}


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def problem_late(problem: Problem, as_of: datetime.date) -> bool:
    """Late by the ledger's own rule (``Problem.is_overdue``): overdue the day after its deadline, in the status it
    had then (replayed from its actions), or overdue on ``as_of`` (sent back and left, or still not answered)."""
    events = [
        (_day(a.at), PROBLEM_ACTION_STATUS[a.kind]) for a in problem.actions.all() if a.kind in PROBLEM_ACTION_STATUS
    ]
    if not events and problem.closed_at:  # a row without its ledger actions (imported): its closing is what we know
        events = [(_day(problem.closed_at), Problem.Status.CLOSED)]
    then = rules.status_on(events, problem.deadline, Problem.Status.OPEN)
    return Problem(deadline=problem.deadline, status=then).is_overdue(problem.deadline + DAY) or problem.is_overdue(
        as_of
    )


def notice_late(notice: SupervisionNotice, as_of: datetime.date) -> bool:
    """Late by the notice's own rule (``SupervisionNotice.is_overdue``): overdue the day after its deadline, in the
    status its reports and closing gave it by then, or overdue on ``as_of`` (a report returned and not answered)."""
    events = [(_day(r.submitted_at), SupervisionNotice.Status.ANSWERED) for r in notice.reports.all()]
    if notice.closed_at:
        events.append((_day(notice.closed_at), SupervisionNotice.Status.ACCEPTED))
    then = rules.status_on(events, notice.deadline, SupervisionNotice.Status.ISSUED)
    return SupervisionNotice(deadline=notice.deadline, status=then).is_overdue(
        notice.deadline + DAY
    ) or notice.is_overdue(as_of)


def _problems(year: int, as_of: datetime.date) -> list[Problem]:
    """Problems assigned to a county or a bureau whose deadline fell in the year and has passed by ``as_of``."""
    return list(
        Problem.objects.filter(deadline__year=year, deadline__lt=as_of)
        .filter(Q(responsible_county__isnull=False) | Q(responsible_bureau__isnull=False))
        .prefetch_related("actions")
        .order_by("number")
    )


def _problem_items(problems: Iterable[Problem], as_of: datetime.date) -> list[rules.DueItem]:
    return [rules.DueItem(f"问题{p.number}“{p.title}”", p.deadline, problem_late(p, as_of)) for p in problems]


def _first_reports(year: int, unit: str) -> dict[tuple[int, int, str], datetime.date]:
    """(task, unit, period) → the day the unit first reported on it, for the year's periods; ``unit`` is
    "county" or "bureau" (a lead unit's consolidated report counts as its report, as on the task board)."""
    rows = (
        ProgressReport.objects.filter(**{f"{unit}__isnull": False}, period__startswith=f"{year}-")
        .values("task_id", f"{unit}_id", "period")
        .annotate(first=Min("submitted_at"))
        .order_by()
    )
    return {(r["task_id"], r[f"{unit}_id"], r["period"]): _day(r["first"]) for r in rows}


def _expected(tasks: Iterable[Task], unit_id: int, first: dict, year: int) -> list[rules.ExpectedReport]:
    return [
        rules.ExpectedReport(task.number, period, task.report_due_days, first.get((task.pk, unit_id, period.code)))
        for task in tasks
        for period in rules.periods_of_year(year, task.reporting_period)
    ]


# --- counties ---------------------------------------------------------------------------------------------------


def county_inputs(*, run: EvaluationRun, as_of: datetime.date) -> tuple[list[County], list[rules.UnitInput]]:
    year = run.year
    counties = list(County.objects.order_by("sort_order", "name"))
    towns: dict[int, list[rules.TownResult]] = collections.defaultdict(list)
    for r in TownEvaluation.objects.filter(run=run).select_related("town").order_by():
        towns[r.town.county_id].append(
            rules.TownResult(r.town.name, r.get_group_display(), r.score if r.has_data else None, r.rank)
        )
    tasks = list(Task.objects.filter(counties_support=True).order_by("number"))  # 各县 support these tasks
    first = _first_reports(year, "county")
    problems: dict[int, list[Problem]] = collections.defaultdict(list)
    for p in _problems(year, as_of):
        if p.responsible_county_id:
            problems[p.responsible_county_id].append(p)
    notices: dict[int, list[rules.DueItem]] = collections.defaultdict(list)
    for n in (
        SupervisionNotice.objects.filter(deadline__year=year, deadline__lt=as_of)
        .select_related("town")
        .prefetch_related("reports")
        .order_by("number")
    ):
        notices[n.county_id].append(
            rules.DueItem(
                f"{n.number}（{n.town.name}）",
                n.deadline,
                notice_late(n, as_of),
                "专项检查督办" if n.inspection_id else "年度评估督办",
            )
        )
    targets = progress_by_county(year)
    units = []
    for county in counties:
        t = targets.get(county.pk)
        units.append(
            rules.UnitInput(
                county.pk,
                county.name,
                {
                    "town_results": rules.town_results(towns[county.pk]),
                    "reports_on_time": rules.report_timeliness(_expected(tasks, county.pk, first, year), as_of),
                    "problems_on_time": rules.on_time_share(
                        _problem_items(problems[county.pk], as_of), "按期办结", "无到期应办结的问题"
                    ),
                    "rectification_on_time": rules.on_time_share(
                        notices[county.pk], "按期整改", "无到期应整改的督办事项"
                    ),
                    "own_targets": rules.own_targets(
                        rules.Targets(
                            t.jobs_target, t.jobs_actual, t.jobs_met, t.tax_target_wan, t.tax_actual_wan, t.tax_met
                        )
                        if t
                        else None
                    ),
                },
            )
        )
    return counties, units


# --- bureaus ----------------------------------------------------------------------------------------------------


def bureau_inputs(*, year: int, as_of: datetime.date) -> tuple[list[Bureau], list[rules.UnitInput]]:
    """Every bureau that leads or supports a task, or had a problem due; one with problems but no task is shown and
    not ranked. Its tasks are judged on the task board as it stood when the year's last reports fell due."""
    bureaus = list(Bureau.objects.order_by("sort_order", "name"))
    schedules = Task.objects.values_list("reporting_period", "report_due_days")
    judged_on = min(as_of, rules.year_closed_on(year, schedules))
    board = {row.task.pk: row for row in task_rows(year=year, today=judged_on)}
    parts: dict[int, list[tuple[TaskUnit, Task]]] = collections.defaultdict(list)
    for unit in TaskUnit.objects.select_related("task").order_by("task__number"):
        parts[unit.bureau_id].append((unit, unit.task))
    first = _first_reports(year, "bureau")
    problems: dict[int, list[Problem]] = collections.defaultdict(list)
    for p in _problems(year, as_of):
        if p.responsible_bureau_id:
            problems[p.responsible_bureau_id].append(p)
    units = []
    for bureau in bureaus:
        if not parts[bureau.pk] and not problems[bureau.pk]:
            continue  # no task and no problem: nothing of the programme to assess it on
        facts = [
            rules.TaskFacts(
                task.number,
                task.title,
                unit.role,
                board[task.pk].progress_pct,
                board[task.pk].status,
                str(board[task.pk].status_label),
            )
            for unit, task in parts[bureau.pk]
        ]
        tasks = [task for _unit, task in parts[bureau.pk]]
        units.append(
            rules.UnitInput(
                bureau.pk,
                bureau.name,
                {
                    "lead_progress": rules.task_progress(facts, TaskUnit.Role.LEAD),
                    "support_progress": rules.task_progress(facts, TaskUnit.Role.SUPPORT),
                    "tasks_on_track": rules.tasks_on_track(facts),
                    "reports_on_time": rules.report_timeliness(_expected(tasks, bureau.pk, first, year), as_of),
                    "problems_on_time": rules.on_time_share(
                        _problem_items(problems[bureau.pk], as_of), "按期办结", "无到期应办结的问题"
                    ),
                },
                excluded="" if facts else "无牵头或配合的重点任务，不参加排名",
            )
        )
    return bureaus, units

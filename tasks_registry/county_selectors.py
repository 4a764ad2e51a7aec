"""Reads of the counties' mechanisms, scoped to the user (rules in county_permissions): documents, tasks and their
reports, a county's "三个清单" page and the office's side-by-side comparison. Fixed numbers of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from towns import county_targets
from towns.county_targets import TargetProgress
from towns.models import County, Town
from towns.permissions import county_scope

from .county_models import (
    CountyDocument,
    CountyDocumentAttachment,
    CountyTask,
    CountyTaskReport,
    CountyTaskReportAttachment,
)
from .county_permissions import require_county_lists, require_county_mechanisms, sees_every_county
from .models import KeyProject
from .selectors import project_list, three_batches

Kind = CountyDocument.Kind

# --- documents ----------------------------------------------------------------------------------------------


def document_list(*, user) -> QuerySet[CountyDocument]:
    """Published and repealed documents of every county; drafts only the drafting county's."""
    require_county_mechanisms(user)
    visible = ~Q(status=CountyDocument.Status.DRAFT)
    scope = county_scope(user)
    if scope is not None:
        visible |= Q(county_id=scope)
    return (
        CountyDocument.objects.filter(visible)
        .select_related("county")
        .prefetch_related(Prefetch("towns", queryset=Town.objects.order_by("name")))
    )


def document_get(*, user, pk) -> CountyDocument:
    return get_object_or_404(document_list(user=user), pk=pk)


def document_attachments(*, user) -> QuerySet[CountyDocumentAttachment]:
    return CountyDocumentAttachment.objects.filter(document__in=document_list(user=user).values("pk"))


# --- tasks --------------------------------------------------------------------------------------------------


def county_task_list(*, user) -> QuerySet[CountyTask]:
    """A county its own tasks; the city's units every county's (other roles: 403)."""
    require_county_mechanisms(user)
    qs = CountyTask.objects.select_related("county", "city_task").prefetch_related(
        Prefetch("towns", queryset=Town.objects.order_by("name"))
    )
    scope = county_scope(user)
    return qs.filter(county_id=scope) if scope is not None else qs


def county_task_get(*, user, pk) -> CountyTask:
    return get_object_or_404(county_task_list(user=user), pk=pk)


def task_reports(*, user, task: CountyTask) -> QuerySet[CountyTaskReport]:
    """The reports of a task the caller has already got through :func:`county_task_get`."""
    return task.reports.select_related("submitted_by").prefetch_related("attachments")


def task_report_get(*, user, task: CountyTask, pk) -> CountyTaskReport:
    return get_object_or_404(task.reports.all(), pk=pk)


def task_report_attachments(*, user) -> QuerySet[CountyTaskReportAttachment]:
    tasks = county_task_list(user=user).values("pk")
    return CountyTaskReportAttachment.objects.filter(report__task__in=tasks)


# --- a county's three lists ---------------------------------------------------------------------------------


@dataclass
class CountyLists:
    county: County
    year: int
    documents: dict[str, list[CountyDocument]]  # kind -> documents
    tasks: list[CountyTask]
    projects: list[KeyProject]
    batches: list[dict]
    targets: list[TargetProgress]
    today: datetime.date
    task_counts: dict[str, int] = field(default_factory=dict)


def county_lists(*, user, county: County, year: int, today: datetime.date) -> CountyLists:
    """The county's 三个清单 (tasks of ``year``, its towns' projects, its documents) and its targets by year."""
    require_county_lists(user, county)
    documents = {kind: [] for kind in Kind.values}
    for document in document_list(user=user).filter(county=county).order_by("kind", "-issued_on", "-id"):
        documents[document.kind].append(document)
    tasks = list(county_task_list(user=user).filter(county=county, year=year).order_by("deadline", "id"))
    projects = project_list(user=user).filter(town__county=county)
    overdue = [t for t in tasks if t.is_overdue(today)]
    return CountyLists(
        county=county,
        year=year,
        documents=documents,
        tasks=tasks,
        projects=list(projects.order_by("town__name", "name")),
        batches=three_batches(projects),
        targets=county_targets.county_progress(county),
        today=today,
        task_counts={
            "total": len(tasks),
            "done": sum(t.status == CountyTask.Status.DONE for t in tasks),
            "overdue": len(overdue),
        },
    )


# --- the office's comparison --------------------------------------------------------------------------------


@dataclass
class CountyRow:
    county: County
    town_count: int
    policies: dict[str, int]  # kind -> published documents in force
    towns_with_policy: int  # towns covered by a published 一镇一策 policy
    towns_with_plan: int  # towns covered by a published 中长期规划
    tasks_total: int
    tasks_open: int
    tasks_overdue: int
    tasks_done: int
    projects: dict[str, int]  # total, signed, started, in_production
    target: TargetProgress | None

    @property
    def policy_count(self) -> int:
        return sum(self.policies.values())


def require_comparison_reader(user) -> None:
    require_county_mechanisms(user)
    if not sees_every_county(user):
        raise PermissionDenied(_("各县（市、区）对比仅对领导小组办公室、领导和市直单位开放；本县清单见本县页面。"))


def comparison(*, user, year: int, today: datetime.date) -> list[CountyRow]:
    """Every county side by side: published documents, the year's tasks (open / overdue / done), its towns'
    projects, its targets for the year set and met. Drafts are not counted: they are nobody's but the county's."""
    require_comparison_reader(user)
    counties = list(County.objects.annotate(n_towns=Count("towns")).order_by("sort_order", "name"))
    policies: dict[int, dict[str, int]] = {}
    for row in (
        CountyDocument.objects.filter(status=CountyDocument.Status.PUBLISHED)
        .values("county_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        policies.setdefault(row["county_id"], {})[row["kind"]] = row["n"]
    covered: dict[tuple[int, str], int] = {}
    for row in (
        CountyDocument.towns.through.objects.filter(
            countydocument__status=CountyDocument.Status.PUBLISHED,
            countydocument__kind__in=CountyDocument.KINDS_NAMING_TOWNS,
        )
        .values("countydocument__county_id", "countydocument__kind")
        .annotate(n=Count("town_id", distinct=True))
        .order_by()
    ):
        covered[(row["countydocument__county_id"], row["countydocument__kind"])] = row["n"]
    overdue = CountyTask.overdue_q(today)
    tasks = {
        row["county_id"]: row
        for row in CountyTask.objects.filter(year=year)
        .values("county_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=CountyTask.Status.DONE)),
            overdue=Count("pk", filter=overdue),
        )
        .order_by()
    }
    projects = {
        row["town__county_id"]: row
        for row in KeyProject.objects.values("town__county_id")
        .annotate(
            total=Count("pk"),
            signed=Count("pk", filter=Q(stage=KeyProject.Stage.SIGNED)),
            started=Count("pk", filter=Q(stage=KeyProject.Stage.STARTED)),
            in_production=Count("pk", filter=Q(stage=KeyProject.Stage.IN_PRODUCTION)),
        )
        .order_by()
    }
    targets = county_targets.progress_by_county(year)
    empty_tasks = {"total": 0, "done": 0, "overdue": 0}
    empty_projects = {"total": 0, "signed": 0, "started": 0, "in_production": 0}
    rows = []
    for county in counties:
        t = tasks.get(county.pk, empty_tasks)
        rows.append(
            CountyRow(
                county=county,
                town_count=county.n_towns,
                policies={kind: policies.get(county.pk, {}).get(kind, 0) for kind in Kind.values},
                towns_with_policy=covered.get((county.pk, Kind.TOWN_POLICY), 0),
                towns_with_plan=covered.get((county.pk, Kind.LONG_TERM_PLAN), 0),
                tasks_total=t["total"],
                tasks_open=t["total"] - t["done"],
                tasks_overdue=t["overdue"],
                tasks_done=t["done"],
                projects=projects.get(county.pk, empty_projects),
                target=targets.get(county.pk),
            )
        )
    return rows

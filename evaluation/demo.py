"""Development data for the evaluation and the assessment: last year's town evaluation, published, and on it last
year's assessment of the counties and bureaus, published (invented records, idempotent). Never run in production."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tasks_registry import progress
from tasks_registry.loading import load_tasks
from tasks_registry.models import MeasureProgress, Problem, ProblemAction, ProgressReport, Task
from towns.county_targets import actuals_by_county
from towns.models import County, CountyTarget, Town

from . import assessment_services, services
from .models import Assessment, EvaluationRun


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def published_evaluation(*, user, year: int) -> EvaluationRun:
    """The year's published evaluation, computed here (in this process, as the Celery chord would) if missing."""
    run = EvaluationRun.objects.filter(year=year, status=EvaluationRun.Status.PUBLISHED).first()
    if run is not None:
        return run
    EvaluationRun.objects.filter(year=year).delete()  # an unfinished or unpublished one of an earlier load
    run = EvaluationRun.objects.create(
        year=year,
        weights=services.config_for(year).effective_weights(),
        total=Town.objects.count(),
        started_by=user,
        trigger="manual",
    )
    town_ids = list(Town.objects.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(town_ids), 100):
        services.evaluate_towns(run_id=run.pk, town_ids=town_ids[i : i + 100])
    run = services.finalize(run_id=run.pk)
    return services.evaluation_publish(user=user, run=run)


def _report(task: Task, period: progress.Period, submitted: datetime.date, pct: str | None, **unit) -> None:
    report, created = ProgressReport.objects.get_or_create(
        task=task,
        period=period.code,
        kind=ProgressReport.Kind.UNIT,
        **unit,
        defaults={"narrative": "按年度行动计划推进，完成情况见各项措施进度。"},
    )
    if created:
        ProgressReport.objects.filter(pk=report.pk).update(submitted_at=_at(submitted))
        if pct is not None:
            MeasureProgress.objects.bulk_create(
                MeasureProgress(report=report, measure=m, progress_pct=Decimal(pct))
                for m in task.measures.filter(year=period.start.year)
            )


def _problem(number: str, *, title: str, county: County, deadline: datetime.date, answered: datetime.date, user):
    problem, created = Problem.objects.get_or_create(
        number=number,
        defaults={
            "title": title,
            "description": title,
            "found_on": deadline - datetime.timedelta(days=60),
            "responsible_county": county,
            "deadline": deadline,
            "status": Problem.Status.CLOSED,
            "closed_at": _at(answered + datetime.timedelta(days=3)),
            "closed_by": user,
            "verification": "已核实，同意销号。",
        },
    )
    if created:
        for kind, day in (
            ("assign", deadline - datetime.timedelta(days=45)),
            ("respond", answered),
            ("close", answered + datetime.timedelta(days=3)),
        ):
            action = ProblemAction.objects.create(problem=problem, by=user, kind=kind, text=kind)
            ProblemAction.objects.filter(pk=action.pk).update(at=_at(day))


def demo_records(year: int, office) -> None:
    """A year of the counties' and bureaus' own records the assessment counts: quarterly reports (one late, some
    missing), two problems (one closed late), the counties' own targets."""
    User = get_user_model()
    gongxin, wanrong, yanhu = (User.objects.filter(username=u).first() for u in ("gongxin", "wanrong", "yanhu"))
    load_tasks(year)  # the year's measures, where missing
    for q, task_numbers in ((1, (1, 2, 4)), (2, (1, 2, 4)), (3, (1, 2)), (4, (1, 2, 4))):
        for number in task_numbers:
            task = Task.objects.get(number=number)
            period = progress.parse_period(f"{year}-Q{q}", progress.QUARTERLY)
            due = period.due(task.report_due_days)
            late = number == 4 and q == 2  # one report five days late
            pct = {1: "92", 2: "85", 4: "70"}[number] if q == 4 else None
            if gongxin:
                _report(
                    task,
                    period,
                    due + datetime.timedelta(days=5 if late else -2),
                    pct,
                    bureau=gongxin.membership.bureau,
                )
    for county_user, tasks_reported in ((wanrong, range(1, 13)), (yanhu, range(1, 7))):
        if county_user is None:
            continue
        for q in (1, 2, 3, 4):
            period = progress.parse_period(f"{year}-Q{q}", progress.QUARTERLY)
            for number in tasks_reported:
                task = Task.objects.get(number=number)
                day = period.due(task.report_due_days) - datetime.timedelta(days=3)
                if county_user is yanhu and q == 3:
                    day += datetime.timedelta(days=8)  # 盐湖区's third quarter came in late
                _report(task, period, day, None, county=county_user.membership.county)
    counties = {c.name: c for c in County.objects.filter(name__in=("万荣县", "盐湖区"))}
    if "万荣县" in counties:
        _problem(
            f"WT{year}-9001",
            title="外加剂产业园污水管网接入",
            county=counties["万荣县"],
            deadline=datetime.date(year, 6, 30),
            answered=datetime.date(year, 6, 20),
            user=office,
        )
        # a job target its towns beat and a tax target they miss (from the demo figures, so both are plausible)
        got = actuals_by_county(year).get(counties["万荣县"].pk)
        if got and got.jobs and got.tax_wan:
            CountyTarget.objects.get_or_create(
                county=counties["万荣县"],
                year=year,
                defaults={
                    "jobs_target": got.jobs // 1000 * 1000,
                    "tax_target_wan": (got.tax_wan * Decimal("1.1")).quantize(Decimal("1000")),
                    "note": "示例数据",
                },
            )
    if "盐湖区" in counties:
        _problem(
            f"WT{year}-9002",
            title="水泵企业检测平台建设滞后",
            county=counties["盐湖区"],
            deadline=datetime.date(year, 9, 30),
            answered=datetime.date(year, 10, 15),
            user=office,
        )
        CountyTarget.objects.get_or_create(
            county=counties["盐湖区"], year=year, defaults={"jobs_target": 2000, "note": "示例数据"}
        )


@transaction.atomic
def load_demo_assessment() -> Assessment | None:
    """Last year's evaluation and assessment, both published (once; a second load changes nothing)."""
    office = get_user_model().objects.filter(username="office").first()
    if office is None or not Town.objects.exists():
        return None
    year = timezone.localdate().year - 1
    done = Assessment.objects.filter(year=year, status=Assessment.Status.PUBLISHED).first()
    if done is not None:
        return done
    published_evaluation(user=office, year=year)
    demo_records(year, office)
    assessment = assessment_services.assessment_start(user=office, year=year)
    assessment = assessment_services.assessment_compute(assessment_id=assessment.pk)
    return assessment_services.assessment_publish(user=office, assessment=assessment, confirmed=True)

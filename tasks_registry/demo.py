"""Development data for the task board: a few reports, a problem and key projects (invented)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from towns.models import Town

from . import progress
from .models import KeyProject, MeasureProgress, Problem, ProgressReport, Task


@transaction.atomic
def load_demo_tasks() -> None:
    User = get_user_model()
    gongxin = User.objects.filter(username="gongxin").first()
    wanrong = User.objects.filter(username="wanrong").first()
    if gongxin is None or wanrong is None:
        return
    today = timezone.localdate()
    for number, pct in ((1, "45"), (2, "30"), (4, "20")):
        task = Task.objects.get(number=number)
        period = progress.last_closed_period(today, task.reporting_period)
        report, created = ProgressReport.objects.get_or_create(
            task=task,
            bureau=gongxin.membership.bureau,
            period=period.code,
            kind=ProgressReport.Kind.UNIT,
            defaults={
                "narrative": "按季度推进，已召开专题推进会，梳理各专业镇龙头企业需求清单。",
                "submitted_by": gongxin,
            },
        )
        if created:
            MeasureProgress.objects.bulk_create(
                MeasureProgress(report=report, measure=m, progress_pct=Decimal(pct))
                for m in task.measures.filter(year=period.start.year)
            )
    town = Town.objects.filter(name="万荣县外加剂").first()
    if town is None:
        return
    Problem.objects.get_or_create(
        number=f"WT{today.year}-0001",
        defaults={
            "title": "外加剂企业用地指标紧张",
            "description": "三家配套企业扩产项目缺少建设用地指标。",
            "town": town,
            "task": Task.objects.get(number=9),
            "source": Problem.Source.FIELD_RESEARCH,
            "found_on": today,
            "reported_by": wanrong,
        },
    )
    for name, stage, amount, date_field in (
        ("年产20万吨聚羧酸减水剂项目", KeyProject.Stage.STARTED, "38000", "started_on"),
        ("外加剂检验检测公共服务平台", KeyProject.Stage.SIGNED, "6500", "signed_on"),
    ):
        KeyProject.objects.get_or_create(
            town=town,
            name=name,
            defaults={"stage": stage, "investment_wan": Decimal(amount), date_field: today, "created_by": wanrong},
        )

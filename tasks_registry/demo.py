"""Development data for the task board: a few reports, a problem and key projects (invented).

Created once, by the demo loader's own accounts and on a town the loader itself filled (core.demo): never in a
bureau's or county's name that a person created, never on a town a user works on, never again after the first run
(a report or project someone deleted stays deleted)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core import demo
from towns.models import Enterprise, Town

from . import progress
from .models import KeyProject, MeasureProgress, Problem, ProgressReport, Task
from .services import _next_problem_number

DEMO_TOWN = "万荣县外加剂"


@transaction.atomic
def load_demo_tasks() -> None:
    User = get_user_model()
    accounts = demo.ids(User)
    gongxin = User.objects.filter(username="gongxin", pk__in=accounts).first()
    wanrong = User.objects.filter(username="wanrong", pk__in=accounts).first()
    if gongxin is None or wanrong is None:
        return  # not the loader's accounts: nothing is written in a real person's name
    today = timezone.localdate()
    created: list = []
    if not demo.ids(ProgressReport):
        for number, pct in ((1, "45"), (2, "30"), (4, "20")):
            task = Task.objects.get(number=number)
            period = progress.last_closed_period(today, task.reporting_period)
            bureau = gongxin.membership.bureau
            if ProgressReport.objects.filter(task=task, bureau=bureau, period=period.code).exists():
                continue  # the bureau has reported: its report is left as it is
            report = ProgressReport.objects.create(
                task=task,
                bureau=bureau,
                period=period.code,
                kind=ProgressReport.Kind.UNIT,
                narrative="按季度推进，已召开专题推进会，梳理各专业镇龙头企业需求清单。",
                submitted_by=gongxin,
            )
            MeasureProgress.objects.bulk_create(
                MeasureProgress(report=report, measure=m, progress_pct=Decimal(pct))
                for m in task.measures.filter(year=period.start.year)
            )
            created.append(report)
    town = Town.objects.filter(name=DEMO_TOWN).first()
    filled = town is not None and Enterprise.objects.filter(town=town, pk__in=demo.ids(Enterprise)).exists()
    if filled and not demo.ids(Problem):
        created.append(
            Problem.objects.create(
                number=_next_problem_number(today),
                title="外加剂企业用地指标紧张",
                description="三家配套企业扩产项目缺少建设用地指标。",
                town=town,
                task=Task.objects.get(number=9),
                source=Problem.Source.FIELD_RESEARCH,
                found_on=today,
                reported_by=wanrong,
            )
        )
    if filled and not demo.ids(KeyProject):
        for name, stage, amount, date_field in (
            ("年产20万吨聚羧酸减水剂项目", KeyProject.Stage.STARTED, "38000", "started_on"),
            ("外加剂检验检测公共服务平台", KeyProject.Stage.SIGNED, "6500", "signed_on"),
        ):
            if not KeyProject.objects.filter(town=town, name=name).exists():
                created.append(
                    KeyProject.objects.create(
                        town=town,
                        name=name,
                        stage=stage,
                        investment_wan=Decimal(amount),
                        created_by=wanrong,
                        **{date_field: today},
                    )
                )
    demo.record(created)

"""Development data for the counties' mechanisms (invented, idempotent): 万荣县's published 一镇一策 policy and
中长期规划, a draft 培育方案, its task list with reports (one done, one overdue, one under way) and its targets;
盐湖区's draft policy (which 万荣县 never sees) and a task. Document numbers and contents are invented."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from towns.models import County, CountyTarget, Town, TownYearFigures

from . import progress
from .county_models import CountyDocument, CountyTask, CountyTaskReport
from .models import Task

Kind, Status = CountyDocument.Kind, CountyDocument.Status

DOCUMENTS = [
    # county, kind, title, number, issued, issuer, towns, status, summary
    (
        "万荣县",
        Kind.TOWN_POLICY,
        "万荣县支持外加剂专业镇高质量发展的若干措施",
        "万政办发〔2023〕21号",
        datetime.date(2023, 6, 15),
        "万荣县人民政府办公室",
        ["万荣县外加剂"],
        Status.PUBLISHED,
        "对新入园外加剂配套企业给予厂房租金补贴；支持龙头企业建设省级技术中心；设立外加剂产业发展基金（示例内容）。",
    ),
    (
        "万荣县",
        Kind.LONG_TERM_PLAN,
        "万荣县外加剂专业镇特色产业发展规划（2023—2030年）",
        "万政发〔2023〕9号",
        datetime.date(2023, 9, 1),
        "万荣县人民政府",
        ["万荣县外加剂"],
        Status.PUBLISHED,
        "围绕“双百”目标，布局聚羧酸减水剂、速凝剂等产品链，建设检验检测和物流公共平台（示例内容）。",
    ),
    ("万荣县", Kind.CULTIVATION_PLAN, "万荣县特色专业镇培育方案（草稿）", "", None, "", [], Status.DRAFT, ""),
    (
        "盐湖区",
        Kind.TOWN_POLICY,
        "盐湖区水泵专业镇一镇一策扶持政策（征求意见稿）",
        "",
        None,
        "盐湖区人民政府办公室",
        ["盐湖区水泵"],
        Status.DRAFT,
        "征求意见中（示例内容）。",
    ),
]


def _documents(users: dict) -> None:
    for county_name, kind, title, number, issued, issuer, towns, status, summary in DOCUMENTS:
        county = County.objects.filter(name=county_name).first()
        if county is None:
            continue
        document, created = CountyDocument.objects.get_or_create(
            county=county,
            title=title,
            defaults={
                "kind": kind,
                "number": number,
                "issued_on": issued,
                "issuer": issuer,
                "summary": summary,
                "status": status,
                "published_at": timezone.now() if status == Status.PUBLISHED else None,
                "created_by": users.get(county_name),
            },
        )
        if created:
            document.towns.set(Town.objects.filter(county=county, name__in=towns))


def _tasks(users: dict, today: datetime.date) -> None:
    quarter = progress.period_of(today, progress.QUARTERLY).code
    year_end = datetime.date(today.year, 12, 31)
    overdue_on = today - datetime.timedelta(days=30)
    done_by = today - datetime.timedelta(days=10)
    rows = [
        # county, title, owner unit, owner, deadline, city task, towns, (progress of this quarter or None)
        (
            "万荣县",
            "外加剂产业园标准化厂房二期建设",
            "万荣县工信局",
            "县工信局局长",
            year_end,
            3,
            ["万荣县外加剂"],
            "60",
        ),
        (
            "万荣县",
            "外加剂检验检测公共服务平台投入运行",
            "万荣县市场监管局",
            "县市场监管局分管副局长",
            overdue_on,
            5,
            ["万荣县外加剂"],
            "80",
        ),
        ("万荣县", "组织外加剂企业参加全国建材展会", "万荣县商务局", "", done_by, 11, ["万荣县外加剂"], "100"),
        ("盐湖区", "水泵产业联盟新增会员企业", "盐湖区工信局", "", year_end, 1, ["盐湖区水泵"], None),
    ]
    for county_name, title, unit, person, deadline, number, towns, pct in rows:
        county = County.objects.filter(name=county_name).first()
        if county is None:
            continue
        task, created = CountyTask.objects.get_or_create(
            county=county,
            year=deadline.year,
            title=title,
            defaults={
                "owner_unit": unit,
                "owner_person": person,
                "deadline": deadline,
                "city_task": Task.objects.filter(number=number).first(),
                "created_by": users.get(county_name),
            },
        )
        if not created:
            continue
        task.towns.set(Town.objects.filter(county=county, name__in=towns))
        if pct is None:
            continue
        CountyTaskReport.objects.create(
            task=task,
            period=quarter,
            progress_pct=Decimal(pct),
            narrative="按计划推进，已召开专题调度会（示例内容）。",
            submitted_by=users.get(county_name),
        )
        # what county_services._refresh_status keeps: the latest report's progress, 100% done
        task.progress_pct = Decimal(pct)
        task.status = CountyTask.Status.DONE if pct == "100" else CountyTask.Status.IN_PROGRESS
        task.done_on = done_by if pct == "100" else None
        task.save(update_fields=["progress_pct", "status", "done_on"])


def _targets(users: dict, today: datetime.date) -> None:
    """万荣县: last year's job target met and tax target missed (against the demo figures), this year's set with no
    figures yet; 盐湖区: last year's job target only."""
    last_year = today.year - 1
    for county_name, year, jobs_factor, tax_factor in (
        ("万荣县", last_year, Decimal("0.9"), Decimal("1.2")),
        ("万荣县", today.year, Decimal("1.1"), Decimal("1.3")),
        ("盐湖区", last_year, Decimal("1.05"), None),
    ):
        county = County.objects.filter(name=county_name).first()
        if county is None:
            continue
        actual = TownYearFigures.objects.filter(town__county=county, year=last_year).aggregate(
            jobs=Sum("local_jobs"), tax=Sum("tax_wan")
        )
        jobs = int((actual["jobs"] or 5000) * jobs_factor)
        tax = ((actual["tax"] or Decimal("10000")) * tax_factor).quantize(Decimal("1")) if tax_factor else None
        CountyTarget.objects.get_or_create(
            county=county,
            year=year,
            defaults={
                "jobs_target": jobs,
                "tax_target_wan": tax,
                "note": "县政府常务会议确定（示例）",
                "set_by": users.get(county_name),
            },
        )


@transaction.atomic
def load_demo_county_mechanisms() -> None:
    User = get_user_model()
    users = {
        "万荣县": User.objects.filter(username="wanrong").first(),
        "盐湖区": User.objects.filter(username="yanhu").first(),
    }
    today = timezone.localdate()
    _documents(users)
    _tasks(users, today)
    _targets(users, today)

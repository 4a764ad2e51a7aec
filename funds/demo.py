"""Development data for the special fund: this year's budget and a year of allocations (invented amounts and
document numbers), written through the services so the audit trail and the counties' notifications show them too."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core import demo
from evaluation import services as evaluation
from evaluation.models import EvaluationRun
from tasks_registry.models import KeyProject
from towns.models import Town
from towns.permissions import is_office

from . import services
from .models import FundAllocation, FundBudget

BUDGET_WAN = Decimal("3000")
REWARDS_WAN = (Decimal("200"), Decimal("150"), Decimal("100"))  # by rank of the commended towns
# town, purpose, amount, what it pays for, how far it got
SUPPORT = [
    ("万荣县外加剂", "quality_brand", "300", "外加剂团体标准制定与品牌推广", "paid"),
    ("闻喜县玻璃器皿", "innovation", "260", "玻璃器皿工业设计中心建设", "issued"),
    ("稷山县纸包装", "transformation", "180", "纸包装企业数字化改造", "planned"),
    ("临猗县渔药", "market_entities", "120", "渔药企业入规培育", "cancelled"),
]
PROJECT = ("外加剂检验检测公共服务平台", "key_projects", "400", "检验检测设备购置", "issued")


def _published_evaluation(office) -> EvaluationRun | None:
    """The latest published evaluation; without one, last year's is run and published here, as the office would
    (the towns' demo figures reach last year)."""
    run = EvaluationRun.objects.filter(status=EvaluationRun.Status.PUBLISHED).order_by("-year").first()
    if run is not None:
        return run
    year = timezone.localdate().year - 1
    EvaluationRun.objects.filter(year=year).delete()  # an unpublished draft, as evaluation_start replaces it
    run = EvaluationRun.objects.create(
        year=year,
        weights=evaluation.config_for(year).effective_weights(),
        total=Town.objects.count(),
        started_by=office,
        trigger="demo",
    )
    evaluation.evaluate_towns(run_id=run.pk, town_ids=list(Town.objects.order_by("pk").values_list("pk", flat=True)))
    evaluation.finalize(run_id=run.pk)
    return evaluation.evaluation_publish(user=office, run=run)


def _move(allocation: FundAllocation, status: str, office, n: int, day: datetime.date) -> None:
    """Take a proposal as far as ``status``: the n-th approving document of the year, its payment voucher."""
    year = allocation.budget.year
    if status == "cancelled":
        services.allocation_cancel(user=office, allocation=allocation, reason="项目调整，改由下一年度安排")
        return
    if status in ("issued", "paid"):
        number = f"运专镇办〔{year}〕{n}号"
        services.allocation_issue(user=office, allocation=allocation, document_number=number, document_date=day)
    if status == "paid":
        services.allocation_pay(user=office, allocation=allocation, paid_on=day, payment_reference=f"ZF{year}{n:04d}")


@transaction.atomic
def load_demo_funds() -> None:
    office = get_user_model().objects.filter(username="office").first()
    # only as the loader's own office account (core.demo), never in the name of a person who holds the username
    if office is None or not demo.created(office) or not is_office(office):
        return
    today = timezone.localdate()
    year = today.year

    def day(month: int, d: int) -> datetime.date:  # in this year, never after today
        return min(datetime.date(year, month, d), today)

    budget = FundBudget.objects.filter(year=year).first() or services.budget_save(
        user=office,
        data={
            "year": year,
            "amount_wan": BUDGET_WAN,
            "document_title": f"关于下达{year}年度培育特色专业镇发展专项资金预算的通知",
            "document_number": f"运财企〔{year}〕6号",
            "document_date": day(1, 20),
        },
    )
    if budget.allocations.exists():
        return  # a year of allocations, once
    run = _published_evaluation(office)
    serial = iter(range(1, 100))
    commendations = run.commendations.select_related("town").order_by("rank")
    for place, (commendation, amount) in enumerate(zip(commendations, REWARDS_WAN, strict=False)):
        allocation = services.allocation_create(
            user=office,
            kind="reward",
            data={
                "budget": budget,
                "commendation": commendation,
                "amount_wan": amount,
                "merit": f"{run.year}年度评估排名第{commendation.rank}，产值和就业增长居全市专业镇前列",
                "description": "对专业镇所在县（市、区）政府的表扬奖励",
            },
        )
        _move(allocation, ("paid", "issued", "planned")[place], office, next(serial), day(4, 10))
    for town_name, purpose, amount, description, status in SUPPORT:
        town = Town.objects.filter(name=town_name).first()
        if town is None:
            continue
        allocation = services.allocation_create(
            user=office,
            kind="town",
            data={
                "budget": budget,
                "town": town,
                "amount_wan": Decimal(amount),
                "purpose": purpose,
                "description": description,
            },
        )
        _move(allocation, status, office, next(serial), day(5, 20))
    name, purpose, amount, description, status = PROJECT
    project = KeyProject.objects.filter(name=name).first()
    if project is not None:
        allocation = services.allocation_create(
            user=office,
            kind="project",
            data={
                "budget": budget,
                "project": project,
                "amount_wan": Decimal(amount),
                "purpose": purpose,
                "description": description,
            },
        )
        _move(allocation, status, office, next(serial), day(6, 18))

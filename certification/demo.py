"""Development data for certification: an open cycle with a rubric, and two expert accounts (created once, only
where nothing of the kind exists: core.demo)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from core import demo
from towns.demo import create_account
from towns.models import Role

from .models import Cycle, RubricItem
from .reference import ensure_default_policy

DEFAULT_RUBRIC = [
    ("产业集中度与龙头带动", 25),
    ("规模与成长性", 25),
    ("市场占有率与品牌影响", 20),
    ("就业带动与富民效果", 15),
    ("发展前景与一镇一策", 15),
]
EXPERTS = [("expert1", "评审专家（产业经济）"), ("expert2", "评审专家（工程技术）")]


@transaction.atomic
def load_demo_certification(password: str) -> None:
    year = timezone.localdate().year
    created: list = []
    if not Cycle.objects.filter(year=year).exists():  # the office's own cycle of the year is left alone
        cycle = Cycle.objects.create(
            name=f"{year}年度市级专业镇认定",
            year=year,
            policy=ensure_default_policy(),
            opens_on=datetime.date(year, 1, 1),
            closes_on=datetime.date(year, 12, 31),
        )
        created.append(cycle)
        created += RubricItem.objects.bulk_create(
            RubricItem(cycle=cycle, name=name, max_score=score, sort_order=i)
            for i, (name, score) in enumerate(DEFAULT_RUBRIC)
        )
    demo.record(created)
    accounts: list = []
    for username, full_name in EXPERTS:
        accounts += create_account(username, full_name, password, Role.EXPERT)
    demo.record(accounts, log=False)

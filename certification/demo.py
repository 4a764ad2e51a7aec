"""Development data for certification: an open cycle with a rubric, and two expert accounts (created once, only
where nothing of the kind exists: core.demo)."""

from __future__ import annotations

import datetime
from decimal import Decimal

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


# 闻喜县玻璃器皿 has 204 glass firms (issue 15): the demo gives it as many, so that the application wizard's firm
# picker pages and searches, and a 闻喜县 account to apply with (the town is city-level: it may apply for 推荐省级).
WIZARD_COUNTY_ACCOUNT = ("wenxi", "闻喜县专业镇专班", "闻喜县")
GLASS_TOWN, GLASS_FIRMS = "闻喜县玻璃器皿", 204


@transaction.atomic
def load_demo_wizard(password: str, *, filled: list[str]) -> None:
    """The 闻喜县 account (only if no user has the name), and the glass town's firms up to 204 — only in the run in
    which the registry's loader filled the town (``filled``), i.e. while nobody had touched it; every row created
    is registered as demo data (core.demo), so a second run, or a town a user has worked on, gets nothing."""
    import random

    from towns.demo import demo_credit_code
    from towns.models import County, Enterprise, EnterpriseYearFigures, Town

    username, full_name, county_name = WIZARD_COUNTY_ACCOUNT
    county = County.objects.filter(name=county_name).first()
    town = Town.objects.filter(name=GLASS_TOWN).first()
    if county is None or town is None:  # the reference data is not loaded
        return
    demo.record(create_account(username, full_name, password, Role.COUNTY, county=county), log=False)
    if GLASS_TOWN not in filled:
        return
    rng = random.Random(20240204)  # deterministic: the same codes and figures on every run
    year = timezone.localdate().year - 1
    firms, figures = [], []
    for n in range(town.enterprises.count() + 1, GLASS_FIRMS + 1):
        firm = Enterprise(
            town=town,
            name=f"闻喜玻璃器皿示例企业{n:03d}",
            credit_code=demo_credit_code(rng, county.division_code),
            role=Enterprise.Role.SUPPORTING if n % 4 == 0 else Enterprise.Role.OTHER,
            above_designated_size=n % 7 == 0,
            main_products="玻璃器皿",
        )
        firms.append(firm)
        figures.append(
            EnterpriseYearFigures(
                enterprise=firm,
                year=year,
                output_wan=Decimal(str(round(rng.uniform(200, 3000), 2))),
                local_jobs=rng.randint(20, 260),
            )
        )
    Enterprise.objects.bulk_create(firms)
    for row in figures:
        row.enterprise_id = row.enterprise.pk
    EnterpriseYearFigures.objects.bulk_create(figures)
    demo.record([*firms, *figures])

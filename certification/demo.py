"""Development data for certification: an open cycle with a rubric, and two expert accounts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from towns.models import Membership, Role

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
    cycle, created = Cycle.objects.get_or_create(
        name=f"{year}年度市级专业镇认定",
        defaults={
            "year": year,
            "policy": ensure_default_policy(),
            "opens_on": datetime.date(year, 1, 1),
            "closes_on": datetime.date(year, 12, 31),
        },
    )
    if created:
        RubricItem.objects.bulk_create(
            RubricItem(cycle=cycle, name=name, max_score=score, sort_order=i)
            for i, (name, score) in enumerate(DEFAULT_RUBRIC)
        )
    User = get_user_model()
    for username, full_name in EXPERTS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(user=user, defaults={"role": Role.EXPERT})


# 闻喜县玻璃器皿 has 204 glass firms (issue 15): the demo gives it as many, so that the application wizard's firm
# picker pages and searches, and a 闻喜县 account to apply with (the town is city-level: it may apply for 推荐省级).
WIZARD_COUNTY_ACCOUNT = ("wenxi", "闻喜县专业镇专班", "闻喜县")
GLASS_TOWN, GLASS_FIRMS = "闻喜县玻璃器皿", 204


@transaction.atomic
def load_demo_wizard(password: str) -> None:
    """Idempotent: creates what is missing (by name), never changes an existing row."""
    import random

    from towns.demo import demo_credit_code
    from towns.models import County, Enterprise, EnterpriseYearFigures, Town

    username, full_name, county_name = WIZARD_COUNTY_ACCOUNT
    county = County.objects.filter(name=county_name).first()
    town = Town.objects.filter(name=GLASS_TOWN).first()
    if county is None or town is None:  # the reference data is not loaded
        return
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
    if created:
        user.set_password(password)
        user.save()
    Membership.objects.get_or_create(user=user, defaults={"role": Role.COUNTY, "county": county})
    rng = random.Random(20240204)  # deterministic: the same codes and figures on every run
    year = timezone.localdate().year - 1
    existing = town.enterprises.count()
    for n in range(existing + 1, GLASS_FIRMS + 1):
        role = Enterprise.Role.SUPPORTING if n % 4 == 0 else Enterprise.Role.OTHER
        enterprise, _ = Enterprise.objects.get_or_create(
            town=town,
            name=f"闻喜玻璃器皿示例企业{n:03d}",
            defaults={
                "credit_code": demo_credit_code(rng, county.division_code),
                "role": role,
                "above_designated_size": n % 7 == 0,
                "main_products": "玻璃器皿",
            },
        )
        EnterpriseYearFigures.objects.get_or_create(
            enterprise=enterprise,
            year=year,
            defaults={
                "output_wan": Decimal(str(round(rng.uniform(200, 3000), 2))),
                "local_jobs": rng.randint(20, 260),
            },
        )

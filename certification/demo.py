"""Development data for certification: an open cycle with a rubric, and two expert accounts."""

from __future__ import annotations

import datetime

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

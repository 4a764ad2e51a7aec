"""Demo accounts and plausible (invented) figures for development. Never run in production."""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.models import ApiToken

from .models import (
    DEFAULT_BASELINE_YEAR,
    Bureau,
    County,
    Enterprise,
    EnterpriseYearFigures,
    Membership,
    Role,
    Town,
    TownYearFigures,
)
from .reference import load_reference_data
from .validators import CREDIT_CODE_ALPHABET, credit_code_check_char

DEMO_PASSWORD = "yuncheng-demo-2026"

# username, display name, role, county, bureau
DEMO_ACCOUNTS: list[tuple[str, str, str, str | None, str | None]] = [
    ("wanrong", "万荣县专业镇专班", Role.COUNTY, "万荣县", None),
    ("yanhu", "盐湖区专业镇专班", Role.COUNTY, "盐湖区", None),
    ("office", "领导小组办公室审核员", Role.OFFICE, None, None),
    ("gongxin", "市工信局联络员", Role.BUREAU, None, "市工信局"),
    ("leader", "领导小组（只读）", Role.LEADER, None, None),
    ("api", "市统计局数据接口", Role.API, None, None),
]


def demo_credit_code(rng: random.Random, division_code: str) -> str:
    """A well-formed (GB 32100-2015) but invented code: 9 1 <division> <9 random> <check>."""
    body = "91" + (division_code or "140800") + "".join(rng.choice(CREDIT_CODE_ALPHABET[:10]) for _ in range(9))
    return body + credit_code_check_char(body)


def _figures(rng: random.Random, base_output: float, base_jobs: int, share: float | None, years: range):
    output, jobs = base_output, base_jobs
    for year in years:
        yield (
            year,
            {
                "output_wan": Decimal(str(round(output, 2))),
                "local_jobs": int(jobs),
                "provincial_share_pct": Decimal(str(round(share, 2))) if share is not None else None,
                "tax_wan": Decimal(str(round(output * rng.uniform(0.03, 0.06), 2))),
            },
        )
        output *= rng.uniform(1.04, 1.18)
        jobs *= rng.uniform(1.0, 1.08)
        if share is not None:
            share = min(99.0, share + rng.uniform(-1.0, 2.5))


@transaction.atomic
def load_demo_data() -> dict[str, object]:
    load_reference_data()
    rng = random.Random(20230324)  # deterministic: running twice produces the same data
    User = get_user_model()
    tokens = {}
    for username, full_name, role, county, bureau in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user,
            defaults={
                "role": role,
                "county": County.objects.get(name=county) if county else None,
                "bureau": Bureau.objects.get(name=bureau) if bureau else None,
            },
        )
        if role == Role.API and not user.api_tokens.filter(revoked_at__isnull=True).exists():
            # Only a digest is stored: the key is printed now, on the first run, and never again.
            from core.api.authentication import digest, new_key

            key = new_key()
            ApiToken.objects.create(
                user=user,
                prefix=key[:8],
                key_hash=digest(key),
                expires_at=timezone.now() + timezone.timedelta(days=365),
            )
            tokens[username] = key

    last_year = timezone.localdate().year - 1
    # From the default base year of the doubling target (2022) at the latest, so that a fresh install shows progress.
    years = range(min(DEFAULT_BASELINE_YEAR, last_year - 4), last_year + 1)
    for town in Town.objects.select_related("county").order_by("pk"):
        scale = 200000 if town.tier == "provincial" else rng.uniform(40000, 120000)
        for year, values in _figures(rng, scale * 0.6, rng.randint(1800, 6000), rng.uniform(30, 70), years):
            TownYearFigures.objects.get_or_create(town=town, year=year, defaults=values)
        for n in range(12):
            role = (
                Enterprise.Role.ANCHOR if n == 0 else Enterprise.Role.SUPPORTING if n <= 10 else Enterprise.Role.OTHER
            )
            name = f"{town.county.name[:2]}{town.leading_industry}示例企业{n + 1:02d}"
            enterprise, _ = Enterprise.objects.get_or_create(
                town=town,
                name=name,
                defaults={
                    "credit_code": demo_credit_code(rng, town.county.division_code),
                    "role": role,
                    "above_designated_size": n < 6,
                    "main_products": town.leading_industry,
                },
            )
            base = scale * (0.15 if n == 0 else 0.03) * rng.uniform(0.5, 1.5)
            for year, values in _figures(rng, base, rng.randint(40, 600), None, years):
                EnterpriseYearFigures.objects.get_or_create(enterprise=enterprise, year=year, defaults=values)
    return {"password": DEMO_PASSWORD, "tokens": tokens}

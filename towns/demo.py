"""Demo accounts and plausible (invented) figures for development. Never run in production.

The loader creates and never updates (core.demo): an account that exists is left as it is (its password, its role,
its tokens, even one the office revoked); a town gets invented firms and figures only if it is one of the first
batch (reference data) and no one has touched it yet — no figures, no firms but the ones the plan names, nothing
recorded against it by a user (an edit, a tier change, an application, evidence, a project...). A town a user
created, or one a user has worked on, is never written to. Everything it creates is registered (core.DemoRecord)
and logged as demo data; running it again finds every first-batch town filled or touched and does nothing.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import demo
from core.models import ApiToken, AuditEntry, ImportJob

from .models import (
    DEFAULT_BASELINE_YEAR,
    Bureau,
    County,
    Enterprise,
    EnterpriseYearFigures,
    Membership,
    Role,
    Town,
    TownTierChange,
    TownYearFigures,
)
from .reference import ANNEX2_SOURCE, FIRST_BATCH, NAMED_ENTERPRISES, load_reference_data
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
ENTERPRISES_PER_TOWN = 12


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


def create_account(username: str, full_name: str, password: str, role: str, county=None, bureau=None) -> list:
    """A demo account, created only if no user has that name (an existing one is never changed); returns what it
    created, for the registry."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return []
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    membership = Membership.objects.create(user=user, role=role, county=county, bureau=bureau)
    return [user, membership]


def _accounts() -> dict[str, str]:
    tokens: dict[str, str] = {}
    created: list = []
    for username, full_name, role, county, bureau in DEMO_ACCOUNTS:
        new = create_account(
            username,
            full_name,
            DEMO_PASSWORD,
            role,
            county=County.objects.get(name=county) if county else None,
            bureau=Bureau.objects.get(name=bureau) if bureau else None,
        )
        created += new
        if new and role == Role.API:
            # Only a digest is stored: the key is printed now, when the account is created, and never again.
            from core.api.authentication import digest, new_key

            key = new_key()
            created.append(
                ApiToken.objects.create(
                    user=new[0],
                    prefix=key[:8],
                    key_hash=digest(key),
                    expires_at=timezone.now() + timezone.timedelta(days=365),
                )
            )
            tokens[username] = key
    demo.record(created, log=False)  # accounts: registered, not logged (their rows hold password and key digests)
    return tokens


def untouched(town: Town) -> bool:
    """Whether nobody has worked on a first-batch town since the reference data created it: its only rows are the
    reference tier change and the firms the plan names (without figures), and no user is in its audit trail or its
    firms'. Any other row pointing at the town — figures, firms, evidence, an application, a certificate, a project,
    a problem, a report, an evaluation — means someone has, and the loader leaves it alone; so does a user's entry in
    its trail (a firm deleted leaves one)."""
    named = {name for name, town_name, _role in NAMED_ENTERPRISES if town_name == town.name}
    if (
        town.enterprises.exclude(name__in=named).exists()
        or EnterpriseYearFigures.objects.filter(enterprise__town=town).exists()
    ):
        return False
    if town.tier_changes.exclude(source=ANNEX2_SOURCE, recorded_by__isnull=True).exists():
        return False
    for relation in Town._meta.related_objects:
        if relation.related_model in (Enterprise, TownTierChange):
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: town}).exists():
            return False
    # a user's entry on the town or on anything under it (firms registered, edited or deleted, figures, evidence)
    town_type = ContentType.objects.get_for_model(Town)
    return not AuditEntry.objects.filter(
        Q(content_type=town_type, object_id=str(town.pk)) | Q(parent_type=town_type, parent_id=str(town.pk)),
        user__isnull=False,
    ).exists()


def _fill(town: Town, rng: random.Random, years: range) -> list:
    """Invented figures for the town and twelve invented firms with theirs (bulk, one town at a time)."""
    scale = 200000 if town.tier == "provincial" else rng.uniform(40000, 120000)
    town_rows = [
        TownYearFigures(town=town, year=year, **values)
        for year, values in _figures(rng, scale * 0.6, rng.randint(1800, 6000), rng.uniform(30, 70), years)
    ]
    firms, firm_rows = [], []
    for n in range(ENTERPRISES_PER_TOWN):
        role = Enterprise.Role.ANCHOR if n == 0 else Enterprise.Role.SUPPORTING if n <= 10 else Enterprise.Role.OTHER
        firm = Enterprise(
            town=town,
            name=f"{town.county.name[:2]}{town.leading_industry}示例企业{n + 1:02d}",
            credit_code=demo_credit_code(rng, town.county.division_code),
            role=role,
            above_designated_size=n < 6,
            main_products=town.leading_industry,
        )
        firms.append(firm)
        base = scale * (0.15 if n == 0 else 0.03) * rng.uniform(0.5, 1.5)
        firm_rows += [
            EnterpriseYearFigures(enterprise=firm, year=year, **values)
            for year, values in _figures(rng, base, rng.randint(40, 600), None, years)
        ]
    TownYearFigures.objects.bulk_create(town_rows)
    Enterprise.objects.bulk_create(firms)
    for row in firm_rows:
        row.enterprise_id = row.enterprise.pk  # set after the firms got their ids
    EnterpriseYearFigures.objects.bulk_create(firm_rows)
    return [*town_rows, *firms, *firm_rows]


@transaction.atomic
def load_demo_data() -> dict[str, object]:
    load_reference_data()
    tokens = _accounts()
    last_year = timezone.localdate().year - 1
    # From the default base year of the doubling target (2022) at the latest, so that a fresh install shows progress.
    years = range(min(DEFAULT_BASELINE_YEAR, last_year - 4), last_year + 1)
    filled = []
    first_batch = [name for name, *_rest in FIRST_BATCH]
    for town in Town.objects.filter(name__in=first_batch).select_related("county").order_by("pk"):
        if not untouched(town):
            continue
        rng = random.Random(f"20230324:{town.name}")  # deterministic per town, whichever towns are filled
        demo.record(_fill(town, rng, years))
        filled.append(town.name)
    return {"password": DEMO_PASSWORD, "tokens": tokens, "filled": filled}


DEMO_IMPORT_NAME = "示例-有错误的企业导入.xlsx"


def load_demo_import_job() -> None:
    """One finished import job of 万荣县's official, as an upload with two wrong cells leaves it: the newcomer sees
    the job page (errors by row and column, nothing saved) from 批量导入 → 我最近的导入. Touches no registry data;
    created once (by its file name)."""

    user = get_user_model().objects.filter(username="wanrong").first()
    if user is None or ImportJob.objects.filter(user=user, original_name=DEMO_IMPORT_NAME).exists():
        return
    job = ImportJob.objects.create(
        kind="enterprises",
        user=user,
        original_name=DEMO_IMPORT_NAME,
        status=ImportJob.Status.FAILED,
        rows_total=3,
        rows_read=3,
        rows_checked=3,
        error_count=2,
        errors=[
            [3, "C列（统一社会信用代码）", "统一社会信用代码校验位错误（按GB 32100-2015应为9）。"],
            [4, "H列（产值（万元））", "确保该值大于或等于0。"],
        ],
        message="发现 2 处错误，未导入任何数据。",
        finished_at=timezone.now(),
    )
    demo.record([job], log=False)

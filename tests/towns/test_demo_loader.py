"""The demo loader (make run → load_demo_data) touches only what it created itself: it creates and never updates,
fills a first-batch town only while no user has touched it, and running it again changes nothing. A town a user
created and certified (万荣县苹果) never gets invented firms or figures."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from core import demo
from core.models import ApiToken, AuditEntry, DemoRecord
from towns import services
from towns.models import County, Enterprise, EnterpriseYearFigures, Membership, Role, Town, TownYearFigures
from towns.reference import FIRST_BATCH, load_reference_data

from ..factories import make_user, valid_credit_code

TODAY = timezone.localdate()


def _everything():
    return {
        m._meta.label: list(m.objects.order_by("pk").values())
        for m in apps.get_models()
        if m._meta.app_label not in ("sessions", "axes")
    }


def _rows_of(town: Town) -> dict:
    """What a user sees of a town: its registry entry, tier history, firms and every figure."""
    return {
        "town": Town.objects.filter(pk=town.pk).values().get(),
        "tiers": list(town.tier_changes.order_by("pk").values()),
        "firms": list(Enterprise.objects.filter(town=town).order_by("pk").values()),
        "figures": list(TownYearFigures.objects.filter(town=town).order_by("pk").values()),
        "firm_figures": list(EnterpriseYearFigures.objects.filter(enterprise__town=town).order_by("pk").values()),
    }


def test_a_users_town_and_the_towns_users_worked_on_are_never_written_to(db):
    load_reference_data()
    wanrong = make_user(Role.COUNTY, county=County.objects.get(name="万荣县"), username="zhang")
    office = make_user(Role.OFFICE, username="li")

    # a county official registers 万荣县苹果 with two firms and their figures, the office certifies it (city level)
    apple = services.town_register(
        user=wanrong,
        county_id=wanrong.membership.county_id,
        data={"name": "万荣县苹果", "leading_industry": "苹果", "sector": "agriculture"},
        source="县（市、区）申报认定时登记",
    )
    for n, name in enumerate(("万荣县果业合作社", "万荣县苹果加工厂")):
        firm = services.enterprise_create(
            user=wanrong,
            town=apple,
            data={"name": name, "credit_code": valid_credit_code(n + 1), "role": "anchor" if n == 0 else "supporting"},
        )
        services.enterprise_figures_save(
            user=wanrong, enterprise=firm, data={"year": 2024, "output_wan": Decimal("3000"), "local_jobs": 80}
        )
    services.town_figures_save(
        user=wanrong, town=apple, data={"year": 2024, "output_wan": Decimal("21000"), "local_jobs": 2100}
    )
    services.town_change_tier(
        user=office, town=apple, to_tier="city", effective_date=TODAY, source="运专镇认〔2026〕001号"
    )
    # a first-batch town the office edited, one a county gave figures to, one whose named firm the county deleted
    services.town_update(
        user=office, town=Town.objects.get(name="盐湖区水泵"), data={"description": "运城潜水泵产业联盟，办公室核实"}
    )
    wenxi = Town.objects.get(name="闻喜县玻璃器皿")
    services.town_figures_save(
        user=office, town=wenxi, data={"year": 2024, "output_wan": Decimal("88000"), "local_jobs": 5200}
    )
    services.enterprise_delete(user=office, enterprise=Enterprise.objects.get(name="昕光包装"))
    jishan = Town.objects.get(name="稷山县纸包装")
    touched = [apple, Town.objects.get(name="盐湖区水泵"), wenxi, jishan]
    theirs = {t.name: _rows_of(t) for t in touched}
    user_entries = list(AuditEntry.objects.filter(user__isnull=False).order_by("pk").values())

    call_command("load_demo_data", stdout=StringIO())
    after_first = _everything()
    call_command("load_demo_data", stdout=StringIO())
    assert _everything() == after_first  # idempotent: the second run writes nothing at all

    for town in touched:
        assert _rows_of(town) == theirs[town.name], town.name  # nothing of theirs changed, nothing added
    assert not Enterprise.objects.filter(name__contains="示例企业", town__in=touched).exists()
    assert not Enterprise.objects.filter(name="昕光包装").exists()  # the deleted named firm stays deleted
    assert list(AuditEntry.objects.filter(user__isnull=False).order_by("pk").values()) == user_entries

    # the untouched first-batch towns were filled, and every row the loader made is in its registry and the trail
    untouched = Town.objects.filter(name__in=[n for n, *_ in FIRST_BATCH]).exclude(pk__in=[t.pk for t in touched])
    assert sorted(untouched.values_list("name", flat=True)) == ["万荣县外加剂", "临猗县渔药", "永济市机电制造"]
    demo_firms = demo.ids(Enterprise)
    for town in untouched:
        invented = Enterprise.objects.filter(town=town, name__contains="示例企业")
        assert invented.count() == 12 and {str(pk) for pk in invented.values_list("pk", flat=True)} <= demo_firms
        assert TownYearFigures.objects.filter(town=town).exists()
    logged = AuditEntry.objects.filter(note__startswith="示例数据", content_type__model="enterprise")
    assert logged.count() == 36 and not logged.filter(user__isnull=False).exists()
    assert {
        str(pk) for pk in Enterprise.objects.filter(pk__in=[int(i) for i in demo_firms]).values_list("pk", flat=True)
    } == demo_firms
    assert not DemoRecord.objects.filter(
        content_type__model="enterprise", object_id__in=[str(e.pk) for t in touched for e in t.enterprises.all()]
    ).exists()


def test_existing_accounts_are_left_as_they_are(db):
    """An account a person made under a demo name gets no role; a token the office revoked is not re-issued."""
    load_reference_data()
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.create_user(username="office", password="x" * 12)
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "API token of api:" in out.getvalue()  # the loader's own account, created now
    assert not Membership.objects.filter(user=person).exists()
    api = get_user_model().objects.get(username="api")
    ApiToken.objects.filter(user=api).update(revoked_at=timezone.now())
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "API token" not in out.getvalue()
    assert not ApiToken.objects.filter(user=api, revoked_at__isnull=True).exists()


def test_demo_tasks_are_written_once_and_only_in_the_loaders_names(db):
    load_reference_data()
    from django.contrib.auth import get_user_model

    from tasks_registry.models import KeyProject, Problem, ProgressReport

    call_command("load_demo_data", stdout=StringIO())
    # the task board's demo: 3 reports, 1 problem, 2 projects (the assessment's demo adds a year of reports)
    assert ProgressReport.objects.filter(period__startswith=f"{TODAY.year}-").count() >= 3
    assert Problem.objects.count() >= 1 and KeyProject.objects.count() == 2
    KeyProject.objects.filter(name="外加剂检验检测公共服务平台").delete()  # a county removes a demo project
    call_command("load_demo_data", stdout=StringIO())
    assert KeyProject.objects.count() == 1  # not put back
    problem = Problem.objects.order_by("pk").first()  # the task board demo's (loaded before the assessment's)
    assert problem.found_on <= TODAY and problem.number.startswith(f"WT{TODAY.year}-")
    assert get_user_model().objects.get(username="gongxin").pk in {int(i) for i in demo.ids(get_user_model())}


def test_a_first_batch_town_with_an_application_is_left_alone(db, settings):
    """Any row pointing at the town (an application, a project, a report...) means someone works on it."""
    load_reference_data()
    from tasks_registry.models import KeyProject

    town = Town.objects.get(name="临猗县渔药")
    KeyProject.objects.create(
        town=town, name="渔药扩产", investment_wan=Decimal("100"), stage="signed", signed_on=datetime.date(2026, 1, 5)
    )
    call_command("load_demo_data", stdout=StringIO())
    assert not town.enterprises.filter(name__contains="示例企业").exists() and not town.figures.exists()

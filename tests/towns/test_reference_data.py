"""Reference data from the 2023 plan loads exactly once; demo data is repeatable too."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from certification.models import CriteriaPolicy, Cycle, RubricItem
from core.models import AuditEntry
from tasks_registry.models import KeyProject, Measure, MeasureProgress, Problem, ProgressReport, Task, TaskUnit
from towns.models import (
    Bureau,
    County,
    Enterprise,
    EnterpriseYearFigures,
    LeadingGroupOffice,
    Membership,
    Town,
    TownTierChange,
    TownYearFigures,
)

ALL_MODELS = [
    CriteriaPolicy,
    Cycle,
    RubricItem,
    Task,
    TaskUnit,
    Measure,
    ProgressReport,
    MeasureProgress,
    Problem,
    KeyProject,
    County,
    Bureau,
    LeadingGroupOffice,
    Town,
    TownTierChange,
    Enterprise,
    TownYearFigures,
    EnterpriseYearFigures,
    Membership,
    AuditEntry,
]


def snapshot():
    return {m.__name__: sorted(m.objects.values_list("pk", flat=True)) for m in ALL_MODELS}


def test_reference_data_loads_once(db):
    call_command("load_reference_data", stdout=StringIO())
    assert County.objects.count() == 14  # 13 county-level units + 运城开发区
    assert County.objects.exclude(kind="zone").count() == 13
    assert set(County.objects.values_list("name", flat=True)) >= {"盐湖区", "永济市", "河津市", "万荣县", "芮城县"}
    towns = {t.name: (t.county.name, t.leading_industry, t.tier) for t in Town.objects.select_related("county")}
    assert towns == {
        "万荣县外加剂": ("万荣县", "混凝土外加剂", "provincial"),
        "盐湖区水泵": ("盐湖区", "水泵", "city"),
        "闻喜县玻璃器皿": ("闻喜县", "玻璃器皿", "city"),
        "永济市机电制造": ("永济市", "机电制造", "city"),
        "稷山县纸包装": ("稷山县", "纸包装", "city"),
        "临猗县渔药": ("临猗县", "渔药", "city"),
    }
    assert TownTierChange.objects.filter(effective_date="2022-09-28").count() == 6
    for name in ("人行运城市中心支行", "运城银保监分局", "市工信局", "市招商投资中心", "市能源局"):
        assert Bureau.objects.filter(name=name).exists(), name
    office = LeadingGroupOffice.objects.get()
    assert office.host_bureau.name == "市工信局"
    assert set(office.deputy_bureaus.values_list("name", flat=True)) == {"市农业农村局", "市文旅局"}
    named = dict(Enterprise.objects.values_list("name", "town__name"))
    assert (
        named["康特尔"] == "万荣县外加剂" and named["天海泵业"] == "盐湖区水泵" and named["昕光包装"] == "稷山县纸包装"
    )
    assert len(named) == 6

    before = snapshot()
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert snapshot() == before
    assert "created 0 counties, 0 bureaus, 0 towns, 0 enterprises, 0 tasks, 0 task units, 0 measures" in out.getvalue()
    assert Task.objects.count() == 12 and TaskUnit.objects.count() == 79
    assert CriteriaPolicy.objects.filter(code="YC-2023").count() == 1


def test_demo_data_is_idempotent_and_valid(db):
    call_command("load_demo_data", stdout=StringIO())
    before = snapshot()
    assert Membership.objects.filter(role="county", county__name="万荣县").exists()
    assert Membership.objects.filter(role="bureau", bureau__name="市工信局").exists()
    for model in (Enterprise, TownYearFigures, EnterpriseYearFigures):
        for obj in model.objects.all()[:50]:
            obj.full_clean()  # demo data obeys the same rules as user input
    call_command("load_demo_data", stdout=StringIO())
    assert snapshot() == before


def test_demo_data_refused_in_production(db, settings):
    import pytest
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("load_demo_data", stdout=StringIO())

"""The targets dashboard (目标完成情况): each target of 二、总体目标 at its boundaries, the tier on a
date, who sees the dashboard, the rows and exports behind every figure, and a fixed query count."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.formats import format_wan
from core.spreadsheets import XLSX_CONTENT_TYPE
from targets import dashboard as target_dashboard
from targets import rules as targets
from targets.dashboard import build_dashboard
from targets.rules import END_2023, END_2025, CountyFacts, DashboardInput, TierChangeFacts, TownFacts
from towns.models import County, Tier, TownTierChange

from ..factories import CountyFactory, EnterpriseFactory, TownFactory, TownFiguresFactory

BEFORE = datetime.date(2023, 6, 1)  # both deadlines ahead
AFTER_2023 = datetime.date(2024, 3, 1)  # end-2023 passed, end-2025 ahead
AFTER_2025 = datetime.date(2026, 3, 1)  # both passed
D = Decimal


def town(pk, tier=Tier.CITY, county=1, **kw) -> TownFacts:
    return TownFacts(pk=pk, name=kw.pop("name", f"镇{pk}"), county_id=county, tier=tier, **kw)


def change(town_id, tier, on, pk=0) -> TierChangeFacts:
    return TierChangeFacts(town_id=town_id, to_tier=tier, effective_date=on, pk=pk)


def data(towns, counties=None, changes=(), outputs=None) -> DashboardInput:
    counties = counties or [CountyFacts(1, "盐湖区")]
    return DashboardInput(towns=towns, counties=counties, changes=list(changes), outputs=outputs or {})


def dated(pk, tier, on=datetime.date(2022, 9, 28), **kw):
    """A town and the change that gave it its tier."""
    return town(pk, tier, **kw), change(pk, tier, on, pk=pk)


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wan", "text"),
    [
        (D("123000"), "12.3亿元"),
        (D("10000"), "1亿元"),
        (D("1000000"), "100亿元"),
        (D("999999.99"), "99.99亿元"),  # truncated: never shown as the 百亿 it has not reached
        (D("8500"), "8,500万元"),
        (D("9999.99"), "9,999.99万元"),
        (D("0"), "0万元"),
        (None, "—"),
    ],
)
def test_amounts_read_as_chinese_statistics_write_them(wan, text):
    assert format_wan(wan) == text


# --- the tier on a date ----------------------------------------------------------------------------


def test_tier_at_takes_the_latest_change_on_or_before_the_date():
    t = town(1, Tier.PROVINCIAL)
    history = [
        change(1, Tier.POTENTIAL, datetime.date(2022, 1, 1), pk=1),
        change(1, Tier.CITY, datetime.date(2022, 9, 28), pk=2),
        change(1, Tier.PROVINCIAL, datetime.date(2024, 1, 1), pk=3),
    ]
    assert targets.tier_at(t, history, datetime.date(2021, 12, 31)) is None  # not yet in the programme
    assert targets.tier_at(t, history, datetime.date(2022, 9, 27)) == Tier.POTENTIAL
    assert targets.tier_at(t, history, datetime.date(2022, 9, 28)) == Tier.CITY  # effective on the day itself
    assert targets.tier_at(t, history, END_2023) == Tier.CITY  # promoted the day after the deadline
    assert targets.tier_at(t, history, datetime.date(2024, 1, 1)) == Tier.PROVINCIAL


def test_tier_at_same_day_changes_the_later_record_wins_and_demotions_count():
    t = town(1, Tier.CITY)
    on = datetime.date(2023, 5, 1)
    grouped = targets.changes_by_town(
        [change(1, Tier.CITY, on, pk=9), change(1, Tier.PROVINCIAL, on, pk=4), change(1, Tier.CITY, END_2025, pk=10)]
    )
    assert targets.tier_at(t, grouped[1], on) == Tier.CITY  # pk 9 recorded after pk 4
    two = targets.changes_by_town(
        [change(1, Tier.PROVINCIAL, on, pk=4), change(1, Tier.CITY, datetime.date(2023, 12, 1), pk=5)]
    )
    assert targets.tier_at(t, two[1], END_2023) == Tier.CITY  # demoted before the deadline


def test_tier_at_without_history_falls_back_to_tier_since_or_unknown():
    assert targets.tier_at(town(1, Tier.PROVINCIAL, tier_since=datetime.date(2023, 12, 31)), [], END_2023) == (
        Tier.PROVINCIAL
    )
    assert targets.tier_at(town(1, Tier.PROVINCIAL, tier_since=datetime.date(2024, 1, 1)), [], END_2023) is None
    assert targets.tier_at(town(1, Tier.PROVINCIAL), [], END_2023) is None
    undated = build_dashboard(data([town(1, Tier.PROVINCIAL, name="无记录镇")]), AFTER_2025)
    assert undated.undated_towns == ["无记录镇"]
    assert undated.provincial.checks[0].value == 0


# --- 1. provincial-level towns -----------------------------------------------------------------------


def test_one_provincial_town_meets_the_1_to_2_target_for_2023():
    t, c = dated(1, Tier.PROVINCIAL)
    board = build_dashboard(data([t], changes=[c]), AFTER_2023)
    check_2023, check_2025 = board.provincial.checks
    assert board.provincial.now == 1
    assert (check_2023.value, check_2023.status, check_2023.target_label) == (1, "met", "1～2个")
    assert check_2023.status_label == "按期完成"
    assert check_2025.value is None and check_2025.status == "open"
    assert check_2025.status_label == "推进中，还差4个"


def test_no_provincial_town_on_the_deadline_is_missed_even_if_promoted_later():
    t = town(1, Tier.PROVINCIAL)
    history = [
        change(1, Tier.CITY, datetime.date(2022, 9, 28), 1),
        change(1, Tier.PROVINCIAL, datetime.date(2024, 1, 1), 2),
    ]
    board = build_dashboard(data([t], changes=history), AFTER_2023)
    check = board.provincial.checks[0]
    assert (board.provincial.now, check.value, check.status) == (1, 0, "missed")
    assert check.status_label == "未按期完成（差1个）"


def test_provincial_targets_before_their_deadlines_read_the_present():
    t, c = dated(1, Tier.PROVINCIAL)
    checks = build_dashboard(data([t], changes=[c]), BEFORE).provincial.checks
    assert [ch.status for ch in checks] == ["met", "open"]
    assert checks[0].status_label == "已提前完成"
    assert all(ch.value is None for ch in checks)


def test_five_provincial_towns_at_end_2025_meet_it_four_do_not():
    rows = [dated(i, Tier.PROVINCIAL) for i in range(1, 6)]
    towns, changes = [r[0] for r in rows], [r[1] for r in rows]
    assert build_dashboard(data(towns, changes=changes), AFTER_2025).provincial.checks[1].status == "met"
    four = build_dashboard(data(towns[:4], changes=changes[:4]), AFTER_2025).provincial.checks[1]
    assert (four.value, four.status, four.status_label) == (4, "missed", "未按期完成（差1个）")


# --- 2. city-level towns (provincial ones included) --------------------------------------------------


def test_city_level_target_counts_provincial_towns_and_is_met_at_8():
    rows = [dated(1, Tier.PROVINCIAL)] + [dated(i, Tier.CITY) for i in range(2, 9)]
    towns, changes = [r[0] for r in rows], [r[1] for r in rows]
    check = build_dashboard(data(towns + [town(99, Tier.POTENTIAL)], changes=changes), AFTER_2023).city.checks[0]
    assert (check.value, check.status, check.target_label) == (8, "met", "8～10个")
    seven = build_dashboard(data(towns[1:], changes=changes[1:]), AFTER_2023).city.checks[0]
    assert (seven.value, seven.status) == (7, "missed")


# --- 3. every county covered -------------------------------------------------------------------------


def test_coverage_needs_a_city_or_provincial_town_and_ignores_the_zone():
    counties = [
        CountyFacts(1, "盐湖区", County.Kind.DISTRICT),
        CountyFacts(2, "万荣县"),
        CountyFacts(3, "夏县"),  # only a potential town
        CountyFacts(4, "平陆县"),  # nothing
        CountyFacts(5, "运城开发区", County.Kind.ZONE),
    ]
    towns = [
        town(1, Tier.CITY, county=1),
        town(2, Tier.PROVINCIAL, county=2),
        town(3, Tier.POTENTIAL, county=3),
        town(4, Tier.CITY, county=5),
    ]
    cov = build_dashboard(data(towns, counties=counties), BEFORE).coverage
    assert [tile.name for tile in cov.tiles] == ["盐湖区", "万荣县", "夏县", "平陆县"]
    assert {tile.name: tile.covered for tile in cov.tiles} == {
        "盐湖区": True,
        "万荣县": True,
        "夏县": False,
        "平陆县": False,
    }
    assert (cov.covered, cov.total, cov.check.low) == (2, 4, 4)
    assert cov.tiles[2].potential_towns == ["镇3"]
    assert cov.check.status == "open" and cov.check.status_label == "推进中，还差2个"
    assert cov.geographic and cov.tiles[0].css_position == "r3 c3"


def test_coverage_on_the_deadline_uses_the_tier_history():
    counties = [CountyFacts(1, "盐湖区"), CountyFacts(2, "万荣县")]
    towns = [town(1, Tier.CITY, county=1), town(2, Tier.CITY, county=2)]
    history = [change(1, Tier.CITY, datetime.date(2022, 9, 28), 1), change(2, Tier.CITY, datetime.date(2026, 1, 1), 2)]
    cov = build_dashboard(data(towns, counties=counties, changes=history), AFTER_2025).coverage
    assert cov.covered == 2  # today
    assert [tile.covered_at_deadline for tile in cov.tiles] == [True, False]
    assert (cov.check.value, cov.check.status) == (1, "missed")


def test_tile_map_falls_back_to_plain_order_for_unknown_counties():
    cov = build_dashboard(data([], counties=[CountyFacts(1, "盐湖区"), CountyFacts(2, "测试县")]), BEFORE).coverage
    assert not cov.geographic


# --- 4. 万荣's 双百 -----------------------------------------------------------------------------------


def wanrong(enterprises, output):
    t = town(1, Tier.PROVINCIAL, name="万荣县外加剂", enterprise_count=enterprises)
    return build_dashboard(data([t], outputs={1: {2024: D("5"), 2025: output}}), AFTER_2025).double_hundred


def test_double_hundred_at_exactly_100_is_not_over_100():
    dh = wanrong(100, D("1000000"))
    assert dh.found and dh.output_year == 2025
    assert not dh.enterprises.met and not dh.output.met and not dh.met
    assert (dh.enterprises.display, dh.output.display) == ("100户", "100亿元")
    assert (dh.enterprises.target_display, dh.output.target_display) == ("突破100户", "突破100亿元")


def test_double_hundred_is_met_just_over_both():
    dh = wanrong(101, D("1000000.01"))
    assert dh.enterprises.met and dh.output.met and dh.met
    assert dh.enterprises.bar_value == dh.enterprises.bar_max == "100"  # the bar is full, not overflowing


def test_double_hundred_without_the_town_or_its_figures_says_so():
    assert not build_dashboard(data([town(1)]), AFTER_2025).double_hundred.found
    t = town(1, Tier.PROVINCIAL, name="万荣县外加剂", enterprise_count=3)
    dh = build_dashboard(data([t]), AFTER_2025).double_hundred
    assert dh.output.value is None and dh.output.display == "无产值数据" and not dh.output.met


# --- 5. doubling from the baseline -------------------------------------------------------------------


def test_doubling_at_exactly_twice_the_baseline_is_met_and_just_below_is_not():
    towns = [town(1, baseline_year=2021), town(2, baseline_year=2021), town(3, Tier.POTENTIAL, baseline_year=2021)]
    outputs = {
        1: {2021: D("50000"), 2025: D("100000")},
        2: {2021: D("50000"), 2025: D("99999.99")},
        3: {2021: D("1"), 2025: D("10")},
    }
    rows = build_dashboard(data(towns, outputs=outputs), AFTER_2025).doubling
    assert [(r.town_pk, r.status) for r in rows] == [(1, "met"), (2, "open")]  # potential towns are not listed
    assert rows[0].target_output == D("100000") and rows[0].multiple == D("2.00")
    assert rows[1].multiple == D("1.99") and rows[1].status_label == "未翻番"


def test_doubling_without_baseline_is_listed_as_such_never_as_zero():
    towns = [
        town(1),
        town(2, baseline_year=2020),
        town(3, Tier.PROVINCIAL, baseline_year=2021),
        town(4, baseline_year=2021),
    ]
    outputs = {1: {2025: D("80000")}, 2: {2025: D("80000")}, 4: {2021: D("0"), 2025: D("10")}}
    rows = {r.town_pk: r for r in build_dashboard(data(towns, outputs=outputs), AFTER_2025).doubling}
    # No base year set: the default 2022 (the old rule listed it as "无基准年数据" without a year).
    assert rows[1].status_label == "无基准年数据（2022年产值未填报）"
    assert rows[2].status_label == "无基准年数据（2020年产值未填报）"
    assert rows[3].status == "no_baseline_figures" and rows[3].latest_display == "无产值数据"
    assert rows[4].status_label == "基准年产值为零，无法计算翻番"
    assert all(r.target_output is None and not r.has_progress for r in rows.values())
    assert rows[1].baseline_display == "无" and rows[1].target_display == "无法计算"


# --- 6. scale bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wan", "band"),
    [
        (D("2000000"), "200"),
        (D("1999999.99"), "100"),
        (D("1000000"), "100"),
        (D("500000"), "50"),
        (D("200000"), "20"),
        (D("100000"), "10"),
        (D("99999.99"), "below"),
        (None, "none"),
    ],
)
def test_scale_band_floors_include_the_number_itself(wan, band):
    assert targets.band_of(wan) == band


def test_band_counts_use_each_towns_latest_year():
    towns = [town(1), town(2, Tier.POTENTIAL), town(3)]
    outputs = {1: {2020: D("300000"), 2025: D("120000")}, 2: {2025: D("2500000")}}
    counts = {b.code: b.count for b in build_dashboard(data(towns, outputs=outputs), BEFORE).bands}
    assert counts == {"200": 1, "100": 0, "50": 0, "20": 0, "10": 1, "below": 0, "none": 1}


# --- 7. charts -------------------------------------------------------------------------------------


def test_trend_chart_is_inline_svg_without_styles_or_scripts():
    towns = [town(1, name="盐湖区<水泵>"), town(2, Tier.PROVINCIAL), town(3, Tier.POTENTIAL)]
    outputs = {
        1: {2021: D("50000"), 2022: D("60000"), 2024: D("70000"), 2025: D("80000")},  # 2023 missing
        2: {y: D("100000") for y in range(2018, 2026)},
        3: {2025: D("1")},
    }
    board = build_dashboard(data(towns, outputs=outputs), BEFORE)
    assert board.years == [2021, 2022, 2023, 2024, 2025]
    assert [r.town_pk for r in board.trends] == [2, 1]  # key towns only, largest first
    svg = str(board.trend_chart)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "产值（亿元）" in svg and "年份" in svg and "2023年" in svg
    assert "style" not in svg and "<script" not in svg.lower()
    assert "盐湖区&lt;水泵&gt;" in svg and "<水泵>" not in svg
    assert svg.count("<polyline") == 3  # town 1's line breaks at the missing year
    assert "盐湖区&lt;水泵&gt; 2021年：5亿元" in svg


def test_chart_without_figures_says_so():
    assert "暂无产值数据" in str(build_dashboard(data([town(1)]), BEFORE).trend_chart)


# --- pages: who sees the dashboard -------------------------------------------------------------------


def history(world):
    """The world's towns as the reference data records them: certified on 2022-09-28."""
    for t in (world.home_town, world.other_town):
        TownTierChange.objects.create(
            town=t, from_tier="", to_tier=t.tier, effective_date=datetime.date(2022, 9, 28), source="附件2"
        )


@pytest.mark.parametrize("role", ["leader", "office"])
def test_leader_and_office_homes_show_the_dashboard(world, client_for, role):
    response = client_for(role).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="targets-dashboard"' in html
    assert "三年行动计划目标完成情况" in html and "<svg" in html
    assert "style=" not in html and "<style" not in html and "<script" not in html


@pytest.mark.parametrize("role", ["county", "bureau", "expert", "api"])
def test_other_roles_homes_do_not(world, client_for, role):
    response = client_for(role).get(reverse("home"))
    assert response.status_code == 200
    assert 'id="targets-dashboard"' not in response.content.decode()


def test_leader_home_keeps_its_tier_counts_and_top_towns(world, client_for):
    response = client_for("leader").get(reverse("home"))
    assert response.context["tier_counts"] == {"潜力专业镇": 0, "市级专业镇": 1, "省级专业镇": 1}
    assert [t.name for t in response.context["top_towns"]] == ["万荣县外加剂", "盐湖区水泵"]
    assert response.context["top_towns"][0].latest_figures.year == 2024


def test_targets_page_needs_a_portal_role(world, client_for, client):
    assert client.get(reverse("targets")).status_code == 302
    assert client_for("norole").get(reverse("targets")).status_code == 403
    assert client_for("norole").get(reverse("target-rows", args=["city"])).status_code == 403
    page = client_for("county").get(reverse("targets"))
    assert page.status_code == 200 and 'id="doubling-charts"' in page.content.decode()
    assert client_for("office").get(reverse("target-rows", args=["nonsense"])).status_code == 404


# --- pages: every figure's rows and export -----------------------------------------------------------


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def names(response) -> list[str]:
    assert response.status_code == 200
    return [cells[0][0] for _pk, cells in response.context["rows"]]


@pytest.fixture
def past_deadlines(monkeypatch):
    """Both deadlines behind us, whatever the clock of the machine running the tests."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: AFTER_2025)


def test_every_link_and_export_on_the_dashboard_answers(world, client_for, past_deadlines):
    history(world)
    client = client_for("leader")
    html = client.get(reverse("targets")).content.decode()
    links = sorted(set(re.findall(r'href="(/(?:targets|towns|enterprises|counties)/[^"]*)"', html)))
    assert any("export=xlsx" in link for link in links)
    for link in links:
        link = link.replace("&amp;", "&")
        response = client.get(link)
        assert response.status_code == 200, link
        if "export=xlsx" in link:
            assert response["Content-Type"] == XLSX_CONTENT_TYPE, link
    for county in (world.home_county, world.other_county):
        assert f'href="{reverse("county-detail", args=[county.pk])}"' in html


def test_tier_figures_link_to_the_towns_they_count(world, client_for, past_deadlines):
    history(world)
    late = TownFactory(name="新晋省级镇", county=world.other_county, tier=Tier.PROVINCIAL)
    TownTierChange.objects.create(
        town=late, to_tier=Tier.PROVINCIAL, effective_date=datetime.date(2024, 1, 1), source="省认定"
    )
    client = client_for("office")
    board = client.get(reverse("home")).context["dashboard"]
    assert board.provincial.now == 2 and [c.value for c in board.provincial.checks] == [1, 2]
    assert board.city.now == 3 and board.city.checks[0].value == 2

    provincial_now = client.get(reverse("town-list"), {"tier": "provincial"})
    assert sorted(t.name for t in provincial_now.context["page"]) == ["万荣县外加剂", "新晋省级镇"]
    assert names(client.get(reverse("target-rows", args=["provincial-2023"]))) == ["万荣县外加剂"]
    assert sorted(names(client.get(reverse("target-rows", args=["provincial-2025"])))) == ["万荣县外加剂", "新晋省级镇"]
    sheet = xlsx_rows(client.get(reverse("target-rows", args=["provincial-2023"]), {"export": "xlsx"}))
    assert sheet[0][:3] == ["专业镇", "所在县（市、区）", "当时梯次"]
    assert [row[0] for row in sheet[1:]] == ["万荣县外加剂"]
    assert sheet[1][3] is not None  # the effective date of the change behind the count
    city = xlsx_rows(client.get(reverse("target-rows", args=["city-2023"]), {"export": "xlsx"}))
    assert sorted(row[0] for row in city[1:]) == ["万荣县外加剂", "盐湖区水泵"]
    assert sorted(names(client.get(reverse("target-rows", args=["city"])))) == [
        "万荣县外加剂",
        "新晋省级镇",
        "盐湖区水泵",
    ]


def test_coverage_rows_leave_out_the_zone(world, client_for):
    zone = CountyFactory(name="运城开发区", kind=County.Kind.ZONE, division_code="")
    TownFactory(name="开发区镇", county=zone, tier=Tier.CITY)
    bare = CountyFactory(name="夏县")
    TownFactory(name="夏县潜力镇", county=bare, tier=Tier.POTENTIAL)
    client = client_for("leader")
    response = client.get(reverse("target-rows", args=["coverage"]))
    assert sorted(names(response)) == ["万荣县", "夏县", "盐湖区"]
    sheet = xlsx_rows(client.get(reverse("target-rows", args=["coverage"]), {"export": "xlsx"}))
    assert {row[0]: row[1] for row in sheet[1:]} == {"万荣县": "是", "盐湖区": "是", "夏县": "否"}
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("county-detail", args=[zone.pk])}"' not in html
    assert f'href="{reverse("county-detail", args=[bare.pk])}"' in html


def test_double_hundred_links_to_its_enterprises_and_outputs(world, client_for):
    for _ in range(4):
        EnterpriseFactory(town=world.home_town)
    client = client_for("leader")
    dh = client.get(reverse("home")).context["dashboard"].double_hundred
    assert dh.enterprises.value == 5
    listed = client.get(reverse("enterprise-list"), {"town": world.home_town.pk})
    assert listed.context["page"].paginator.count == 5
    exported = xlsx_rows(client.get(reverse("enterprise-list"), {"town": world.home_town.pk, "export": "xlsx"}))
    assert len(exported) - 1 == 5
    outputs = xlsx_rows(client.get(reverse("target-rows", args=["double-hundred"]), {"export": "xlsx"}))
    assert [(row[1], row[2]) for row in outputs[1:]] == [(2024, 70000), (2023, 60000)]
    assert dh.output.value == Decimal("70000.00") and dh.output.display == "7亿元"


def test_doubling_rows_and_export(world, client_for):
    world.other_town.baseline_year = 2023
    world.other_town.save()
    client = client_for("office")
    rows = {r.town_name: r for r in client.get(reverse("home")).context["dashboard"].doubling}
    assert rows["万荣县外加剂"].status_label == "无基准年数据（2022年产值未填报）"  # default base year 2022
    assert rows["盐湖区水泵"].status == "open" and rows["盐湖区水泵"].multiple == Decimal("1.16")
    html = client.get(reverse("home")).content.decode()
    assert "无基准年数据" in html
    sheet = xlsx_rows(client.get(reverse("target-rows", args=["doubling"]), {"export": "xlsx"}))
    by_town = {row[0]: row for row in sheet[1:]}
    assert by_town["盐湖区水泵"][3:8] == [2023, 60000, 120000, 2024, 70000]
    assert by_town["万荣县外加剂"][3] == 2022 and by_town["万荣县外加剂"][-1] == "无基准年数据（2022年产值未填报）"


def test_doubling_table_and_charts_show_a_bounded_number_of_towns_and_link_to_all(world, client_for, monkeypatch):
    monkeypatch.setattr(target_dashboard, "DOUBLING_SHOWN", 1)
    client = client_for("leader")
    page = client.get(reverse("targets"))
    assert len(page.context["dashboard"].doubling) == 2
    assert len(page.context["doubling_charts"]) == 1
    html = page.content.decode()
    assert html.count("以上为前1个，共2个。") == 2  # under the table and under the charts
    assert reverse("target-rows", args=["doubling"]) in html
    rows = client.get(reverse("target-rows", args=["doubling"])).context["rows"]
    assert len(rows) == 2  # the rows page lists every town


def test_trend_chart_draws_the_largest_towns_only(world, client_for, monkeypatch):
    monkeypatch.setattr(target_dashboard, "TREND_TOWNS_CHARTED", 1)
    dashboard = client_for("leader").get(reverse("targets")).context["dashboard"]
    assert len(dashboard.trends) == 2
    assert [r.town_name for r in dashboard.trends_charted] == [dashboard.trends[0].town_name]
    html = client_for("leader").get(reverse("targets")).content.decode()
    assert "图中为产值最大的1个，共2个。" in html


def test_band_figures_filter_their_rows(world, client_for):
    big = TownFactory(name="百亿镇", county=world.home_county)
    TownFiguresFactory(town=big, year=2024, output_wan=Decimal("1000000"))
    client = client_for("leader")
    counts = {b.code: b.count for b in client.get(reverse("home")).context["dashboard"].bands}
    assert counts["100"] == 1 and counts["below"] == 2
    assert names(client.get(reverse("target-rows", args=["bands"]), {"band": "100"})) == ["百亿镇"]
    assert sorted(names(client.get(reverse("target-rows", args=["bands"]), {"band": "below"}))) == [
        "万荣县外加剂",
        "盐湖区水泵",
    ]
    sheet = xlsx_rows(client.get(reverse("target-rows", args=["bands"]), {"band": "100", "export": "xlsx"}))
    assert [row[0] for row in sheet[1:]] == ["百亿镇"] and sheet[1][-1] == "100亿级"
    assert len(names(client.get(reverse("target-rows", args=["bands"]), {"band": "bogus"}))) == 3


def test_trend_rows_and_export(world, client_for):
    client = client_for("leader")
    response = client.get(reverse("target-rows", args=["trends"]))
    assert sorted(names(response)) == ["万荣县外加剂", "盐湖区水泵"]
    sheet = xlsx_rows(client.get(reverse("target-rows", args=["trends"]), {"export": "xlsx"}))
    assert sheet[0][3:] == [f"{y}年产值（万元）" for y in range(2020, 2025)]
    assert sheet[1][3:] == [None, None, None, 60000, 70000]


# --- queries stay fixed as towns grow ----------------------------------------------------------------


def grow(world, n):
    for i in range(n):
        county = CountyFactory(name=f"增长县{i}") if i % 3 else world.home_county
        t = TownFactory(county=county, tier=[Tier.CITY, Tier.POTENTIAL, Tier.PROVINCIAL][i % 3], baseline_year=2022)
        TownTierChange.objects.create(town=t, to_tier=t.tier, effective_date=datetime.date(2023, 1, 1), source="x")
        for year in (2022, 2023, 2024):
            TownFiguresFactory(town=t, year=year)
        EnterpriseFactory(town=t)


def count_queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm content types and the like
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


PAGES = [
    ("home", [], {}),
    ("targets", [], {}),
    ("target-rows", ["doubling"], {}),
    ("target-rows", ["coverage"], {"export": "xlsx"}),
    ("target-rows", ["provincial-2023"], {}),
]


@pytest.mark.parametrize("role", ["leader", "office"])
def test_dashboard_queries_do_not_grow_from_3_to_30_towns(world, client_for, role):
    grow(world, 1)  # 3 towns
    client = client_for(role)
    small = {f"{n}{a}{p}": count_queries(client, reverse(n, args=a), p) for n, a, p in PAGES}
    grow(world, 27)  # 30 towns
    large = {f"{n}{a}{p}": count_queries(client, reverse(n, args=a), p) for n, a, p in PAGES}
    assert small == large
    assert large["targets[]{}"] <= 9, large  # session, user, membership, notifications + 4 for the dashboard
    assert large["home[]{}"] <= 12, large  # tests/system/test_queries.py's budget for every home page

"""The doubling target (市级专业镇在现有基础上实现产值翻一番, by the end of 2025) with its default base year 2022 and
the office's per-town setting, the aggregate of all city-level towns, the demo data, and the application's
figures becoming the town's yearly figures when the office certifies."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from certification import services as cert_services
from certification.models import Application
from core.models import AuditEntry
from evaluation import services as evaluation
from targets.dashboard import build_dashboard
from targets.doubling import DOUBLING_DEADLINE, doubling, doubling_total
from targets.rules import CountyFacts, DashboardInput, TownFacts
from towns import services as town_services
from towns.models import DEFAULT_BASELINE_YEAR, Tier, Town, TownYearFigures
from towns.reference import FIRST_BATCH

from ..factories import TownFiguresFactory
from ..helpers import town_with_firms

D = Decimal
BEFORE_DEADLINE = datetime.date(2025, 6, 1)
AFTER_DEADLINE = datetime.date(2026, 3, 1)


def town(pk, tier=Tier.CITY, **kw) -> TownFacts:
    return TownFacts(pk=pk, name=kw.pop("name", f"镇{pk}"), county_id=1, tier=tier, **kw)


def data(towns, outputs) -> DashboardInput:
    return DashboardInput(towns=towns, counties=[CountyFacts(1, "盐湖区")], changes=[], outputs=outputs)


# --- the rule -------------------------------------------------------------------------------------------


def test_the_default_base_year_is_2022_the_year_before_the_plan():
    assert DEFAULT_BASELINE_YEAR == 2022
    assert DOUBLING_DEADLINE.isoformat() == "2025-12-31"
    rows = {
        r.town_pk: r
        for r in doubling(
            data(
                [town(1), town(2, baseline_year=2023)],
                {
                    1: {2021: D("1"), 2022: D("50000"), 2025: D("100000")},
                    2: {2022: D("10"), 2023: D("40000"), 2025: D("79999.99")},
                },
            )
        )
    }
    assert rows[1].baseline_year == 2022 and rows[1].baseline_default and rows[1].status == "met"
    assert rows[1].baseline_year_display == "2022年（默认）"
    assert rows[2].baseline_year == 2023 and not rows[2].baseline_default and rows[2].status == "open"
    assert rows[2].multiple == D("1.99") and rows[2].baseline_year_display == "2023年"


def test_a_town_without_2022_figures_is_listed_as_such_never_as_zero():
    (row,) = doubling(data([town(1)], {1: {2024: D("80000")}}))
    assert row.status == "no_baseline_figures" and row.status_label == "无基准年数据（2022年产值未填报）"
    assert not row.has_progress


def test_potential_towns_are_not_in_the_doubling_target():
    rows = doubling(data([town(1, Tier.POTENTIAL), town(2, Tier.PROVINCIAL)], {1: {2022: D("1")}, 2: {2022: D("1")}}))
    assert [r.town_pk for r in rows] == [2]


def test_the_aggregate_sums_base_year_and_latest_outputs_of_the_towns_with_both():
    towns = [town(1), town(2, baseline_year=2023), town(3, name="无数据镇"), town(4, Tier.POTENTIAL)]
    outputs = {
        1: {2022: D("50000"), 2025: D("90000")},
        2: {2023: D("30000"), 2024: D("70000")},
        3: {2025: D("10000")},
        4: {2022: D("1"), 2025: D("1000")},
    }
    total = build_dashboard(data(towns, outputs), BEFORE_DEADLINE).doubling_total
    assert total.counted == 2 and total.left_out == ["无数据镇"]
    assert total.baseline_output == D("80000") and total.latest_output == D("160000")
    assert total.target_output == D("160000") and total.met and total.status == "met"  # exactly twice: met
    assert total.multiple == D("2.00")
    assert total.baseline_years_display == "2022—2023年" and total.latest_years_display == "2024—2025年"


@pytest.mark.parametrize(
    ("latest", "today", "status", "label"),
    [
        (D("159999.99"), BEFORE_DEADLINE, "open", "推进中"),
        (D("159999.99"), DOUBLING_DEADLINE, "open", "推进中"),  # the deadline day itself is still in time
        (D("159999.99"), AFTER_DEADLINE, "missed", "未按期实现"),
        (D("160000"), AFTER_DEADLINE, "met", "合计已翻番"),
    ],
)
def test_the_aggregate_against_the_2025_deadline(latest, today, status, label):
    rows = doubling(data([town(1)], {1: {2022: D("80000"), 2025: latest}}))
    total = doubling_total(rows, today)
    assert total.status == status and total.status_label == label


def test_the_aggregate_with_no_town_counted():
    total = doubling_total(doubling(data([town(1)], {})), AFTER_DEADLINE)
    assert total.counted == 0 and total.status == "nodata" and not total.met and total.multiple is None


# --- the dashboard and the rows page ------------------------------------------------------------------------


def test_the_dashboard_shows_the_deadline_and_the_aggregate_next_to_the_towns(world, client_for):
    TownFiguresFactory(town=world.other_town, year=2022, output_wan=D("35000"))
    html = client_for("leader").get(reverse("home")).content.decode()
    section = html.split('id="target-doubling"')[1].split("</article>")[0]
    assert "目标：力争到2025年底" in section and 'id="doubling-total"' in section
    assert "市级专业镇合计（1个）" in section and "2022年（默认）" in section
    rows = client_for("leader").get(reverse("target-rows", args=["doubling"]))
    text = rows.content.decode()
    assert "力争到2025年底" in text and "基准年默认为2022年" in text and "合计（1个镇）" in text


def test_the_evaluation_reads_the_same_default_base_year(world):
    TownFiguresFactory(town=world.other_town, year=2022, output_wan=D("35000"))
    town_row = Town.objects.get(pk=world.other_town.pk)
    values = evaluation.gather([town_row], 2024)[town_row.pk]["values"]
    assert values["baseline_doubling"] is not None  # 70,000 against 2 × 35,000: 100 %
    assert D(str(values["baseline_doubling"])) == D("100")


# --- the office sets the base year on the town's page ---------------------------------------------------------


def test_the_office_sets_and_resets_a_towns_base_year_audited(world):
    office = world.users["office"]
    town_services.town_set_baseline_year(user=office, town=world.other_town, year=2023)
    world.other_town.refresh_from_db()
    assert world.other_town.baseline_year == 2023
    entry = AuditEntry.objects.filter(object_id=str(world.other_town.pk), note__contains="基准年").first()
    assert entry.note == "设定产值翻一番基准年为2023年" and entry.changes
    town_services.town_set_baseline_year(user=office, town=world.other_town, year=None)
    world.other_town.refresh_from_db()
    assert world.other_town.baseline_year is None
    assert AuditEntry.objects.filter(note="产值翻一番基准年恢复为默认（2022年）").exists()


def test_only_the_office_sets_the_base_year_and_a_future_year_is_refused(world):
    with pytest.raises(PermissionDenied):
        town_services.town_set_baseline_year(user=world.users["county"], town=world.home_town, year=2023)
    with pytest.raises(ValidationError) as exc:
        town_services.town_set_baseline_year(
            user=world.users["office"], town=world.home_town, year=timezone.localdate().year + 1
        )
    assert "baseline_year" in exc.value.message_dict
    world.home_town.refresh_from_db()
    assert world.home_town.baseline_year is None


def test_the_town_page_shows_the_base_year_and_the_office_form(world, client_for):
    url = reverse("town-detail", kwargs={"pk": world.other_town.pk})
    office = client_for("office")
    html = office.get(url).content.decode()
    assert "2022（默认）" in html and 'id="baseline-year-form"' in html
    assert 'id="baseline-year-form"' not in client_for("county").get(url).content.decode()
    post = reverse("town-baseline-year", kwargs={"pk": world.other_town.pk})
    assert office.post(post, {"baseline_year": "2023"}).status_code == 302
    assert "2023（办公室设定）" in office.get(url).content.decode()
    assert client_for("county").post(post, {"baseline_year": "2021"}).status_code == 403
    office.post(post, {"baseline_year": "abc"})  # refused with a message, nothing saved
    world.other_town.refresh_from_db()
    assert world.other_town.baseline_year == 2023


# --- a fresh install (make run) ---------------------------------------------------------------------------------


def test_demo_data_shows_doubling_progress_for_the_first_batch_against_2022(db, django_user_model):
    call_command("load_reference_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())
    names = [name for name, *_rest in FIRST_BATCH]
    assert len(names) == 6
    for name in names:
        assert TownYearFigures.objects.filter(town__name=name, year=2022).exists(), name
    office = django_user_model.objects.get(username="office")
    from targets import selectors

    dashboard, _data = selectors.dashboard(user=office)
    rows = {r.town_name: r for r in dashboard.doubling}
    for name in names:
        row = rows[name]
        assert row.baseline_year == 2022 and row.baseline_default and row.has_progress, (name, row.status)
    assert dashboard.doubling_total.counted >= 6


# --- figures flow on certification -----------------------------------------------------------------------------


def test_certifying_records_the_applications_figures_as_the_towns(world, cert):
    town = town_with_firms(world, "万荣县新认定镇")
    app = cert.make("public_notice", town=town)
    assert not TownYearFigures.objects.filter(town=town).exists()
    cert_services.application_certify(user=cert.office, application=app)
    figures = TownYearFigures.objects.get(town=town, year=2024)
    assert (figures.output_wan, figures.local_jobs, figures.provincial_share_pct) == (D("60000"), 2500, D("55"))
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.CREATE, object_id=str(figures.pk), note__startswith="依认定"
    )
    assert entry.note == f"依认定申请{app.number}" and entry.user == cert.office


def test_a_town_with_different_figures_keeps_them_and_the_office_saw_the_difference(world, cert, client_for):
    app = cert.make("public_notice")  # 万荣县外加剂 already has 2024: output 70,000 against the application's 60,000
    html = client_for("office").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    note = html.split('id="figures-difference"')[1].split("</div>")[0]
    assert "本镇已有2024年数据，与申请填报不一致" in note
    assert "年产值" in note and "7亿元" in note and "6亿元" in note
    assert "带动当地就业" not in note  # the same jobs are not listed
    county_html = client_for("county").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    assert 'id="figures-difference"' not in county_html
    cert_services.application_certify(user=cert.office, application=app)  # a note, not a block
    kept = TownYearFigures.objects.get(town=world.home_town, year=2024)
    assert kept.output_wan == D("70000")


def test_same_figures_show_no_difference_and_add_nothing(world, cert, client_for):
    app = cert.make("public_notice")
    Application.objects.filter(pk=app.pk).update(annual_output_wan=D("70000"))
    html = client_for("office").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    assert 'id="figures-difference"' not in html and "将记入本镇年度数据" not in html
    count = TownYearFigures.objects.count()
    cert_services.application_certify(user=cert.office, application=app)
    assert TownYearFigures.objects.count() == count


def test_a_new_towns_page_tells_the_office_the_figures_will_be_recorded(world, cert, client_for):
    app = cert.make("public_notice", town=town_with_firms(world, "万荣县待认定镇"))
    html = client_for("office").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    assert "认定后，申请填报的2024年数据将记入本镇年度数据" in html

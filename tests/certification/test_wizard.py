"""The application wizard (issue 15, items 5, 6 and 8): the target tier a town may apply for, the evidence each
claim needs, the firm picker (registry roles proposed, paged and searchable for hundreds of firms, bulk roles),
the firms' totals offered as a starting value, the way back from importing firms, and the submit checklist and
button — on the pages, through the services and through the API's live check."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification import engine, readiness, services
from certification.models import Application
from towns.models import Enterprise, EnterpriseYearFigures, TownEvidence

from ..factories import EnterpriseFactory, EnterpriseFiguresFactory, TownFactory, pdf_bytes
from ..helpers import client_of, other_county_user, town_with_firms

S = Application.Status


def step_url(app, step: str) -> str:
    return reverse("application-step", kwargs={"pk": app.pk, "step": step})


def check_url(app) -> str:
    return reverse("api:application-check", kwargs={"pk": app.pk})


def selected(html: str, enterprise) -> str:
    """The value selected in a firm's role select on the picker page ("" for 不列入)."""
    select = re.search(rf'<select name="firm_{enterprise.pk}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select for {enterprise.name}"
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return chosen.group(1) if chosen else ""


def ready_shown(html: str) -> bool:
    """Whether the page shows "✓ 各项已填写完整，可以提交。" (it is in the page, hidden, while anything is missing)."""
    ready = re.search(r'<p id="ready"([^>]*)>(.*?)</p>', html, re.S)
    assert ready and "各项已填写完整，可以提交。" in ready.group(2)
    return "hidden" not in ready.group(1)


def attach(app, county, kind: str, name: str = "证明.pdf"):
    return services.attachment_add(
        user=county, application=app, upload=SimpleUploadedFile(name, pdf_bytes(), "application/pdf"), kind=kind
    )


# --- item 5: the target tier -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("town_tier", "target", "refused_with"),
    [
        ("potential", "city", None),
        ("city", "provincial", None),
        ("provincial", "city", "已是省级专业镇"),
        ("provincial", "provincial", "已是省级专业镇"),
        ("city", "city", "已是市级专业镇"),
        ("potential", "provincial", "推荐省级专业镇须已是市级专业镇"),
    ],
)
def test_the_engine_allows_one_step_up_the_tier_ladder_only(town_tier, target, refused_with):
    refusal = engine.target_tier_refusal(target_tier=target, town_tier=town_tier)
    if refused_with is None:
        assert refusal is None
    else:
        assert refused_with in refusal


def test_a_provincial_town_cannot_start_a_city_application(world, cert):
    from towns.models import Town

    Town.objects.filter(pk=world.home_town.pk).update(tier="provincial")
    world.home_town.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        services.application_start(user=cert.county, cycle=cert.cycle, target_tier="city", town=world.home_town)
    assert "已是省级专业镇，不能再申报市级专业镇" in info.value.message_dict["target_tier"][0]
    assert not Application.objects.exists()


def test_the_start_page_says_why_a_target_tier_is_refused(world, cert, client_for):
    city_town = TownFactory(county=world.home_county, tier="city", name="万荣县市级镇")
    response = client_for("county").post(
        reverse("application-start"), {"cycle": cert.cycle.pk, "target_tier": "city", "town": city_town.pk}
    )
    assert response.status_code == 200
    assert "该专业镇已是市级专业镇，不能再申报市级专业镇" in response.content.decode()
    assert not Application.objects.exists()


def test_the_basics_step_refuses_a_tier_change_that_makes_no_sense(world, cert, client_for):
    app = cert.make("draft")  # a potential town applying for 市级
    response = client_for("county").post(
        step_url(app, "basics"),
        {"target_tier": "provincial", "sector": app.sector, "leading_industry": app.leading_industry, "summary": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "推荐省级专业镇须已是市级专业镇" in page
    assert "本镇当前为潜力专业镇" in page  # the field's help says where the town stands
    app.refresh_from_db()
    assert app.target_tier == "city"


def test_a_draft_whose_town_moved_up_cannot_be_submitted(world, cert, client_for):
    """The town was designated provincial after the draft was started: the checklist names it, the button is
    disabled, and the server refuses a submission anyway."""
    from towns.models import Town

    app = cert.make("draft")
    attach(app, cert.county, "figures")
    Town.objects.filter(pk=app.town_id).update(tier="provincial")
    page = client_for("county").get(step_url(app, "attachments")).content.decode()
    assert "已是省级专业镇" in page and not ready_shown(page)
    assert re.search(r'<button type="submit" class="primary" id="submit-button"[^>]* disabled', page)
    response = client_for("county").post(reverse("application-submit", kwargs={"pk": app.pk}), follow=True)
    assert "已是省级专业镇" in response.content.decode()
    app.refresh_from_db()
    assert app.status == S.DRAFT and not app.versions.exists()


# --- item 5: evidence for each claim -----------------------------------------------------------------------------


def test_each_claim_needs_its_statement_and_its_proof(world, cert, client_for):
    app = cert.make("draft")
    services.application_update(
        user=cert.county,
        application=app,
        data={"national_market": True, "national_market_evidence": "全国市场占有率约两成"},
    )
    app.refresh_from_db()
    missing = readiness.missing(app)
    assert missing == [
        "申报“全国拥有较大市场空间”的，请在“申报材料”中上传“市场占有率证明”（或由办公室先行认可该证明）。"
    ]
    page = client_for("county").get(step_url(app, "figures")).content.decode()
    assert "上传“市场占有率证明”" in page
    assert not ready_shown(page)  # "各项已填写完整，可以提交" is not shown
    with pytest.raises(ValidationError, match="市场占有率证明"):
        services.application_submit(user=cert.county, application=app)

    attach(app, cert.county, "figures", "统计.pdf")  # another category proves nothing about the market
    assert readiness.missing(app)
    attach(app, cert.county, "market", "市场.pdf")
    assert readiness.missing(app) == []
    page = client_for("county").get(step_url(app, "figures")).content.decode()
    assert ready_shown(page)
    services.application_submit(user=cert.county, application=app)


def test_a_traditional_feature_needs_kind_statement_and_a_feature_proof(world, cert):
    app = cert.make("draft")
    services.application_update(user=cert.county, application=app, data={"traditional_feature": True})
    app.refresh_from_db()
    assert readiness.missing(app) == [
        "申报“主导产品具有传统特色”的，请选择传统特色类别并写明说明（三、二）。",
        "申报“主导产品具有传统特色”的，请在“申报材料”中上传“传统特色证明（发源地、地理标志等）”（或由办公室先行认可该证明）。",
    ]
    services.application_update(
        user=cert.county,
        application=app,
        data={"traditional_feature_kind": "gi", "traditional_feature_evidence": "国家地理标志产品"},
    )
    attach(app, cert.county, "feature")
    app.refresh_from_db()
    assert readiness.missing(app) == []


def test_evidence_the_office_already_accepted_proves_the_claim(world, cert):
    from towns import evidence

    evidence.evidence_record(
        user=cert.office,
        town=world.home_town,
        kind=TownEvidence.Kind.NATIONAL_MARKET,
        statement="主导产品全国市场占有率约三成",
        document="行业协会2024年度报告",
    )
    app = cert.make("draft")  # prefilled with the accepted claim
    assert app.national_market and readiness.missing(app) == []
    # a traditional feature of another kind than the accepted one is not proven by it
    evidence.evidence_record(
        user=cert.office,
        town=world.home_town,
        kind=TownEvidence.Kind.TRADITIONAL_FEATURE,
        feature_kind="birthplace",
        statement="历史发源地",
        document="县志",
    )
    services.application_update(
        user=cert.county,
        application=app,
        data={"traditional_feature": True, "traditional_feature_kind": "gi", "traditional_feature_evidence": "地标"},
    )
    app.refresh_from_db()
    assert [m for m in readiness.missing(app) if "传统特色证明" in m]
    services.application_update(user=cert.county, application=app, data={"traditional_feature_kind": "birthplace"})
    app.refresh_from_db()
    assert readiness.missing(app) == []


# --- the API's live check ------------------------------------------------------------------------------------------


def test_the_live_check_answers_verdict_and_checklist_for_unsaved_values(world, cert, api_for):
    app = cert.make("draft")
    api = api_for("county")
    response = api.post(
        check_url(app),
        {"annual_output_wan": "30000", "national_market": True, "national_market_evidence": "全国第一"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"]["outcome"] == "ineligible" and body["ready"] is False
    assert any("市场占有率证明" in m for m in body["missing"])
    refused = api.post(check_url(app), {"target_tier": "provincial"}, format="json").json()
    assert refused["missing"][0].startswith("推荐省级专业镇须已是市级专业镇")
    counts = api.post(check_url(app), {"anchor_enterprises": 0, "supporting_enterprises": 0}, format="json").json()
    assert "请在“龙头和配套企业”中列入龙头企业和关联配套企业。" in counts["missing"]
    assert counts["verdict"]["criteria"][0]["status"] == "fail"
    app.refresh_from_db()
    assert api.post(check_url(app), {}, format="json").json() == {
        "verdict": app.verdict().as_dict(),
        "missing": [],
        "ready": True,
    }
    app.refresh_from_db()
    assert app.annual_output_wan == Decimal("60000") and not app.national_market  # nothing was saved


def test_the_live_check_refuses_bad_values_field_by_field(world, cert, api_for):
    app = cert.make("draft")
    response = api_for("county").post(
        check_url(app), {"local_jobs": 2.5, "national_market": "yes", "figures_year": 2999}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"local_jobs", "national_market", "figures_year"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("county", 200), ("office", 403), ("leader", 403), ("api", 403), ("bureau", 403), ("other_county", 404)],
)
def test_the_live_check_is_the_applying_countys_only(world, cert, api_for, who, expected):
    from rest_framework.test import APIClient

    app = cert.make("submitted")  # past the draft, so leaders and API accounts can read it (and get 403 here)
    if who == "other_county":
        client = APIClient()
        client.force_authenticate(other_county_user(world))
    else:
        client = api_for(who)
    assert client.post(check_url(app), {}, format="json").status_code == expected
    bad_body = client.post(check_url(app), {"local_jobs": "not a number"}, format="json")
    assert bad_body.status_code == (400 if expected == 200 else expected)  # scope and role before the body


# --- item 6: the firm picker -------------------------------------------------------------------------------------


def test_firms_registered_after_the_start_are_proposed_in_their_registry_role(world, cert, client_for):
    app = cert.make("draft")
    anchor = EnterpriseFactory(town=app.town, role="anchor", name="新龙头")
    supporting = EnterpriseFactory(town=app.town, role="supporting", name="新配套")
    other = EnterpriseFactory(town=app.town, role="other", name="其他企业")
    client = client_for("county")
    page = client.get(step_url(app, "firms")).content.decode()
    assert (selected(page, anchor), selected(page, supporting), selected(page, other)) == ("anchor", "supporting", "")
    assert "有 2 家企业在企业名录中登记为龙头或关联配套企业、尚未列入本申请" in page
    assert selected(page, world.home_enterprise) == "anchor"  # listed at the start from the registry

    # the county leaves the proposed supporting firm out: remembered, no longer proposed
    response = client.post(
        step_url(app, "firms"),
        {
            "shown": f"{anchor.pk},{supporting.pk},{other.pk}",
            f"firm_{anchor.pk}": "anchor",
            f"firm_{supporting.pk}": "",
        },
    )
    assert response.status_code == 302
    roles = dict(app.application_firms.values_list("enterprise__name", "role"))
    assert roles["新龙头"] == "anchor" and "新配套" not in roles and "其他企业" not in roles
    page = client.get(step_url(app, "firms")).content.decode()
    assert selected(page, supporting) == "" and "尚未列入本申请" not in page


def test_accepting_the_proposals_lists_every_proposed_firm_across_pages(world, cert, client_for):
    app = cert.make("draft")
    Enterprise.objects.bulk_create(
        Enterprise(town=app.town, name=f"导入配套{n:03d}", role="supporting") for n in range(120)
    )
    response = client_for("county").post(step_url(app, "firms"), {"shown": "", "action": "accept"}, follow=True)
    assert "已按登记角色列入120家企业。" in response.content.decode()
    assert app.application_firms.filter(role="supporting").count() == 9 + 120


def test_a_page_saves_only_its_rows_and_bulk_roles_apply_to_ticked_or_filtered_firms(world, cert, client_for):
    app = cert.make("draft")
    firms = [EnterpriseFactory(town=app.town, role="other", name=f"玻璃{n}") for n in range(3)]
    client = client_for("county")
    shown = ",".join(str(f.pk) for f in firms)
    client.post(
        step_url(app, "firms"),
        {"shown": shown, "pick": [firms[0].pk, firms[1].pk], "bulk_role": "supporting", "action": "bulk"},
    )
    roles = dict(app.application_firms.values_list("enterprise__name", "role"))
    assert roles["玻璃0"] == roles["玻璃1"] == "supporting" and "玻璃2" not in roles
    assert roles["康特尔"] == "anchor"  # not on the page: untouched
    response = client.post(
        step_url(app, "firms"),
        {"shown": "", "shown_q": "玻璃", "bulk_scope": "filtered", "bulk_role": "anchor", "action": "bulk"},
        follow=True,
    )
    assert "已将3家企业设为龙头企业。" in response.content.decode()
    assert set(app.application_firms.filter(enterprise__name__startswith="玻璃").values_list("role", flat=True)) == {
        "anchor"
    }


def test_the_picker_searches_and_pages_500_firms_within_a_query_budget(world, cert, client_for):
    app = cert.make("draft")
    client = client_for("county")

    def queries(url) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    small, _page = queries(step_url(app, "firms"))
    firms = Enterprise.objects.bulk_create(
        Enterprise(town=app.town, name=f"闻喜玻璃器皿{n:03d}厂", role="supporting" if n % 3 else "other")
        for n in range(500)
    )
    EnterpriseYearFigures.objects.bulk_create(
        EnterpriseYearFigures(enterprise=e, year=2024, output_wan=Decimal("100"), local_jobs=10) for e in firms
    )
    large, page = queries(step_url(app, "firms"))
    assert large <= small + 2, (small, large)  # the page's own few queries, whatever the town's size
    assert large <= 30
    assert page.count('<select name="firm_') == 50 and "共 510 家" in page and "第 1 / 11 页" in page
    _n, last = queries(step_url(app, "firms") + "?page=11")
    assert last.count('<select name="firm_') == 10
    _n, found = queries(step_url(app, "firms") + "?q=器皿042")
    assert found.count('<select name="firm_') == 1 and "闻喜玻璃器皿042厂" in found
    _n, others = queries(step_url(app, "firms") + "?role=other&listed=unlisted")
    assert "共 167 家" in others


def test_filtering_or_paging_saves_the_page_first(world, cert, client_for):
    app = cert.make("draft")
    firm = EnterpriseFactory(town=app.town, role="other", name="待选企业")
    response = client_for("county").post(
        step_url(app, "firms"),
        {"shown": str(firm.pk), f"firm_{firm.pk}": "supporting", "q": "康特尔", "action": "filter"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?q=%E5%BA%B7%E7%89%B9%E5%B0%94")
    assert app.application_firms.get(enterprise=firm).role == "supporting"


def test_a_firm_of_another_town_is_refused(world, cert, client_for):
    app = cert.make("draft")
    foreign = world.other_enterprise
    response = client_for("county").post(
        step_url(app, "firms"), {"shown": str(foreign.pk), f"firm_{foreign.pk}": "anchor"}, follow=True
    )
    assert "所选企业不属于该专业镇。" in response.content.decode()
    assert not app.application_firms.filter(enterprise=foreign).exists()


# --- item 6: the firms' totals as a starting value -----------------------------------------------------------------


def test_the_firms_latest_totals_are_offered_and_filled_only_when_asked(world, cert, client_for):
    town = town_with_firms(world, "万荣县合计镇", supporting=3)
    firms = list(town.enterprises.all())
    for n, firm in enumerate(firms):
        EnterpriseFiguresFactory(enterprise=firm, year=2023, output_wan=Decimal("999"), local_jobs=9)
        if n < 3:
            EnterpriseFiguresFactory(enterprise=firm, year=2024, output_wan=Decimal("1250.50"), local_jobs=120)
    app = cert.make("draft", town=town)
    client = client_for("county")
    page = client.get(step_url(app, "figures")).content.decode()
    assert "（2024年；本镇登记企业4家，其中3家有该年数据）" in page
    assert "<strong>3,751.5万元</strong>" in page and "<strong>360</strong> 人" in page
    assert 'data-output="3751.50"' in page and 'data-jobs="360"' in page
    filled = client.get(step_url(app, "figures") + "?totals=firms").content.decode()
    assert 'name="annual_output_wan" value="3751.50"' in filled and 'name="local_jobs" value="360"' in filled
    assert "已填入企业数据合计，尚未保存" in filled
    app.refresh_from_db()
    assert app.annual_output_wan == Decimal("60000")  # offered, not saved


def test_no_totals_are_offered_without_firm_figures(world, cert, client_for):
    app = cert.make("draft", town=town_with_firms(world, "万荣县无数据镇"))
    page = client_for("county").get(step_url(app, "figures")).content.decode()
    assert 'id="firm-totals"' not in page and 'id="use-totals"' not in page


# --- item 6: back to the wizard after registering or importing firms ----------------------------------------------


@pytest.mark.parametrize(
    ("next_url", "followed"),
    [
        ("/certification/1/edit/firms/?page=2", True),
        ("https://evil.example/phish", False),
        ("//evil.example/phish", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
    ],
)
def test_import_returns_to_a_local_next_url_only(world, cert, client_for, next_url, followed):
    import io
    from urllib.parse import quote, urlencode

    from openpyxl import Workbook

    from towns import importers
    from towns.validators import credit_code_check_char

    book = Workbook()
    book.active.append([c.header for c in importers.ENTERPRISE_COLUMNS])
    code = "91140822MA0XXXXX1"
    book.active.append([world.home_town.name, "导入企业", code + credit_code_check_char(code), "关联配套企业", "否"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("企业.xlsx", buffer.getvalue())
    response = client_for("county").post(
        reverse("enterprise-import") + "?" + urlencode({"next": next_url}), {"file": upload}
    )
    # the upload becomes an import job; the job page carries a local next URL only (its link back, once done)
    location = response["Location"]
    assert response.status_code == 302 and location.startswith("/jobs/imports/")
    assert (f"next={quote(next_url, safe='')}" in location) is followed
    assert ("next=" in location) is followed


def test_the_wizard_links_to_registering_and_importing_with_the_way_back(world, cert, client_for):
    app = cert.make("draft")
    client = client_for("county")
    page = client.get(step_url(app, "firms") + "?page=1").content.decode()
    back = "next=%2Fcertification%2F" + str(app.pk) + "%2Fedit%2Ffirms%2F%3Fpage%3D1"
    assert f'href="/enterprises/import/?{back}"' in page
    assert f'href="/enterprises/new/?town={app.town_id}&amp;{back}"' in page
    form = client.get(f"/enterprises/new/?town={app.town_id}&{back}").content.decode()
    assert "保存后将返回认定申请的填写页面。" in form
    from towns.validators import credit_code_check_char

    code = "91140822MA0K1234X" + credit_code_check_char("91140822MA0K1234X")
    response = client.post(
        f"/enterprises/new/?{back}",
        {"town": app.town_id, "name": "新登记企业", "credit_code": code, "role": "supporting", "main_products": ""},
    )
    assert response.status_code == 302 and response["Location"] == step_url(app, "firms") + "?page=1"
    page = client.get(response["Location"]).content.decode()
    assert selected(page, Enterprise.objects.get(name="新登记企业")) == "supporting"


# --- field help ------------------------------------------------------------------------------------------------------


def test_upload_limits_are_stated_before_the_upload_from_the_settings(world, cert, client_for, settings):
    app = cert.make("draft")
    client = client_for("county")
    assert "单个文件不超过 10 MB" in client.get(step_url(app, "attachments")).content.decode()
    settings.ATTACHMENT_MAX_BYTES = 3 * 2**20 // 2
    assert "单个文件不超过 1.5 MB" in client.get(step_url(app, "attachments")).content.decode()
    settings.IMPORT_MAX_ROWS = 500
    page = client.get(reverse("enterprise-import")).content.decode()
    assert "不超过 20 MB，最多 500 行数据" in page and 'accept=".xlsx,.xls,.ods,.csv"' in page


def test_field_help_explains_credit_code_above_size_and_units(world, cert, client_for):
    client = client_for("county")
    form = client.get(reverse("enterprise-create")).content.decode()
    assert "18位" in form and "第18位为校验位" in form and "年主营业务收入2000万元及以上" in form
    figures = client.get(step_url(cert.make("draft"), "figures")).content.decode()
    assert "单位：万元（1亿元 = 10,000万元）" in figures and "单位：人" in figures and "单位：%" in figures


def test_the_above_size_filter_says_all_not_unknown(world, client_for):
    EnterpriseFactory(town=world.home_town, name="规上一号", above_designated_size=True)
    client = client_for("county")
    page = client.get(reverse("enterprise-list")).content.decode()
    assert "全部（不限）" in page and "未知" not in page
    assert "规上一号" in client.get(reverse("enterprise-list"), {"above_designated_size": "true"}).content.decode()
    assert "规上一号" not in client.get(reverse("enterprise-list"), {"above_designated_size": "false"}).content.decode()
    assert "规上一号" in client.get(reverse("enterprise-list"), {"above_designated_size": ""}).content.decode()


def test_the_disabled_submit_button_is_styled_as_disabled():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css").read_text()
    assert re.search(r"button:disabled, button\.primary:disabled \{[^}]*cursor: not-allowed", css)


def test_other_roles_never_reach_the_wizard(world, cert, client_for):
    app = cert.make("draft")
    assert client_for("office").get(step_url(app, "firms")).status_code == 403
    assert client_of(None, other_county_user(world)).get(step_url(app, "firms")).status_code == 404


# --- the demo -----------------------------------------------------------------------------------------------------


def test_the_demo_gives_the_glass_town_its_204_firms_and_a_county_account_once(db):
    from io import StringIO

    from django.core.management import call_command

    from towns.models import Membership

    call_command("load_demo_data", stdout=StringIO())
    glass = Enterprise.objects.filter(town__name="闻喜县玻璃器皿")
    assert glass.count() == 204 and EnterpriseYearFigures.objects.filter(enterprise__in=glass).count() >= 204
    assert Membership.objects.get(user__username="wenxi").county.name == "闻喜县"
    codes = list(glass.values_list("credit_code", flat=True))
    call_command("load_demo_data", stdout=StringIO())
    assert list(glass.values_list("credit_code", flat=True)) == codes  # idempotent: nothing added or changed
    for firm in glass[:20]:
        firm.full_clean()

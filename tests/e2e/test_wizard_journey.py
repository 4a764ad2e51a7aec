"""Journey: a county clerk fills the certification application of a 200-firm town (issue 15, items 5, 6 and 8).

闻喜县's clerk applies for 闻喜县玻璃器皿 (a city-level town of 174 registered glass firms): 市级 is refused (the
town already is one), 推荐省级 is accepted. On the firm picker (50 a page) the clerk goes off to import 30 more
firms from Excel and comes back to the same step, where the imported 龙头/配套 firms are proposed in their
registry role; accepts them, searches, ticks firms and sets them in bulk, changes a role and sees the counts,
self-check and submit checklist follow live (the submit button greyed and disabled while anything is missing or
unsaved). On the figures step the sum of the firms' latest figures is offered and taken; a national-market claim
makes the checklist ask for its statement and its proof, live; once the proof is uploaded the button is enabled
and the application submitted. Screenshots at 1366×800 (and the picker at 390×844): test-artifacts/screens/
wizard-<nn>-<step>.png.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification.models import Application, Cycle, RubricItem
from certification.reference import ensure_default_policy
from tests.e2e.helpers import XLSX, xlsx_bytes
from tests.factories import PASSWORD, CountyFactory, TownFactory, make_user, pdf_bytes, valid_credit_code
from towns.importers import ENTERPRISE_COLUMNS
from towns.models import Enterprise, EnterpriseYearFigures, Role, Tier

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
GREY = "rgb(228, 231, 235)"  # portal.css: a disabled button


@pytest.fixture
def glass_town(e2e_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    cycle = Cycle.objects.create(
        name=f"{today.year}年度市级专业镇认定",
        year=today.year,
        policy=ensure_default_policy(),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
    )
    RubricItem.objects.create(cycle=cycle, name="产业集中度", max_score=100)
    county = CountyFactory(name="闻喜县", division_code="140823")
    make_user(Role.COUNTY, county=county, username="wenxi")
    town = TownFactory(name="闻喜县玻璃器皿", county=county, leading_industry="玻璃器皿", tier=Tier.CITY)
    roles = ["anchor"] + ["supporting"] * 40 + ["other"] * 133
    firms = Enterprise.objects.bulk_create(
        Enterprise(
            town=town,
            name="宏伟玻璃" if n == 0 else f"闻喜玻璃器皿{n:03d}厂",
            credit_code=valid_credit_code(800000 + n, "140823"),
            role=role,
            above_designated_size=n % 5 == 0,
        )
        for n, role in enumerate(roles)
    )
    EnterpriseYearFigures.objects.bulk_create(
        EnterpriseYearFigures(enterprise=f, year=2024, output_wan=Decimal("300"), local_jobs=12) for f in firms
    )
    return town


def _imported_firms(town) -> bytes:
    """30 firms in the import template's columns: 10 关联配套企业, 20 其他, each with 2024 figures."""
    header = [c.header for c in ENTERPRISE_COLUMNS]
    rows = [
        [
            town.name,
            f"闻喜新录玻璃{n:02d}有限公司",
            valid_credit_code(810000 + n, "140823"),
            "关联配套企业" if n < 10 else "其他",
            "否",
            "玻璃器皿",
            2024,
            300,
            12,
            None,
            None,
        ]
        for n in range(30)
    ]
    return xlsx_bytes([header, *rows])


def _checklist(page) -> list[str]:
    return [item.removeprefix("✗ ") for item in page.locator("#checklist li").all_inner_texts()]


def _submit_disabled(page) -> None:
    button = page.locator("#submit-button")
    expect(button).to_be_disabled()
    style = button.evaluate("b => { const s = getComputedStyle(b); return [s.backgroundColor, s.cursor]; }")
    assert style == [GREY, "not-allowed"], style  # it looks disabled, not only is


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"


@pytest.mark.e2e
def test_a_county_clerk_applies_for_a_town_of_two_hundred_firms(glass_town, session, tmp_path):
    page = session.page
    page.set_viewport_size(DESKTOP)
    session.login("wenxi", PASSWORD)

    # --- start: 市级 is refused for a city-level town, 推荐省级 accepted ------------------------------------------
    session.goto("/certification/new/")
    page.get_by_label("认定批次").select_option(index=1)
    page.get_by_label("申报梯次").select_option(label="市级专业镇")
    page.get_by_label("已登记的专业镇").select_option(label="闻喜县玻璃器皿")
    page.get_by_role("button", name="创建并开始填写").click()
    expect(page.locator(".errors")).to_contain_text("该专业镇已是市级专业镇，不能再申报市级专业镇")
    session.screenshot("wizard-01-tier-refused")
    page.get_by_label("申报梯次").select_option(label="推荐省级专业镇")
    page.get_by_role("button", name="创建并开始填写").click()
    app = Application.objects.get(town=glass_town)
    expect(page.locator("h1")).to_contain_text(f"{app.number} · 闻喜县玻璃器皿")
    expect(page.get_by_text("本镇当前为市级专业镇。")).to_be_visible()  # the tier's help on the basics step
    _submit_disabled(page)  # no figures yet: the checklist says so, the button is greyed out
    assert "请填写数据年度、年产值和带动当地就业人数。" in _checklist(page)
    page.wait_for_load_state()  # selfcheck.js is deferred
    page.get_by_label("申报梯次").select_option(label="市级专业镇")  # not saved: the checklist says why, live
    expect(page.locator("#checklist")).to_contain_text("该专业镇已是市级专业镇，不能再申报市级专业镇")
    page.get_by_label("申报梯次").select_option(label="推荐省级专业镇")
    expect(page.locator("#checklist")).not_to_contain_text("已是市级专业镇")
    page.get_by_role("button", name="保存并下一步").click()

    # --- step 2: 174 firms, 50 a page; the registry's 龙头/配套 firms listed at the start ------------------------
    steps = page.get_by_role("navigation", name="填写步骤")
    expect(steps.locator("a.current")).to_have_text("2. 龙头和配套企业")
    counts = page.locator("#firm-counts")
    expect(counts).to_contain_text("已列入：龙头企业 1 家，关联配套企业 40 家（本镇登记企业 174 家）")
    expect(page.locator("table.firms tbody tr")).to_have_count(50)
    expect(page.locator(".pagination")).to_contain_text("共 174 家")
    session.screenshot("wizard-02-firms")

    # --- off to import 30 more firms, and back to this step ----------------------------------------------------
    step_two = page.url
    page.get_by_role("link", name="用 Excel 批量导入").click()
    expect(page.locator("h1")).to_have_text("企业及年度数据批量导入")
    expect(page.get_by_text("导入成功后将返回认定申请的填写页面")).to_be_visible()
    expect(
        page.get_by_text("单个文件不超过").or_(page.get_by_text("不超过 20 MB"))
    ).to_be_visible()  # the limits, before
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(
        {"name": "新录企业.xlsx", "mimeType": XLSX, "buffer": _imported_firms(glass_town)}
    )
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url(step_two)
    expect(page.locator(".messages")).to_contain_text("导入成功：共30行；新增企业30家")
    proposals = page.locator(".proposals")
    expect(proposals).to_contain_text("有 10 家企业在企业名录中登记为龙头或关联配套企业、尚未列入本申请")
    session.screenshot("wizard-03-back-with-proposals")
    page.get_by_role("button", name="全部按登记角色列入（10家）").click()
    expect(page.locator(".messages")).to_contain_text("已按登记角色列入10家企业。")
    expect(counts).to_contain_text("已列入：龙头企业 1 家，关联配套企业 50 家（本镇登记企业 204 家）")
    expect(proposals).to_have_count(0)

    # --- the same step on a phone: the firms' table scrolls inside its card ------------------------------------
    page.set_viewport_size(PHONE)
    session.screenshot("wizard-03b-firms-phone")
    _no_horizontal_scroll(page)
    table = page.locator("table.firms").evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert table[0] > table[1]  # the table is wider than the phone: it scrolls inside its card
    select = page.get_by_label("宏伟玻璃", exact=True).bounding_box()
    assert select["x"] + select["width"] <= PHONE["width"], select  # the role select beside the name, on screen
    page.set_viewport_size(DESKTOP)

    # --- search, tick two firms, set them in bulk -------------------------------------------------------------
    page.get_by_label("搜索").fill("器皿15")
    page.get_by_label("搜索").press("Enter")
    expect(page.locator("table.firms tbody tr")).to_have_count(10)  # 闻喜玻璃器皿150厂 … 159厂
    page.get_by_label("勾选闻喜玻璃器皿150厂").check()
    page.get_by_label("勾选闻喜玻璃器皿151厂").check()
    page.get_by_label("批量：将").select_option(label="所勾选的企业")
    page.get_by_label("设为").select_option(label="关联配套企业")
    page.get_by_role("button", name="应用").click()
    expect(page.locator(".messages")).to_contain_text("已将2家企业设为关联配套企业。")
    expect(counts).to_contain_text("关联配套企业 52 家")
    expect(page.get_by_label("闻喜玻璃器皿150厂", exact=True)).to_have_value("supporting")

    # --- a change not yet saved: counts, self-check and checklist follow it live --------------------------------
    page.get_by_label("闻喜玻璃器皿152厂", exact=True).select_option(label="关联配套企业")
    expect(counts).to_contain_text("关联配套企业 53 家")
    expect(counts.locator(".unsaved-note")).to_be_visible()
    expect(page.locator("#unsaved")).to_be_visible()
    _submit_disabled(page)
    session.screenshot("wizard-04-firms-unsaved")
    page.get_by_role("button", name="保存并下一步").click()

    # --- step 3: the firms' totals offered, taken, checked live ---------------------------------------------------
    expect(steps.locator("a.current")).to_have_text("3. 产值、就业与市场")
    assert app.application_firms.filter(role="supporting").count() == 53
    offer = page.locator("#firm-totals")
    expect(offer).to_contain_text("2024年；本镇登记企业204家，其中204家有该年数据")
    expect(offer).to_contain_text("年产值 6.12亿元（61,200.00万元），带动就业 2,448 人")
    expect(page.locator("#selfcheck")).to_contain_text("填写年产值和就业人数后显示自检结果。")
    assert "请填写数据年度、年产值和带动当地就业人数。" in _checklist(page)
    page.wait_for_load_state()  # selfcheck.js is deferred
    page.get_by_role("link", name="采用合计值").click()
    expect(page.get_by_label("年产值（万元）")).to_have_value("61200.00")
    expect(page.get_by_label("带动当地就业（人）")).to_have_value("2448")
    expect(page.get_by_label("数据年度")).to_have_value("2024")
    expect(page.locator("#totals-filled")).to_be_visible()
    expect(page.locator("#selfcheck .outcome")).to_have_text("不符合认定条件")  # no provincial share: 三、三 fails
    expect(page.locator("#checklist li")).to_have_count(0)  # the figures item went away, live
    _submit_disabled(page)  # complete, but not saved
    expect(page.locator("#unsaved")).to_be_visible()
    session.screenshot("wizard-05-totals-taken")

    # a national-market claim: the checklist asks for its statement and its proof as soon as it is ticked
    page.get_by_label("全国拥有较大市场空间").check()
    expect(page.locator("#checklist")).to_contain_text("申报“全国拥有较大市场空间”的，请写明说明")
    expect(page.locator("#checklist")).to_contain_text("请在“申报材料”中上传“市场占有率证明”")
    expect(page.locator("#selfcheck .outcome")).to_have_text("需办公室研究决定")
    page.get_by_label("全国市场空间说明").fill("闻喜玻璃器皿销往全国28个省份，日用玻璃器皿全国市场占有率约8%。")
    expect(page.locator("#checklist li")).to_have_count(1)
    expect(page.locator("#checklist")).to_contain_text("市场占有率证明")
    session.screenshot("wizard-06-claim-needs-proof")
    page.get_by_role("button", name="保存并下一步").click()

    # --- step 4: the proof, then the button is enabled -------------------------------------------------------------
    expect(steps.locator("a.current")).to_have_text("4. 申报材料")
    app.refresh_from_db()
    assert (app.annual_output_wan, app.local_jobs, app.figures_year) == (Decimal("61200.00"), 2448, 2024)
    _submit_disabled(page)
    expect(page.get_by_text("单个文件不超过 10 MB")).to_be_visible()  # the limit, before the upload
    proof = tmp_path / "全国市场证明.pdf"
    proof.write_bytes(pdf_bytes())
    expect(page.get_by_label("材料类别")).to_have_value("market")  # the proof the claim lacks, preselected
    page.get_by_label("文件（PDF、图片或 .xlsx）").set_input_files(str(proof))
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已上传。")
    expect(page.locator("#checklist li")).to_have_count(0)
    expect(page.get_by_text("各项已填写完整，可以提交。")).to_be_visible()
    button = page.locator("#submit-button")
    expect(button).to_be_enabled()
    assert button.evaluate("b => getComputedStyle(b).cursor") == "pointer"
    session.screenshot("wizard-07-ready")
    button.click()
    expect(page.locator(".messages")).to_contain_text("已提交")
    app.refresh_from_db()
    assert app.status == Application.Status.SUBMITTED and app.target_tier == Tier.PROVINCIAL
    session.screenshot("wizard-08-submitted")

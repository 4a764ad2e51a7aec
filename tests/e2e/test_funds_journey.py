"""Journey of the special fund (培育特色专业镇发展专项资金, 四、1) and the reward of 五、（四）.

The 2024 evaluation is published (the world's two towns; 万荣县外加剂 first, commended). The office records this
year's budget of 500 万元 with its source document, allocates a reward of 200 万元 to the county of the top-ranked
town from the funds page's list of commendations awaiting a reward, issues it with the approving document and marks
it paid. An allocation of 400 万元 to 盐湖区水泵 is then refused, naming the 300 万元 left, and nothing is saved. The
funds page adds it up by county and purpose with charts; the evaluation page shows the reward beside the
commendation and quotes the plan's clause. 万荣县's official sees the reward, is notified of it, and cannot open
another county's allocation. Screenshots: test-artifacts/screens/funds-<nn>-<step>.png, at 1366 and 390 px wide.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evaluation import services as evaluation
from evaluation.models import Commendation, EvaluationConfig, EvaluationRun
from funds import services as funds
from funds.models import FundAllocation
from tests.factories import PASSWORD, pdf_bytes
from towns.models import Town, TownYearFigures

from .helpers import open_download, sheet_rows

YEAR = 2024  # the evaluation
PHONE = {"width": 390, "height": 844}
CLAUSE = (
    "“开展专业镇年度评估，评估结果作为县域经济考核评价的重要内容。对评价排名靠前、成效突出的专业镇所在县（市、区）政府"
    "予以表扬奖励；对评价排名靠后或建设进度较慢的专业镇所在县（市、区）政府，发出督办通知书，限期整改问题。”"
)


@pytest.fixture
def fund_journey_world(e2e_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the attachments stay out of the working tree
    w = e2e_world
    TownYearFigures.objects.filter(town=w.home_town, year=YEAR).update(output_wan=Decimal("90000"))
    office = w.users["office"]
    EvaluationConfig.objects.create(year=YEAR, top_n=1, bottom_n=0)
    run = EvaluationRun.objects.create(
        year=YEAR,
        weights=evaluation.config_for(YEAR).effective_weights(),
        total=Town.objects.count(),
        started_by=office,
    )
    for town_id in Town.objects.order_by("pk").values_list("pk", flat=True):  # what the chord does
        evaluation.evaluate_town(run_id=run.pk, town_id=town_id)
    evaluation.finalize(run_id=run.pk)
    # the towns here fail the re-check (no firms recorded): the office confirms commending the first one anyway
    evaluation.evaluation_publish(user=office, run=run, commend_flagged=True)
    top = Commendation.objects.get(run=run)
    assert (top.rank, top.town, top.county) == (1, w.home_town, w.home_county)
    return run


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


def _stat(page, label: str):
    return page.locator(
        "#fund-figures .stat", has=page.locator(".l", has_text=re.compile(rf"^{re.escape(label)}$"))
    ).locator(".n")


def _field(scope, label: str):
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}\*?$"))  # (a required field's label ends in *)


def _overflow(page) -> list[str]:
    """The elements of <main> reaching past the right edge of the window (nothing should, on a phone)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("main *"))
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                && !e.closest(".scroll, .chart-box"))
            .map(e => e.tagName + "." + e.className + ":" + Math.round(e.getBoundingClientRect().right))"""
    )


@pytest.mark.e2e
def test_office_budgets_rewards_the_top_county_and_is_stopped_at_the_budget(
    fund_journey_world, open_session, tmp_path, e2e_world
):
    run = fund_journey_world
    today = timezone.localdate()
    year = today.year

    # --- office: 专项资金 → no budget yet ------------------------------------------------------------------------
    office = open_session()
    page = office.page
    office.login("office", PASSWORD)
    office.nav("专项资金").click()
    expect(page.locator("h1")).to_contain_text("培育特色专业镇发展专项资金")
    expect(page.locator("h1 .status")).to_have_text(f"{year}年度")
    notice = _card(page, f"尚未登记{year}年度专项资金预算")
    expect(notice).to_be_visible()
    # the commendation waits for its reward already
    assert office.rows_in(_card(page, "待安排奖励的表扬")) == [[str(YEAR), "1", "万荣县外加剂", "万荣县", "安排奖励"]]
    office.screenshot("funds-00-no-budget")

    # --- the budget and its source document ----------------------------------------------------------------------
    notice.get_by_role("link", name="登记预算").click()
    expect(page.locator("h1")).to_have_text("登记专项资金年度预算")
    expect(_field(page, "年度")).to_have_value(str(year))
    _field(page, "年度预算（万元）").fill("500")
    _field(page, "来源文件标题").fill(f"关于下达{year}年度培育特色专业镇发展专项资金预算的通知")
    _field(page, "来源文件文号").fill(f"运财企〔{year}〕3号")
    _field(page, "来源文件日期").fill(today.replace(month=1, day=15).isoformat())
    budget_pdf = tmp_path / "预算通知.pdf"
    budget_pdf.write_bytes(pdf_bytes("budget"))
    _field(page, "附件（PDF、图片或 .xlsx，可多选）").set_input_files(str(budget_pdf))
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_have_text(f"已保存{year}年度专项资金预算。")
    expect(_stat(page, "年度预算")).to_have_text("500万元")
    expect(_stat(page, "剩余可安排")).to_have_text("500万元")
    source = _card(page, "预算来源文件")
    expect(source).to_contain_text(f"运财企〔{year}〕3号")
    expect(source.get_by_role("link", name="预算通知.pdf")).to_be_visible()

    # --- a reward for the top-ranked town's county ---------------------------------------------------------------
    _card(page, "待安排奖励的表扬").get_by_role("link", name="安排奖励").click()
    expect(page.locator("h1")).to_have_text("新增资金安排")
    expect(page.locator(".stepnav a.current")).to_have_text("表扬奖励")
    expect(_field(page, "表扬（年度评估排名）").locator("option:checked")).to_have_text(
        f"{YEAR}年度评估第1名 万荣县外加剂（万荣县）"
    )
    expect(_field(page, "预算年度").locator("option:checked")).to_have_text(f"{year}年度")
    _field(page, "金额（万元）").fill("200")
    _field(page, "成效突出情况").fill("外加剂产值增长28.6%，居全市专业镇首位；新增规上企业3家。")
    _field(page, "具体用途").fill("对万荣县人民政府的表扬奖励")
    office.screenshot("funds-01-reward-form")
    page.get_by_role("button", name="登记（拟安排）").click()
    expect(page.locator(".messages")).to_have_text("已登记资金安排（拟安排）。")
    expect(page.locator("h1")).to_have_text("表扬奖励：万荣县人民政府 拟安排")
    facts = _card(page, "资金安排")
    expect(facts).to_contain_text(f"{YEAR}年度专业镇评估排名第1：万荣县外加剂")
    expect(facts).to_contain_text("200万元")

    # --- 下达 with the approving document, then 拨付 ---------------------------------------------------------------
    issue = _card(page, "下达")
    _field(issue, "批准文号").fill(f"运专镇办〔{year}〕2号")
    _field(issue, "批准日期").fill(today.isoformat())
    issue.get_by_role("button", name="下达").click()
    expect(page.locator(".messages")).to_have_text("已下达。")
    expect(page.locator("h1 .status")).to_have_text("已下达")
    pay = _card(page, "登记拨付")
    expect(_field(pay, "拨付日期")).to_have_value(today.isoformat())
    _field(pay, "拨付凭证号").fill("ZF-0098")
    pay.get_by_role("button", name="确认已拨付").click()
    expect(page.locator(".messages")).to_have_text("已登记拨付。")
    expect(page.locator("h1 .status")).to_have_text("已拨付")
    expect(_card(page, "撤销")).to_have_count(0)  # paid money is not undone here
    expect(page.get_by_role("link", name="修改", exact=True)).to_have_count(0)
    history = office.rows_in(_card(page, "变更记录"))
    assert [r[2] for r in history] == ["状态变更", "状态变更", "新增"], history
    assert "拟安排 → 已下达" in history[1][3] and "已下达 → 已拨付" in history[0][3]
    office.screenshot("funds-02-reward-paid")
    reward = FundAllocation.objects.get()
    assert (reward.status, reward.county, reward.amount_wan) == ("paid", e2e_world.home_county, Decimal("200"))

    # --- over the budget: refused, naming what is left; nothing saved ----------------------------------------------
    office.nav("专项资金").click()
    page.get_by_role("link", name="新增专业镇扶持").click()
    expect(page.locator(".stepnav a.current")).to_have_text("专业镇扶持")
    _field(page, "专业镇").select_option(label="盐湖区水泵")
    _field(page, "金额（万元）").fill("400")
    _field(page, "用途").select_option(label="创新能力提升")
    _field(page, "具体用途").fill("水泵检测公共服务平台")
    office.expect_form_errors()
    page.get_by_role("button", name="登记（拟安排）").click()
    amount = page.locator(".field.has-error", has=page.locator("#id_amount_wan"))
    expect(amount.locator(".error")).to_have_text("超出年度预算，剩余可安排 300.00 万元。")
    expect(_field(page, "具体用途")).to_have_value("水泵检测公共服务平台")  # what was typed is kept
    office.screenshot("funds-03-over-budget")
    assert FundAllocation.objects.count() == 1

    # --- the funds page adds it up -------------------------------------------------------------------------------
    office.nav("专项资金").click()
    for label, value in (
        ("年度预算", "500万元"),
        ("已安排", "200万元"),
        ("已拨付", "200万元"),
        ("剩余可安排", "300万元"),
    ):
        expect(_stat(page, label)).to_have_text(value)
    assert office.rows_in(_card(page, "按县（市、区）")) == [["万荣县", "200.00", "200.00", "200.00", "1"]]
    assert office.rows_in(_card(page, "按用途")) == [["表扬奖励", "200.00", "200.00", "200.00", "1"]]
    expect(_card(page, "按县（市、区）").locator("svg.chart rect.bar")).to_have_count(2)
    expect(_card(page, "待安排奖励的表扬")).to_have_count(0)
    office.screenshot("funds-04-overview")
    page.set_viewport_size(PHONE)
    assert not (wide := _overflow(page)), f"wider than a phone: {wide}"
    office.screenshot("funds-05-overview-phone")
    page.set_viewport_size({"width": 1366, "height": 900})

    # --- the list and its export ---------------------------------------------------------------------------------
    page.get_by_role("link", name="全部资金安排（筛选、导出）").click()
    rows = office.rows()
    assert [r[:8] for r in rows] == [
        [
            str(year),
            "表扬奖励",
            f"{YEAR}年度评估第1名 万荣县外加剂",
            "万荣县",
            "表扬奖励",
            "200.00",
            "已拨付",
            f"运专镇办〔{year}〕2号",
        ]
    ]
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    sheet = sheet_rows(open_download(download.value)["资金安排"])
    assert sheet[0][:3] == ["年度", "类别", "县（市、区）"] and len(sheet) == 2
    assert (sheet[1][2], sheet[1][9], sheet[1][10]) == ("万荣县", 200, "已拨付")

    # --- the evaluation: the clause in full, the reward beside the commendation ----------------------------------
    office.nav("年度评估").click()
    expect(page.locator("#clause")).to_contain_text(CLAUSE)
    office.goto(f"/evaluation/{run.pk}/")
    commended = _card(page, "表扬")
    expect(commended).to_contain_text("予以表扬奖励")
    expect(commended.locator(".reward")).to_have_text(
        re.compile(rf"^{year}年度专项资金奖励200万元（已拨付）成效突出：外加剂产值增长28\.6%")
    )
    office.screenshot("funds-06-evaluation")

    # --- 万荣县: its reward and the notices; another county's allocation is not there ---------------------------
    other = funds.allocation_create(
        user=e2e_world.users["office"],
        kind="town",
        data={
            "budget": reward.budget,
            "town": e2e_world.other_town,
            "amount_wan": Decimal("50"),
            "purpose": "quality_brand",
        },
    )
    county = open_session()
    cpage = county.page
    county.login("county", PASSWORD)
    expect(cpage.locator("header .bell .count")).to_have_text("3")  # the commendation, then the reward's two steps
    cpage.locator("header .bell").click()
    expect(cpage.locator("h1")).to_have_text("通知")
    told = [r[1] for r in county.rows()]
    what = f"{year}年度专项资金表扬奖励（万荣县人民政府）200万元"
    assert f"{what}已下达（运专镇办〔{year}〕2号）。" in told and f"{what}已拨付（{today.isoformat()}）。" in told, told
    county.nav("专项资金").click()
    expect(_stat(cpage, "已安排")).to_have_text("250万元")  # the city's figure
    expect(_stat(cpage, "本县（市、区）已安排（已拨付 200万元）")).to_have_text("200万元")
    assert county.rows_in(_card(cpage, "按县（市、区）")) == [["万荣县", "200.00", "200.00", "200.00", "1"]]
    expect(cpage.get_by_role("link", name="新增表扬奖励")).to_have_count(0)
    cpage.get_by_role("link", name=f"{YEAR}年度评估第1名 万荣县外加剂").click()
    expect(cpage.locator("h1")).to_have_text("表扬奖励：万荣县人民政府 已拨付")
    expect(cpage.locator("aside form")).to_have_count(0)  # nothing to do here but read
    cpage.set_viewport_size(PHONE)
    assert not (wide := _overflow(cpage)), f"wider than a phone: {wide}"
    county.screenshot("funds-07-county-reward-phone")
    county.goto(f"/funds/allocations/{other.pk}/", expect_status=404)

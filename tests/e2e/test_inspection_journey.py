"""Journey of a special inspection (专项检查, 五、（四）) from the office's plan to a closed rectification.

The office plans an inspection of 万荣县外加剂 (team: 市工信局 and the expert expert0; two checklist items) and
starts it. The expert records the findings on a phone (390 px wide), one of them with a site photo and a
problem to rectify. The office ends the inspection and issues the 督办通知书 the finding calls for; 万荣县's
official answers it with a report; the office accepts it, and the inspection closes by itself. The inspection
report is read on the page and downloaded as PDF. Screenshots go to test-artifacts/screens/insp-<nn>-<step>.png.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from evaluation.models import Finding, Inspection, SupervisionNotice
from tests.factories import PASSWORD, pdf_bytes, png_bytes

TOWN = "万荣县外加剂"
PROBLEM = "关联配套企业仅5家，低于认定时的9家"
PHONE = {"width": 390, "height": 844}


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


@pytest.mark.e2e
def test_an_inspection_from_plan_to_closed_rectification(e2e_world, open_session, tmp_path):
    world = e2e_world
    today = datetime.date.today()

    # --- office: 制定检查计划 → 开始检查 ---------------------------------------------------------------------------
    office = open_session()
    page = office.page
    office.login("office", PASSWORD)
    office.nav("专项检查").click()
    expect(page.locator("h1")).to_have_text("专项检查")
    page.get_by_role("link", name="制定检查计划").click()
    page.get_by_label("检查名称").fill("2026年第一批专项检查")
    page.get_by_label(TOWN).check()
    page.get_by_label("市工信局").check()
    page.get_by_label("expert0").check()
    page.get_by_label("检查开始").fill(today.isoformat())
    page.get_by_label("检查结束").fill((today + datetime.timedelta(days=3)).isoformat())
    checklist = page.get_by_label(re.compile(r"^检查清单"))
    expect(checklist).to_have_value(
        "产业相对集中\n规模相对较大\n市场占有率较高\n就业带动性强\n年度培育方案重点任务落实情况"
    )
    checklist.fill("产业相对集中\n安全生产情况")
    page.get_by_role("button", name="保存").click()
    number = f"运专镇查〔{today.year}〕001号"
    expect(page.locator(".messages")).to_have_text(f"已制定专项检查计划{number}。")
    expect(page.locator("h1 .status")).to_have_text("计划中")
    office.screenshot("insp-01-planned")
    expect(page.get_by_role("link", name="记录", exact=True)).to_have_count(0)  # not started: nothing to record yet
    _card(page, "开始检查").get_by_role("button", name="开始检查").click()
    expect(page.locator(".messages")).to_have_text("检查已开始。")
    expect(page.locator("h1 .status")).to_have_text("检查中")
    expect(page.get_by_role("link", name="修改计划")).to_have_count(0)
    inspection = Inspection.objects.get(number=number)

    # --- expert, on a phone: the two findings, one with a photo ------------------------------------------------
    expert = open_session()
    page = expert.page
    page.set_viewport_size(PHONE)
    expert.login("expert0", PASSWORD)
    expert.nav("专项检查").click()
    page.get_by_role("link", name=number).click()
    _no_sideways_scroll(page)
    town = page.locator(f"#town-{world.home_town.pk}")
    expect(town.locator("li.finding")).to_have_count(2)
    town.locator("li.finding", has_text="产业相对集中").get_by_role("link", name="记录", exact=True).click()
    expect(page.locator("h1")).to_have_text("产业相对集中")
    _no_sideways_scroll(page)
    page.get_by_label("有问题，限期整改").check()
    page.get_by_label("情况说明").fill(PROBLEM)
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes((64, 48)))
    page.get_by_label(re.compile(r"^照片或附件")).set_input_files(str(photo))
    expert.screenshot("insp-02-finding-phone")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_have_text(f"已记录：{TOWN} · 产业相对集中。")
    town = page.locator(f"#town-{world.home_town.pk}")
    expect(town.locator("li.result-rectify")).to_contain_text(PROBLEM)
    expect(town.get_by_role("link", name="现场照片.png")).to_be_visible()
    town.locator("li.finding", has_text="安全生产情况").get_by_role("link", name="记录", exact=True).click()
    page.get_by_label("符合要求").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(f"#town-{world.home_town.pk} li.result-ok")).to_have_count(1)
    _no_sideways_scroll(page)
    expect(page.get_by_role("button", name="结束检查")).to_have_count(0)  # the office's move, not the team's
    assert Finding.objects.get(result="rectify").attachments.get().content_type == "image/png"

    # --- office: 结束检查 → 下发督办通知书 ------------------------------------------------------------------
    page = office.page
    page.reload()
    finish = _card(page, "结束检查")
    finish.get_by_label("检查结论").fill("产业集中度下降，需限期整改。")
    finish.get_by_role("button", name="结束检查").click()
    expect(page.locator("h1 .status")).to_have_text("检查结束")
    issue = _card(page, "下发督办通知书")
    deadline = today + datetime.timedelta(days=30)
    issue.get_by_label("整改期限").fill(deadline.isoformat())
    issue.get_by_role("button", name="下发督办通知书").click()
    expect(page.locator(".messages")).to_have_text("已下发督办通知书。")
    expect(page.locator("h1 .status")).to_have_text("整改中")
    notice = SupervisionNotice.objects.get(inspection=inspection)
    expect(_card(page, "督办通知书")).to_contain_text(f"{notice.number} {TOWN} · 整改期限 {deadline.isoformat()}")
    office.screenshot("insp-03-rectifying")

    # --- county: the notice names the inspection; the report with a PDF ----------------------------------------
    county = open_session()
    page = county.page
    county.login("county", PASSWORD)
    county.nav("督办").click()
    page.get_by_role("link", name=notice.number).click()
    sheet = page.locator(".notice-sheet")
    expect(sheet).to_contain_text(f"根据专项检查（{number}）发现的问题，你县（市、区）{TOWN}存在以下问题，现予督办：")
    expect(sheet.locator("ol li")).to_have_text([f"产业相对集中：{PROBLEM}"])
    form = _card(page, "报送整改报告")
    form.get_by_label(re.compile(r"^整改情况")).fill("已引进配套企业4家，配套企业达到9家。")
    attachment = tmp_path / "整改材料.pdf"
    attachment.write_bytes(pdf_bytes())
    form.get_by_label("附件（PDF、图片或 .xlsx，可选）").set_input_files(str(attachment))
    form.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已报送整改报告。")
    county.nav("专项检查").click()  # the county reads the inspection of its town, and moves nothing
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("button")).to_have_count(1)  # only 退出 in the header

    # --- office: accepts → the inspection closes; the report, page and PDF -----------------------------------
    page = office.page
    office.nav("督办").click()
    page.get_by_role("link", name=notice.number).click()
    review = _card(page, "审核整改报告")
    review.get_by_label(re.compile(r"^审核意见")).fill("整改到位。")
    review.get_by_label(re.compile(r"^审核结果")).select_option(label="整改完成")
    review.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已审核。")
    office.nav("专项检查").click()
    assert office.rows()[0][0] == number and office.rows()[0][-1] == "已办结"
    page.get_by_role("link", name=number).click()
    expect(page.locator("h1 .status")).to_have_text("已办结")
    expect(page.locator("form[action*='/do/']")).to_have_count(0)  # nothing left to do
    page.get_by_role("link", name="检查报告").click()
    letter = page.locator(".notice-sheet")
    expect(letter.locator("h1")).to_have_text("专项检查报告")
    expect(letter).to_contain_text(f"产业相对集中：有问题，限期整改。{PROBLEM}")
    expect(letter).to_contain_text(
        f"{notice.number}（{TOWN}，整改期限{deadline.year}年{deadline.month}月{deadline.day}日，整改完成）"
    )
    office.screenshot("insp-04-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename == f"{number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

"""Journey of the counties' own mechanisms (五、"各县（市、区）参照建立本级工作机制…形成任务、项目、政策'三个清单'",
任务12's county targets).

万荣县 records its 一镇一策 policy (a draft that 盐湖区 cannot open), is told what publishing needs, completes and
publishes it; adds a task to its list, reports on it; sets its job and tax targets and sees them against its towns'
figures on its page and on the county page; 盐湖区 reads the published policy but not 万荣县's lists; the office
compares the counties side by side. Screenshots: test-artifacts/screens/county-mech-<step>.png (1366 wide, and
the county's page at 390 on a phone).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks_registry import progress
from tasks_registry.county_models import CountyDocument, CountyTask
from tests.factories import PASSWORD, KeyProjectFactory, make_user, pdf_bytes
from towns.models import CountyTarget, Role

PHONE = {"width": 390, "height": 844}
TITLE = "万荣县支持外加剂专业镇高质量发展若干措施"
NUMBER = "万政办发〔2026〕21号"


def _card(page, heading_start: str):
    return page.locator("section.card", has=page.locator("h2", has_text=re.compile("^" + re.escape(heading_start))))


@pytest.mark.e2e
def test_a_county_records_its_policy_tasks_and_targets_and_another_county_cannot_see_its_drafts(
    session, open_session, e2e_world
):
    page = session.page
    world = e2e_world
    today = timezone.localdate()
    make_user(Role.COUNTY, county=world.other_county, username="yanhu")
    KeyProjectFactory(town=world.home_town, name="年产20万吨减水剂项目")  # already in the project library
    mechanisms = f"/counties/{world.home_county.pk}/mechanisms/"

    # --- 万荣县 opens its page from the navigation --------------------------------------------------------
    session.login("county", PASSWORD)
    session.nav("县级机制").click()
    expect(page.locator("h1")).to_have_text("万荣县 · 工作机制与三个清单")
    projects = _card(page, "项目清单")
    expect(projects.locator("tbody tr")).to_have_text(re.compile("年产20万吨减水剂项目"))
    expect(_card(page, "政策清单").locator("tbody tr")).to_have_text("尚无政策文件。")

    # --- a 一镇一策 policy, saved as a draft without its number --------------------------------------------
    page.get_by_role("link", name="登记一镇一策政策").click()
    expect(page.locator("h1")).to_have_text("登记政策文件")
    expect(page.get_by_label("类别")).to_have_value("town_policy")
    expect(page.get_by_label("盐湖区水泵")).to_have_count(0)  # only its own towns are offered
    page.get_by_label("文件标题").fill(TITLE)
    page.get_by_label("印发日期").fill(today.isoformat())
    page.get_by_label("发文机关").fill("万荣县人民政府办公室")
    page.get_by_label("主要内容").fill("对新入园配套企业给予厂房租金补贴；支持龙头企业建设省级技术中心。")
    page.get_by_label("万荣县外加剂").check()
    page.get_by_label("文件正文或附件（PDF、图片或 .xlsx，可选）").set_input_files(
        files=[{"name": "政策正文.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("policy")}]
    )
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("h1 .status")).to_have_text("草稿")
    expect(page.locator("ul.attachments")).to_contain_text("政策正文.pdf")
    document = CountyDocument.objects.get(title=TITLE)
    draft_url = f"/county-documents/{document.pk}/"

    # --- 盐湖区 cannot open the draft, nor find it in the list ---------------------------------------------
    yanhu = open_session()
    yanhu.login("yanhu", PASSWORD)
    yanhu.goto(draft_url, expect_status=404)
    yanhu.goto("/county-documents/")
    expect(yanhu.page.locator("table.data tbody")).not_to_contain_text(TITLE)

    # --- publishing needs the number: the page says so, then the county completes and publishes ---------------
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".messages")).to_contain_text("发布前请填写文号。")
    expect(page.locator("h1 .status")).to_have_text("草稿")
    page.get_by_role("link", name="修改", exact=True).click()
    page.get_by_label("文号").fill(NUMBER)
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".messages")).to_have_text("已发布，各县（市、区）和市直单位均可查看。")
    expect(page.locator("h1 .status")).to_have_text("已发布")
    expect(page.get_by_role("link", name="修改", exact=True)).to_have_count(0)
    session.screenshot("county-mech-01-policy")

    # --- now 盐湖区 reads it (and cannot edit it) -----------------------------------------------------------
    yanhu.goto(draft_url)
    expect(yanhu.page.locator("dl.facts")).to_contain_text(NUMBER)
    expect(yanhu.page.get_by_role("button", name="废止")).to_have_count(0)
    yanhu.goto(f"/county-documents/{document.pk}/edit/", expect_status=404)

    # --- a task on the county's list, past its deadline, and a report on it --------------------------------
    session.goto(mechanisms)
    page.get_by_role("link", name="新增任务").click()
    page.locator("input[name=title]").fill("外加剂检验检测公共服务平台投入运行")
    page.get_by_label("责任单位").fill("万荣县市场监管局")
    page.get_by_label("责任人").fill("分管副局长")
    yesterday = today - datetime.timedelta(days=1)
    page.get_by_label("年度").fill(str(yesterday.year))
    page.get_by_label("完成时限").fill(yesterday.isoformat())
    page.get_by_label("万荣县外加剂").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("外加剂检验检测公共服务平台投入运行")
    expect(page.locator("h1")).to_contain_text("未启动")
    expect(page.locator("h1")).to_contain_text("已逾期")
    page.get_by_role("link", name="报送进展").click()
    quarter = progress.period_of(today, progress.QUARTERLY)
    expect(page.get_by_label("报送期")).to_have_value(quarter.code)
    page.get_by_label("完成进度（%）").fill("60")
    page.get_by_label("工作进展").fill("设备已安装调试，计划下月试运行。")
    page.get_by_role("button", name="报送").click()
    expect(page.locator(".messages")).to_contain_text(f"{quarter.label}进展")
    expect(page.locator("table.reports tbody tr").first).to_contain_text("60.0%")
    expect(page.locator("h1 .taskstatus")).to_have_text("推进中")
    task = CountyTask.objects.get()
    assert (task.status, str(task.progress_pct)) == ("in_progress", "60.0")

    # --- its targets for 2024, against its towns' figures ----------------------------------------------------
    session.goto(mechanisms)
    page.get_by_role("link", name="填报目标").click()
    jobs_2024 = world.home_town.figures.get(year=2024).local_jobs
    page.get_by_label("年份").fill("2024")
    page.get_by_label("就业目标（人）").fill(str(jobs_2024 - 100))
    page.get_by_label("税收目标（万元）").fill("999999")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_have_text("已保存万荣县2024年目标。")
    targets = page.locator("table.county-targets tbody tr")
    expect(targets).to_have_count(1)
    row = session.rows_in(_card(page, "县级就业和税收目标"))[0]
    assert row[:5] == ["2024", f"{jobs_2024 - 100:,}", f"{jobs_2024:,}", row[3], "已完成"]
    assert row[5] == "999,999.00" and row[8] == "未完成"
    assert CountyTarget.objects.get(county=world.home_county, year=2024).set_by.username == "county"
    session.goto(mechanisms + f"?year={yesterday.year}")
    tasks = _card(page, "任务清单")
    expect(tasks.locator("tbody tr")).to_contain_text("已逾期")
    session.screenshot("county-mech-02-county-page")
    page.set_viewport_size(PHONE)
    session.screenshot("county-mech-03-county-page-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    session.goto(f"/counties/{world.home_county.pk}/")
    expect(page.locator("table.county-targets tbody tr")).to_contain_text(f"{jobs_2024 - 100:,}")

    # --- 盐湖区 does not see 万荣县's lists ------------------------------------------------------------------
    yanhu.goto(mechanisms, expect_status=404)
    yanhu.goto(f"/county-tasks/{task.pk}/", expect_status=404)
    yanhu.goto(f"/counties/{world.home_county.pk}/targets/", expect_status=404)

    # --- the office compares the counties side by side -----------------------------------------------------
    office = open_session()
    office.login("office", PASSWORD)
    office.nav("县级机制").click()
    office.goto(f"/counties/mechanisms/?year={yesterday.year}")
    rows = {r[0]: r for r in office.rows("table.comparison")}
    assert rows["万荣县"][1:8] == ["1（1/1）", "0", "0（0）", "1", "1", "1", "0"]
    assert rows["盐湖区"][1] == "0（0/1）"
    office.screenshot("county-mech-04-comparison")
    office.page.get_by_role("link", name="万荣县").click()
    expect(office.page.locator("h1")).to_have_text("万荣县 · 工作机制与三个清单")
    expect(office.page.get_by_role("link", name="新增任务")).to_have_count(0)  # the office reads, the county writes

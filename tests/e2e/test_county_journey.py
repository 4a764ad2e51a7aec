"""Journey 1: a county official (万荣县) keeps their own town's enterprises, and nothing else."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import XLSX, open_download, sheet_rows, xlsx_bytes
from tests.factories import PASSWORD, valid_credit_code
from towns.importers import ENTERPRISE_COLUMNS
from towns.models import Enterprise

HEADERS = [c.header for c in ENTERPRISE_COLUMNS]


def _xlsx(rows: list[list]) -> bytes:
    return xlsx_bytes([HEADERS, *rows])


def _wrong_check_char(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


@pytest.mark.e2e
def test_county_official_keeps_own_towns_enterprises(session, e2e_world):
    page = session.page
    home_town, other_town = e2e_world.home_town, e2e_world.other_town

    # --- 工作台 ---------------------------------------------------------------------------------
    session.login("county", PASSWORD)
    expect(page.locator("h1")).to_have_text("万荣县人民政府 · 专业镇工作台")
    expect(page.locator("header .badge")).to_have_text("县（市、区）政府 · 万荣县")
    own = session.rows("section.card table.data")
    assert [r[0] for r in own] == ["万荣县外加剂"]
    assert own[0][1:3] == ["混凝土外加剂", "省级专业镇"]
    assert own[0][3] == "1"  # one enterprise registered so far
    session.screenshot("county")

    # --- 专业镇名录, filtered by 梯次 --------------------------------------------------------------
    session.nav("专业镇名录").click()
    expect(page.locator("h1")).to_have_text("专业镇名录")
    assert {r[0] for r in session.rows()} == {"万荣县外加剂", "盐湖区水泵"}
    page.locator("form.filters select[name=tier]").select_option(label="省级专业镇")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(f"{session.url('/towns/')}?county=&sector=&tier=provincial&search=")
    assert [r[0] for r in session.rows()] == ["万荣县外加剂"]
    expect(page.locator("nav.pagination")).to_contain_text("共 1 条")

    # --- own town: enterprises are listed ------------------------------------------------------------
    page.get_by_role("link", name="万荣县外加剂").click()
    expect(page.locator("h1")).to_contain_text("万荣县外加剂")
    enterprises = page.locator("section.card", has=page.get_by_role("heading", name="企业", exact=True))
    expect(enterprises.locator("tbody tr")).to_have_count(1)
    expect(enterprises.locator("tbody tr").first).to_contain_text("康特尔")
    expect(enterprises.locator("tbody tr").first).to_contain_text("龙头企业")

    # --- register an enterprise: a wrong check character first ---------------------------------------
    enterprises.get_by_role("link", name="登记企业").click()
    expect(page.locator("h1")).to_have_text("登记企业")
    expect(page.get_by_label("所属专业镇")).to_have_value(str(home_town.pk))
    good_code = valid_credit_code(70001)
    bad_code = _wrong_check_char(good_code)
    page.get_by_label("企业名称").fill("万荣新材料科技有限公司")
    page.get_by_label("统一社会信用代码").fill(bad_code.lower())
    page.get_by_label("在镇中的角色").select_option(label="关联配套企业")
    page.get_by_label("规上企业").check()
    page.get_by_label("主要产品").fill("聚羧酸减水剂")
    page.get_by_role("button", name="保存").click()

    expect(page.locator("h1")).to_have_text("登记企业")
    code_field = page.locator(".field", has=page.get_by_label("统一社会信用代码"))
    expect(code_field.locator(".error")).to_have_text(
        f"统一社会信用代码校验位错误（按GB 32100-2015应为{good_code[-1]}）。"
    )
    expect(page.get_by_label("企业名称")).to_have_value("万荣新材料科技有限公司")  # the input is kept
    assert not Enterprise.objects.filter(name="万荣新材料科技有限公司").exists()

    # --- ... then the right one: lands on the new enterprise's page -----------------------------------
    page.get_by_label("统一社会信用代码").fill(good_code)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_have_text("万荣新材料科技有限公司")
    expect(page.locator(".messages")).to_have_text("已登记企业“万荣新材料科技有限公司”。")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(good_code)
    expect(facts).to_contain_text("万荣县外加剂（万荣县）")
    expect(facts).to_contain_text("关联配套企业")
    expect(page.locator("table.data").first.locator("tbody tr")).to_have_text("尚无年度数据。")

    # --- a year of figures ---------------------------------------------------------------------------
    page.get_by_role("link", name="填报年度数据").click()
    expect(page.locator("h1")).to_have_text("填报年度数据：万荣新材料科技有限公司")
    page.get_by_label("年份").fill("2024")
    page.get_by_label("产值（万元）").fill("12345.6")
    page.get_by_label("带动当地就业（人）").fill("230")
    page.get_by_label("税收（万元）").fill("456.7")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_have_text("已保存2024年数据。")
    figures = session.rows()
    assert len(figures) == 1
    assert figures[0][:5] == ["2024", "12,345.60", "230", "—", "456.70"]

    # --- Excel import: the template ---------------------------------------------------------------
    session.nav("批量导入").click()
    expect(page.locator("h1")).to_have_text("企业及年度数据批量导入")
    expect(page.locator("section.card")).to_contain_text("可维护的专业镇：万荣县外加剂")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel 模板").click()
    download = info.value
    assert download.suggested_filename == "专业镇企业导入模板.xlsx"
    template = open_download(download)
    assert [c.value for c in template.worksheets[0][1]] == HEADERS
    assert "填表说明" in template.sheetnames

    # --- ... a file with one bad row: the error table, nothing saved ------------------------------
    town = "万荣县外加剂"
    figures_2024 = [2024, 3000, 120, None, 90]
    first = [town, "万荣导入甲有限公司", valid_credit_code(70002), "关联配套企业", "是", "早强剂", *figures_2024]
    second = [town, "万荣导入乙有限公司", valid_credit_code(70003), "其他", "否", *[None] * 6]
    broken = [*second[:2], _wrong_check_char(second[2]), *second[3:]]
    upload = page.get_by_label("Excel 文件（.xlsx）")
    session.expect_form_errors()
    upload.set_input_files({"name": "导入-有错.xlsx", "mimeType": XLSX, "buffer": _xlsx([first, broken])})
    page.get_by_role("button", name="上传并导入").click()
    report = page.locator("section.errors")
    expect(report.locator("h2")).to_have_text("发现 1 处错误，未导入任何数据")
    errors = session.rows("section.errors table")
    assert len(errors) == 1
    row, column, message = errors[0]
    assert (row, column) == ("3", "C列（统一社会信用代码）")
    assert "校验位错误" in message
    assert not Enterprise.objects.filter(name__startswith="万荣导入").exists()

    # --- ... and a good file: the success message on the enterprise list --------------------------
    upload = page.get_by_label("Excel 文件（.xlsx）")
    upload.set_input_files({"name": "导入.xlsx", "mimeType": XLSX, "buffer": _xlsx([first, second])})
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("h1")).to_have_text("企业名录")
    expect(page.locator(".messages")).to_have_text("导入成功：共2行；新增企业2家，更新0家；新增年度数据1条，更新0条。")
    names = [r[0] for r in session.rows()]
    assert sorted(names) == sorted(["康特尔", "万荣新材料科技有限公司", "万荣导入甲有限公司", "万荣导入乙有限公司"])
    assert "天海泵业" not in names

    # --- ... and exported: the same enterprises, with the imported codes and figures ------------------
    with page.expect_download() as info:
        page.locator("form.filters").get_by_role("link", name="导出 Excel").click()
    assert info.value.suggested_filename.startswith("专业镇企业名录")
    header, *exported = sheet_rows(open_download(info.value)["企业"])
    column = {h: i for i, h in enumerate(header)}
    assert [row[column["企业名称"]] for row in exported] == names
    by_name = {row[column["企业名称"]]: row for row in exported}
    assert by_name["万荣导入甲有限公司"][column["统一社会信用代码"]] == first[2]
    assert {row[column["所在县（市、区）"]] for row in exported} == {"万荣县"}

    # --- the town's own yearly figures: 填报, then 更正 -------------------------------------------------
    session.nav("专业镇名录").click()
    page.get_by_role("link", name="万荣县外加剂").click()
    yearly = page.locator("section.card", has=page.get_by_role("heading", name="年度数据", exact=True))
    yearly.get_by_role("link", name="填报年度数据").click()
    expect(page.locator("h1")).to_have_text("填报年度数据：万荣县外加剂")
    page.get_by_label("年份").fill("2025")
    page.get_by_label("产值（万元）").fill("75000")
    page.get_by_label("带动当地就业（人）").fill("2600")
    page.get_by_label("全省市场占有率（%）").fill("52.5")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_have_text("已保存2025年数据。")
    expect(page.locator("h1")).to_contain_text("万荣县外加剂")
    rows = session.rows_in(yearly)
    assert rows[0][:4] == ["2025", "75,000.00", "2,600", "52.50"], rows
    yearly.locator("tbody tr", has_text="2025").get_by_role("link", name="更正").click()
    expect(page.get_by_label("产值（万元）")).to_have_value("75000.00")
    page.get_by_label("产值（万元）").fill("76500")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_have_text("已保存2025年数据。")
    assert session.rows_in(yearly)[0][:2] == ["2025", "76,500.00"]

    # --- the other county's town: registry entry yes, enterprises no -------------------------------
    session.nav("专业镇名录").click()
    page.get_by_role("link", name="盐湖区水泵").click()
    expect(page.locator("h1")).to_contain_text("盐湖区水泵")
    expect(page.locator("dl.facts")).to_contain_text("盐湖区")
    expect(page.locator("dl.facts")).to_contain_text("水泵")
    expect(page.locator("section.notice")).to_contain_text("仅对本县（市、区）和领导小组办公室开放")
    expect(page.get_by_role("heading", name="企业", exact=True)).to_have_count(0)
    expect(page.get_by_text("天海泵业")).to_have_count(0)
    expect(page.get_by_role("link", name="登记企业")).to_have_count(0)
    expect(page.get_by_role("link", name="填报年度数据")).to_have_count(0)
    assert other_town.pk != home_town.pk

    # --- ... and its enterprise's URL is a plain 404 -------------------------------------------------
    session.goto(f"/enterprises/{e2e_world.other_enterprise.pk}/", expect_status=404)
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator("main")).to_contain_text("您访问的页面不存在，或不在您的权限范围内。")
    expect(page.get_by_text("天海泵业")).to_have_count(0)

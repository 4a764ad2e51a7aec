"""Journey 6: export the filtered town list to Excel and get exactly the rows on screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_download, sheet_rows
from tests.factories import PASSWORD, CountyFactory, TownFactory, TownFiguresFactory
from towns.exports import TOWN_COLUMNS
from towns.models import Sector, Tier


@pytest.fixture
def more_towns(e2e_world):
    """Four more towns across counties, sectors and tiers, so that a filter has something to leave out."""
    specs = [
        ("临猗县", "临猗县果业", "苹果", Sector.AGRICULTURE, Tier.CITY),
        ("河津市", "河津市铝业", "铝型材", Sector.MANUFACTURING, Tier.CITY),
        ("绛县", "绛县轴承", "轴承", Sector.MANUFACTURING, Tier.POTENTIAL),
        ("新绛县", "新绛县云雕", "云雕", Sector.LIGHT_INDUSTRY, Tier.CITY),
    ]
    for county, name, industry, sector, tier in specs:
        town = TownFactory(
            name=name, county=CountyFactory(name=county), leading_industry=industry, sector=sector, tier=tier
        )
        TownFiguresFactory(town=town, year=2024)
    return e2e_world


@pytest.mark.e2e
def test_export_contains_exactly_the_filtered_towns(session, more_towns):
    page = session.page
    session.login("leader", PASSWORD)

    session.nav("专业镇名录").click()
    expect(page.locator("nav.pagination")).to_contain_text("共 6 条")
    filters = page.locator("form.filters")
    filters.locator("select[name=tier]").select_option(label="市级专业镇")
    filters.locator("select[name=sector]").select_option(label="制造业")
    filters.get_by_role("button", name="筛选").click()
    expect(page.locator("nav.pagination")).to_contain_text("共 2 条")
    on_screen = session.rows()
    assert sorted(r[0] for r in on_screen) == ["河津市铝业", "盐湖区水泵"]

    with page.expect_download() as info:
        filters.get_by_role("link", name="导出 Excel").click()
    download = info.value
    assert download.suggested_filename.startswith("专业镇名录-")
    assert download.suggested_filename.endswith(".xlsx")

    workbook = open_download(download)
    assert workbook.sheetnames == ["专业镇"]
    header, *data = sheet_rows(workbook["专业镇"])
    assert header == [c.header for c in TOWN_COLUMNS]
    column = {h: i for i, h in enumerate(header)}
    # the same towns, in the same order, with the values the table shows
    assert [row[column["专业镇"]] for row in data] == [r[0] for r in on_screen]
    for row, shown in zip(data, on_screen, strict=True):
        assert row[column["所在县（市、区）"]] == shown[1]
        assert row[column["主导产业"]] == shown[2]
        assert row[column["领域"]] == shown[3] == "制造业"
        assert row[column["梯次"]] == shown[4] == "市级专业镇"
        assert str(row[column["企业数"]]) == shown[5]
        assert row[column["最新年份"]] == 2024

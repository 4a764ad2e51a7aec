"""Journeys 3 and 4: the municipal bureau (市工信局) and a leader browse everything and change nothing.

Also: an account with no role yet gets an explanation, not the portal.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

HOMES = {
    "bureau": ("市工信局 · 专业镇工作台", "市直单位 · 市工信局"),
    "leader": ("运城市专业镇发展领导小组 · 全市概况", "领导（只读）"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("role", ["bureau", "leader"])
def test_read_only_role_browses_but_cannot_register(session, e2e_world, role):
    page = session.page
    heading, badge = HOMES[role]

    session.login(role, PASSWORD)
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("header .badge")).to_have_text(badge)
    top = session.rows("#top-towns table.data")
    # both towns, largest output first (both 70,000 in 2024: order between them is not asserted)
    assert sorted(r[0] for r in top) == ["万荣县外加剂", "盐湖区水泵"]
    assert all(r[3:5] == ["2024", "70,000.00"] for r in top), top
    for absent in ("批量导入", "操作记录"):
        expect(session.nav(absent)).to_have_count(0)
    expect(page.get_by_role("link", name="登记企业")).to_have_count(0)
    session.screenshot(role)

    # --- browse: town list -> a town (enterprise data is open to city-level roles) -> an enterprise ---
    session.nav("专业镇名录").click()
    assert sorted(r[0] for r in session.rows()) == ["万荣县外加剂", "盐湖区水泵"]
    page.get_by_role("link", name="盐湖区水泵").click()
    expect(page.locator("h1")).to_have_text("盐湖区水泵 市级专业镇")
    expect(page.get_by_role("link", name="变更梯次")).to_have_count(0)
    expect(page.get_by_role("link", name="登记企业")).to_have_count(0)
    expect(page.get_by_role("link", name="填报年度数据")).to_have_count(0)
    expect(page.get_by_role("link", name="更正")).to_have_count(0)
    page.get_by_role("link", name="天海泵业").click()
    expect(page.locator("h1")).to_have_text("天海泵业")
    expect(page.locator("dl.facts")).to_contain_text("盐湖区水泵（盐湖区）")
    expect(page.locator("dl.facts")).to_contain_text("龙头企业")
    figures = session.rows()
    assert [r[:3] for r in figures] == [["2024", "5,000.00", "200"]]
    for action in ("修改", "填报年度数据", "更正"):
        expect(page.get_by_role("link", name=action)).to_have_count(0)
    expect(page.get_by_role("button", name="删除")).to_have_count(0)

    # --- the enterprise list offers no way to register or import ----------------------------------
    session.nav("企业名录").click()
    expect(page.locator("h1")).to_have_text("企业名录")
    assert sorted(r[0] for r in session.rows()) == ["天海泵业", "康特尔"]
    expect(page.get_by_role("link", name="登记企业")).to_have_count(0)
    expect(page.get_by_role("link", name="Excel 批量导入")).to_have_count(0)

    # --- typing the URL anyway: the 403 page --------------------------------------------------------
    session.goto("/enterprises/new/", expect_status=403)
    expect(page.locator("h1")).to_have_text("无权访问")
    expect(page.locator("main")).to_contain_text("您的角色只能查看，不能修改登记数据。")
    expect(page.locator("main form")).to_have_count(0)


@pytest.mark.e2e
def test_account_without_role_is_told_to_ask_the_office(session, e2e_world):
    page = session.page
    session.expect_status("/", 403)  # the home page of an account without a role is its 403 page
    session.login("norole", PASSWORD)
    expect(page.locator("h1")).to_have_text("账号尚未分配角色")
    expect(page.locator("main")).to_contain_text("请联系市专业镇发展领导小组办公室（市工信局）")
    expect(page.locator("header .badge")).to_have_count(0)
    session.screenshot("no_role")
    session.goto("/towns/", expect_status=403)
    expect(page.locator("main")).to_contain_text("账号尚未分配角色，请联系领导小组办公室。")

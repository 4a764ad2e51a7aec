"""Journey 2: the leading-group office changes a town's tier and finds the change in the audit trail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

SOURCE = "晋工信函〔2025〕17号"


@pytest.mark.e2e
def test_office_changes_tier_and_finds_it_in_the_audit_trail(session, e2e_world):
    page = session.page

    session.login("office", PASSWORD)
    expect(page.locator("h1")).to_have_text("市专业镇发展领导小组办公室 · 工作台")
    expect(page.locator("header .badge")).to_have_text("领导小组办公室")
    expect(session.nav("操作记录")).to_be_visible()
    expect(page.locator(".stat", has_text="专业镇总数").locator(".n")).to_have_text("2")
    session.screenshot("office")

    # --- 变更梯次 on the other county's town (the office reaches every county) ----------------------
    session.nav("专业镇名录").click()
    page.get_by_role("link", name="盐湖区水泵").click()
    expect(page.locator("h1")).to_have_text("盐湖区水泵 市级专业镇")
    expect(page.get_by_role("link", name="天海泵业")).to_be_visible()
    page.get_by_role("link", name="变更梯次").click()
    expect(page.locator("h1")).to_have_text("变更梯次：盐湖区水泵")
    expect(page.locator("section.card")).to_contain_text("当前梯次：市级专业镇")

    # the tier it already has is refused
    page.get_by_label("新梯次").select_option(label="市级专业镇")
    page.get_by_label("生效日期").fill("2025-03-01")
    page.get_by_label("依据").fill(SOURCE)
    page.get_by_role("button", name="确认变更").click()
    expect(page.locator(".field.has-error .error")).to_have_text("该专业镇已是市级专业镇。")

    page.get_by_label("新梯次").select_option(label="省级专业镇")
    page.get_by_role("button", name="确认变更").click()
    expect(page.locator(".messages")).to_have_text("梯次已变更。")
    expect(page.locator("h1")).to_have_text("盐湖区水泵 省级专业镇")
    expect(page.locator("dl.facts")).to_contain_text("2025-03-01")
    changes = page.locator("section.card", has=page.get_by_role("heading", name="梯次变更"))
    assert session.rows_in(changes) == [["2025-03-01", "市级专业镇", "省级专业镇", SOURCE]]

    # --- the town list now counts it among the provincial towns -----------------------------------
    session.nav("专业镇名录").click()
    page.locator("form.filters select[name=tier]").select_option(label="省级专业镇")
    page.get_by_role("button", name="筛选").click()
    assert sorted(r[0] for r in session.rows()) == ["万荣县外加剂", "盐湖区水泵"]

    # --- 操作记录: search finds the change -------------------------------------------------------------
    session.nav("操作记录").click()
    expect(page.locator("h1")).to_have_text("操作记录")
    page.get_by_label("对象、操作人或说明").fill("晋工信函")
    page.get_by_role("button", name="筛选").click()
    rows = session.rows()
    assert len(rows) == 1, rows
    _, who, action, kind, obj, change, note = rows[0]
    assert (who, action, kind, obj, note) == ("office", "状态变更", "专业镇", "盐湖区水泵", SOURCE)
    assert "梯次" in change, change
    assert "梯次认定日期：— → 2025-03-01" in change

    # a search that matches nothing says so
    page.get_by_label("对象、操作人或说明").fill("不存在的文号")
    page.get_by_role("button", name="筛选").click()
    assert session.rows() == [["没有符合条件的记录。"]]

    # --- and the 工作台 lists it among the recent changes ------------------------------------------
    session.nav("工作台").click()
    recent = session.rows("section.card table.data")
    assert [r[1:] for r in recent] == [["office", "状态变更", "盐湖区水泵"]]

"""Regressions of bugs the first browser journeys found (history showing codes, the Swagger
description losing its placeholder, the office's token page being admin-only)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD


@pytest.mark.e2e
def test_audit_trail_shows_tier_labels_not_codes(session, e2e_world):
    page = session.page
    session.login("office", PASSWORD)
    session.goto(f"/towns/{e2e_world.other_town.pk}/tier/")
    page.get_by_label("新梯次").select_option(label="省级专业镇")
    page.get_by_label("生效日期").fill("2025-03-01")
    page.get_by_label("依据").fill("晋工信函〔2025〕17号")
    page.get_by_role("button", name="确认变更").click()
    expect(page.locator(".messages")).to_have_text("梯次已变更。")
    session.goto("/audit/?q=晋工信函")
    change = session.rows()[0][5]
    assert "梯次：市级专业镇 → 省级专业镇" in change, change


@pytest.mark.e2e
def test_swagger_description_shows_the_token_placeholder(session, e2e_world):
    page = session.page
    session.login("api", PASSWORD)
    session.goto("/api/docs/")
    description = page.locator(".swagger-ui .info .description")
    # the schema is built on the first request (a few seconds on a busy machine)
    expect(description).to_contain_text("Authorization: Token", timeout=20_000)
    assert "Token 令牌值" in description.inner_text()


@pytest.mark.e2e
def test_office_token_management_link_opens_for_the_office(session, e2e_world):
    page = session.page
    session.login("office", PASSWORD)
    page.get_by_role("link", name="接口令牌管理").click()
    assert "/admin/login/" not in page.url, page.url
    expect(page.locator("h1")).to_have_text("接口令牌管理")
    page.get_by_role("button", name="签发").first.click()
    expect(page.locator(".messages")).to_contain_text("已为api签发新令牌")

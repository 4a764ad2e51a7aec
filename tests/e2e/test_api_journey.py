"""Journey 5: an API consumer reads the API home and the Swagger UI, served entirely from this site."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD


@pytest.mark.e2e
def test_api_consumer_reads_local_swagger_ui(session, e2e_world):
    page = session.page

    session.login("api", PASSWORD)
    expect(page.locator("h1")).to_have_text("数据接口用户")
    expect(page.locator("header .badge")).to_have_text("接口用户")
    expect(page.locator("main")).to_contain_text("Authorization: Token <令牌>")
    expect(page.get_by_role("link", name="下载 OpenAPI 3 描述")).to_be_visible()
    expect(page.get_by_role("link", name="登记企业")).to_have_count(0)
    session.screenshot("api")

    page.get_by_role("link", name="查看接口文档").click()
    expect(page).to_have_url(session.url("/api/docs/"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("运城市专业镇服务平台 API")
    # the schema was fetched and rendered: the endpoint groups and operations are there
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/towns/").first).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert session.requests, "no requests were recorded"
    assert any("/api/schema/" in url for url in session.requests)
    assert session.foreign_requests() == [], "the docs page reached beyond this site"

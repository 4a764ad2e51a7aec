"""Journey 5: an API consumer reads the API home and the Swagger UI, served entirely from this site, and
tries a call there with the token the office issued on 接口令牌管理."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD


def _open_docs(tab) -> None:
    page = tab.page
    expect(page).to_have_url(tab.url("/api/docs/"))
    # the schema is built on the first request (a few seconds on a busy machine)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("运城市专业镇服务平台 API", timeout=20_000)


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
    _open_docs(session)
    # the schema was fetched and rendered: the endpoint groups and operations are there
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/towns/").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    session.screenshot("api-docs")

    assert session.requests, "no requests were recorded"
    assert any("/api/schema/" in url for url in session.requests)
    assert session.foreign_requests() == [], "the docs page reached beyond this site"

    # the portal's bar above Swagger UI: how to try a call, in Chinese, and the way back
    bar = page.locator("header.docs-bar")
    expect(bar).to_contain_text("试用接口：点击 Authorize，在 tokenAuth 中填写“Token 令牌值”")
    bar.get_by_role("link", name="← 返回运城市专业镇服务平台").click()
    expect(page.locator("h1")).to_have_text("数据接口用户")


def _authorize(page, value: str) -> None:
    """Swagger UI's Authorize dialog: forget any earlier token, enter ``value`` for tokenAuth, close.

    (The dialog also offers cookieAuth, the session cookie, which is left alone.)"""
    page.locator(".swagger-ui .auth-wrapper button.authorize").click()
    dialog = page.locator(".swagger-ui .dialog-ux .modal-ux")
    token_auth = dialog.locator("form", has=page.get_by_role("heading", name=re.compile(r"^tokenAuth")))
    expect(token_auth).to_contain_text("令牌认证：Token 令牌值")
    # (Swagger UI names its buttons "Apply credentials" / "Remove authorization" for screen readers)
    logout = token_auth.get_by_role("button", name="Remove authorization")
    if logout.count():
        logout.click()
    token_auth.locator("input").fill(value)
    token_auth.get_by_role("button", name="Apply credentials").click()
    expect(token_auth.get_by_role("button", name="Remove authorization")).to_be_visible()
    dialog.get_by_role("button", name="Close").first.click()  # one per scheme, each closes the dialog
    expect(dialog).to_have_count(0)


@pytest.mark.e2e
def test_api_consumer_tries_the_town_list_with_the_issued_token(e2e_world, open_session):
    # --- the office issues the token on 接口令牌管理; it is shown once ----------------------------------
    office = open_session()
    office.login("office", PASSWORD)
    office.page.get_by_role("link", name="接口令牌管理").click()
    expect(office.page.locator("h1")).to_have_text("接口令牌管理")
    row = office.page.locator("table.data tbody tr", has_text="api")
    expect(row.locator("td").nth(2)).to_have_text("无")
    row.get_by_role("button", name="签发").click()
    message = office.page.locator(".messages")
    expect(message).to_contain_text("已为api签发新令牌")
    expect(message).to_contain_text("令牌只显示这一次，请立即转交；旧令牌已失效。")
    key = re.search(r"：(\S+)。令牌只显示这一次", message.inner_text()).group(1)
    expect(row.locator("td").nth(2)).to_have_text(f"有效（{key[:8]}…）")
    expect(row.locator("td").nth(5)).to_have_text("—")  # never used yet
    office.screenshot("office-api-tokens")

    # --- the consumer opens the docs from the API home ------------------------------------------------
    consumer = open_session()
    page = consumer.page
    consumer.login("api", PASSWORD)
    page.get_by_role("link", name="查看接口文档").click()
    _open_docs(consumer)
    path = page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/towns/$"))
    towns = page.locator(".swagger-ui .opblock-get", has=path)
    expect(towns).to_have_count(1)
    towns.locator(".opblock-summary").click()
    towns.get_by_role("button", name="Try it out").click()

    # --- a mistyped token: 401 with the API's own message, even though the browser is logged in --------
    _authorize(page, "Token not-a-token")  # (a header value must be ISO-8859-1: fetch refuses Chinese)
    consumer.expect_status("/api/v1/towns/", 401)
    with page.expect_response(lambda r: r.url == consumer.url("/api/v1/towns/")) as answer:
        towns.get_by_role("button", name="Execute").click()
    assert answer.value.status == 401
    live = towns.locator(".live-responses-table tbody tr.response")  # 服务器响应
    expect(live.locator(".response-col_status")).to_have_text(re.compile(r"^401"))
    expect(live.locator(".response-col_description")).to_contain_text("令牌无效、已过期或已吊销。")

    # --- the issued token: 200 and the registry's towns -------------------------------------------------
    _authorize(page, f"Token {key}")
    with page.expect_response(lambda r: r.url == consumer.url("/api/v1/towns/")) as answer:
        towns.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200
    assert answer.value.request.headers["authorization"] == f"Token {key}"
    expect(live.locator(".response-col_status")).to_have_text(re.compile(r"^200"))
    body = live.locator(".response-col_description")
    expect(body).to_contain_text('"count": 2')
    expect(body).to_contain_text("万荣县外加剂")
    expect(body).to_contain_text("盐湖区水泵")
    consumer.screenshot("api-docs-try")
    assert consumer.foreign_requests() == []

    # --- the office sees that the token has been used -------------------------------------------------
    office.page.reload()
    expect(row.locator("td").nth(5)).not_to_have_text("—")

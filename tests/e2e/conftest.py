"""Browser journeys: headless Debian Chromium driven by Playwright's sync API against live_server.

One browser per session, a fresh context (cookies, downloads) per test. Without /usr/bin/chromium
the journeys are skipped, unless REQUIRE_SERVICES=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="package")
def browser():
    """One browser for the e2e package; it (and its event loop) is gone before other tests run."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium fonts-noto-cjk)"
        if _services_required():
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread (user code runs in a greenlet
    # inside it), so Django's "no ORM calls from async context" check would trip on every query made by
    # the tests and fixtures. Nothing here is actually concurrent; the switch is undone afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def e2e_world(transactional_db, live_server, world):
    """The shared ``world`` (tests/conftest.py), built under transactional_db so the server sees it."""
    return world


class Session:
    """A browser tab of one test, with what it saw on the wire."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.server_errors: list[str] = []
        page.context.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "response",
            lambda response: (
                self.server_errors.append(f"{response.status} {response.url}") if response.status >= 500 else None
            ),
        )

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def login(self, username: str, password: str) -> None:
        from playwright.sync_api import expect

        self.goto("/login/")
        expect(self.page.locator("h1")).to_have_text("登录")
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(self.url("/"))
        expect(self.page.locator("header .user")).to_have_text(username)

    def nav(self, name: str):
        return self.page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True)

    def screenshot(self, name: str) -> Path:
        SCREENS.mkdir(parents=True, exist_ok=True)
        path = SCREENS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def rows(self, table: str = "table.data") -> list[list[str]]:
        """The body rows of a table as the user reads them: one list of cell texts per row."""
        return self.rows_in(self.page.locator(table).first)

    @staticmethod
    def rows_in(container) -> list[list[str]]:
        return container.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))"
        )

    def foreign_requests(self) -> list[str]:
        return [
            u
            for u in self.requests
            if urlsplit(u).scheme in {"http", "https", "ws", "wss"} and urlsplit(u).hostname not in LOCAL_HOSTS
        ]


CONTEXT_OPTIONS = {
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
    "viewport": {"width": 1366, "height": 900},
    "accept_downloads": True,
}


def _new_tab(browser, base_url: str) -> Session:
    context = browser.new_context(**CONTEXT_OPTIONS)
    context.set_default_timeout(15_000)
    return Session(context.new_page(), base_url)


@pytest.fixture
def session(browser, live_server):
    tab = _new_tab(browser, live_server.url)
    try:
        yield tab
    finally:
        tab.page.context.close()
    assert not tab.server_errors, f"the server answered 5xx: {tab.server_errors}"


@pytest.fixture
def open_session(browser, live_server):
    """More tabs for one test, each in its own context (another person, or nobody logged in).

    ``open_session()`` returns a fresh :class:`Session`; all are closed at teardown, and none may have
    seen a 5xx answer.
    """
    tabs: list[Session] = []

    def make() -> Session:
        tab = _new_tab(browser, live_server.url)
        tabs.append(tab)
        return tab

    try:
        yield make
    finally:
        for tab in tabs:
            tab.page.context.close()
    errors = [error for tab in tabs for error in tab.server_errors]
    assert not errors, f"the server answered 5xx: {errors}"

"""Browser journeys: headless Debian Chromium driven by Playwright's sync API against live_server.

One browser per session, a fresh context (cookies, downloads) per test. Without /usr/bin/chromium
the journeys are skipped, unless REQUIRE_SERVICES=1 (CI), where a missing browser is a failure.
Every page a journey visits is checked (see :class:`Session`): console errors, uncaught exceptions,
failed requests, requests to other origins, assets answering 4xx/5xx, and 5xx anywhere.

The journeys, by role:
- county official: test_county_journey (enterprises, import and export, a town's yearly figures),
  test_certification_journey (the application, filled in the browser with the live self-check),
  test_evaluation_journey (its supervision notice and rectification report), test_county_mechanisms_journey
  (its 一镇一策 policy, task list and targets; another county cannot see its drafts);
  test_evaluation_journey (its supervision notice and rectification report), test_assessment_journey (its own
  assessment breakdown and rank; another county's row is a 404);
- office reviewer: test_office_journey (tier change, audit trail), test_certification_journey
  (review queue, screening, sending to experts, the notice, certifying), test_evaluation_journey,
  test_assessment_journey (the year's weights, computing after the evaluation, the export, publishing),
  test_api_journey (issuing a token on 接口令牌管理);
- expert: test_certification_journey (assigned applications, scoring against the rubric);
- bureau official: test_task_board_journey (the board, progress and consolidated reports, problems),
  test_readonly_journeys (reads the registry, 403 on edit pages);
- leader: test_leader_journey (overview, /targets/, task board, published evaluation),
  test_readonly_journeys, test_export_journey;
- API consumer: test_api_journey (the docs page; a call tried there with the issued token).
"""

from __future__ import annotations

import os
import re
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
    """A browser tab of one test, with what it saw on the wire and in the console.

    Every page of every journey is checked: at teardown the test fails, listing per page URL, if the
    browser logged a console error or an uncaught exception, a request failed, a request went to an
    origin other than this machine, a subresource (CSS, JS, image, font, fetch) answered 4xx/5xx, or a
    page answered 4xx without the test saying it expected that (``expect_status``). A download is the
    one request Chromium aborts on purpose (the file goes to disk, not to the tab): that is no failure.
    """

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.server_errors: list[str] = []
        # (page URL, what was seen), in order; judged at teardown
        self.problems: list[tuple[str, str]] = []
        # every response's (URL, status): the browser echoes each 4xx/5xx as a console error
        self._statuses: set[tuple[str, int]] = set()
        # pages the test expects to answer 4xx, as (URL, status)
        self._expected: set[tuple[str, int]] = set()
        # URLs answered as attachments, and failed requests as (page URL, URL, method, error)
        self._downloads: set[str] = set()
        self._failed: list[tuple[str, str, str, str]] = []
        context = page.context
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_request_failed)
        context.on("page", self._watch)
        self._watch(page)

    # --- recording -------------------------------------------------------------------------------

    def _watch(self, page) -> None:
        page.on("console", lambda message: self._on_console(page, message))
        page.on("pageerror", lambda error: self._note(page.url, f"uncaught exception: {error}"))
        page.on("websocket", lambda socket: self._check_origin(page.url, "websocket", socket.url))
        page.on("download", lambda download: self._downloads.add(download.url))

    def _note(self, page_url: str, what: str) -> None:
        self.problems.append((page_url, what))

    @staticmethod
    def _page_of(request) -> str:
        """The page a request belongs to: itself for a navigation, else its frame's document."""
        if request.is_navigation_request():
            return request.url
        try:
            return request.frame.url
        except Exception:  # a service worker's request has no frame
            return "(no page)"

    def _check_origin(self, page_url: str, kind: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            self._note(page_url, f"{kind} to a non-local origin: {url}")

    def _on_request(self, request) -> None:
        self.requests.append(request.url)
        self._check_origin(self._page_of(request), f"{request.method} request", request.url)

    def _on_response(self, response) -> None:
        status, url = response.status, response.url
        self._statuses.add((url, status))
        if (response.headers.get("content-disposition") or "").startswith("attachment"):
            self._downloads.add(url)
        if status >= 500:
            self.server_errors.append(f"{status} {url}")  # judged on their own: any 5xx fails the test
            return
        if status < 400:
            return
        request = response.request
        if (url, status) in self._expected:
            return
        if request.resource_type == "document":
            self._note(url, f"the page answered {status} (not expected by the test)")
        else:
            self._note(self._page_of(request), f"{request.resource_type} answered {status}: {url}")

    def _on_request_failed(self, request) -> None:
        # judged in report(): the response that makes it a download may be reported after the failure
        self._failed.append((self._page_of(request), request.url, request.method, request.failure or ""))

    def _on_console(self, page, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        echoed = re.fullmatch(r"Failed to load resource: the server responded with a status of (\d+) .*", message.text)
        if echoed and (source, int(echoed.group(1))) in self._statuses:
            return  # the browser's echo of a response already judged in _on_response
        self._note(page.url, f"console error: {message.text}" + (f" ({source})" if source else ""))

    def failures(self) -> list[tuple[str, str]]:
        """Everything seen that is wrong, as (page URL, what)."""
        failed = [
            (page_url, f"request failed ({error}): {method} {url}")
            for page_url, url, method, error in self._failed
            if not (error == "net::ERR_ABORTED" and url in self._downloads)
            # Chromium fetches the favicon on its own; a page left at once (a login that redirects) aborts it.
            # A missing favicon is still caught: that is a 404 response, not an aborted request.
            and not (error == "net::ERR_ABORTED" and url.endswith("/static/img/favicon.png"))
        ]
        return self.problems + failed

    def take_failures(self) -> list[tuple[str, str]]:
        """What was seen so far, which the test judges itself (only the checks' own test does)."""
        seen = self.failures()
        self.problems.clear()
        self._failed.clear()
        return seen

    def report(self) -> str:
        """What went wrong, grouped by page URL (paths relative to the live server); empty if nothing."""
        by_page: dict[str, list[str]] = {}
        for page_url, what in self.failures():
            by_page.setdefault(self._short(page_url), []).append(self._short_in(what))
        return "\n".join(f"  {page}\n" + "\n".join(f"    - {w}" for w in seen) for page, seen in by_page.items())

    def _short(self, url: str) -> str:
        return url[len(self.base_url) :] or "/" if url.startswith(self.base_url) else url

    def _short_in(self, text: str) -> str:
        return text.replace(self.base_url, "")

    # --- driving ---------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def expect_status(self, path: str, status: int) -> None:
        """``path`` may answer ``status`` (4xx): a 403/404 page the journey checks, a form it submits with
        mistakes (this portal answers 400 with the form and its errors), an API call it makes to see it fail."""
        self._expected.add((self.url(path), status))

    def expect_form_errors(self) -> None:
        """The form on this page is about to be submitted with mistakes: it posts back here, answered 400."""
        self._expected.add((self.page.url, 400))

    def goto(self, path: str, *, expect_status: int | None = None):
        """Open ``path``; with ``expect_status`` the page must answer that 4xx status."""
        if expect_status is not None:
            self.expect_status(path, expect_status)
        response = self.page.goto(self.url(path))
        if expect_status is not None:
            assert response.status == expect_status, f"{path} answered {response.status}, not {expect_status}"
        return response

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
        # After a click that navigates, the new document may still be parsing: read it once it has loaded
        # (an empty or half-built table would be read as it is; evaluate_all does not wait for rows).
        container.page.wait_for_load_state()
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


def _judge(tabs: list[Session]) -> None:
    """Fail the test with everything its tabs saw go wrong, per tab and page."""
    errors = [error for tab in tabs for error in tab.server_errors]
    reports = [f"tab {n}:\n{tab.report()}" for n, tab in enumerate(tabs, 1) if tab.failures()]
    message = []
    if errors:
        message.append(f"the server answered 5xx: {errors}")
    if reports:
        message.append("the browser saw problems on these pages:\n" + "\n".join(reports))
    if message:
        pytest.fail("\n".join(message), pytrace=False)


@pytest.fixture
def session(browser, live_server):
    tab = _new_tab(browser, live_server.url)
    try:
        yield tab
        _judge([tab])  # before closing: closing aborts whatever is still loading
    finally:
        tab.page.context.close()


@pytest.fixture
def open_session(browser, live_server):
    """More tabs for one test, each in its own context (another person, or nobody logged in).

    ``open_session()`` returns a fresh :class:`Session`; all are closed at teardown, and each is
    judged like ``session``.
    """
    tabs: list[Session] = []

    def make() -> Session:
        tab = _new_tab(browser, live_server.url)
        tabs.append(tab)
        return tab

    try:
        yield make
        _judge(tabs)
    finally:
        for tab in tabs:
            tab.page.context.close()

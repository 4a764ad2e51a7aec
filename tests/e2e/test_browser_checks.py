"""The checks every journey gets (conftest.Session): each kind of problem is seen and named per page."""

from __future__ import annotations

import pytest


@pytest.mark.e2e
def test_checks_see_console_errors_exceptions_missing_assets_and_foreign_requests(session, e2e_world):
    page = session.page
    session.goto("/login/")
    # what a broken template or script would do (Playwright's evaluate is not subject to the CSP itself)
    page.evaluate(
        """() => {
            console.error("selfcheck: precheck answered nonsense");
            setTimeout(() => { throw new Error("widget is undefined"); }, 0);
            const css = document.createElement("link");
            css.rel = "stylesheet";
            css.href = "/static/css/missing.css";
            document.head.append(css);
            const img = document.createElement("img");
            img.src = "https://cdn.example.com/logo.png";
            document.body.append(img);
        }"""
    )
    page.wait_for_load_state("networkidle")
    # a link to another site, answered by nobody (the machine is offline: the route aborts it)
    page.route("https://cdn.example.com/**", lambda route: route.abort())
    with pytest.raises(Exception, match="net::ERR_FAILED"):
        page.goto("https://cdn.example.com/app.js")

    seen = session.take_failures()
    login = session.url("/login/")
    kinds = [what for url, what in seen if url == login]
    assert "console error: selfcheck: precheck answered nonsense" in kinds[0], seen
    assert any(w.startswith("uncaught exception: ") and "widget is undefined" in w for w in kinds), seen
    assert any(w == f"stylesheet answered 404: {session.url('/static/css/missing.css')}" for w in kinds), seen
    # the image is asked for, and the CSP (img-src 'self' data:) blocks it: the browser logs the violation
    image = "https://cdn.example.com/logo.png"
    assert f"GET request to a non-local origin: {image}" in kinds, seen
    assert any(w.startswith(f"console error: Loading the image '{image}' violates") for w in kinds), seen
    foreign = "https://cdn.example.com/app.js"
    assert (foreign, f"GET request to a non-local origin: {foreign}") in seen, seen
    assert (foreign, f"request failed (net::ERR_FAILED): GET {foreign}") in seen, seen
    assert "the browser saw" not in session.report()  # nothing left for the teardown to fail on

"""Login lockout, cookies and headers, CSRF on every form and session-authenticated API write."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from ..factories import PASSWORD, api_key


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failures_lock_the_account_even_with_the_right_password(world, settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = Client()
    for _ in range(5):
        response = login(client, "county", "wrong-password")
    assert response.status_code in (200, 429)
    locked = login(client, "county", PASSWORD)
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Other accounts are not affected.
    assert login(Client(), "office", PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    login(client, "county", "nope")
    login(client, "county", "nope")
    assert login(client, "county", PASSWORD).status_code == 302
    client.logout()
    login(client, "county", "nope")
    login(client, "county", "nope")
    assert login(client, "county", PASSWORD).status_code == 302


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678", "password123", "yuncheng"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Zhuanye-zhen-2026!")


def test_content_security_policy_allows_no_inline_code_and_no_other_origin(world, client_for):
    response = client_for("county").get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy and "http" not in policy
    body = response.content.decode()
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies(world, settings):
    client = Client()
    response = login(client, "county", PASSWORD)
    assert response.cookies["sessionid"]["httponly"] is True
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    form = client.get(reverse("enterprise-create"))
    assert form.cookies["csrftoken"]["httponly"] is True


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True)
def test_hsts_on_https(world, client_for):
    response = client_for("county").get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


FORMS = [
    ("enterprise-create", {}),
    ("enterprise-import", {}),
    ("problem-create", {}),
    ("notifications", {}),
    ("logout", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), FORMS)
def test_forms_refuse_posts_without_csrf_token(world, name, kwargs):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["county"])
    assert client.post(reverse(name, kwargs=kwargs), {}).status_code == 403


def test_every_page_form_carries_a_token(world, client_for):
    for name in ("enterprise-create", "enterprise-import", "problem-create", "project-create"):
        body = client_for("county").get(reverse(name)).content.decode()
        assert body.count('name="csrfmiddlewaretoken"') >= 2, name  # the page's form and the logout form


def test_session_api_writes_need_csrf_but_token_clients_do_not(world):
    data = {"year": 2021, "output_wan": "1", "local_jobs": 1}
    url = f"/api/v1/towns/{world.home_town.pk}/figures/"
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(world.users["county"])  # a real session cookie, as a browser has
    assert session.post(url, data, format="json").status_code == 403
    token = APIClient(enforce_csrf_checks=True)
    token.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['county'])}")
    assert token.post(url, data, format="json").status_code == 201


# --- request body size (issue 11, finding 6) --------------------------------------------------------


def test_a_body_larger_than_any_legitimate_upload_is_refused_before_it_is_read(world, settings):
    assert max(settings.IMPORT_MAX_UPLOAD_BYTES, settings.ATTACHMENT_MAX_BYTES) <= settings.MAX_REQUEST_BODY_BYTES
    client = Client()
    too_big = str(settings.MAX_REQUEST_BODY_BYTES + 1)
    # The declared length is what counts: the guard answers before anything reads the (here short) body.
    response = client.post(reverse("login"), {"username": "office"}, CONTENT_LENGTH=too_big)
    assert response.status_code == 413
    assert "请求内容过大" in response.content.decode()
    api = client.post("/api/v1/tasks/", b"{}", content_type="application/json", CONTENT_LENGTH=too_big)
    assert api.status_code == 413 and "detail" in api.json()


def test_the_body_guard_measures_the_real_body(world, settings, client_for):
    settings.MAX_REQUEST_BODY_BYTES = 1024
    from django.core.files.uploadedfile import SimpleUploadedFile

    office = client_for("county")
    big = SimpleUploadedFile("企业.xlsx", b"PK\x03\x04" + b"x" * 4096)
    assert office.post(reverse("enterprise-import"), {"file": big}).status_code == 413
    assert office.post(reverse("enterprise-import"), {"file": SimpleUploadedFile("a.txt", b"x")}).status_code == 400


# --- caching of authenticated responses (issue 11, finding 14) ----------------------------------------------


@pytest.mark.parametrize("url", ["/api-tokens/", "/towns/", "/tasks/"])
def test_authenticated_pages_are_not_stored_by_caches(world, tasks_world, client_for, url):
    response = client_for("office").get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_token_api_responses_are_not_stored_either(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['api'])}")
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# --- logging (issue 11, finding 16) ------------------------------------------------------------------------------


def test_a_refused_request_is_logged_as_one_line(world, client_for):
    import io
    import logging

    county = client_for("county")
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        assert county.get("/api-tokens/").status_code == 403
    finally:
        console.setStream(previous)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, lines  # no traceback
    assert "WARNING django.request: Forbidden (Permission denied): /api-tokens/" in lines[0]


# --- lockout behind the proxy (issue 11, finding 2) --------------------------------------------------------------

CLIENT_A, CLIENT_B = "203.0.113.5", "198.51.100.7"


def behind_proxy(forwarded_for: str) -> Client:
    """A browser reaching the app through the reverse proxy: the proxy connects from 127.0.0.1 and appends the
    address it saw to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for)."""
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for, HTTP_X_FORWARDED_PROTO="https")


def test_lockout_behind_the_proxy_is_per_account_and_client(world, settings):
    settings.TRUSTED_PROXY_COUNT, settings.AXES_FAILURE_LIMIT = 1, 5
    a = behind_proxy(CLIENT_A)
    for _ in range(5):
        login(a, "office", "wrong-password")
    locked = login(a, "office", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录失败次数过多" in page and "30 分钟" in page  # the time left
    # The same account from another client still logs in: the proxy's own address is not what is locked.
    assert login(behind_proxy(CLIENT_B), "office", PASSWORD).status_code == 302
    # Client A prepending B's address (the proxy appends A's real one) is still A.
    spoofed = behind_proxy(f"{CLIENT_B}, {CLIENT_A}")
    assert login(spoofed, "office", PASSWORD).status_code == 429
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("username", "ip_address")) == {("office", CLIENT_A)}


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "client"),
    [
        (0, "10.0.0.9", "1.2.3.4", "10.0.0.9"),  # no proxy trusted: the header is the client's own words
        (1, "127.0.0.1", "1.2.3.4", "1.2.3.4"),
        (1, "127.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a spoofed entry on the left changes nothing
        (2, "127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),  # two proxies: the second from the right
        (1, "127.0.0.1", "", "127.0.0.1"),  # not through the proxy at all
        (2, "127.0.0.1", "1.2.3.4", "127.0.0.1"),  # fewer entries than proxies: not trusted
        (1, "127.0.0.1", "not-an-address", "127.0.0.1"),
    ],
)
def test_client_address_trusts_exactly_the_configured_proxies(settings, count, remote, forwarded, client):
    from django.test import RequestFactory

    from yuncheng_towns.login_protection import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == client

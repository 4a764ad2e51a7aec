"""The API contract later work relies on, token authentication and the offline schema/docs."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient
from rest_framework.test import APIClient

from ..factories import TownFactory, TownFiguresFactory, api_key


def test_towns_contract(world, api_for):
    data = api_for("api").get("/api/v1/towns/").json()
    assert data["count"] == 2 and "next" in data
    town = next(t for t in data["results"] if t["name"] == "万荣县外加剂")
    assert {"id", "name", "county", "leading_industry", "sector", "tier", "latest_figures"} <= town.keys()
    assert town["county"] == "万荣县" and town["tier"] == "provincial" and town["sector"] == "manufacturing"
    assert town["latest_figures"]["year"] == 2024
    assert town["latest_figures"]["output_wan"] == "70000.00"
    assert town["anchor_count"] == 1
    detail = api_for("api").get(f"/api/v1/towns/{town['id']}/").json()
    assert detail == town


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tier": "provincial"}, {"万荣县外加剂"}),
        ({"sector": "manufacturing"}, {"万荣县外加剂", "盐湖区水泵"}),
        ({"search": "水泵"}, {"盐湖区水泵"}),
        ({"search": "外加剂"}, {"万荣县外加剂"}),
    ],
)
def test_town_filters(world, api_for, params, expected):
    results = api_for("api").get("/api/v1/towns/", params).json()["results"]
    assert {t["name"] for t in results} == expected


def test_town_county_filter_and_bad_filter(world, api_for):
    client = api_for("api")
    results = client.get("/api/v1/towns/", {"county": world.other_county.pk}).json()["results"]
    assert [t["name"] for t in results] == ["盐湖区水泵"]
    assert client.get("/api/v1/towns/", {"tier": "galactic"}).status_code == 400


def test_town_without_figures_has_null_latest(world, api_for):
    TownFactory(name="新绛县云雕", county=world.home_county, sector="light_industry", tier="potential")
    results = api_for("api").get("/api/v1/towns/", {"search": "云雕"}).json()["results"]
    assert results[0]["latest_figures"] is None


def test_latest_figures_is_the_latest_year(world, api_for):
    TownFiguresFactory(town=world.other_town, year=2025, output_wan="1.00")
    results = api_for("api").get("/api/v1/towns/", {"search": "水泵"}).json()["results"]
    assert results[0]["latest_figures"]["year"] == 2025


def test_enterprise_and_county_contract(world, api_for):
    client = api_for("api")
    enterprise = client.get(f"/api/v1/enterprises/{world.home_enterprise.pk}/").json()
    assert enterprise["credit_code"] == world.home_enterprise.credit_code
    assert enterprise["town_name"] == "万荣县外加剂" and enterprise["role"] == "anchor"
    counties = client.get("/api/v1/counties/").json()["results"]
    assert {c["name"]: c["town_count"] for c in counties} == {"万荣县": 1, "盐湖区": 1}


def test_token_authentication_revocation_and_expiry(world, client_for):
    from core.models import ApiToken
    from towns import services

    token, key = services.api_token_issue(user=world.users["office"], holder=world.users["api"])
    assert ApiToken.objects.get().key_hash != key and key not in ApiToken.objects.get().key_hash  # only a digest
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/towns/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    _, new = services.api_token_issue(user=world.users["office"], holder=world.users["api"])  # re-issue
    assert client.get("/api/v1/towns/").status_code == 401  # the old key stopped working at once
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert client.get("/api/v1/towns/").status_code == 200
    services.api_token_revoke(user=world.users["office"], holder=world.users["api"])
    assert client.get("/api/v1/towns/").status_code == 401
    expired = api_key(world.users["api"], days=-1)
    client.credentials(HTTP_AUTHORIZATION=f"Token {expired}")
    assert client.get("/api/v1/towns/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/towns/").status_code == 401
    import pytest as _pytest
    from django.core.exceptions import PermissionDenied, ValidationError

    with _pytest.raises(PermissionDenied):
        services.api_token_issue(user=world.users["county"], holder=world.users["api"])
    with _pytest.raises(ValidationError):
        services.api_token_issue(user=world.users["office"], holder=world.users["county"])  # not an API user


def test_each_token_is_throttled_on_its_own(world, monkeypatch):
    from django.core.cache import cache

    from core.api.throttling import TokenRateThrottle

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    first, second = APIClient(), APIClient()
    first.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['api'])}")
    second.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['county'])}")
    assert [first.get("/api/v1/counties/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/api/v1/counties/").status_code == 200  # another token has its own budget
    cache.clear()


def test_schema_and_docs_are_served_locally(db, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "openapi: 3" in text and "/api/v1/towns/" in text and "/api/v1/enterprises/{id}/figures/" in text
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_openapi_schema_is_valid_without_warnings(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=out)
    assert "openapi: 3" in out.getvalue()


# --- the schema says what the API answers ----------------------------------------------------------------------------


@pytest.fixture
def openapi(db, client) -> dict:
    import yaml

    return yaml.safe_load(client.get("/api/schema/").content)


def _documented(openapi: dict, method: str, path: str, response) -> dict:
    """The response as the schema documents it for this status; fails when the status is not documented."""
    responses = openapi["paths"][path][method.lower()]["responses"]
    assert str(response.status_code) in responses, f"{method} {path}: {response.status_code} is not documented"
    return responses[str(response.status_code)]


def _error_body(documented: dict, response) -> None:
    assert documented["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOutput"}
    assert list(response.json()) == ["detail"] and isinstance(response.json()["detail"], str)


def test_schema_documents_the_errors_of_authentication_permissions_parsers_and_throttling(world, openapi, monkeypatch):
    from django.core.cache import cache

    from core.api.throttling import TokenRateThrottle

    anonymous = APIClient()
    response = anonymous.get("/api/v1/counties/")
    assert response.status_code == 401
    _error_body(_documented(openapi, "GET", "/api/v1/counties/", response), response)

    # certificates are public and authenticate no one: a bad token is ignored, so no 401 or 403 to document;
    # anonymous callers have a budget per address, so 429 is (issue 11, finding 13)
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anonymous.get("/api/v1/certificates/").status_code == 200
    assert {"401", "403"}.isdisjoint(openapi["paths"]["/api/v1/certificates/"]["get"]["responses"])
    assert "429" in openapi["paths"]["/api/v1/certificates/"]["get"]["responses"]

    norole = APIClient()
    norole.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['norole'])}")
    response = norole.get("/api/v1/counties/")
    assert response.status_code == 403
    _error_body(_documented(openapi, "GET", "/api/v1/counties/", response), response)
    # policies ask for a login only: the same user reads them, and no 403 is documented there
    assert norole.get("/api/v1/policies/").status_code == 200
    assert "403" not in openapi["paths"]["/api/v1/policies/"]["get"]["responses"]

    # a session write without its CSRF token
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(world.users["county"])
    response = session.post("/api/v1/certification/precheck/", {}, format="json")
    assert response.status_code == 403
    _error_body(_documented(openapi, "POST", "/api/v1/certification/precheck/", response), response)

    office = APIClient()
    office.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['office'])}")
    response = office.post("/api/v1/certification/precheck/", {"sector": "manufacturing"}, format="multipart")
    assert response.status_code == 415  # JSON only, as documented
    _error_body(_documented(openapi, "POST", "/api/v1/certification/precheck/", response), response)
    assert list(openapi["paths"]["/api/v1/certification/precheck/"]["post"]["requestBody"]["content"]) == [
        "application/json"
    ]

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "1/minute"})
    office.get("/api/v1/counties/")
    response = office.get("/api/v1/counties/")
    assert response.status_code == 429
    _error_body(_documented(openapi, "GET", "/api/v1/counties/", response), response)
    cache.clear()


def test_schema_documents_validation_errors_field_by_field(world, openapi):
    office = APIClient()
    office.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['office'])}")
    bad_body = office.post(f"/api/v1/towns/{world.home_town.pk}/figures/", {"year": "abc"}, format="json")
    bad_filter = office.get("/api/v1/towns/", {"tier": "galactic"})
    not_json = office.generic("POST", "/api/v1/enterprises/", "{", content_type="application/json")
    for response, method, path in [
        (bad_body, "POST", "/api/v1/towns/{id}/figures/"),
        (bad_filter, "GET", "/api/v1/towns/"),
        (not_json, "POST", "/api/v1/enterprises/"),
    ]:
        assert response.status_code == 400
        documented = _documented(openapi, method, path, response)
        assert documented["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BadRequestOutput"}
    assert "year" in bad_body.json() and bad_filter.json()["tier"]
    assert list(not_json.json()) == ["detail"]  # not JSON at all: the one 400 without fields
    assert openapi["components"]["schemas"]["BadRequestOutput"]["oneOf"] == [
        {"$ref": "#/components/schemas/ValidationErrorOutput"},
        {"$ref": "#/components/schemas/ErrorOutput"},
    ]


@pytest.mark.parametrize(
    ("path", "component", "obj", "years"),
    [
        ("/api/v1/towns/{id}/figures/", "TownFiguresOutput", "home_town", [2024, 2023]),  # newest first
        ("/api/v1/enterprises/{id}/figures/", "EnterpriseFiguresOutput", "home_enterprise", [2024]),
    ],
)
def test_figures_actions_answer_as_documented(world, openapi, path, component, obj, years):
    ref = {"$ref": f"#/components/schemas/{component}"}
    operations = openapi["paths"][path]
    for method in ("get", "post"):
        assert [p["name"] for p in operations[method]["parameters"]] == ["id"]  # no filters, no pagination
    assert operations["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": ref,
    }
    assert "200" not in operations["post"]["responses"]
    assert operations["post"]["responses"]["201"]["content"]["application/json"]["schema"] == ref

    office = APIClient()
    office.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['office'])}")
    url = path.format(id=getattr(world, obj).pk)
    listed = office.get(url, {"county": "not-a-county"})  # the list's filters do not apply to one object's figures
    assert listed.status_code == 200 and [f["year"] for f in listed.json()] == years
    added = office.post(url, {"year": 2022, "output_wan": "100.00", "local_jobs": 10}, format="json")
    assert added.status_code == 201 and added.json()["year"] == 2022 and "id" in added.json()


def test_enterprise_patch_takes_any_of_the_input_fields(world, openapi):
    body = openapi["paths"]["/api/v1/enterprises/{id}/"]["patch"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/PatchedEnterpriseInputRequest"}
    patched = openapi["components"]["schemas"]["PatchedEnterpriseInputRequest"]
    assert set(patched["properties"]) == {
        "town",
        "name",
        "credit_code",
        "role",
        "above_designated_size",
        "main_products",
    }
    assert "required" not in patched
    office = APIClient()
    office.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['office'])}")
    response = office.patch(f"/api/v1/enterprises/{world.home_enterprise.pk}/", {"main_products": "减水剂"})
    assert response.status_code == 200 and response.json()["main_products"] == "减水剂"


def test_a_database_outage_is_a_documented_503_on_the_api_and_a_retry_page_elsewhere(world, openapi, monkeypatch):
    """What a PostgreSQL restart looks like from inside a request (tests/system/test_database_restart.py does it
    for real): every query fails with OperationalError."""
    from django.db import OperationalError
    from django.db.backends import utils

    token = api_key(world.users["api"])
    office = DjangoClient()
    office.force_login(world.users["office"])

    def refused(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(utils.CursorWrapper, "execute", refused)
        api = APIClient().get("/api/v1/counties/", HTTP_AUTHORIZATION=f"Token {token}")
        page = office.get("/towns/")
    assert api.status_code == 503 and api["Retry-After"] == "30"
    _error_body(_documented(openapi, "GET", "/api/v1/counties/", api), api)
    assert all("503" in op["responses"] for ops in openapi["paths"].values() for op in ops.values())
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "数据库暂时不可用，您的操作没有保存，请稍后重试。" in page.content.decode()


def test_a_path_id_that_is_not_a_number_is_a_404_everywhere(world, openapi):
    """The router lets any path segment through to the view (found by negative fuzzing: writes answered 500)."""
    office = APIClient()
    office.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['office'])}")
    operations = [(m, p) for p, methods in openapi["paths"].items() if "{id}" in p for m in methods]
    assert len(operations) > 10
    for method, path in operations:
        response = getattr(office, method)(path.format(id="true"), {}, format="json")
        assert response.status_code == 404, f"{method.upper()} {path}: {response.status_code}"
        assert list(response.json()) == ["detail"]


def test_schema_is_generated_once_per_process(db, client, monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    from core.api.schema_view import SchemaView

    calls = []
    generate = SchemaGenerator.get_schema
    monkeypatch.setattr(SchemaView, "_schemas", {})
    monkeypatch.setattr(SchemaGenerator, "get_schema", lambda self, **kw: calls.append(1) or generate(self, **kw))
    first, second = client.get("/api/schema/"), client.get("/api/schema/")
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert len(calls) == 1
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["openapi"].startswith("3")

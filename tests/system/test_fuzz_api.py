"""Property-based fuzzing of /api/v1/ from its OpenAPI schema (schemathesis), in-process on the WSGI app.

Every operation of the served schema (/api/schema/) is fuzzed twice: with the office's token (every endpoint
reachable, every object editable) and with a county official's (万荣县 only). Requests are schema-valid
("positive") cases; path ids, id-valued filters, the body's ``town`` and the figures fields are drawn from objects
that exist / values the app accepts first, else as generated, so detail, write and filtered-list code is reached and
not only the 404/400 paths. Writes go to the test database and are rolled back with the test. Derandomized: the
same cases on every run, on SQLite and PostgreSQL.

Checks on every response: no 5xx, the status code is documented, content type and body match the served schema, an
operation that declares authentication refuses the same request without it, and an error is one of
``ERROR_STATUSES``, the errors the app's rules answer to these two roles (the schema documents more: 401, 403, 415
and 429, which these roles' requests must never meet). test_served_schema_documents_the_error_contract checks that,
of 400, 404 and 409, the schema documents exactly those of ``ERROR_STATUSES``.

Known app bugs (``KNOWN_BUGS``) are left out of the fuzzing, those exact cases only; each is pinned by a strict xfail
test below, which starts failing (XPASS) once the bug is fixed, so that its exclusion is removed too.

Deselect with ``-m "not fuzz"``.
"""

from __future__ import annotations

import pytest
import schemathesis
import yaml
from django.test import Client
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from yuncheng_towns.wsgi import application

from ..factories import EnterpriseFactory, api_key, valid_credit_code

SCHEMA_URL = "/api/schema/"
MAX_EXAMPLES = 25  # per operation and role: 33 operations x 2 roles, about 1.5 minutes on 2 cores

# --- the error contract --------------------------------------------------------------------------------------------

# The errors the app's own rules answer on each operation, to the valid token of the office or of a county official:
#   400  the body, or a filter (county, town, cycle, task, ...; search with a NUL), is invalid
#   404  the path's object does not exist, or lies outside the county's scope (towns.permissions.OutOfScope);
#        on a paginated list, ?page= past the last page; on precheck, ?policy= naming no policy;
#        on POST /enterprises/, a county official naming a town of another county
#   409  DELETE of an enterprise named in a certification application
# The served schema must document exactly these of 400/404/409. It documents 401 (no or bad token), 403 (no role, or
# a session write without CSRF), 415 (a body's media type) and 429 (throttled) as well, from the view's
# authentication, permission, parser and throttle classes (core.api.schema.AutoSchema); the fuzzing must not meet
# them (the token is valid, both roles may read and edit all of it, throttling is lifted for the run, bodies are
# sent as documented), and only_decided_errors fails the run on any of them.
DECIDED = ("400", "404", "409")
ERROR_STATUSES = {
    ("GET", "/api/v1/applications/"): {"400", "404"},
    ("GET", "/api/v1/applications/{id}/"): {"404"},
    ("GET", "/api/v1/certificates/"): {"404"},
    ("GET", "/api/v1/certificates/{id}/"): {"404"},
    ("POST", "/api/v1/certification/precheck/"): {"400", "404"},
    ("GET", "/api/v1/counties/"): {"404"},
    ("GET", "/api/v1/counties/{id}/"): {"404"},
    ("GET", "/api/v1/enterprises/"): {"400", "404"},
    ("POST", "/api/v1/enterprises/"): {"400", "404"},
    ("GET", "/api/v1/enterprises/{id}/"): {"404"},
    ("PUT", "/api/v1/enterprises/{id}/"): {"400", "404"},
    ("PATCH", "/api/v1/enterprises/{id}/"): {"400", "404"},
    ("DELETE", "/api/v1/enterprises/{id}/"): {"404", "409"},
    ("GET", "/api/v1/enterprises/{id}/figures/"): {"404"},
    ("POST", "/api/v1/enterprises/{id}/figures/"): {"400", "404"},
    ("GET", "/api/v1/evaluations/"): {"404"},
    ("GET", "/api/v1/evaluations/{id}/"): {"404"},
    ("GET", "/api/v1/policies/"): {"404"},
    ("GET", "/api/v1/policies/{id}/"): {"404"},
    ("GET", "/api/v1/problems/"): {"400", "404"},
    ("GET", "/api/v1/problems/{id}/"): {"404"},
    ("GET", "/api/v1/projects/"): {"400", "404"},
    ("GET", "/api/v1/projects/{id}/"): {"404"},
    ("GET", "/api/v1/reports/"): {"404"},
    ("GET", "/api/v1/reports/{id}/"): {"404"},
    ("GET", "/api/v1/supervision-notices/"): {"404"},
    ("GET", "/api/v1/supervision-notices/{id}/"): {"404"},
    ("GET", "/api/v1/tasks/"): set(),
    ("GET", "/api/v1/tasks/{number}/"): {"404"},
    ("GET", "/api/v1/towns/"): {"400", "404"},
    ("GET", "/api/v1/towns/{id}/"): {"404"},
    ("GET", "/api/v1/towns/{id}/figures/"): {"404"},
    ("POST", "/api/v1/towns/{id}/figures/"): {"400", "404"},
    ("GET", "/api/v1/assessments/"): {"404"},
    ("GET", "/api/v1/assessments/{id}/"): {"404"},
    ("GET", "/api/v1/county-documents/"): {"400", "404"},
    ("GET", "/api/v1/county-documents/{id}/"): {"404"},
    ("GET", "/api/v1/county-tasks/"): {"400", "404"},
    ("GET", "/api/v1/county-tasks/{id}/"): {"404"},
}


def schema_gaps(raw: dict) -> list[str]:
    """Where the served schema's 400/404/409 differ from ERROR_STATUSES, one line each (none when it is true)."""
    gaps = []
    for path, methods in raw["paths"].items():
        for method, operation in methods.items():
            label = f"{method.upper()} {path}"
            documented = {status for status in operation.get("responses", {}) if status in DECIDED}
            decided = ERROR_STATUSES.get((method.upper(), path), set())
            gaps += [f"{label}: {status} not documented" for status in sorted(decided - documented)]
            gaps += [f"{label}: {status} documented, never answered" for status in sorted(documented - decided)]
    return gaps


# --- the schema under test ---------------------------------------------------------------------------------------

CONFIG = schemathesis.Config.from_dict(
    {
        # Schema-valid requests: invalid ones stop at DRF's validation (400) before any of the app's code runs.
        "generation": {"mode": "positive", "deterministic": True, "database": "none"},
        # The coverage phase adds hundreds of boundary cases per operation; the time goes to fuzzing instead.
        "phases": {"coverage": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, application, config=CONFIG)


@schemathesis.check
def only_decided_errors(ctx, response, case):
    """Both roles hold a valid, unthrottled token and may read and edit all of it: no 401, 403, 415 or 429."""
    status = response.status_code
    if status >= 400 and str(status) not in ERROR_STATUSES[(case.method.upper(), case.path)]:
        raise AssertionError(f"{status} is not an error {case.method.upper()} {case.path} answers to these roles")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CHECKS += [only_decided_errors, ignored_auth]  # ignored_auth: a 2xx is sent again without the token, to be refused


# --- values the app knows, drawn first -----------------------------------------------------------------------------


def _pks(model_label: str, field: str = "pk") -> list:
    from django.apps import apps

    return list(apps.get_model(model_label).objects.order_by("pk").values_list(field, flat=True))


PATH_OBJECTS = {  # the first path segment after /api/v1/ -> what its {id} (or {number}) names
    "applications": lambda: _pks("certification.Application"),
    "certificates": lambda: _pks("certification.Certificate"),
    "counties": lambda: _pks("towns.County"),
    "enterprises": lambda: _pks("towns.Enterprise"),
    "evaluations": lambda: _pks("evaluation.EvaluationRun"),
    "policies": lambda: _pks("certification.CriteriaPolicy"),
    "problems": lambda: _pks("tasks_registry.Problem"),
    "projects": lambda: _pks("tasks_registry.KeyProject"),
    "reports": lambda: _pks("tasks_registry.ProgressReport"),
    "supervision-notices": lambda: _pks("evaluation.SupervisionNotice"),
    "tasks": lambda: [str(n) for n in _pks("tasks_registry.Task", "number")],
    "towns": lambda: _pks("towns.Town"),
}
QUERY_VALUES = {  # id-valued filters, and the one page every list has
    "county": lambda: _pks("towns.County"),
    "town": lambda: _pks("towns.Town"),
    "cycle": lambda: _pks("certification.Cycle"),
    "task": lambda: _pks("tasks_registry.Task"),
    "responsible_bureau": lambda: _pks("towns.Bureau"),
    "responsible_county": lambda: _pks("towns.County"),
    "policy": lambda: _pks("certification.CriteriaPolicy", "code"),
    "page": lambda: [1],
}
BODY_VALUES = {  # where the schema admits mostly values the app refuses
    "town": lambda: _pks("towns.Town"),
    "credit_code": lambda: [valid_credit_code(), valid_credit_code(division="140802")],
    # drf-spectacular's decimal pattern ^-?\d{0,12}(?:\.\d{0,2})?$ admits "", "-", "." and negative amounts
    "output_wan": lambda: ["0", "12345.67", "60000"],
    "tax_wan": lambda: ["0", "1800.5", None],
    "annual_output_wan": lambda: ["0", "12345.67", "60000"],
    "provincial_share_pct": lambda: ["0", "55.5", "100", None],
    "year": lambda: [2022, 2025],  # the world has 2023 and 2024 already; years before 2000 or to come are refused
}


def _known_first(values: dict | None, lookups: dict) -> st.SearchStrategy:
    """Each value one of ``lookups[name]()`` or as generated. The known values are read when drawn (the test's own
    data, which the examples change), and picked by index, so that what is drawn never depends on that data."""
    if not isinstance(values, dict):
        return st.just(values)

    def pick(name, generated):
        def choose(index: int):
            known = lookups[name]()
            return known[index % len(known)] if known else generated

        return choose

    return st.fixed_dictionaries(
        {
            name: st.one_of(st.integers(0, 255).map(pick(name, value)), st.just(value))
            if name in lookups
            else st.just(value)
            for name, value in values.items()
        }
    )


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    lookup = PATH_OBJECTS.get(context.operation.path.removeprefix("/api/v1/").split("/")[0])
    return _known_first(path_parameters, dict.fromkeys(path_parameters or {}, lookup) if lookup else {})


@schema.hook
def flatmap_query(context, query):
    return _known_first(query, QUERY_VALUES)


@schema.hook
def flatmap_body(context, body):
    return _known_first(body, BODY_VALUES)


# --- known app bugs: left out of the fuzzing, each pinned by a strict xfail below ---------------------------------

KNOWN_BUGS: dict[str, str] = {}


def _known_bug(case) -> str | None:
    return None


# --- the tests -----------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_process_requests(monkeypatch):
    """The WSGI handler closes the database connection when a request finishes; Django's test client prevents
    that, and so does this (else the test's transaction is gone after the first request). Throttling is lifted:
    a run sends a token more than the 600 requests a minute it may."""
    from django.core.cache import cache
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from core.api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "1000000/minute"})
    cache.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    cache.clear()


@pytest.fixture
def fuzz_data(world, objects):  # noqa: F811
    """The IDOR sweep's objects (applications, a certificate, a draft evaluation, a notice, a problem, a project, a
    report, ...), a published evaluation with results and notices, and two enterprises no application names."""
    from evaluation import services as evaluation

    from ..helpers import run_inline

    EnterpriseFactory(town=world.home_town, name="可删除企业甲")
    EnterpriseFactory(town=world.other_town, name="可删除企业乙")
    office = world.users["office"]
    evaluation.evaluation_publish(user=office, run=run_inline(evaluation.evaluation_start(user=office, year=2024)))


@pytest.fixture
def token(world, fuzz_data, role):
    return api_key(world.users[role])


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ["office", "county"])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixtures' data is built once per operation and role, and the examples share (and change) it; a loaded
    # machine must not fail the run for slowness; the known bug is assumed away, which may filter an example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_fuzz(case, role, token):
    assume(_known_bug(case) is None)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


def test_every_operation_has_its_error_statuses_decided():
    operations = {(m.upper(), p) for p, methods in schema.raw_schema["paths"].items() for m in methods}
    assert operations == ERROR_STATUSES.keys(), "add new API operations to ERROR_STATUSES, remove old ones"


def test_served_schema_documents_the_error_contract(db):
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    gaps = schema_gaps(yaml.safe_load(response.content))
    assert not gaps, "\n".join(gaps)


def _office_api(world) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['office'])}")
    return client


def test_precheck_with_a_nul_in_the_policy_code_is_a_404(world):
    body = {
        "sector": "manufacturing",
        "annual_output_wan": "60000",
        "anchor_enterprises": 1,
        "supporting_enterprises": 10,
        "local_jobs": 2500,
    }
    try:
        response = _office_api(world).post("/api/v1/certification/precheck/?policy=YC%00", body, format="json")
    except ValueError as exc:
        pytest.fail(f"500: {exc}")
    assert response.status_code == 404

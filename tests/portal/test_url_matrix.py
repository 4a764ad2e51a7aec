"""The role x URL matrix: every page of the portal, asked by every role and by an anonymous visitor.

The expected outcome of each cell is what a city government's portal should allow, written down from the
roles' duties, not recorded from the code:

- anonymous visitors reach the public pages (公示, certificates) and are sent to the login page elsewhere;
- a user with no role gets 403 everywhere but the public pages;
- API accounts work through /api/v1/: of the pages, only their home page and notifications (403 elsewhere);
- experts see the registry entries (counties, towns) and the applications assigned to them (404 for
  others), and review those; not the plan's pages, nor the enterprise registry (firms only through their applications);
- county officials see their own county's private data (another county's answers 404) and edit it;
- the office sees and does everything;
- city bureaus and leaders read the registry and the plan's pages; a bureau reports on its own tasks;
  bureaus have no part in certification (403).

Objects belong to 万荣县 (``county``); ``county2`` is 盐湖区, ``expert`` is assigned to the application,
``expert2`` is not, ``bureau`` (市工信局) supports task 4 and wrote its report. GET is asked of every page;
for POST-only URLs a POST with empty data. Every denial (403/404, or the login redirect) is also asked
with an empty POST, and must change nothing in the database.

A new URL name fails ``test_every_page_is_in_the_matrix`` until it is given a row here.
Cells where the code still disagrees are in FINDINGS: skipped by the sweep, asserted by ``test_findings``
as strict xfails, so fixing one fails the suite until its entry is removed.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from towns.models import Role

from ..factories import make_user
from ..helpers import assessment_objects, county_objects, evidence_file_for, inspection_objects, reexamination_of

ROLES = ["anon", "norole", "api", "expert", "expert2", "county", "county2", "office", "bureau", "leader"]
LOGIN, REDIRECT = "login", "redirect"  # 302 to the login page; 302 elsewhere (the page's own behaviour)
DENIED = (403, 404)

# Not pages of the portal: the API and its schema/docs (tests/towns/test_api.py, test_permissions.py), the admin,
# health probes and the login/logout pair.
NOT_PAGES = {"healthz", "readyz", "login", "logout", "api-schema", "api-docs"}


def row(default=403, *, public=False, **cells):
    """One URL's expected outcome per role: ``default`` for the roles not named."""
    base = dict.fromkeys(ROLES, default) | {"anon": LOGIN, "norole": 403}
    if public:
        base = dict.fromkeys(ROLES, 200)
    return base | cells


PUBLIC = row(public=True)
EVERY_ROLE = row(200, norole=403)  # the home page, notifications
PAGES_USERS = row(200, api=403)  # registry reads: every role that works in the pages
PROGRAMME = row(403, county=200, county2=200, office=200, bureau=200, leader=200)  # the plan's pages
OFFICE_ONLY = row(403, office=200)
EDITORS = row(403, county=200, county2=200, office=200)  # keep the registry (own county)
OWN_COUNTY_EDIT = row(403, county=200, county2=404, office=200)
OWN_COUNTY_READ = PAGES_USERS | {"county2": 404}
# an application (public notice stage) of 万荣县: bureaus have no part in certification
APPLICATION_READ = row(403, expert=200, expert2=404, county=200, county2=404, office=200, leader=200)
APPLICATION_WRITE = row(403, expert2=404, county2=404)  # refused to all; out of scope 404
# a special inspection of 万荣县: the office and leaders, the inspected county, the team (expert, 市工信局)
INSPECTION_READ = row(404, api=403, expert=200, county=200, office=200, bureau=200, leader=200)

# the counties' mechanisms: the city's units (office, leaders, bureaus) read every county's lists, a county its own
CITY_READERS = row(403, office=200, bureau=200, leader=200)
COUNTY_LISTS = CITY_READERS | {"county": 200, "county2": 404}
COUNTY_WRITES = row(403, county=200, county2=200)  # each county for itself; the office and the rest read only
COUNTY_DRAFT = row(404, api=403, expert=403, expert2=403, county=200)  # a draft: its county's alone

# name: (kwargs from the objects, method, expected per role)
MATRIX = {
    # portal
    "home": ({}, "get", EVERY_ROLE),
    "notifications": ({}, "get", EVERY_ROLE),
    "audit-trail": ({}, "get", OFFICE_ONLY),
    "api-tokens": ({}, "get", OFFICE_ONLY),
    # registry
    "county-list": ({}, "get", PAGES_USERS),
    "county-detail": (lambda o: {"pk": o["county"].pk}, "get", PAGES_USERS),
    "town-list": ({}, "get", PAGES_USERS),
    "town-detail": (lambda o: {"pk": o["town"].pk}, "get", PAGES_USERS),  # the registry entry is open
    "town-figures-new": (lambda o: {"pk": o["town"].pk}, "get", OWN_COUNTY_EDIT),
    "town-figures-edit": (
        lambda o: {"pk": o["town"].pk, "figures_pk": o["town_figures"].pk},
        "get",
        OWN_COUNTY_EDIT,
    ),
    "town-tier-change": (lambda o: {"pk": o["town"].pk}, "get", OFFICE_ONLY),
    "town-baseline-year": (lambda o: {"pk": o["town"].pk}, "post", row(403, office=REDIRECT)),
    # the town's standing evidence: recorded and withdrawn by the office; its attachments read like its firms
    "town-evidence-new": (lambda o: {"pk": o["town"].pk}, "get", OFFICE_ONLY),
    "town-evidence-withdraw": (
        lambda o: {"pk": evidence_file_for(o["town"]).evidence_id},
        "post",
        row(403, office=REDIRECT),
    ),
    "town-evidence-file": (
        lambda o: {"pk": evidence_file_for(o["town"]).pk},
        "get",
        OWN_COUNTY_READ | {"expert": 403, "expert2": 403},
    ),
    # experts reach firms only through the applications assigned to them (the application page lists them)
    "enterprise-list": ({}, "get", PAGES_USERS | {"expert": 403, "expert2": 403}),  # rows: test_permissions.py
    "enterprise-create": ({}, "get", EDITORS),
    "enterprise-import": ({}, "get", EDITORS),
    "enterprise-import-template": ({}, "get", EDITORS),
    "enterprise-detail": (
        lambda o: {"pk": o["enterprise"].pk},
        "get",
        OWN_COUNTY_READ | {"expert": 403, "expert2": 403},  # as the list
    ),
    "enterprise-edit": (lambda o: {"pk": o["enterprise"].pk}, "get", OWN_COUNTY_EDIT),
    "enterprise-figures-new": (lambda o: {"pk": o["enterprise"].pk}, "get", OWN_COUNTY_EDIT),
    "enterprise-figures-edit": (
        lambda o: {"pk": o["enterprise"].pk, "figures_pk": o["enterprise_figures"].pk},
        "get",
        OWN_COUNTY_EDIT,
    ),
    "enterprise-delete": (
        lambda o: {"pk": o["enterprise"].pk},
        "post",
        row(403, county=REDIRECT, county2=404, office=REDIRECT),
    ),
    # certification
    "application-list": ({}, "get", row(200, api=403, bureau=403)),
    "application-start": ({}, "get", row(403, county=200, county2=200)),
    "application-detail": (lambda o: {"pk": o["app"].pk}, "get", APPLICATION_READ),
    "application-versions": (lambda o: {"pk": o["app"].pk}, "get", APPLICATION_READ),
    "attachment-download": (lambda o: {"pk": o["attachment"].pk}, "get", APPLICATION_READ),
    "decision-letter": (lambda o: {"pk": o["rejected"].pk}, "get", APPLICATION_READ),
    # the application is past the draft: its own county is sent back to the application page
    "application-step": (
        lambda o: {"pk": o["app"].pk, "step": "figures"},
        "get",
        APPLICATION_WRITE | {"county": REDIRECT},
    ),
    "application-submit": (lambda o: {"pk": o["app"].pk}, "post", APPLICATION_WRITE | {"county": REDIRECT}),
    "attachment-delete": (lambda o: {"pk": o["attachment"].pk}, "post", APPLICATION_WRITE | {"county": REDIRECT}),
    "application-transition": (
        lambda o: {"pk": o["app"].pk, "action": "certify"},
        "post",
        APPLICATION_WRITE | {"office": REDIRECT},
    ),
    "expert-review": (lambda o: {"pk": o["app"].pk}, "get", APPLICATION_WRITE | {"expert": 200}),
    "experts-assign": ({}, "get", OFFICE_ONLY),
    "notice-list": ({}, "get", OFFICE_ONLY),
    "notice-publish": ({}, "get", OFFICE_ONLY),
    "notice-detail": (lambda o: {"pk": o["app"].notices.first().pk}, "get", OFFICE_ONLY),
    "reviews-export": (lambda o: {"cycle_pk": o["cycle"].pk}, "get", OFFICE_ONLY),
    "policy-list": ({}, "get", OFFICE_ONLY),
    "cycle-create": ({}, "get", OFFICE_ONLY),
    "cycle-edit": (lambda o: {"pk": o["cycle"].pk}, "get", OFFICE_ONLY),
    "provincial": ({}, "get", OFFICE_ONLY),
    "provincial-recommend": ({}, "post", row(403, office=REDIRECT)),
    "provincial-designate": (lambda o: {"pk": o["recommendation"].pk}, "post", row(403, office=REDIRECT)),
    "certificate-revoke": (lambda o: {"pk": o["certificate"].pk}, "post", row(403, office=REDIRECT)),
    # re-examination (复核): the town's county answers, the office decides
    "reexamination-list": ({}, "get", row(403, county=200, county2=200, office=200)),
    "reexamination-detail": (
        lambda o: {"pk": reexamination_of(o["certificate"]).pk},
        "get",
        row(403, county=200, county2=404, office=200),
    ),
    "reexamination-decide": (
        lambda o: {"pk": reexamination_of(o["certificate"]).pk, "action": "renew"},
        "post",
        row(403, county2=404, office=400),  # the office's empty POST: the form again, with its errors
    ),
    "public-notices": ({}, "get", PUBLIC),
    "public-notice": (lambda o: {"pk": o["app"].notices.first().pk}, "get", PUBLIC),
    "certificate-list": ({}, "get", PUBLIC),
    "certificate-detail": (lambda o: {"pk": o["certificate"].pk}, "get", PUBLIC),
    "certificate-pdf": (lambda o: {"pk": o["certificate"].pk}, "get", PUBLIC),
    # tasks, progress reports, problems, projects
    "task-board": ({}, "get", PROGRAMME),
    "task-matrix": ({}, "get", PROGRAMME),
    "task-detail": ({"number": 4}, "get", PROGRAMME),
    "progress-export": ({}, "get", PROGRAMME),  # each role's own reports: tasks_registry.selectors
    "measure-create": ({"number": 4}, "get", OFFICE_ONLY),
    "measure-edit": (lambda o: {"number": 4, "pk": o["measure"].pk}, "get", OFFICE_ONLY),
    "plan-copy": ({"number": 4}, "post", row(403, office=REDIRECT)),
    # reporting units: every county supports every task; 市工信局 supports task 4 and wrote the report
    "report-create": ({"number": 4}, "get", row(403, county=200, county2=200, bureau=200)),
    "report-edit": (
        lambda o: {"number": 4, "pk": o["report"].pk},
        "get",
        row(403, bureau=200, expert=404, expert2=404, county=404, county2=404),
    ),
    "report-detail": (
        lambda o: {"pk": o["report"].pk},
        "get",
        row(404, api=403, office=200, bureau=200, leader=200),
    ),
    "report-attachment": (
        lambda o: {"pk": o["report_attachment"].pk},
        "get",
        row(404, api=403, office=200, bureau=200, leader=200),
    ),
    "problem-list": ({}, "get", PROGRAMME),
    "problem-create": ({}, "get", PROGRAMME),  # anyone in the programme records a problem found
    "problem-detail": (lambda o: {"pk": o["problem"].pk}, "get", PROGRAMME | {"county2": 404}),
    "project-list": ({}, "get", PROGRAMME),
    "project-create": ({}, "get", EDITORS),
    "project-edit": (lambda o: {"pk": o["project"].pk}, "get", OWN_COUNTY_EDIT),
    # annual evaluation and supervision (the run is a draft: the office's alone)
    "evaluation-list": ({}, "get", PROGRAMME),
    "evaluation-detail": (lambda o: {"pk": o["run"].pk}, "get", row(404, api=403, office=200)),
    "evaluation-publish": (lambda o: {"pk": o["run"].pk}, "post", row(404, api=403, office=REDIRECT)),
    "evaluation-config": ({"year": 2025}, "get", OFFICE_ONLY),
    "evaluation-schedule": ({}, "get", OFFICE_ONLY),
    "supervision-notices": ({}, "get", row(403, county=200, county2=200, office=200, leader=200)),
    "supervision-notice": (
        lambda o: {"pk": o["notice"].pk},
        "get",
        row(403, county=200, county2=404, office=200, leader=200),
    ),
    "rectification-attachment": (
        lambda o: {"pk": o["rectification"].pk},
        "get",
        row(403, county=200, county2=404, office=200, leader=200),
    ),
    # special inspections (专项检查) of 万荣县外加剂, in progress: 市工信局 (bureau) and expert are its team
    "inspection-list": ({}, "get", PAGES_USERS),  # each role its own: evaluation.selectors.inspections
    "inspection-create": ({}, "get", OFFICE_ONLY),
    "inspection-detail": (lambda o: {"pk": inspection_objects(o)["inspection"].pk}, "get", INSPECTION_READ),
    "inspection-report": (lambda o: {"pk": inspection_objects(o)["inspection"].pk}, "get", INSPECTION_READ),
    # the plan is fixed once the inspection started: the office is sent back to the inspection
    "inspection-edit": (lambda o: {"pk": inspection_objects(o)["inspection"].pk}, "get", row(403, office=REDIRECT)),
    "inspection-transition": (
        lambda o: {"pk": inspection_objects(o)["inspection"].pk, "action": "start"},
        "post",
        row(403, expert2=404, county2=404, office=REDIRECT),  # already started: refused with a message
    ),
    "inspection-finding": (
        lambda o: {
            "pk": inspection_objects(o)["inspection"].pk,
            "town_pk": o["town"].pk,
            "item_pk": o["inspection_item"].pk,
        },
        "get",
        row(403, expert=200, expert2=404, county2=404, office=200, bureau=200),  # the team records
    ),
    "inspection-attachment": (
        lambda o: {"pk": inspection_objects(o)["inspection_attachment"].pk},
        "get",
        INSPECTION_READ,
    ),
    # the annual assessment (年度考核): the office computes and publishes; a draft is the office's alone; of a
    # published one a county or a bureau opens only its own row (万荣县's here), leaders and the office every row
    "assessment-list": ({}, "get", PROGRAMME),
    "assessment-config": ({"year": 2025}, "get", OFFICE_ONLY),
    "assessment-detail": (
        lambda o: {"pk": assessment_objects(o)["assessment_draft"].pk},
        "get",
        row(404, api=403, expert=403, expert2=403, office=200),
    ),
    "assessment-publish": (  # an empty POST: not confirmed, refused with a message, nothing changes
        lambda o: {"pk": assessment_objects(o)["assessment_draft"].pk},
        "post",
        row(404, api=403, expert=403, expert2=403, office=REDIRECT),
    ),
    "assessment-result": (
        lambda o: {"pk": assessment_objects(o)["assessment_result"].pk},
        "get",
        row(404, api=403, expert=403, expert2=403, county=200, office=200, leader=200),
    ),
    # the plan's targets dashboard: city-level aggregates, for everyone in the programme (nav and view agree)
    "targets": ({}, "get", PROGRAMME),
    "target-rows": ({"key": "coverage"}, "get", PROGRAMME),
    # the counties' own mechanisms (tasks_registry.county_permissions): a county writes its own; the city's units
    # read every county's lists; a draft is its county's alone; experts and API accounts have no part
    "county-comparison": ({}, "get", CITY_READERS),
    "county-mechanisms": (lambda o: {"pk": o["county"].pk}, "get", COUNTY_LISTS),
    "county-target-edit": (lambda o: {"pk": o["county"].pk}, "get", OWN_COUNTY_EDIT),  # the office may correct
    "county-document-list": ({}, "get", PROGRAMME),
    "county-document-create": ({}, "get", COUNTY_WRITES),
    "county-document-detail": (lambda o: {"pk": county_objects(o)["county_draft"].pk}, "get", COUNTY_DRAFT),
    "county-document-edit": (
        lambda o: {"pk": county_objects(o)["county_draft"].pk},
        "get",
        row(403, county=200, county2=404),
    ),
    "county-document-transition": (
        lambda o: {"pk": county_objects(o)["county_draft"].pk, "action": "publish"},
        "post",
        COUNTY_DRAFT | {"county": REDIRECT},
    ),
    "county-document-attachment": (
        lambda o: {"pk": county_objects(o)["county_draft_attachment"].pk},
        "get",
        COUNTY_DRAFT,
    ),
    "county-document-attachment-delete": (
        lambda o: {"pk": county_objects(o)["county_draft_attachment"].pk},
        "post",
        COUNTY_DRAFT | {"county": REDIRECT},
    ),
    "county-task-create": ({}, "get", COUNTY_WRITES),
    "county-task-detail": (lambda o: {"pk": county_objects(o)["county_task"].pk}, "get", COUNTY_LISTS),
    "county-task-edit": (
        lambda o: {"pk": county_objects(o)["county_task"].pk},
        "get",
        row(403, county=200, county2=404),
    ),
    "county-task-report-create": (
        lambda o: {"pk": county_objects(o)["county_task"].pk},
        "get",
        row(403, county=200, county2=404),
    ),
    "county-task-report-edit": (
        lambda o: {"pk": county_objects(o)["county_task"].pk, "report_pk": county_objects(o)["county_task_report"].pk},
        "get",
        row(403, county=200, county2=404),
    ),
    "county-task-report-attachment": (
        lambda o: {"pk": county_objects(o)["county_task_report_attachment"].pk},
        "get",
        COUNTY_LISTS,
    ),
}

# Cells where the code and the table disagree and the fix is too large for this sweep:
# (name, role): reason. Each is asserted in test_findings, strictly expected to fail.
FINDINGS: dict[tuple[str, str], str] = {}


def _page_names(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _page_names(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            if not route.startswith(("api/", "admin/", "static/", "media/")) and entry.name not in NOT_PAGES:
                yield entry.name


def test_every_page_is_in_the_matrix():
    names = set(_page_names())
    assert names == set(MATRIX), f"add to MATRIX: {names - set(MATRIX)}; stale: {set(MATRIX) - names}"
    for name, (_kwargs, _method, expected) in MATRIX.items():
        assert set(expected) == set(ROLES), name


@pytest.fixture
def users(world, cert):
    return dict(world.users) | {
        "expert": cert.expert,
        "expert2": cert.other_expert,
        "county2": make_user(Role.COUNTY, county=world.other_county, username="yanhu"),
    }


def _client(users, role) -> Client:
    client = Client()
    if role != "anon":
        client.force_login(users[role])
    return client


def _snapshot():
    """Every row of every model but sessions: what a refused request must leave as it was."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "axes"):
            continue
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


def _ask(client, method, url):
    response = getattr(client, method)(url)
    for close in response._resource_closers:  # a download's file, not left to the garbage collector
        close()  # (response.close() would also send request_finished, which closes the test database)
    return response


def _outcome(response):
    if response.status_code == 302:
        return LOGIN if response.url.startswith("/login/") else REDIRECT
    return response.status_code


def _cases(objects):
    """GETs first, then the POST-only URLs (their allowed POSTs may change the objects), the delete last."""
    cases = []
    for name, (kwargs, method, expected) in MATRIX.items():
        kwargs = kwargs(objects) if callable(kwargs) else kwargs
        cases.append((name, reverse(name, kwargs=kwargs), method, expected))
    return sorted(cases, key=lambda c: (c[2] == "post", c[0] == "enterprise-delete"))


def _denied(expected):
    return expected == LOGIN or expected in DENIED


@pytest.mark.parametrize("role", ROLES)
def test_url_matrix(objects, users, role):
    client = _client(users, role)
    cases = [(name, url, method, expected[role]) for name, url, method, expected in _cases(objects)]
    cases = [case for case in cases if (case[0], role) not in FINDINGS]
    failures = []
    # Refused: the empty POST is refused too (405 for a page that takes no POST), and leaves everything as it was.
    before = _snapshot()
    for name, url, _method, want in cases:
        if _denied(want):
            got = _outcome(_ask(client, "post", url))
            if got != want and not (want != LOGIN and got in (*DENIED, 405)):
                failures.append(f"{role} POST {url} ({name}): {got}, expected {want}")
    after = _snapshot()
    changed = sorted(label for label in before if before[label] != after[label])
    if changed:
        failures.append(f"{role}: refused POSTs changed {changed}")
    # Then the page itself: a GET, or for a POST-only URL the POST of an allowed role.
    for name, url, method, want in cases:
        if method == "get" or not _denied(want):
            got = _outcome(_ask(client, method, url))
            if got != want:
                failures.append(f"{role} {method.upper()} {url} ({name}): {got}, expected {want}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        pytest.param(name, role, marks=pytest.mark.xfail(strict=True, reason=why))
        for (name, role), why in FINDINGS.items()
    ],
)
def test_findings(objects, users, name, role):
    kwargs, method, expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs(objects) if callable(kwargs) else kwargs)
    assert _outcome(_ask(_client(users, role), method, url)) == expected[role]


@pytest.mark.parametrize("role", ["norole", "api", "expert", "county", "office", "bureau", "leader"])
def test_navigation_shows_what_the_role_may_open(world, client_for, role):
    """The main navigation and the pages ask the same predicates: every link shown opens (no 403)."""
    html = client_for(role).get(reverse("home")).content.decode()
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', nav)
    failures = [f"{role}: {url} {status}" for url in links if (status := client_for(role).get(url).status_code) != 200]
    assert not failures, failures
    # the plan's targets dashboard (city-level aggregates) is shown to the counties, and only where it opens
    assert (reverse("targets") in links) == (role in ("county", "office", "bureau", "leader"))

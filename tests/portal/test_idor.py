"""The IDOR sweep: every URL pattern that takes an object id, asked by a county official of another county
(and a bureau with no part in the object), answers 404 for objects outside their scope — pages and API.
A new URL with an id must be added to the table below, or this test fails."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from certification import services as cert_services
from towns.models import Role

from ..factories import make_user, pdf_bytes
from ..helpers import (
    assessment_objects,
    client_of,
    county_objects,
    evidence_file_for,
    inspection_objects,
    reexamination_of,
)


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            if re.search(r"<(int|slug):", route) or "(?P<" in route:
                yield entry.name, route


NOT_FOUND, FORBIDDEN, OPEN = 404, 403, "open"
# name: (kwargs from the objects, what a county official of another county gets)
PAGES = {
    "application-detail": (lambda o: {"pk": o["app"].pk}, NOT_FOUND),
    "application-step": (lambda o: {"pk": o["app"].pk, "step": "figures"}, NOT_FOUND),
    "application-submit": (lambda o: {"pk": o["app"].pk}, NOT_FOUND),
    "application-transition": (lambda o: {"pk": o["app"].pk, "action": "certify"}, NOT_FOUND),
    "application-versions": (lambda o: {"pk": o["app"].pk}, NOT_FOUND),
    "expert-review": (lambda o: {"pk": o["app"].pk}, NOT_FOUND),
    "decision-letter": (lambda o: {"pk": o["rejected"].pk}, NOT_FOUND),
    "attachment-download": (lambda o: {"pk": o["attachment"].pk}, NOT_FOUND),
    "attachment-delete": (lambda o: {"pk": o["attachment"].pk}, NOT_FOUND),
    "enterprise-detail": (lambda o: {"pk": o["enterprise"].pk}, NOT_FOUND),
    "enterprise-edit": (lambda o: {"pk": o["enterprise"].pk}, NOT_FOUND),
    "enterprise-delete": (lambda o: {"pk": o["enterprise"].pk}, NOT_FOUND),
    "enterprise-figures-new": (lambda o: {"pk": o["enterprise"].pk}, NOT_FOUND),
    "enterprise-figures-edit": (
        lambda o: {"pk": o["enterprise"].pk, "figures_pk": o["enterprise_figures"].pk},
        NOT_FOUND,
    ),
    "town-figures-new": (lambda o: {"pk": o["town"].pk}, NOT_FOUND),
    "town-figures-edit": (lambda o: {"pk": o["town"].pk, "figures_pk": o["town_figures"].pk}, NOT_FOUND),
    "town-evidence-file": (lambda o: {"pk": evidence_file_for(o["town"]).pk}, NOT_FOUND),
    "supervision-notice": (lambda o: {"pk": o["notice"].pk}, NOT_FOUND),
    "reexamination-detail": (lambda o: {"pk": reexamination_of(o["certificate"]).pk}, NOT_FOUND),
    "reexamination-decide": (
        lambda o: {"pk": reexamination_of(o["certificate"]).pk, "action": "renew"},
        NOT_FOUND,
    ),
    "rectification-attachment": (lambda o: {"pk": o["rectification"].pk}, NOT_FOUND),
    "problem-detail": (lambda o: {"pk": o["problem"].pk}, NOT_FOUND),
    "project-edit": (lambda o: {"pk": o["project"].pk}, NOT_FOUND),
    "report-detail": (lambda o: {"pk": o["report"].pk}, NOT_FOUND),
    "report-edit": (lambda o: {"number": 4, "pk": o["report"].pk}, NOT_FOUND),
    "report-attachment": (lambda o: {"pk": o["report_attachment"].pk}, NOT_FOUND),
    "evaluation-detail": (lambda o: {"pk": o["run"].pk}, NOT_FOUND),  # a draft is the office's alone
    "evaluation-publish": (lambda o: {"pk": o["run"].pk}, NOT_FOUND),
    "inspection-detail": (lambda o: {"pk": inspection_objects(o)["inspection"].pk}, NOT_FOUND),
    "inspection-report": (lambda o: {"pk": inspection_objects(o)["inspection"].pk}, NOT_FOUND),
    "inspection-transition": (lambda o: {"pk": inspection_objects(o)["inspection"].pk, "action": "finish"}, NOT_FOUND),
    "inspection-finding": (
        lambda o: {
            "pk": inspection_objects(o)["inspection"].pk,
            "town_pk": o["town"].pk,
            "item_pk": o["inspection_item"].pk,
        },
        NOT_FOUND,
    ),
    "inspection-attachment": (lambda o: {"pk": inspection_objects(o)["inspection_attachment"].pk}, NOT_FOUND),
    # a county's mechanisms: its lists, its drafts and every edit are its own (another county: 404)
    "county-mechanisms": (lambda o: {"pk": o["county"].pk}, NOT_FOUND),
    "county-target-edit": (lambda o: {"pk": o["county"].pk}, NOT_FOUND),
    "county-document-detail": (lambda o: {"pk": county_objects(o)["county_draft"].pk}, NOT_FOUND),
    "county-document-edit": (lambda o: {"pk": county_objects(o)["county_published"].pk}, NOT_FOUND),
    "county-document-transition": (
        lambda o: {"pk": county_objects(o)["county_published"].pk, "action": "repeal"},
        NOT_FOUND,
    ),
    "county-document-attachment": (lambda o: {"pk": county_objects(o)["county_draft_attachment"].pk}, NOT_FOUND),
    "county-document-attachment-delete": (
        lambda o: {"pk": county_objects(o)["county_published_attachment"].pk},
        NOT_FOUND,
    ),
    "county-task-detail": (lambda o: {"pk": county_objects(o)["county_task"].pk}, NOT_FOUND),
    "county-task-edit": (lambda o: {"pk": county_objects(o)["county_task"].pk}, NOT_FOUND),
    "county-task-report-create": (lambda o: {"pk": county_objects(o)["county_task"].pk}, NOT_FOUND),
    "county-task-report-edit": (
        lambda o: {"pk": county_objects(o)["county_task"].pk, "report_pk": county_objects(o)["county_task_report"].pk},
        NOT_FOUND,
    ),
    "county-task-report-attachment": (
        lambda o: {"pk": county_objects(o)["county_task_report_attachment"].pk},
        NOT_FOUND,
    ),
    "assessment-detail": (lambda o: {"pk": assessment_objects(o)["assessment_draft"].pk}, NOT_FOUND),  # a draft
    "assessment-publish": (lambda o: {"pk": assessment_objects(o)["assessment_draft"].pk}, NOT_FOUND),
    "assessment-result": (lambda o: {"pk": assessment_objects(o)["assessment_result"].pk}, NOT_FOUND),  # 万荣县's
    # office-only actions: refused by role (403), whatever the object
    "inspection-edit": (lambda o: {"pk": inspection_objects(o)["inspection"].pk}, FORBIDDEN),
    "town-tier-change": (lambda o: {"pk": o["town"].pk}, FORBIDDEN),
    "town-baseline-year": (lambda o: {"pk": o["town"].pk}, FORBIDDEN),
    "town-evidence-new": (lambda o: {"pk": o["town"].pk}, FORBIDDEN),
    "town-evidence-withdraw": (lambda o: {"pk": evidence_file_for(o["town"]).evidence_id}, FORBIDDEN),
    "cycle-edit": (lambda o: {"pk": o["cycle"].pk}, FORBIDDEN),
    "reviews-export": (lambda o: {"cycle_pk": o["cycle"].pk}, FORBIDDEN),
    "notice-detail": (lambda o: {"pk": o["app"].notices.first().pk}, FORBIDDEN),
    "certificate-revoke": (lambda o: {"pk": o["certificate"].pk}, FORBIDDEN),
    "provincial-designate": (lambda o: {"pk": o["recommendation"].pk}, FORBIDDEN),
    "measure-create": (lambda o: {"number": 4}, FORBIDDEN),
    "measure-edit": (lambda o: {"number": 4, "pk": o["measure"].pk}, FORBIDDEN),
    "plan-copy": (lambda o: {"number": 4}, FORBIDDEN),
    "evaluation-config": (lambda o: {"year": 2025}, FORBIDDEN),
    "assessment-config": (lambda o: {"year": 2025}, FORBIDDEN),
    # public by design (the registry entry, certificates, public notices, the task board)
    "county-detail": (lambda o: {"pk": o["county"].pk}, OPEN),
    "town-detail": (lambda o: {"pk": o["town"].pk}, OPEN),
    "certificate-detail": (lambda o: {"pk": o["certificate"].pk}, OPEN),
    "certificate-pdf": (lambda o: {"pk": o["certificate"].pk}, OPEN),
    "public-notice": (lambda o: {"pk": o["app"].notices.first().pk}, OPEN),
    "task-detail": (lambda o: {"number": 4}, OPEN),
    "report-create": (lambda o: {"number": 4}, OPEN),  # every county supports every task
    "target-rows": (lambda o: {"key": "coverage"}, OPEN),
}
API = {
    "enterprise-detail": (lambda o: o["enterprise"].pk, NOT_FOUND),
    "enterprise-figures": (lambda o: o["enterprise"].pk, NOT_FOUND),
    "application-detail": (lambda o: o["app"].pk, NOT_FOUND),
    "report-detail": (lambda o: o["report"].pk, NOT_FOUND),
    "problem-detail": (lambda o: o["problem"].pk, NOT_FOUND),
    "supervision-notice-detail": (lambda o: o["notice"].pk, NOT_FOUND),
    "evaluation-detail": (lambda o: o["run"].pk, NOT_FOUND),
    "assessment-detail": (lambda o: assessment_objects(o)["assessment_draft"].pk, NOT_FOUND),  # a draft
    "project-detail": (lambda o: o["project"].pk, NOT_FOUND),  # a county's projects are its own, as its firms
    "county-document-detail": (lambda o: county_objects(o)["county_draft"].pk, NOT_FOUND),  # a draft
    "county-task-detail": (lambda o: county_objects(o)["county_task"].pk, NOT_FOUND),
    "town-detail": (lambda o: o["town"].pk, OPEN),
    "town-figures": (lambda o: o["town"].pk, OPEN),
    "county-detail": (lambda o: o["county"].pk, OPEN),
    "certificate-detail": (lambda o: o["certificate"].pk, OPEN),
    "policy-detail": (lambda o: o["cycle"].policy.pk, OPEN),
    "task-detail": (lambda o: 4, OPEN),
}


def test_every_url_with_an_id_is_in_the_sweep():
    names = {name for name, route in _patterns() if not route.startswith("api/") and not route.startswith("admin/")}
    api_names = {name for name, route in _patterns() if route.startswith("api/v1/") and "format" not in route}
    assert names == set(PAGES), f"add to PAGES: {names - set(PAGES)}; stale: {set(PAGES) - names}"
    assert api_names == set(API), f"add to API: {api_names - set(API)}; stale: {set(API) - api_names}"


def test_pages_answer_404_outside_scope(world, objects):
    outsider = client_of(None, make_user(Role.COUNTY, county=world.other_county, username="yanhu"))
    failures = []
    for name, (kwargs, expected) in PAGES.items():
        url = reverse(name, kwargs=kwargs(objects))
        for method in ("get", "post"):
            status = getattr(outsider, method)(url).status_code
            if expected == OPEN:  # visible to this role; a POST may still be refused by role (403)
                ok = status in (200, 302, 400, 405) or (method == "post" and status == 403)
            else:
                ok = status == expected or (method == "get" and status == 405)
            if not ok:
                failures.append(f"{method.upper()} {url} ({name}): {status}, expected {expected}")
    assert not failures, "\n".join(failures)


def test_api_answers_404_outside_scope(world, objects):
    client = APIClient()
    client.force_authenticate(make_user(Role.COUNTY, county=world.other_county, username="yanhu"))
    failures = []
    for name, (pk, expected) in API.items():
        url = reverse(f"api:{name}", args=[pk(objects)])
        status = client.get(url).status_code
        if (expected == OPEN and status != 200) or (expected != OPEN and status != expected):
            failures.append(f"GET {url}: {status}, expected {expected}")
    assert not failures, "\n".join(failures)


def test_a_bureau_outside_a_task_cannot_reach_its_units_reports(world, objects, tasks_world):
    zhaoshang = client_of(None, tasks_world.zhaoshang)  # 市招商投资中心 has no part in task 4
    assert zhaoshang.get(reverse("report-detail", kwargs={"pk": objects["report"].pk})).status_code == 404
    assert (
        zhaoshang.get(reverse("report-attachment", kwargs={"pk": objects["report_attachment"].pk})).status_code == 404
    )
    api = APIClient()
    api.force_authenticate(tasks_world.zhaoshang)
    assert api.get(reverse("api:report-detail", args=[objects["report"].pk])).status_code == 404


def test_uploaded_names_cannot_escape_the_media_folder(world, cert, tmp_path, settings):
    app = cert.make("draft")
    attachment = cert_services.attachment_add(
        user=world.users["county"],
        application=app,
        kind="figures",
        upload=SimpleUploadedFile("../../../../etc/passwd.pdf", pdf_bytes()),
    )
    assert ".." not in attachment.file.name and attachment.file.name.startswith(f"applications/{app.pk}/")
    assert settings.MEDIA_ROOT in __import__("pathlib").Path(attachment.file.path).parents

"""One home per permission rule: the predicates in */permissions.py decide, and the services, the pages' buttons
and the navigation agree with them (issue 10, "One home per rule")."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from certification.permissions import can_read_applications, can_start_application
from tasks_registry import services
from tasks_registry.models import KeyProject, Problem
from tasks_registry.permissions import (
    can_edit_project,
    can_edit_report,
    can_record_problem,
    problem_actions,
    uses_problem_ledger,
)

from ..helpers import client_of, report

ROLES = ["norole", "api", "expert", "county", "office", "bureau", "leader"]


def _nav_links(client) -> list[str]:
    html = client.get(reverse("home")).content.decode()
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(1)) if nav else []


def _project(town, name="项目"):
    return KeyProject.objects.create(
        town=town, name=name, investment_wan=Decimal("1"), stage="signed", signed_on=datetime.date(2026, 1, 1)
    )


# --- the problem ledger -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_problem_ledger_roles_agree_everywhere(tasks_world, world, client_for, role):
    user = world.users[role]
    client = client_for(role)
    allowed = uses_problem_ledger(user)
    assert allowed == (role in ("county", "office", "bureau", "leader"))
    assert can_record_problem(user) == allowed
    assert (reverse("problem-list") in _nav_links(client)) == allowed
    assert (client.get(reverse("problem-list")).status_code == 200) == allowed
    assert (client.get(reverse("problem-create")).status_code == 200) == allowed
    if allowed:
        assert (reverse("problem-create") in client.get(reverse("problem-list")).content.decode()) == allowed
    data = {"title": "x", "description": "x", "found_on": timezone.localdate()}
    if allowed:
        assert services.problem_record(user=user, data=data).pk
    else:
        with pytest.raises(PermissionDenied):
            services.problem_record(user=user, data=data)


def test_problem_actions_table_drives_page_and_services(tasks_world, world, client_for):
    office, keji = world.users["office"], tasks_world.keji
    problem = services.problem_record(
        user=world.users["county"], data={"title": "融资难", "description": "x", "found_on": timezone.localdate()}
    )
    forms = ("assign", "respond", "verify")

    def shown(role_client):
        body = role_client.get(reverse("problem-detail", kwargs={"pk": problem.pk})).content.decode()
        return {f for f in forms if f'name="action" value="{f}"' in body}

    keji_client = client_of(None, keji)
    assert problem_actions(office, problem) == {"assign"} == shown(client_for("office"))
    assert problem_actions(keji, problem) == set() == shown(keji_client)
    services.problem_assign(user=office, problem=problem, bureau=keji.membership.bureau, deadline=timezone.localdate())
    problem.refresh_from_db()
    assert problem_actions(keji, problem) == {"respond"} == shown(keji_client)
    assert problem_actions(world.users["leader"], problem) == set() == shown(client_for("leader"))
    services.problem_respond(user=keji, problem=problem, text="已办")
    problem.refresh_from_db()
    assert problem_actions(office, problem) == {"assign", "verify"} == shown(client_for("office"))
    services.problem_verify(user=office, problem=problem, accept=True, text="核实")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.CLOSED
    assert problem_actions(office, problem) == set() == shown(client_for("office"))
    with pytest.raises(PermissionDenied):  # the leader's page shows no form; the service refuses too
        services.problem_assign(
            user=world.users["leader"], problem=problem, bureau=keji.membership.bureau, deadline=timezone.localdate()
        )


# --- the project library ------------------------------------------------------------------------------------


def test_project_editing_one_rule(tasks_world, world, client_for):
    mine, theirs = _project(world.home_town, "万荣项目"), _project(world.other_town, "盐湖项目")
    office, county = world.users["office"], world.users["county"]
    assert can_edit_project(office) and can_edit_project(office, mine) and can_edit_project(office, theirs)
    assert can_edit_project(county) and can_edit_project(county, mine) and not can_edit_project(county, theirs)
    for role in ("bureau", "leader", "expert", "api"):
        assert not can_edit_project(world.users[role]) and not can_edit_project(world.users[role], mine)
    edit = reverse("project-edit", kwargs={"pk": mine.pk})
    # the page's links follow the predicate, row by row
    office_page = client_for("office").get(reverse("project-list")).content.decode()
    assert edit in office_page and reverse("project-edit", kwargs={"pk": theirs.pk}) in office_page
    county_page = client_for("county").get(reverse("project-list")).content.decode()
    assert edit in county_page and reverse("project-edit", kwargs={"pk": theirs.pk}) not in county_page
    leader_page = client_for("leader").get(reverse("project-list")).content.decode()
    assert edit not in leader_page and reverse("project-create") not in leader_page
    # and the page and the service refuse alike
    assert client_for("county").get(reverse("project-edit", kwargs={"pk": theirs.pk})).status_code == 404
    assert client_for("leader").get(edit).status_code == 403
    with pytest.raises(PermissionDenied):
        services.project_save(user=world.users["leader"], project=mine, data={"name": "改"})


# --- progress reports ----------------------------------------------------------------------------------------


def test_report_ownership_one_rule(tasks_world, world, client_for):
    own = report(tasks_world.gongxin, 4)
    assert can_edit_report(tasks_world.gongxin, own)
    for user in (tasks_world.keji, world.users["office"], world.users["leader"], world.users["county"]):
        assert not can_edit_report(user, own)
    edit = reverse("report-edit", kwargs={"number": 4, "pk": own.pk})
    detail = reverse("report-detail", kwargs={"pk": own.pk})
    assert edit in client_of(None, tasks_world.gongxin).get(detail).content.decode()
    keji = client_of(None, tasks_world.keji)  # the lead unit reads the report but does not change it
    assert keji.get(detail).status_code == 200 and edit not in keji.get(detail).content.decode()
    assert keji.get(edit).status_code == 403
    assert edit not in client_for("office").get(detail).content.decode()
    with pytest.raises(PermissionDenied):
        services.report_save(
            user=tasks_world.keji,
            task=own.task,
            period=own.period,
            narrative="改",
            measures={},
            towns=[],
            report=own,
        )


# --- applications -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_application_start_and_reading_one_rule(world, cert, client_for, role):
    user = world.users[role]
    client = client_for(role)
    assert can_start_application(user) == (role == "county")
    assert (client.get(reverse("application-start")).status_code == 200) == can_start_application(user)
    readable = can_read_applications(user)
    assert readable == (role in ("api", "expert", "county", "office", "leader"))
    links = _nav_links(client)
    assert (reverse("application-list") in links) == (readable and role != "api")  # API accounts: no pages
    if readable and role != "api":
        body = client.get(reverse("application-list")).content.decode()
        assert (reverse("application-start") in body) == can_start_application(user)


# --- experts and the enterprise registry ---------------------------------------------------------------------


def test_experts_reach_firms_only_through_their_applications(world, cert, client_for):
    from certification.models import ApplicationFirm
    from towns.permissions import can_browse_enterprises, can_see_enterprises_of

    app = cert.make("expert_review")
    ApplicationFirm.objects.get_or_create(application=app, enterprise=world.home_enterprise, role="anchor")
    expert = cert.expert
    assert not can_browse_enterprises(expert) and not can_see_enterprises_of(expert, world.home_town)
    assert all(can_browse_enterprises(world.users[r]) for r in ("county", "office", "bureau", "leader", "api"))
    client = client_of(None, expert)
    assert reverse("enterprise-list") not in _nav_links(client)
    assert client.get(reverse("enterprise-list")).status_code == 403
    assert client.get(reverse("enterprise-detail", kwargs={"pk": world.home_enterprise.pk})).status_code == 403
    town = client.get(reverse("town-detail", kwargs={"pk": world.home_town.pk}))
    assert town.status_code == 200 and world.home_enterprise.name not in town.content.decode()
    # the application assigned to the expert lists its firms
    page = client.get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    assert world.home_enterprise.name in page
    assert reverse("enterprise-detail", kwargs={"pk": world.home_enterprise.pk}) not in page

"""Hardening findings on the task board, the problem ledger and the project library (issue 11: 7, 8, 12)."""

from __future__ import annotations

import datetime
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tasks_registry import services
from tasks_registry.models import KeyProject, Problem, Task

from ..helpers import race

# --- finding 7: a task page lists only the problems the user may open ---------------------------------------


def test_task_page_lists_only_the_problems_the_user_may_see(tasks_world, world, client_for):
    task = Task.objects.get(number=4)
    office = world.users["office"]
    theirs = services.problem_record(
        user=office,
        data={
            "title": "盐湖区水泵检测难",
            "description": "x",
            "town": world.other_town,
            "task": task,
            "found_on": timezone.localdate(),
        },
    )
    mine = services.problem_record(
        user=office,
        data={
            "title": "万荣外加剂融资难",
            "description": "x",
            "town": world.home_town,
            "task": task,
            "found_on": timezone.localdate(),
        },
    )
    url = reverse("task-detail", kwargs={"number": 4})
    county = client_for("county")
    body = county.get(url).content.decode()
    assert mine.number in body and mine.title in body
    assert theirs.number not in body and theirs.title not in body
    assert county.get(reverse("problem-detail", kwargs={"pk": theirs.pk})).status_code == 404
    for role in ("office", "bureau", "leader"):  # city roles see every problem, on both pages
        body = client_for(role).get(url).content.decode()
        assert mine.number in body and theirs.number in body


# --- finding 8: the project library follows the registry's rule -------------------------------------------


def _project(town, name, enterprise=None, investment="35000"):
    return KeyProject.objects.create(
        town=town,
        name=name,
        enterprise=enterprise,
        investment_wan=Decimal(investment),
        stage="signed",
        signed_on=datetime.date(2026, 1, 1),
    )


def _export_names(client) -> set[str]:
    sheet = load_workbook(io.BytesIO(client.get(reverse("project-list"), {"export": "xlsx"}).content)).worksheets[0]
    return {sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)} - {None}


def test_project_library_page_export_and_api_agree_with_the_registry(tasks_world, world, client_for, api_for):
    """Another county's enterprises are private to that county (404), so are its projects (which name the
    enterprise and its investment): page, .xlsx export and API list the county's own projects only, and another
    county's project answers 404 in the API as its enterprise does. City roles see every project; the board's
    "三个一批" counts per town stay city-wide (aggregates, like the registry's enterprise counts)."""
    mine = _project(world.home_town, "外加剂扩能项目", world.home_enterprise, "35000")
    theirs = _project(world.other_town, "水泵智能制造项目", world.other_enterprise, "98765")
    county, county_api = client_for("county"), api_for("county")
    assert county.get(reverse("enterprise-detail", kwargs={"pk": world.other_enterprise.pk})).status_code == 404

    page = county.get(reverse("project-list")).content.decode()
    assert mine.name in page and world.home_enterprise.name in page
    assert theirs.name not in page and world.other_enterprise.name not in page and "98,765" not in page
    assert _export_names(county) == {mine.name}
    listed = county_api.get("/api/v1/projects/").json()
    assert [row["name"] for row in listed["results"]] == [mine.name]
    assert county_api.get(f"/api/v1/projects/{theirs.pk}/").status_code == 404
    assert county_api.get(f"/api/v1/projects/{mine.pk}/").json()["enterprise"] == world.home_enterprise.name

    for role in ("office", "leader", "bureau"):
        assert _export_names(client_for(role)) == {mine.name, theirs.name}
        assert api_for(role).get("/api/v1/projects/").json()["count"] == 2
    # the board's counts per town are the city's
    board = county.get(reverse("task-board")).content.decode()
    assert world.other_town.name in board and theirs.name not in board


# --- finding 12: the problem form records one problem however often it is posted --------------------------


def _problem_form(client) -> dict:
    html = client.get(reverse("problem-create")).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html).group(1)
    return {
        "idempotency_key": key,
        "title": "用地指标不足",
        "description": "园区二期用地未落实",
        "source": "field_research",
        "found_on": timezone.localdate().isoformat(),
    }


def test_the_same_problem_form_posted_twice_records_one_problem(tasks_world, world, client_for):
    county = client_for("county")
    data = _problem_form(county) | {"town": world.home_town.pk}
    first = county.post(reverse("problem-create"), data)
    second = county.post(reverse("problem-create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]  # the second post lands on the problem the first recorded
    assert Problem.objects.filter(title="用地指标不足").count() == 1
    problem = Problem.objects.get(title="用地指标不足")
    assert problem.actions.count() == 1  # one "record" entry, one notice to the office
    # a new form draws a new key: the same text posted from a fresh form is a second problem, as before
    again = _problem_form(county) | {"town": world.home_town.pk}
    assert again["idempotency_key"] != data["idempotency_key"]
    assert county.post(reverse("problem-create"), again).status_code == 302
    assert Problem.objects.filter(title="用地指标不足").count() == 2


def test_a_used_form_key_with_other_content_is_refused(tasks_world, world, client_for):
    county = client_for("county")
    data = _problem_form(county)
    assert county.post(reverse("problem-create"), data).status_code == 302
    stale = county.post(reverse("problem-create"), data | {"title": "另一个问题"})
    assert stale.status_code == 200 and "该表单已提交过" in stale.content.decode()  # the form again, with the reason
    # nor can someone else's key fetch or overwrite their problem
    other = client_for("office").post(reverse("problem-create"), data)
    assert other.status_code == 200 and "该表单已提交过" in other.content.decode()
    assert Problem.objects.count() == 1


@pytest.mark.usefixtures("postgres_only")
def test_the_same_problem_form_posted_at_once_records_one_problem(tasks_world, world):
    county = world.users["county"]
    key = uuid.uuid4()
    data = {"title": "并发问题", "description": "x", "found_on": timezone.localdate(), "idempotency_key": key}
    recorded = []
    outcomes = race(4, lambda i: recorded.append(services.problem_record(user=county, data=data).pk))
    assert outcomes == ["saved"] * 4
    assert len(set(recorded)) == 1 and Problem.objects.filter(idempotency_key=key).count() == 1

"""Hardening findings on the task board, the problem ledger and the project library (issue 11: 7, 8, 12)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tasks_registry import services
from tasks_registry.models import KeyProject, Task

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

"""Hardening findings on the task board, the problem ledger and the project library (issue 11: 7, 8, 12)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tasks_registry import services
from tasks_registry.models import Task

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

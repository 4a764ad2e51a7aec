"""The 待办 panel (portal.todo): per role, what waits for the user — their own items, never another county's or
unit's — each with its deadline and the page where it is done; in a bounded number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certification.models import Application
from evaluation.models import EvaluationRun, Inspection, SupervisionNotice
from portal.todo import todo_for
from tasks_registry import progress
from tasks_registry.models import Problem, Task
from towns.models import Role

from ..factories import (
    ApplicationFactory,
    CertificateFactory,
    CycleFactory,
    EvaluationRunFactory,
    ExpertAssignmentFactory,
    InspectionFactory,
    ProblemFactory,
    ProgressReportFactory,
    ReExaminationFactory,
    SupervisionNoticeFactory,
    TownFactory,
    make_user,
)

TODAY = timezone.localdate()


def _items(user, **kwargs) -> dict[str, list]:
    return {g.kind: g.items for g in todo_for(user, today=TODAY, **kwargs)}


def _titles(user, kind, **kwargs) -> list[str]:
    return [i.title for i in _items(user, **kwargs).get(kind, [])]


def _pending(world, tasks_world, expert, n: int = 1) -> dict:
    """``n`` of each pending thing for 万荣县 (home) and as many for 盐湖区 (other)."""
    cycle = CycleFactory(opens_on=TODAY - datetime.timedelta(days=30), closes_on=TODAY + datetime.timedelta(days=20))
    made: dict[str, list] = {}
    run = EvaluationRun.objects.first() or EvaluationRunFactory()
    for i in range(n):
        for side, county in (("home", world.home_county), ("other", world.other_county)):
            town = TownFactory(county=county)
            made.setdefault(f"{side}_returned", []).append(
                ApplicationFactory(
                    town=town, county=county, cycle=cycle, status=Application.Status.RETURNED, return_reason="补材料"
                )
            )
            made.setdefault(f"{side}_notice", []).append(
                SupervisionNoticeFactory(town=town, run=run, deadline=TODAY + datetime.timedelta(days=10))
            )
            made.setdefault(f"{side}_problem", []).append(
                ProblemFactory(
                    town=town,
                    status=Problem.Status.ASSIGNED,
                    responsible_county=county,
                    deadline=TODAY - datetime.timedelta(days=1),
                )
            )
            certificate = CertificateFactory(
                application__town=town, application__county=county, application__status=Application.Status.CERTIFIED
            )
            made.setdefault(f"{side}_reexam", []).append(
                ReExaminationFactory(certificate=certificate, due_on=TODAY + datetime.timedelta(days=60))
            )
            inspection = InspectionFactory(status=Inspection.Status.IN_PROGRESS, ends_on=TODAY)
            inspection.towns.add(town)
            made.setdefault(f"{side}_inspection", []).append(inspection)
        made.setdefault("bureau_problem", []).append(
            ProblemFactory(status=Problem.Status.ASSIGNED, responsible_bureau=tasks_world.gongxin.membership.bureau)
        )
        made.setdefault("other_bureau_problem", []).append(
            ProblemFactory(status=Problem.Status.ASSIGNED, responsible_bureau=tasks_world.keji.membership.bureau)
        )
        made.setdefault("submitted", []).append(
            ApplicationFactory(town=made["home_returned"][i].town, cycle=CycleFactory(), status="submitted")
        )
        review_app = ApplicationFactory(cycle=cycle, status=Application.Status.EXPERT_REVIEW)
        made.setdefault("review", []).append(ExpertAssignmentFactory(application=review_app, expert=expert))
        made.setdefault("reviewed", []).append(
            ExpertAssignmentFactory(
                application=ApplicationFactory(cycle=cycle, status=Application.Status.EXPERT_REVIEW),
                expert=expert,
                reviewed_at=timezone.now(),
                total=80,
            )
        )
        made["home_inspection"][i].units.add(tasks_world.gongxin.membership.bureau)
        made["home_inspection"][i].experts.add(expert)
    return made


@pytest.fixture
def expert(world):
    return make_user(Role.EXPERT, username="expert-todo")


def test_county_sees_its_own_returned_applications_notices_problems_reexaminations_and_inspections(
    world, tasks_world, expert
):
    made = _pending(world, tasks_world, expert)
    items = _items(world.users["county"])
    returned = made["home_returned"][0]
    assert [i.title for i in items["application"]] == [f"{returned.number} {returned.town.name}"]
    app_item = items["application"][0]
    assert app_item.url == reverse("application-detail", args=[returned.pk])
    assert app_item.deadline == returned.cycle.closes_on and "补材料" in app_item.detail
    notice = made["home_notice"][0]
    assert [(i.title, i.deadline) for i in items["notice"]] == [
        (f"{notice.number} {notice.town.name}", notice.deadline)
    ]
    assert items["notice"][0].url == reverse("supervision-notice", args=[notice.pk])
    problem = made["home_problem"][0]
    assert [i.title for i in items["problem"]] == [f"{problem.number} {problem.title}"]
    assert items["problem"][0].overdue  # its deadline was yesterday
    assert [i.url for i in items["reexamination"]] == [
        reverse("reexamination-detail", args=[made["home_reexam"][0].pk])
    ]
    assert [i.url for i in items["inspection"]] == [reverse("inspection-detail", args=[made["home_inspection"][0].pk])]
    # nothing of 盐湖区's, nothing of the city units'
    everything = " ".join(i.title for group in items.values() for i in group)
    for key in ("other_returned", "other_notice", "other_problem", "bureau_problem"):
        assert made[key][0].number not in everything, key
    assert "review" not in items


def test_reports_due_name_the_period_and_its_date_and_leave_out_what_was_reported(world, tasks_world, expert):
    county = world.users["county"]
    task4 = Task.objects.get(number=4)
    closed = progress.last_closed_period(TODAY, task4.reporting_period)
    ProgressReportFactory(task=task4, bureau=None, county=world.home_county, period=closed.code, submitted_by=county)
    reports = _items(county)["report"]
    numbers = sorted(int(i.title.split()[0].removeprefix("任务")) for i in reports)
    assert numbers == [n for n in range(1, 13) if n != 4]  # counties support every task; task 4 is reported
    item = next(i for i in reports if i.title.startswith("任务3 "))
    assert closed.label in item.detail and item.deadline == closed.due(10)
    assert item.url == reverse("report-create", args=[3]) + f"?period={closed.code}"
    assert item.overdue == (closed.due(10) < TODAY)


def test_a_bureau_sees_reports_of_its_own_tasks_and_problems_assigned_to_it(world, tasks_world, expert):
    made = _pending(world, tasks_world, expert)
    items = _items(tasks_world.gongxin)  # 市工信局: leads 1 and 2, supports most; not task 7
    numbers = {int(i.title.split()[0].removeprefix("任务")) for i in items["report"]}
    assert {1, 2, 4} <= numbers and 7 not in numbers
    lead = next(i for i in items["report"] if i.title.startswith("任务1 "))
    assert "牵头" in lead.detail
    assert [i.title for i in items["problem"]] == [
        f"{made['bureau_problem'][0].number} {made['bureau_problem'][0].title}"
    ]
    assert [i.url for i in items["inspection"]] == [
        reverse("inspection-detail", args=[made["home_inspection"][0].pk])
    ]  # the team records findings; not the other inspection
    # 市招商投资中心 leads task 10 only
    assert {i.title.split()[0] for i in _items(tasks_world.zhaoshang)["report"]} == {"任务10"}


def test_an_expert_sees_the_reviews_assigned_and_not_scored_yet(world, tasks_world, expert):
    made = _pending(world, tasks_world, expert)
    items = _items(expert)
    pending = made["review"][0]
    assert [i.url for i in items["review"]] == [reverse("expert-review", args=[pending.application_id])]
    assert made["reviewed"][0].application.number not in " ".join(i.title for i in items["review"])
    assert "report" not in items and "notice" not in items
    assert _items(make_user(Role.EXPERT, username="expert-idle")) == {}


def test_the_office_sees_what_waits_for_its_decision(world, tasks_world, expert):
    made = _pending(world, tasks_world, expert)
    SupervisionNotice.objects.filter(pk=made["other_notice"][0].pk).update(status=SupervisionNotice.Status.ANSWERED)
    Problem.objects.filter(pk=made["other_problem"][0].pk).update(status=Problem.Status.RESPONDED)
    items = _items(world.users["office"])
    # submitted (to screen) and fully reviewed (to put on the public notice); not one an expert has yet to score
    assert [i.title.split()[0] for i in items["application"]] == [
        made["submitted"][0].number,
        made["reviewed"][0].application.number,
    ]
    assert [i.url for i in items["notice"]] == [reverse("supervision-notice", args=[made["other_notice"][0].pk])]
    assert made["other_problem"][0].number in " ".join(i.title for i in items["problem"])
    assert made["home_problem"][0].number not in " ".join(i.title for i in items["problem"])  # the unit's turn
    assert "report" not in items and "review" not in items


def test_a_leader_is_shown_overdue_notices_and_tasks_behind_with_the_period_due(world, tasks_world, expert):
    from tasks_registry.selectors import board

    made = _pending(world, tasks_world, expert)
    SupervisionNotice.objects.filter(pk=made["home_notice"][0].pk).update(deadline=TODAY - datetime.timedelta(days=3))
    leader = world.users["leader"]
    rows = board(user=leader, today=TODAY)
    items = _items(leader, board=rows)
    assert [i.url for i in items["notice"]] == [reverse("supervision-notice", args=[made["home_notice"][0].pk])]
    behind = [r for r in rows if r.status == "behind"]
    assert len(items.get("task", [])) == len(behind)
    for item, row in zip(
        sorted(items.get("task", []), key=lambda i: i.url), sorted(behind, key=lambda r: r.task.number)
    ):
        if row.overdue_units:
            assert row.closed_period.label in item.detail


def test_api_accounts_and_users_without_a_role_have_nothing_to_do(world):
    assert todo_for(world.users["api"]) == []
    assert todo_for(world.users["norole"]) == []


def test_the_home_page_shows_the_panel_with_deadlines_and_links(world, tasks_world, expert, client_for):
    made = _pending(world, tasks_world, expert)
    page = client_for("county").get("/").content.decode()
    notice = made["home_notice"][0]
    assert 'id="todo"' in page and notice.number in page
    assert f"整改期限 {notice.deadline:%Y-%m-%d}" in page
    assert reverse("supervision-notice", args=[notice.pk]) in page
    assert made["other_notice"][0].number not in page


@pytest.mark.parametrize("role", ["county", "office", "bureau", "expert", "leader"])
def test_the_selector_costs_the_same_queries_at_1x_and_10x_data(world, tasks_world, expert, role):
    from tasks_registry.selectors import board

    user = {
        "county": world.users["county"],
        "office": world.users["office"],
        "bureau": tasks_world.gongxin,
        "expert": expert,
        "leader": world.users["leader"],
    }[role]

    def cost() -> tuple[int, int]:
        rows = board(user=user, today=TODAY) if role == "leader" else None
        with CaptureQueriesContext(connection) as queries:
            groups = todo_for(user, today=TODAY, board=rows)
        return len(queries), sum(len(g.items) for g in groups)

    _pending(world, tasks_world, expert, n=1)
    small, small_items = cost()
    _pending(world, tasks_world, expert, n=9)
    large, large_items = cost()
    assert small == large, (small, large)
    assert large <= 10, large
    if role != "leader":
        assert large_items > small_items  # the 10x data is really there


@pytest.mark.parametrize("role", ["county", "office", "bureau", "expert", "leader"])
def test_the_home_page_with_its_panel_costs_the_same_at_1x_and_10x_pending_items(world, tasks_world, expert, role):
    from ..helpers import client_of

    user = {"bureau": tasks_world.gongxin, "expert": expert}.get(role) or world.users[role]
    client = client_of(None, user)

    def cost() -> int:
        client.get("/")  # warm process-wide caches (content types) first
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    _pending(world, tasks_world, expert, n=1)
    small = cost()
    _pending(world, tasks_world, expert, n=9)
    large = cost()
    assert small == large, (small, large)
    assert large <= 18, large  # tests/system/test_queries.py: HOME_BUDGET

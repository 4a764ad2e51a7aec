"""The task board: the API contract, who may report/consolidate/plan, problems and projects by role,
and the board's query budget."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tasks_registry import progress, services
from tasks_registry.models import KeyProject, Measure, ProgressReport, Task

from ..helpers import client_of, current_period, report


def test_tasks_api_contract(tasks_world, api_for):
    data = api_for("api").get("/api/v1/tasks/").json()
    assert [t["number"] for t in data] == list(range(1, 13))
    first = data[0]
    assert first["theme"] == "引" and first["title"] == "推动专业镇市场主体倍增"
    assert first["lead_bureaus"] == ["市工信局", "市农业农村局", "市文旅局"]
    assert first["supporting_bureaus"] == [
        "市发展改革委",
        "市市场监管局",
        "市审批服务管理局",
        "市财政局",
        "各县（市、区）人民政府",
    ]
    assert data[7]["supporting_bureaus"][-3:] == ["人行运城市中心支行", "运城银保监分局", "各县（市、区）人民政府"]
    assert {t["status"] for t in data} <= {"not_started", "on_track", "behind", "done"}
    detail = api_for("api").get("/api/v1/tasks/3/").json()
    assert detail["title"] == "推动专业镇重大项目建设" and "“三个一批”" in detail["text"]
    assert any("三个一批" in m["title"] for m in detail["measures"])
    assert api_for("api").get("/api/v1/tasks/13/").status_code == 404


def test_report_roles(tasks_world, world):
    report(tasks_world.keji, 4)  # lead
    report(tasks_world.gongxin, 4)  # supporting
    report(world.users["county"], 4, towns=[world.home_town])  # counties support every task
    for user in (tasks_world.keji, world.users["office"], world.users["leader"], world.users["api"]):
        if user is tasks_world.keji:
            with pytest.raises(PermissionDenied):
                report(user, 10)  # not among task 10's units
        else:
            with pytest.raises(PermissionDenied):
                report(user, 4)
    from django.http import Http404

    with pytest.raises(Http404):
        report(world.users["county"], 5, towns=[world.other_town])  # another county's town
    assert ProgressReport.objects.count() == 3


def test_consolidated_only_by_lead(tasks_world):
    report(tasks_world.keji, 4, consolidated=True)
    with pytest.raises(PermissionDenied):
        report(tasks_world.gongxin, 4, consolidated=True)


def test_one_report_per_unit_and_period_and_no_editing_others(tasks_world):
    first = report(tasks_world.keji, 4)
    with pytest.raises(ValidationError) as exc:
        report(tasks_world.keji, 4)
    assert "period" in exc.value.message_dict
    task = first.task
    with pytest.raises(PermissionDenied):
        services.report_save(
            user=tasks_world.gongxin, task=task, period=first.period, narrative="x", measures={}, towns=[], report=first
        )


@pytest.mark.parametrize(
    ("pct", "field"),
    [("101", "measure_"), ("-1", "measure_")],
)
def test_progress_out_of_range_saves_nothing(tasks_world, pct, field):
    with pytest.raises(ValidationError) as exc:
        report(tasks_world.keji, 4, pct=pct)
    assert any(k.startswith(field) for k in exc.value.message_dict)
    assert not ProgressReport.objects.exists()


def test_future_and_malformed_periods_are_refused(tasks_world):
    task = Task.objects.get(number=4)
    for period in ("2099-Q1", "2026-Q9", "2026-13"):
        with pytest.raises(ValidationError):
            services.report_save(user=tasks_world.keji, task=task, period=period, narrative="x", measures={}, towns=[])


def test_report_pages_by_role(tasks_world, world, client_for):
    keji, gongxin, zhaoshang = (
        client_of(None, u) for u in (tasks_world.keji, tasks_world.gongxin, tasks_world.zhaoshang)
    )
    assert keji.get(reverse("report-create", kwargs={"number": 4})).status_code == 200
    assert keji.get(reverse("report-create", kwargs={"number": 10})).status_code == 403
    assert keji.get(reverse("report-create", kwargs={"number": 4}) + "?kind=consolidated").status_code == 200
    assert gongxin.get(reverse("report-create", kwargs={"number": 4}) + "?kind=consolidated").status_code == 403
    assert client_for("office").get(reverse("report-create", kwargs={"number": 4})).status_code == 403
    mine = report(tasks_world.gongxin, 4)
    assert keji.get(reverse("report-detail", kwargs={"pk": mine.pk})).status_code == 200  # the lead sees it
    assert zhaoshang.get(reverse("report-detail", kwargs={"pk": mine.pk})).status_code == 404  # others don't
    assert client_for("county").get(reverse("report-detail", kwargs={"pk": mine.pk})).status_code == 404
    assert keji.get(reverse("report-edit", kwargs={"number": 4, "pk": mine.pk})).status_code == 403
    assert gongxin.get(reverse("report-edit", kwargs={"number": 4, "pk": mine.pk})).status_code == 200


def test_board_shows_progress_and_last_report(tasks_world, client_for):
    report(tasks_world.keji, 4, pct="60")
    body = client_for("leader").get(reverse("task-board")).content.decode()
    assert "60.0%" in body and "市科技局" in body
    row = next(
        r
        for r in __import__("tasks_registry.selectors", fromlist=["board"]).board(user=tasks_world.keji)
        if r.task.number == 4
    )
    assert row.progress_pct == Decimal("60.0") and "市科技局" in row.last_reports


def test_consolidated_report_prevails_in_its_period(tasks_world):
    report(tasks_world.gongxin, 4, pct="90")
    report(tasks_world.keji, 4, pct="40", consolidated=True)
    from tasks_registry.selectors import board

    row = next(r for r in board(user=tasks_world.keji) if r.task.number == 4)
    assert row.progress_pct == Decimal("40.0")


def test_overdue_lead_report_flags_the_task(tasks_world):
    from tasks_registry.selectors import board

    task = Task.objects.get(number=10)
    closed = progress.last_closed_period(timezone.localdate(), task.reporting_period)
    late = closed.due(task.report_due_days) + datetime.timedelta(days=1)
    rows = {r.task.number: r for r in board(user=tasks_world.keji, today=late)}
    assert rows[10].status == "behind" and [b.name for b in rows[10].overdue_units] == ["市招商投资中心"]
    in_time = {r.task.number: r for r in board(user=tasks_world.keji, today=closed.due(task.report_due_days))}
    assert in_time[10].overdue_units == []


def test_office_plans_measures_and_others_cannot(tasks_world, world, client_for):
    task = Task.objects.get(number=3)
    data = {
        "year": tasks_world.year,
        "title": "重点项目观摩",
        "text": "",
        "goal": "每季度一次",
        "deadline": f"{tasks_world.year}-12-31",
        "weight": "2",
        "sort_order": 9,
    }
    assert client_for("office").post(reverse("measure-create", kwargs={"number": 3}), data).status_code == 302
    assert Measure.objects.filter(task=task, title="重点项目观摩", weight=2).exists()
    for role in ("county", "bureau", "leader"):
        assert client_for(role).post(reverse("measure-create", kwargs={"number": 3}), data).status_code == 403
    assert (
        client_of(None, tasks_world.keji)
        .post(reverse("task-detail", kwargs={"number": 3}), {"reporting_period": "monthly"})
        .status_code
        == 403
    )
    response = client_for("office").post(
        reverse("task-detail", kwargs={"number": 3}),
        {"reporting_period": "monthly", "report_due_days": 5, "status_override": "", "status_note": ""},
    )
    assert response.status_code == 302 and Task.objects.get(number=3).reporting_period == "monthly"


def test_measure_with_progress_cannot_be_deleted(tasks_world, world):
    report(tasks_world.keji, 4)
    measure = Task.objects.get(number=4).measures.filter(progress__isnull=False).first()
    with pytest.raises(ValidationError):
        services.measure_delete(user=world.users["office"], measure=measure)


def test_plan_copy_year(tasks_world, world):
    task = Task.objects.get(number=1)
    n = services.plan_copy_year(
        user=world.users["office"], task=task, from_year=tasks_world.year, to_year=tasks_world.year + 1
    )
    assert n == task.measures.filter(year=tasks_world.year).count() > 0
    assert (
        services.plan_copy_year(
            user=world.users["office"], task=task, from_year=tasks_world.year, to_year=tasks_world.year + 1
        )
        == 0
    )


# --- problems ----------------------------------------------------------------------------------------------


def test_problem_lifecycle_by_role(tasks_world, world):
    county, office, keji = world.users["county"], world.users["office"], tasks_world.keji
    problem = services.problem_record(
        user=county,
        data={
            "title": "融资难",
            "description": "贷款审批慢",
            "town": world.home_town,
            "found_on": timezone.localdate(),
        },
    )
    assert problem.number.startswith("WT") and problem.status == "open"
    for user in (county, keji):
        with pytest.raises(PermissionDenied):
            services.problem_assign(
                user=user, problem=problem, bureau=keji.membership.bureau, deadline=timezone.localdate()
            )
    services.problem_assign(user=office, problem=problem, bureau=keji.membership.bureau, deadline=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.problem_respond(user=tasks_world.gongxin, problem=problem, text="不归我管")
    services.problem_respond(user=keji, problem=problem, text="已协调银行开辟绿色通道")
    with pytest.raises(PermissionDenied):
        services.problem_verify(user=keji, problem=problem, accept=True, text="自己销号")
    services.problem_verify(user=office, problem=problem, accept=False, text="请附银行回执")
    problem.refresh_from_db()
    assert problem.status == "assigned"
    services.problem_respond(user=keji, problem=problem, text="已附回执")
    services.problem_verify(user=office, problem=problem, accept=True, text="核实无误")
    problem.refresh_from_db()
    assert problem.status == "closed" and problem.closed_by == office
    assert list(problem.actions.values_list("kind", flat=True)) == [
        "record",
        "assign",
        "respond",
        "reopen",
        "respond",
        "close",
    ]


def test_problem_scope(tasks_world, world, client_for, api_for):
    from django.http import Http404

    with pytest.raises(Http404):
        services.problem_record(
            user=world.users["county"],
            data={"title": "x", "description": "x", "town": world.other_town, "found_on": timezone.localdate()},
        )
    theirs = services.problem_record(
        user=world.users["office"],
        data={"title": "水泵检测", "description": "x", "town": world.other_town, "found_on": timezone.localdate()},
    )
    assert client_for("county").get(reverse("problem-detail", kwargs={"pk": theirs.pk})).status_code == 404
    assert client_for("bureau").get(reverse("problem-detail", kwargs={"pk": theirs.pk})).status_code == 200
    for role in ("api", "expert"):
        assert client_for(role).get(reverse("problem-list")).status_code == 403
        assert api_for(role).get("/api/v1/problems/").status_code == 403
    assert api_for("county").get("/api/v1/problems/").json()["count"] == 0


def test_overdue_filter_and_export(tasks_world, world, client_for):
    office = world.users["office"]
    problem = services.problem_record(
        user=office, data={"title": "用地指标", "description": "x", "found_on": timezone.localdate()}
    )
    services.problem_assign(
        user=office,
        problem=problem,
        county=world.home_county,
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    body = client_for("office").get(reverse("problem-list"), {"overdue": "true"}).content.decode()
    assert problem.number in body and "已超期" in body
    assert (
        problem.number not in client_for("office").get(reverse("problem-list"), {"overdue": "false"}).content.decode()
    )
    sheet = load_workbook(
        io.BytesIO(client_for("office").get(reverse("problem-list"), {"export": "xlsx"}).content)
    ).worksheets[0]
    assert sheet.cell(2, 1).value == problem.number and sheet.cell(2, 8).value == "万荣县人民政府"


# --- projects ----------------------------------------------------------------------------------------------


def test_projects_by_role_and_three_batches(tasks_world, world, client_for):
    data = {
        "town": world.home_town.pk,
        "name": "年产10万吨外加剂项目",
        "investment_wan": "35000",
        "stage": "started",
        "started_on": "2026-05-01",
    }
    assert client_for("county").post(reverse("project-create"), data).status_code == 302
    other = data | {"town": world.other_town.pk, "name": "泵业园"}
    response = client_for("county").post(reverse("project-create"), other)
    assert response.status_code == 200 and "town" in response.context["form"].errors
    assert client_for("bureau").post(reverse("project-create"), other).status_code == 403
    missing_date = data | {"name": "无日期", "stage": "in_production", "started_on": ""}
    response = client_for("county").post(reverse("project-create"), missing_date)
    assert "in_production_on" in response.context["form"].errors
    assert KeyProject.objects.count() == 1
    body = client_for("leader").get(reverse("project-list")).content.decode()
    assert "年产10万吨外加剂项目" in body
    from tasks_registry.selectors import project_list, three_batches

    assert three_batches(project_list(user=world.users["leader"])) == [
        {
            "town__county__name": "万荣县",
            "town__name": "万荣县外加剂",
            "town_id": world.home_town.pk,
            "signed": 0,
            "started": 1,
            "in_production": 0,
            "total": 1,
        }
    ]


# --- exports and budgets -------------------------------------------------------------------------------------


def test_responsibility_list_export(tasks_world, client_for):
    sheet = load_workbook(
        io.BytesIO(client_for("leader").get(reverse("task-board"), {"export": "xlsx"}).content)
    ).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:6] == ["序号", "重点任务", "任务名称", "推进措施", "牵头单位", "责任单位"]
    assert rows[8][0] == 8 and rows[8][5].endswith("人行运城市中心支行、运城银保监分局、各县（市、区）人民政府")


def test_board_query_count_does_not_grow_with_reports(tasks_world, world, client_for):
    client = client_for("leader")
    url = reverse("task-board")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for number in (1, 2, 4, 11, 12):
        report(world.users["county"], number)
    report(tasks_world.keji, 4)
    report(tasks_world.gongxin, 4)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries) <= 14
    api = client_for("api")
    with CaptureQueriesContext(connection) as api_queries:
        api.get("/api/v1/tasks/")
    assert len(api_queries.captured_queries) <= 12


def test_report_attachment_is_scoped(tasks_world, world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..factories import pdf_bytes

    mine = report(tasks_world.gongxin, 4)
    minutes = pdf_bytes("minutes")
    attachment = services.report_attach(
        user=tasks_world.gongxin, report=mine, upload=SimpleUploadedFile("纪要.pdf", minutes)
    )
    url = reverse("report-attachment", kwargs={"pk": attachment.pk})
    response = client_of(None, tasks_world.keji).get(url)  # the lead unit of task 4
    assert response.status_code == 200 and b"".join(response.streaming_content) == minutes
    assert client_of(None, tasks_world.zhaoshang).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        services.report_attach(user=tasks_world.keji, report=mine, upload=SimpleUploadedFile("x.pdf", b"%PDF-1"))


def test_report_opened_under_another_tasks_url_is_not_found(tasks_world, world, client_for):
    """POST /tasks/5/report/<a task-4 report>/ must not move the report to task 5 (issue 11, finding 5)."""
    county = world.users["county"]
    mine = report(county, 4, pct="30", towns=[world.home_town])
    other = Task.objects.get(number=5)
    period = current_period(other)
    year = progress.parse_period(period, other.reporting_period).start.year
    data = {"period": period, "narrative": "改到任务5", "towns": [world.home_town.pk]}
    for measure in other.measures.filter(year=year):
        data[f"measure_{measure.pk}"], data[f"note_{measure.pk}"] = "100", ""
    url = reverse("report-edit", kwargs={"number": 5, "pk": mine.pk})
    browser = client_for("county")
    assert browser.get(url).status_code == 404
    assert browser.post(url, data).status_code == 404
    mine.refresh_from_db()
    assert mine.task.number == 4 and mine.narrative == "推进顺利"
    assert set(mine.measure_progress.values_list("progress_pct", flat=True)) == {Decimal("30")}
    from django.http import Http404

    with pytest.raises(Http404):  # the rule holds in the service too, whatever the caller
        services.report_save(user=county, task=other, period=period, narrative="x", measures={}, towns=[], report=mine)
    assert ProgressReport.objects.get(pk=mine.pk).task.number == 4


@pytest.mark.parametrize("url", ["/tasks/?year=-1", "/tasks/?year=10000", "/tasks/?year=99999", "/tasks/1/?year=0"])
def test_years_outside_the_programme_are_not_found(tasks_world, client_for, url):
    assert client_for("county").get(url).status_code == 404


def test_a_year_inside_the_programme_still_shows(tasks_world, client_for):
    assert client_for("county").get("/tasks/?year=2030").status_code == 200
    assert client_for("county").get("/tasks/1/?year=2000").status_code == 200
    assert client_for("county").get("/tasks/?year=abc").status_code == 200  # not a number: this year, as before


def test_a_report_with_a_bad_attachment_is_not_saved_at_all(tasks_world):
    """The report and its attachment are one write (report_save): a refused file leaves no report behind."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = Task.objects.get(number=4)
    before = ProgressReport.objects.count()
    with pytest.raises(ValidationError):
        services.report_save(
            user=tasks_world.gongxin,
            task=task,
            period=current_period(task),
            narrative="推进顺利",
            measures={},
            towns=[],
            attachment=SimpleUploadedFile("进展.pdf", b"<html>not a pdf</html>"),
        )
    assert ProgressReport.objects.count() == before

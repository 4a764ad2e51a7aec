"""Journeys of the key-task board (四、重点任务): reporting, consolidation, the problem ledger, the matrix.

The 33 city units and the 12 tasks of the document are loaded as on the live site. 市科技局 (lead of
task 4) reports its progress with a PDF and sees it rolled up on the board, and is refused on task 10,
which it has no part in; it writes task 4's consolidated report over a supporting unit's report; a
problem recorded by the county is assigned to 市科技局 past its deadline, answered and closed; the
responsibility matrix marks 牵/配. Screenshots go to test-artifacts/screens/task-<nn>-<step>.png.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks_registry import progress, services
from tasks_registry.loading import load_tasks
from tasks_registry.models import Measure, Problem, ProgressReport, Task
from tests.factories import PASSWORD, make_user, pdf_bytes
from towns.models import Bureau, Role
from towns.reference import BUREAUS

THEMES = [  # the headings of 四、重点任务 as the document writes them, with their tasks
    ("聚焦“引”字，加快专业镇集群成链", [1, 2, 3]),
    ("聚焦“专”字，打造专业镇知名品牌", [4, 5, 6]),
    ("聚焦“优”字，强化专业镇要素保障", [7, 8, 9]),
    ("聚焦“效”字，激发专业镇发展活力", [10, 11, 12]),
]
TASK4 = "推动专业镇创新能力提升"
KEJI_TASKS = [2, 4, 5, 12]  # 市科技局 leads task 4 and supports tasks 2, 5 and 12
UNIT_PCTS = ["100", "95", "90", "92", "96", "99"]  # one per measure of task 4 (all weights 1)
COUNTIES = "各县（市、区）人民政府"
REFUSED = "本单位不是该任务的牵头或责任单位，不能报送。"


@dataclass
class TaskWorld:
    world: object
    keji: object  # a 市科技局 official
    gongxin: object  # the world's 市工信局 official ("bureau")
    today: datetime.date
    period: progress.Period  # the quarter the units report on
    default_period: progress.Period  # the one the report form preselects

    def measures(self, number: int) -> list[Measure]:
        return list(Measure.objects.filter(task__number=number, year=self.today.year).order_by("sort_order"))


@pytest.fixture
def task_world(e2e_world) -> TaskWorld:
    for order, (name, kind) in enumerate(BUREAUS):
        bureau, _ = Bureau.objects.get_or_create(name=name, defaults={"kind": kind})
        # the document's order (the world's 市工信局 was made without it), as the matrix lists the units
        Bureau.objects.filter(pk=bureau.pk).update(kind=kind, sort_order=order)
    today = timezone.localdate()
    load_tasks(today.year)
    keji = make_user(Role.BUREAU, bureau=Bureau.objects.get(name="市科技局"), username="keji")
    periods = progress.reportable_periods(today, progress.QUARTERLY)
    # The form preselects the last closed quarter. In January to March that is last year's Q4, for which
    # this year's plan has no measures: report on the current quarter then (see _open_report_form).
    period = periods[1] if periods[1].start.year == today.year else periods[0]
    return TaskWorld(e2e_world, keji, e2e_world.users["bureau"], today, period, periods[1])


def _login(tab, username: str) -> None:
    tab.login(username, PASSWORD)


def _board_row(page, title: str):
    return page.locator("table.board tbody tr", has=page.get_by_role("link", name=title, exact=True))


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


def _open_report_form(tab, tw: TaskWorld, button: str) -> None:
    """Click a 报送 button on a task page; the form lists the measures of the preselected period's year.

    Choosing another period in the form does not change the measures it lists (no reload), so for a
    period other than the preselected one the form is opened for that period directly."""
    tab.page.get_by_role("link", name=button, exact=True).click()
    expect(tab.page.locator("h1")).to_contain_text(button)
    if tw.period != tw.default_period:
        separator = "&" if "?" in tab.page.url else "?"
        tab.page.goto(f"{tab.page.url}{separator}period={tw.period.code}")


def _mean(values: list[str]) -> str:
    total = sum((Decimal(v) for v in values), Decimal("0"))
    return str((total / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@pytest.mark.e2e
def test_lead_unit_reports_progress_and_sees_it_on_the_board(task_world, session, tmp_path):
    tw = task_world
    page = session.page
    measures = tw.measures(4)
    assert len(measures) == len(UNIT_PCTS)

    # --- 市科技局: 重点任务 → the 12 tasks under the document's four headings --------------------------
    _login(session, "keji")
    session.nav("重点任务").click()
    expect(page.locator("h1")).to_have_text(f"专业镇重点任务推进情况（{tw.today.year}年）")
    tables = page.locator("section.card", has=page.locator("table.board"))
    expect(tables).to_have_count(4)
    assert tables.locator("h2").all_inner_texts() == [heading for heading, _ in THEMES]
    for index, (heading, numbers) in enumerate(THEMES):
        rows = session.rows_in(tables.nth(index))
        assert [int(r[0]) for r in rows] == numbers, heading
    titles = {t.number: t.title for t in Task.objects.all()}
    assert len(titles) == 12

    # 市科技局 is highlighted wherever it is a unit: lead of 4, supporting 2, 5 and 12
    mine = page.locator("table.board span.unit.mine")
    expect(mine).to_have_count(len(KEJI_TASKS))
    expect(mine).to_have_text(["市科技局"] * len(KEJI_TASKS))
    highlighted = page.locator("table.board tbody tr", has=page.locator("span.unit.mine"))
    assert highlighted.evaluate_all("rows => rows.map(r => Number(r.cells[0].innerText))") == KEJI_TASKS
    assert mine.first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 243, 196)"
    row4 = _board_row(page, TASK4)
    expect(row4.locator("td").nth(2)).to_have_text("市科技局")
    expect(row4.locator("td").nth(3)).to_contain_text(COUNTIES)
    expect(row4.locator("td").nth(4)).to_have_text("0.0%")  # nothing reported: every measure at 0
    expect(row4.locator("td").nth(6)).to_have_text("尚未报送")

    # --- task 4 → 报送本单位进展 ----------------------------------------------------------------------
    row4.get_by_role("link", name=TASK4).click()
    expect(page.locator("h1")).to_contain_text(f"4. {TASK4}")
    report_card = _card(page, "报送")
    expect(report_card).to_contain_text("本单位为该任务牵头单位。")
    expect(report_card.get_by_role("link", name="报送任务汇总报告")).to_be_visible()
    session.screenshot("task-02-task4")
    _open_report_form(session, tw, "报送本单位进展")
    expect(page.locator("h1")).to_have_text(f"报送本单位进展：4. {TASK4}")
    period_select = page.get_by_label("报送期")
    expect(period_select.locator("option")).to_have_count(4)
    period_select.select_option(tw.period.code)
    expect(period_select.locator("option:checked")).to_have_text(tw.period.label)
    narrative = "与江苏大学共建水泵技术创新中心，组建外加剂产业技术创新战略联盟，新认定高新技术企业3家。"
    page.get_by_label("工作进展").fill(narrative)
    for measure, pct in zip(measures, UNIT_PCTS, strict=True):
        page.get_by_label(f"{measure.title}（%）").fill(pct)
    page.locator(f"[name=note_{measures[2].pk}]").fill("联盟章程已通过。")
    page.get_by_label("万荣县外加剂", exact=True).check()
    pdf = tmp_path / "创新平台建设进展.pdf"
    pdf.write_bytes(pdf_bytes())
    page.get_by_label("附件（PDF、图片或 .xlsx，可选）").set_input_files(str(pdf))
    session.screenshot("task-03-report-form")
    page.get_by_role("button", name="报送", exact=True).click()

    # --- back on the task page: the message, the report, the measures' progress ----------------------
    expect(page.locator(".messages")).to_have_text(f"已报送任务4 {tw.period.label}进展。")
    expect(page.locator("h1")).to_contain_text(f"4. {TASK4}")
    reports = _card(page, "进展报告")
    listed = session.rows_in(reports)
    assert [r[:3] for r in listed] == [[tw.period.code, "市科技局", "单位报送"]]
    assert listed[0][3].startswith(tw.today.isoformat())
    plan_card = page.locator("section.card", has=page.locator("h2", has_text=f"{tw.today.year}年度推进措施"))
    plan = session.rows_in(plan_card)
    # (SQLite prints the annotated latest % as "100%", PostgreSQL as "100.0%": compare the numbers)
    assert [Decimal(r[4].removesuffix("%")) for r in plan] == [Decimal(p) for p in UNIT_PCTS]
    mean = _mean(UNIT_PCTS)
    expect(page.get_by_text("总体进度（按权重）")).to_have_text(f"总体进度（按权重）：{mean}%")
    expect(_card(page, "最近报送").locator("li")).to_have_text(f"市科技局：{tw.today.isoformat()}")

    report = ProgressReport.objects.get(task__number=4, bureau__name="市科技局")
    assert (report.period, report.kind, report.narrative) == (tw.period.code, "unit", narrative)
    assert [t.name for t in report.towns.all()] == ["万荣县外加剂"]
    assert [(a.original_name, a.content_type) for a in report.attachments.all()] == [
        ("创新平台建设进展.pdf", "application/pdf")
    ]

    reports.get_by_role("link", name=tw.period.code).click()
    expect(page.locator("h1")).to_have_text(f"市科技局 · {tw.period.code} · 单位报送")
    expect(page.locator("main")).to_contain_text(narrative)
    expect(page.locator("main")).to_contain_text("涉及专业镇：万荣县外加剂")
    expect(page.locator("main")).to_contain_text("附件：创新平台建设进展.pdf")
    with page.expect_download() as download:
        page.get_by_role("link", name="创新平台建设进展.pdf").click()
    assert download.value.suggested_filename == "创新平台建设进展.pdf"
    assert Path(download.value.path()).read_bytes() == pdf.read_bytes()
    assert session.rows_in(page.locator("section.card table.data"))[2] == [
        measures[2].title,
        "90.0%",
        "联盟章程已通过。",
    ]

    # --- the board: task 4 at the weighted mean, 市科技局 under 最近报送 -------------------------------
    session.nav("重点任务").click()
    row4 = _board_row(page, TASK4)
    expect(row4.locator("td").nth(4)).to_have_text(f"{mean}%")
    expect(row4.locator("td.progress-cell progress")).to_have_attribute("value", mean)
    expect(row4.locator("td").nth(6)).to_have_text(f"市科技局 {tw.today:%m-%d}")
    # On time for the last closed quarter and no measure behind the timetable (progress + 10 ≥ expected).
    last_closed = progress.last_closed_period(tw.today, progress.QUARTERLY)
    if tw.period == last_closed:
        expect(row4.locator(".taskstatus")).to_have_text("正常推进")
        expect(row4.locator("td").nth(5)).not_to_contain_text("逾期未报")
    session.screenshot("task-01-board")

    # --- task 10 (市招商投资中心 leads, 市科技局 not among its units): no 报送, and 403 by URL --------
    session.goto("/tasks/10/report/", expect_status=403)
    expect(page.locator("h1")).to_have_text("无权访问")
    expect(page.locator("main")).to_contain_text(REFUSED)
    expect(page.locator("main form")).to_have_count(0)
    session.screenshot("task-08-refused")
    session.goto("/tasks/10/")
    expect(page.locator("h1")).to_contain_text("10. 推动专业镇招商引资精准高效")
    expect(page.get_by_role("link", name="报送本单位进展")).to_have_count(0)
    expect(page.get_by_role("link", name="报送任务汇总报告")).to_have_count(0)
    expect(page.get_by_role("heading", name="报送", exact=True)).to_have_count(0)
    assert not ProgressReport.objects.filter(task__number=10).exists()


@pytest.mark.e2e
def test_lead_unit_consolidates_over_the_supporting_units_reports(task_world, open_session):
    tw = task_world
    measures = tw.measures(4)
    task4 = Task.objects.get(number=4)
    services.report_save(
        user=tw.gongxin,
        task=task4,
        period=tw.period.code,
        narrative="推动外加剂企业技术中心建设，新增省级企业技术中心1家。",
        measures={measures[3].pk: (Decimal("60"), "")},
        towns=[tw.world.home_town],
    )
    consolidated_pcts = ["85", "90", "100", "70", "80", "75"]

    # --- 市科技局: 报送任务汇总报告, with the period's reports of the units alongside -------------------
    keji = open_session()
    page = keji.page
    _login(keji, "keji")
    keji.goto("/tasks/4/")
    expect(page.locator(".messages")).to_have_count(0)
    _open_report_form(keji, tw, "报送任务汇总报告")
    expect(page.locator("h1")).to_have_text(f"报送任务汇总报告：4. {TASK4}")
    units = _card(page, "本期各单位报送")
    expect(units.locator("li")).to_have_text([f"市工信局（单位报送，{tw.today:%m-%d}）"])
    units.get_by_role("link", name="市工信局").click()  # the supporting unit's report, readable by the lead
    expect(page.locator("h1")).to_have_text(f"市工信局 · {tw.period.code} · 单位报送")
    expect(page.locator("main")).to_contain_text("新增省级企业技术中心1家")
    page.go_back()
    expect(page.locator("h1")).to_have_text(f"报送任务汇总报告：4. {TASK4}")
    page.get_by_label("报送期").select_option(tw.period.code)
    page.get_by_label("工作进展").fill("牵头汇总：各单位合力推进创新平台建设，市工信局新增省级企业技术中心1家。")
    for measure, pct in zip(measures, consolidated_pcts, strict=True):
        page.get_by_label(f"{measure.title}（%）").fill(pct)
    keji.screenshot("task-06-consolidated-form")
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".messages")).to_have_text(f"已报送任务4 {tw.period.label}进展。")
    listed = sorted(r[:3] for r in keji.rows_in(_card(page, "进展报告")))
    assert listed == [[tw.period.code, "市工信局", "单位报送"], [tw.period.code, "市科技局", "牵头单位汇总"]]
    # within a period the lead's consolidated figures come before a single unit's
    expect(page.get_by_text("总体进度（按权重）")).to_have_text(f"总体进度（按权重）：{_mean(consolidated_pcts)}%")
    assert ProgressReport.objects.get(task=task4, bureau__name="市科技局").kind == "consolidated"

    # --- 市工信局 (a supporting unit) may report, but not consolidate ---------------------------------
    gongxin = open_session()
    page = gongxin.page
    _login(gongxin, "bureau")
    gongxin.goto("/tasks/4/")
    expect(_card(page, "报送")).to_contain_text("本单位按职责分工负责该任务。")
    expect(page.get_by_role("link", name="报送本单位进展")).to_be_visible()
    expect(page.get_by_role("link", name="报送任务汇总报告")).to_have_count(0)
    gongxin.goto("/tasks/4/report/?kind=consolidated", expect_status=403)
    expect(page.locator("h1")).to_have_text("无权访问")
    expect(page.locator("main")).to_contain_text("只有牵头单位可以报送汇总报告。")


@pytest.mark.e2e
def test_problem_is_recorded_assigned_overdue_answered_and_closed(task_world, open_session):
    tw = task_world
    deadline = tw.today - datetime.timedelta(days=5)
    title = "外加剂企业中试基地用地指标未落实"

    # --- county: 问题台账 → 登记问题 for its own town ----------------------------------------------------
    county = open_session()
    page = county.page
    _login(county, "county")
    county.nav("问题台账").click()
    expect(page.locator("h1")).to_have_text("问题台账")
    page.get_by_role("link", name="登记问题").click()
    expect(page.locator("h1")).to_have_text("登记问题")
    town_select = page.get_by_label("专业镇", exact=True)
    assert [o for o in town_select.locator("option").all_inner_texts() if o.strip("-")] == ["万荣县外加剂"]
    page.get_by_label(re.compile(r"^问题\*?$")).fill(title)  # (the label reads "问题*": required)
    page.get_by_label("问题描述").fill("康特尔等企业拟共建中试基地，选址地块用地指标尚未落实，影响项目开工。")
    town_select.select_option(label="万荣县外加剂")
    page.get_by_label("相关任务").select_option(label=f"4. {TASK4}")
    page.get_by_label("来源").select_option(label="县（市、区）上报")
    expect(page.get_by_label("发现日期")).to_have_value(tw.today.isoformat())
    page.get_by_role("button", name="登记", exact=True).click()
    problem = Problem.objects.get()
    number = problem.number
    assert number == f"WT{tw.today.year}-0001"
    expect(page.locator(".messages")).to_have_text(f"已登记问题{number}。")
    expect(page.locator("h1")).to_have_text(f"{number} · {title} 待分派")

    # --- office: 交办 to 市科技局 with a deadline already passed -----------------------------------------
    office = open_session()
    page = office.page
    _login(office, "office")
    office.nav("问题台账").click()
    page.get_by_role("link", name=number).click()
    assign = _card(page, "交办")
    assign.get_by_label("责任单位（市直）").select_option(label="市科技局")
    assign.get_by_label("办结时限").fill(deadline.isoformat())
    assign.get_by_role("button", name="交办").click()
    expect(page.locator(".messages")).to_have_text("已处理。")
    expect(page.locator("h1 .status")).to_have_text("办理中")
    expect(page.locator("dl.facts")).to_contain_text(f"{deadline.isoformat()} 已超期")
    office.nav("问题台账").click()
    row = page.locator("table.data tbody tr", has=page.get_by_role("link", name=number))
    assert office.rows() == [
        [number, title, "万荣县外加剂", "4", "市科技局", f"{deadline.isoformat()} 已超期", "办理中"]
    ]
    expect(row).to_have_class("row-behind")
    office.screenshot("task-05-problems")

    # --- 市科技局: sees it (overdue), 反馈办理情况 -------------------------------------------------------
    keji = open_session()
    page = keji.page
    _login(keji, "keji")
    expect(page.locator("header .bell .count")).to_have_text("1")
    keji.nav("问题台账").click()
    row = page.locator("table.data tbody tr", has=page.get_by_role("link", name=number))
    expect(row.locator("td").nth(5)).to_have_text(f"{deadline.isoformat()} 已超期")
    row.get_by_role("link", name=number).click()
    expect(_card(page, "交办")).to_have_count(0)  # the office's, not the unit's
    page.get_by_label("办理情况").fill("已协调市规划和自然资源局，用地指标纳入下批次供地计划。")
    page.get_by_role("button", name="反馈", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已处理。")
    expect(page.locator("h1 .status")).to_have_text("已反馈待核实")
    keji.screenshot("task-07-problem-responded")

    # --- office: 核实销号 → 已销号 -------------------------------------------------------------------------
    page = office.page
    office.goto(f"/problems/{problem.pk}/")
    verify = _card(page, "核实销号")
    verify.get_by_label("核实意见").fill("经现场核实，用地指标已落实。")
    verify.get_by_label("核实结果").select_option(label="销号")
    verify.get_by_role("button", name="提交核实意见").click()
    expect(page.locator(".messages")).to_have_text("已处理。")
    expect(page.locator("h1 .status")).to_have_text("已销号")
    expect(page.locator("dl.facts")).not_to_contain_text("已超期")
    expect(page.locator("dl.facts")).to_contain_text("经现场核实，用地指标已落实。")
    office.nav("问题台账").click()
    assert office.rows()[0][5:] == [deadline.isoformat(), "已销号"]
    problem.refresh_from_db()
    assert (problem.status, problem.responsible_bureau.name) == ("closed", "市科技局")


@pytest.mark.e2e
def test_matrix_marks_lead_and_supporting_units(task_world, session):
    page = session.page
    _login(session, "keji")
    session.nav("重点任务").click()
    page.get_by_role("link", name="任务 × 单位矩阵").click()
    expect(page.locator("h1")).to_have_text("重点任务责任矩阵")
    headers = [h.strip() for h in page.locator("table.matrix thead th").all_inner_texts()]
    assert headers[0] == "任务" and headers[-1] == COUNTIES
    keji_column = headers.index("市科技局")
    expect(page.locator("table.matrix thead th.mine")).to_have_text("市科技局")
    rows = session.rows("table.matrix")
    assert [r[0] for r in rows] == [f"{t.number}. {t.title}" for t in Task.objects.order_by("number")]
    assert [r[-1] for r in rows] == ["配"] * 12
    marks = {int(r[0].split(".")[0]): r[keji_column] for r in rows}
    assert marks == {n: "牵" if n == 4 else "配" if n in KEJI_TASKS else "" for n in range(1, 13)}
    # every task has at least one lead, and only 牵/配 or nothing in a cell
    assert all("牵" in r[1:-1] for r in rows)
    assert {c for r in rows for c in r[1:]} <= {"牵", "配", ""}
    session.screenshot("task-04-matrix")


# --- regressions of bugs these journeys found --------------------------------------------------------------


@pytest.mark.e2e
def test_own_report_does_not_notify_the_reporter(task_world, session):
    tw = task_world
    measures = tw.measures(4)
    page = session.page
    _login(session, "keji")
    session.goto("/tasks/4/")
    _open_report_form(session, tw, "报送本单位进展")
    page.get_by_label("报送期").select_option(tw.period.code)
    page.get_by_label("工作进展").fill("本单位进展。")
    for measure in measures:
        page.get_by_label(f"{measure.title}（%）").fill("50")
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".messages")).to_have_text(f"已报送任务4 {tw.period.label}进展。")
    expect(page.locator("header .bell")).to_be_visible()
    # keji is told "市科技局报送了任务4（…）进展。" about the report keji just sent
    expect(page.locator("header .bell .count")).to_have_count(0, timeout=1_000)


@pytest.mark.e2e
def test_refused_attachment_leaves_nothing_half_saved(task_world, session, tmp_path):
    tw = task_world
    measures = tw.measures(4)
    page = session.page
    _login(session, "keji")
    session.goto("/tasks/4/")
    _open_report_form(session, tw, "报送本单位进展")
    page.get_by_label("报送期").select_option(tw.period.code)
    page.get_by_label("工作进展").fill("本单位进展。")
    for measure in measures:
        page.get_by_label(f"{measure.title}（%）").fill("50")
    fake = tmp_path / "伪装.pdf"
    fake.write_bytes(b"this is plain text, not a PDF")
    attachment = page.get_by_label("附件（PDF、图片或 .xlsx，可选）")
    attachment.set_input_files(str(fake))
    session.expect_form_errors()
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.get_by_text("文件内容与扩展名不符（不是有效的 .pdf 文件）。")).to_be_visible()
    session.screenshot("task-09-refused-attachment")
    assert not ProgressReport.objects.exists()
    good = tmp_path / "进展.pdf"
    good.write_bytes(pdf_bytes())
    attachment.set_input_files(str(good))
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".messages")).to_have_text(f"已报送任务4 {tw.period.label}进展。", timeout=2_000)

"""Journey of the annual assessment (年度考核, 五、"将专业镇建设纳入年度目标责任考核体系"): the office sets the
year's weights, cannot compute before the town evaluation is published, publishes the evaluation, computes and
reviews the assessment, exports it and publishes it; 万荣县's official is notified and reads its own breakdown,
and another county's row answers 404.

The data: 2025's evaluation draft (万荣县外加剂 80.0, first; 盐湖区水泵 60.0, second); the counties owe reports on
tasks 3 and 4 each quarter (8 each): 万荣县 7 on time (task 4's fourth quarter five days late), 盐湖区 4 (none for
task 4); 万荣县 closed one problem on time and met its job target (no tax target); 盐湖区 set no target.
With the office's weights (town results 35, reports 15, problems 15, rectification 15, own targets 20):
    万荣县  (35×80 + 15×87.5 + 15×100 + 20×50) / 85 (no notice due) = 77.8, first;
    盐湖区  (35×60 + 15×50 + 20×0) / 70 (no problem nor notice due) = 40.7, second.
Screenshots go to test-artifacts/screens/assess-<nn>-<step>.png.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Notification
from evaluation.models import Assessment, AssessmentConfig, AssessmentResult, EvaluationConfig
from tasks_registry.loading import load_tasks
from tasks_registry.models import Problem, ProblemAction, ProgressReport, Task
from tests.factories import PASSWORD, EvaluationRunFactory, TownEvaluationFactory, TownFiguresFactory
from tests.services import CeleryWorker, redis_or_skip, worker_database_url
from towns.models import Bureau, CountyTarget
from towns.reference import BUREAUS

from .helpers import open_download, sheet_rows

YEAR = 2025
COUNTY_ROWS = [
    [
        "1",
        "万荣县",
        "77.8",
        "80.0\n专业镇1个，平均80.0分",
        "87.5\n按时报送 7/8",
        "100.0\n按期办结 1/1",
        "不涉及\n无到期应整改的督办事项",
        "50.0\n完成 1/2",
    ],
    [
        "2",
        "盐湖区",
        "40.7",
        "60.0\n专业镇1个，平均60.0分",
        "50.0\n按时报送 4/8",
        "不涉及\n无到期应办结的问题",
        "不涉及\n无到期应整改的督办事项",
        "0.0\n完成 0/2（未设定县级目标）",
    ],
]


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.fixture
def assess_world(e2e_world):
    w = e2e_world
    for name, kind in BUREAUS:
        Bureau.objects.get_or_create(name=name, defaults={"kind": kind})
    load_tasks(YEAR)
    Task.objects.exclude(number__in=(3, 4)).update(counties_support=False)
    run = EvaluationRunFactory(year=YEAR, status="draft", weights={"output": 100}, total=2, done=2)
    TownEvaluationFactory(run=run, town=w.home_town, score=Decimal("80.0"), rank=1)
    TownEvaluationFactory(run=run, town=w.other_town, score=Decimal("60.0"), rank=2)
    EvaluationConfig.objects.create(year=YEAR, top_n=1, bottom_n=0)
    for task in Task.objects.filter(number__in=(3, 4)):
        for quarter in (1, 2, 3, 4):
            period = f"{YEAR}-Q{quarter}"
            due = {1: datetime.date(2025, 4, 10), 2: datetime.date(2025, 7, 10), 3: datetime.date(2025, 10, 10)}.get(
                quarter, datetime.date(2026, 1, 10)
            )
            units = [(w.home_county, due + datetime.timedelta(days=5 if (task.number, quarter) == (4, 4) else -1))]
            if task.number == 3:
                units.append((w.other_county, due))
            for county, day in units:
                report = ProgressReport.objects.create(task=task, county=county, period=period, narrative="推进")
                ProgressReport.objects.filter(pk=report.pk).update(submitted_at=at(day))
    problem = Problem.objects.create(
        number="WT2025-0101",
        title="外加剂企业用地指标紧张",
        description="x",
        found_on=datetime.date(2025, 3, 1),
        responsible_county=w.home_county,
        deadline=datetime.date(2025, 6, 30),
        status="closed",
        closed_at=at(datetime.date(2025, 7, 2)),
    )
    for kind, day in (("assign", (2025, 3, 5)), ("respond", (2025, 6, 25)), ("close", (2025, 7, 2))):
        action = ProblemAction.objects.create(problem=problem, kind=kind, text=kind)
        ProblemAction.objects.filter(pk=action.pk).update(at=at(datetime.date(*day)))
    TownFiguresFactory(town=w.home_town, year=YEAR, local_jobs=3200)
    CountyTarget.objects.create(county=w.home_county, year=YEAR, jobs_target=3000)
    return w


@pytest.fixture
def assessment_worker(assess_world):
    """A Celery worker on the project's broker when tasks go to one (CI); nothing to start otherwise (the
    computation runs inside the request)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    broker = settings.CELERY_BROKER_URL
    redis_or_skip(broker)
    client = Celery(broker=broker, backend=broker, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    client.control.purge()
    worker = CeleryWorker(broker, extra_env={"DATABASE_URL": worker_database_url(), "CELERY_RESULT_BACKEND": broker})
    try:
        worker.wait_ready(client)
        yield worker
    finally:
        worker.stop()
        client.close()


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


@pytest.mark.e2e
def test_office_weighs_computes_and_publishes_and_the_county_reads_its_breakdown(
    assess_world, assessment_worker, open_session
):
    w = assess_world
    office = open_session()
    page = office.page
    office.login("office", PASSWORD)

    # --- 年度考核 → the year's weights: a set that does not add up to 100 is refused ------------------------
    office.nav("年度考核").click()
    expect(page.locator("h1")).to_have_text("专业镇工作年度考核")
    expect(page.locator("table.data tbody")).to_have_text("暂无考核结果。")
    page.get_by_role("link", name=f"{timezone.localdate().year - 1}年度").click()  # the start form's year
    page.wait_for_url(re.compile(r"/assessments/config/\d+/$"))
    office.goto(f"/assessments/config/{YEAR}/")
    expect(page.locator("h1")).to_have_text(f"{YEAR}年度考核指标权重")
    counties = _card(page, "县（市、区）")
    expect(counties.get_by_label("所辖专业镇评估结果")).to_have_value("40")
    counties.get_by_label("县级目标完成").fill("20")
    office.expect_form_errors()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".errors")).to_have_text("县（市、区）：各指标权重之和应为100（现为105）。")
    assert not AssessmentConfig.objects.exists()
    office.screenshot("assess-01-weights-refused")
    _card(page, "县（市、区）").get_by_label("所辖专业镇评估结果").fill("35")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_have_text(f"已保存{YEAR}年度考核指标权重。")
    assert AssessmentConfig.objects.get(year=YEAR).county_weights["town_results"] == 35

    # --- before the evaluation is published, nothing to assess on -----------------------------------------
    page.get_by_label("考核年度").fill(str(YEAR))
    office.expect_form_errors()
    page.get_by_role("button", name="计算考核").click()
    expect(_card(page, "计算考核").locator(".error")).to_have_text(
        f"{YEAR}年度专业镇评估结果尚未发布：考核以发布的评估结果为依据，请先发布评估。"
    )
    assert not Assessment.objects.exists()

    # --- 年度评估: the office publishes the evaluation ---------------------------------------------------------
    office.nav("年度评估").click()
    page.get_by_role("link", name=str(YEAR)).click()
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.locator("h1 .status")).to_have_text("已发布")

    # --- 年度考核: compute, review ----------------------------------------------------------------------------
    office.nav("年度考核").click()
    page.get_by_label("考核年度").fill(str(YEAR))
    page.get_by_role("button", name="计算考核").click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    expect(page.locator(".messages")).to_have_text(f"已开始计算{YEAR}年度考核。")
    expect(page.locator("h1 .status")).to_have_text("待审核", timeout=30_000)  # (reloads every 3 s until then)
    assessment = Assessment.objects.get(year=YEAR)
    expect(page.locator("main > p.muted").first).to_contain_text(
        f"依据{YEAR}年度专业镇评估结果；按时、按期截至{timezone.localdate().isoformat()}判断"
    )
    table = _card(page, "县（市、区）")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers == [
        "排名",
        "单位",
        "总分",
        "所辖专业镇评估结果\n权重35",
        "进展报告按时报送\n权重15",
        "问题按期办结\n权重15",
        "督办整改按期完成\n权重15",
        "县级目标完成\n权重20",
    ]
    assert office.rows_in(table) == COUNTY_ROWS
    bureaus = office.rows_in(_card(page, "市直单位"))
    # no bureau reported in 2025: every one with a task scores 0.0 (shown as such), tied first, listed by name
    assert bureaus[0][:3] == ["1", "市农业农村局", "0.0"] and "市工信局" in [r[1] for r in bureaus]
    office.screenshot("assess-02-draft")

    # --- the export: one row per county, one column per indicator, the total and the rank ---------------------
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert re.fullmatch(rf"{YEAR}年度专业镇工作考核-\d{{8}}-\d{{4}}\.xlsx", download.value.suggested_filename)
    workbook = open_download(download.value)
    assert workbook.sheetnames == ["县（市、区）", "市直单位"]
    sheet = sheet_rows(workbook["县（市、区）"])
    assert sheet[0][:8] == [
        "县（市、区）",
        "所辖专业镇评估结果（权重35）",
        "进展报告按时报送（权重15）",
        "问题按期办结（权重15）",
        "督办整改按期完成（权重15）",
        "县级目标完成（权重20）",
        "总分",
        "排名",
    ]
    assert [r[:8] for r in sheet[1:]] == [
        ["万荣县", 80, 87.5, 100, "不涉及", 50, 77.8, 1],
        ["盐湖区", 60, 50, "不涉及", "不涉及", 0, 40.7, 2],
    ]

    # --- publish: confirmed, final --------------------------------------------------------------------------
    publish = _card(page, "审核发布")
    publish.get_by_role("button", name="审核通过并发布").click()  # not ticked: the browser keeps the form
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"
    publish.get_by_label(re.compile("确认发布")).check()
    publish.get_by_role("button", name="审核通过并发布").click()
    expect(page.locator(".messages")).to_have_text(f"已发布{YEAR}年度考核结果，已通知各县（市、区）和市直单位。")
    expect(page.locator("h1 .status")).to_have_text("已发布")
    expect(_card(page, "审核发布")).to_have_count(0)
    office.screenshot("assess-03-published")
    # the county's two notices: the evaluation's commendation of its town, and its assessment result
    assert Notification.objects.filter(recipient=w.users["county"]).count() == 2

    # --- the county: the notification, its breakdown; another county's row is a 404 ---------------------------
    county = open_session()
    page = county.page
    county.login("county", PASSWORD)
    expect(page.locator("header .bell .count")).to_have_text("2")
    page.locator("header .bell").click()
    expect(page.locator("h1")).to_have_text("通知")
    page.get_by_role("link", name=f"{YEAR}年度专业镇工作考核结果已发布：得分77.8，第1名（共2个）。").click()
    expect(page.locator("h1")).to_contain_text(f"万荣县 {YEAR}年度考核明细")
    expect(page.locator("#total")).to_have_text("77.8")
    expect(page.locator("#rank")).to_have_text("第1名（共2个）")
    lines = county.rows_in(_card(page, "各项指标"))
    assert lines == [
        ["所辖专业镇评估结果", "35", "专业镇1个，平均80.0分", "80/1", "80.0", "32.9"],
        ["进展报告按时报送", "15", "按时报送 7/8", "7/8", "87.5", "15.4"],
        ["问题按期办结", "15", "按期办结 1/1", "1/1", "100.0", "17.6"],
        ["督办整改按期完成", "15", "无到期应整改的督办事项", "—", "不涉及", "—"],
        ["县级目标完成", "20", "完成 1/2", "1/2", "50.0", "11.8"],
    ]
    details = _card(page, "计分明细")
    expect(details).to_contain_text("任务4 2025年第4季度：2026-01-15报送，逾期5天")
    expect(details).to_contain_text("就业目标3000人，实际3200人，已完成")
    expect(details).to_contain_text("税收目标未设定")
    county.screenshot("assess-04-county-breakdown")
    page.set_viewport_size({"width": 390, "height": 844})
    county.screenshot("assess-05-county-breakdown-phone")
    page.set_viewport_size({"width": 1366, "height": 900})

    county.nav("年度考核").click()
    [listed] = county.rows()
    assert listed[:3] + listed[4:] == [str(YEAR), "已发布", timezone.localdate().isoformat(), "77.8", "第1名"]
    page.get_by_role("link", name=str(YEAR)).click()
    expect(_card(page, "万荣县考核结果")).to_contain_text("总分 77.8 · 第1名（共2个）")
    expect(page.locator("main")).not_to_contain_text("盐湖区")
    expect(page.get_by_role("link", name="导出 Excel")).to_have_count(0)
    theirs = AssessmentResult.objects.get(assessment=assessment, county=w.other_county)
    county.goto(f"/assessments/results/{theirs.pk}/", expect_status=404)
    county.goto(f"/assessments/{assessment.pk}/?export=xlsx", expect_status=403)

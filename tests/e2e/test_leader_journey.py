"""Journey of a leader (领导小组, read only): the city overview, the targets of 二、总体目标 (/targets/), the
task board and matrix, and the published annual evaluation with its commendation and supervision notice.

The world's two towns (万荣县外加剂 provincial, 盐湖区水泵 city-level, both with 2024 figures) in the 13
county-level units of the document; the 12 tasks of this year; the 2024 evaluation, published by the
office. The leader reads everything and finds no button that changes anything.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evaluation import services as evaluation
from evaluation.models import EvaluationConfig, EvaluationRun, SupervisionNotice, TownEvaluation
from tasks_registry.loading import load_tasks
from tests.factories import PASSWORD
from towns.models import Bureau, County, Town
from towns.reference import BUREAUS, COUNTIES

YEAR = 2024
TOWNS = ["万荣县外加剂", "盐湖区水泵"]


@pytest.fixture
def leader_world(e2e_world):
    for order, (name, code, kind) in enumerate(COUNTIES):
        County.objects.get_or_create(name=name, defaults={"division_code": code, "kind": kind, "sort_order": order})
    for order, (name, kind) in enumerate(BUREAUS):  # the units the 12 tasks name
        Bureau.objects.update_or_create(name=name, defaults={"kind": kind, "sort_order": order})
    load_tasks(timezone.localdate().year)
    office = e2e_world.users["office"]
    EvaluationConfig.objects.create(year=YEAR, top_n=1, bottom_n=1)
    run = EvaluationRun.objects.create(
        year=YEAR,
        weights=evaluation.config_for(YEAR).effective_weights(),
        total=Town.objects.count(),
        started_by=office,
    )
    for town_id in Town.objects.order_by("pk").values_list("pk", flat=True):  # what the chord does
        evaluation.evaluate_town(run_id=run.pk, town_id=town_id)
    evaluation.finalize(run_id=run.pk)
    # the towns here fail the re-check (no firms recorded): the office confirms commending the first one anyway
    evaluation.evaluation_publish(user=office, run=run, commend_flagged=True)
    return run


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


@pytest.mark.e2e
def test_leader_reads_dashboards_targets_tasks_and_evaluation(leader_world, session):
    page = session.page
    year = timezone.localdate().year

    # --- 工作台: the city overview, the targets summary, the 12 tasks ------------------------------------
    session.login("leader", PASSWORD)
    expect(page.locator("h1")).to_have_text("运城市专业镇发展领导小组 · 全市概况")
    expect(page.locator(".stat", has_text="专业镇总数").locator(".n")).to_have_text("2")
    expect(page.locator("#targets-dashboard h2")).to_have_text("三年行动计划目标完成情况")
    tasks = session.rows_in(_card(page, "重点任务推进情况"))
    assert len(tasks) == 12, tasks
    assert tasks[0][0] == "1. 推动专业镇市场主体倍增"
    assert all(row[2] == "0.0%" for row in tasks), tasks  # nothing reported yet
    session.screenshot("leader-home")

    # --- 目标完成情况 (/targets/) ----------------------------------------------------------------------
    session.nav("目标完成情况").click()
    expect(page).to_have_url(session.url("/targets/"))
    expect(page.locator("h1")).to_have_text("三年行动计划目标完成情况")
    coverage = page.locator("#target-coverage")
    expect(coverage.locator(".target-now")).to_contain_text("2/13")
    expect(coverage.locator("li.tile")).to_have_count(13)
    covered = sorted(coverage.locator("li.tile.covered").all_text_contents())
    assert covered == ["万荣县已覆盖 · 1个", "盐湖区已覆盖 · 1个"], covered
    doubling = session.rows_in(page.locator("#target-doubling"))
    towns = [row for row in doubling if not row[0].startswith("市级专业镇合计")]
    assert sorted(row[0] for row in towns) == TOWNS
    assert any(row[0].startswith("市级专业镇合计") for row in doubling)  # the aggregate row beside the towns
    expect(page.locator("#doubling-charts figure.multiple")).to_have_count(2)
    expect(page.locator("#targets-rules h2")).to_have_text("口径说明")
    session.screenshot("leader-targets")
    # a figure opens the rows it was computed from
    coverage.locator(".target-now a").first.click()
    expect(page.locator("h1")).to_have_text("市级重点专业镇县域覆盖情况")
    assert len(session.rows()) == 13

    # --- 重点任务: the board and the matrix, without 报送 -------------------------------------------------
    session.nav("重点任务").click()
    expect(page.locator("h1")).to_have_text(f"专业镇重点任务推进情况（{year}年）")
    expect(page.locator("table.board tbody tr")).to_have_count(12)
    expect(page.locator("table.board span.unit.mine")).to_have_count(0)  # a leader is no unit
    page.get_by_role("link", name="推动专业镇重大项目建设", exact=True).click()
    expect(page.locator("h1")).to_contain_text("3. 推动专业镇重大项目建设")
    expect(page.get_by_role("link", name="报送本单位进展")).to_have_count(0)
    expect(page.get_by_role("link", name="报送任务汇总报告")).to_have_count(0)
    session.nav("重点任务").click()
    page.get_by_role("link", name="任务 × 单位矩阵").click()
    expect(page.locator("h1")).to_have_text("重点任务责任矩阵")
    session.screenshot("leader-matrix")

    # --- 年度评估: the published 2024 results, the commendation and the notice -----------------------------
    session.nav("年度评估").click()
    expect(page.locator("h1")).to_have_text("专业镇年度评估")
    expect(page.get_by_role("button", name="开始评估")).to_have_count(0)
    assert [r[:3] for r in session.rows()] == [[str(YEAR), "已发布", "2/2"]]
    page.get_by_role("link", name=str(YEAR), exact=True).click()
    expect(page.locator("h1")).to_have_text(f"{YEAR}年度专业镇评估 已发布")
    expect(page.get_by_role("button", name="审核通过并发布")).to_have_count(0)
    ranked = session.rows_in(_card(page, "市级及以上专业镇"))
    assert [r[0] for r in ranked] == ["1", "2"]
    first, second = (TownEvaluation.objects.get(run=leader_world, rank=n).town.name for n in (1, 2))
    assert [r[1] for r in ranked] == [first, second]
    score = ranked[0][2]
    expect(_card(page, "表扬")).to_contain_text(f"{first}在{YEAR}年度专业镇评估中排名第1（{score}分），予以表扬。")
    notice = SupervisionNotice.objects.get(run=leader_world, town__name=second)
    session.screenshot("leader-evaluation")
    _card(page, "督办通知书").get_by_role("link", name=notice.number).click()
    sheet = page.locator(".notice-sheet")
    expect(sheet.locator("h1")).to_have_text("督办通知书")
    expect(sheet).to_contain_text(f"{notice.county.name}人民政府：")
    expect(sheet).to_contain_text("状态：待整改")
    expect(page.get_by_role("heading", name="报送整改报告")).to_have_count(0)
    expect(page.get_by_role("heading", name="审核整改报告")).to_have_count(0)
    session.nav("督办").click()
    assert [r[:2] for r in session.rows()] == [[notice.number, second]]

"""Journey: every irreversible or outward-facing action asks first, saying what will happen, and cancelling does
nothing — in a browser with JavaScript switched off too (the confirmation is a server-rendered page).

The office schedules a tier change for next month (cancelled once, then confirmed: 计划于…生效, the town keeps its
tier) and withdraws it; changes a tier today and undoes it the same day; re-issues an API token (cancelled) and
revokes it; publishes an evaluation ("生成2份督办通知书…并通知盐湖区、闻喜县": cancelled, then confirmed). The county
deletes an enterprise (cancelled, then confirmed) and submits an application. Screenshots at 1366×800 and 390×844
go to test-artifacts/screens/confirm-<nn>-<step>.png.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification import services as cert_services
from certification.models import Application, Cycle, RubricItem
from certification.reference import ensure_default_policy
from evaluation.models import EvaluationConfig, EvaluationRun, SupervisionNotice
from tests.factories import (
    PASSWORD,
    CountyFactory,
    EnterpriseFactory,
    EvaluationRunFactory,
    TownEvaluationFactory,
    TownFactory,
    api_key,
)
from towns.models import Enterprise, Town, TownTierChange

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def _nothing_changed(page, heading: str) -> None:
    """Back where the user came from, with no message of anything done."""
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator(".messages .msg-success")).to_have_count(0)


@pytest.mark.e2e
def test_the_office_is_asked_first_and_cancel_does_nothing(e2e_world, session):
    page = session.page
    page.set_viewport_size(DESKTOP)
    w = e2e_world
    town = w.other_town
    Town.objects.filter(pk=town.pk).update(tier_since=datetime.date(2022, 9, 28))
    today = timezone.localdate()
    later = today + datetime.timedelta(days=30)
    session.login("office", PASSWORD)

    # --- a tier change dated next month: asked, cancelled, nothing stored ---------------------------------------
    session.goto(f"/towns/{town.pk}/tier/")
    page.get_by_label("新梯次").select_option(label="省级专业镇")
    page.get_by_label("生效日期").fill(later.isoformat())
    page.get_by_label("依据").fill("晋政办函〔2026〕9号")
    page.get_by_role("button", name="下一步：确认").click()
    expect(page.locator("h1")).to_have_text("请确认：变更盐湖区水泵的梯次")
    consequences = page.locator(".confirm-step .consequences li")
    expect(consequences.first).to_have_text(
        f"登记一项计划变更：盐湖区水泵计划于{later.isoformat()}由市级专业镇变更为省级专业镇（依据：晋政办函〔2026〕9号）。"
    )
    expect(page.locator("#confirm-undo")).to_have_text("生效前可在专业镇页面撤回。")
    session.screenshot("confirm-01-tier-scheduled-1366")
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    session.screenshot("confirm-02-tier-scheduled-390")
    page.set_viewport_size(DESKTOP)
    page.locator("#confirm-cancel").click()
    _nothing_changed(page, "盐湖区水泵 市级专业镇")
    assert not TownTierChange.objects.filter(town=town).exists()

    # --- the same, confirmed: stored as scheduled, shown, the town keeps its tier --------------------------------
    session.goto(f"/towns/{town.pk}/tier/")
    page.get_by_label("新梯次").select_option(label="省级专业镇")
    page.get_by_label("生效日期").fill(later.isoformat())
    page.get_by_label("依据").fill("晋政办函〔2026〕9号")
    page.get_by_role("button", name="下一步：确认").click()
    session.confirm()
    expect(page.locator(".messages")).to_have_text(
        f"已登记计划变更：盐湖区水泵计划于{later.isoformat()}由市级专业镇变更为省级专业镇，此前仍按市级专业镇统计。"
    )
    expect(page.locator("h1")).to_have_text("盐湖区水泵 市级专业镇")
    expect(page.locator("#scheduled-tier")).to_contain_text(f"计划于{later.isoformat()}生效：变更为省级专业镇")
    session.screenshot("confirm-03-tier-scheduled-shown")

    # --- withdrawn before its day ---------------------------------------------------------------------------------
    changes = page.locator("#tier-changes")
    changes.get_by_label("撤回理由").fill("省级认定推迟")
    changes.get_by_role("button", name="撤回计划变更").click()
    session.confirm(f"撤回计划于{later.isoformat()}生效的变更（盐湖区水泵：市级专业镇 → 省级专业镇），到期不再生效。")
    expect(page.locator(".messages")).to_have_text("已撤回梯次变更；盐湖区水泵现为市级专业镇。")
    expect(page.locator("#scheduled-tier")).to_have_count(0)
    expect(changes.locator("tr.withdrawn")).to_contain_text("已撤回")

    # --- a change dated today, undone the same day ------------------------------------------------------------------
    session.goto(f"/towns/{town.pk}/tier/")
    page.get_by_label("新梯次").select_option(label="省级专业镇")
    page.get_by_label("生效日期").fill(today.isoformat())
    page.get_by_label("依据").fill("晋政办函〔2026〕10号")
    page.get_by_role("button", name="下一步：确认").click()
    expect(page.locator("#confirm-undo")).to_have_text("当日内可在专业镇页面撤回（恢复为市级专业镇）。")
    session.confirm("领导看板、名录筛选和数据接口立即按省级专业镇统计。")
    expect(page.locator("h1")).to_have_text("盐湖区水泵 省级专业镇")
    changes.get_by_label("撤回理由").first.fill("录入错误")
    changes.get_by_role("button", name="撤回（当日登记）").click()
    session.confirm("盐湖区水泵恢复为市级专业镇（认定日期2022-09-28），各项统计随之恢复。")
    expect(page.locator("h1")).to_have_text("盐湖区水泵 市级专业镇")
    town.refresh_from_db()
    assert (town.tier, town.tier_since) == ("city", datetime.date(2022, 9, 28))

    # --- re-issuing an API token kills the consumer's key: asked, cancelled, the key still works ---------------
    old_key = api_key(w.users["api"])
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="接口令牌管理").click()
    row = page.locator("table.data tbody tr", has_text="api")
    row.get_by_role("button", name="重新签发").click()
    expect(page.locator(".confirm-step")).to_contain_text(
        f"api现有的令牌（{old_key[:8]}…）立即失效：使用它的系统将无法调用接口，直到换上新令牌。"
    )
    session.screenshot("confirm-04-token")
    page.locator("#confirm-cancel").click()
    _nothing_changed(page, "接口令牌管理")
    assert w.users["api"].api_tokens.filter(revoked_at__isnull=True).count() == 1
    row.get_by_role("button", name="吊销").click()
    session.confirm("使用它的系统立即无法调用接口。")
    expect(page.locator(".messages")).to_have_text("已吊销api的令牌。")
    assert not w.users["api"].api_tokens.filter(revoked_at__isnull=True).exists()


@pytest.mark.e2e
def test_publishing_an_evaluation_says_which_counties_get_notices(e2e_world, session):
    w = e2e_world
    wenxi = TownFactory(name="闻喜县玻璃器皿", county=CountyFactory(name="闻喜县", kind="county"), tier="city")
    EvaluationConfig.objects.create(year=2025, top_n=1, bottom_n=2, rectify_days=60)
    run = EvaluationRunFactory(status="draft", year=2025)
    for rank, (town, score) in enumerate([(w.home_town, "91.5"), (w.other_town, "52.0"), (wenxi, "40.0")], 1):
        TownEvaluationFactory(run=run, town=town, rank=rank, score=Decimal(score))
    deadline = timezone.localdate() + datetime.timedelta(days=60)
    page = session.page
    page.set_viewport_size(DESKTOP)
    session.login("office", PASSWORD)
    session.goto(f"/evaluation/{run.pk}/")
    page.get_by_role("button", name="审核通过并发布").click()
    box = page.locator(".confirm-step")
    expect(page.locator("h1")).to_have_text("请确认：发布2025年度评估结果")
    expect(box).to_contain_text(f"生成2份督办通知书（整改期限{deadline.isoformat()}）并通知盐湖区、闻喜县。")
    expect(box).to_contain_text("表扬1个专业镇：万荣县外加剂（第1名），并通知万荣县。")
    expect(box).to_contain_text("发布后不能撤回：督办通知书已编号下发。")
    session.screenshot("confirm-05-publish-1366")
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    session.screenshot("confirm-06-publish-390")
    page.set_viewport_size(DESKTOP)
    page.locator("#confirm-cancel").click()
    _nothing_changed(page, "2025年度专业镇评估")
    run.refresh_from_db()
    assert run.status == "draft" and not SupervisionNotice.objects.exists()
    page.get_by_role("button", name="审核通过并发布").click()
    session.confirm()
    expect(page.locator(".messages")).to_have_text("已发布：表扬1个，下发督办通知书2份，提出专项检查0项。")
    assert EvaluationRun.objects.get(pk=run.pk).status == "published"
    assert sorted(SupervisionNotice.objects.values_list("county__name", flat=True)) == ["盐湖区", "闻喜县"]


@pytest.mark.e2e
def test_without_javascript_the_county_is_asked_before_deleting_and_submitting(e2e_world, scriptless_session):
    """A government browser may run without scripts: the confirmation is a page, not a script's dialog."""
    w = e2e_world
    firm = EnterpriseFactory(town=w.home_town, name="万荣县待删除化工有限公司", role="other")
    today = timezone.localdate()
    cycle = Cycle.objects.create(
        name=f"{today.year}年度市级专业镇认定",
        year=today.year,
        policy=ensure_default_policy(),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
    )
    RubricItem.objects.create(cycle=cycle, name="产业集中度", max_score=100)
    for n in range(8):
        EnterpriseFactory(town=w.home_town, name=f"万荣配套{n}号有限公司", role="supporting")
    app = cert_services.application_start(user=w.users["county"], cycle=cycle, target_tier="city", town=w.home_town)
    cert_services.application_update(
        user=w.users["county"],
        application=app,
        data={"figures_year": 2024, "annual_output_wan": Decimal("60000"), "local_jobs": 2500},
    )
    tab = scriptless_session
    page = tab.page
    tab.login("county", PASSWORD)
    tab.goto(f"/enterprises/{firm.pk}/")
    page.get_by_role("button", name="删除").click()
    expect(page.locator("h1")).to_have_text("请确认：删除企业“万荣县待删除化工有限公司”")
    expect(page.locator(".confirm-step")).to_contain_text("删除后不能恢复；删除前的信息保留在操作记录中。")
    tab.screenshot("confirm-07-delete-nojs")
    page.locator("#confirm-cancel").click()
    _nothing_changed(page, "万荣县待删除化工有限公司")
    assert Enterprise.objects.filter(pk=firm.pk).exists()
    page.get_by_role("button", name="删除").click()
    tab.confirm()
    expect(page.locator(".messages")).to_have_text("已从万荣县外加剂删除企业“万荣县待删除化工有限公司”及其年度数据。")
    assert not Enterprise.objects.filter(pk=firm.pk).exists()

    tab.goto(f"/certification/{app.pk}/")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".confirm-step")).to_contain_text("提交后不能再修改；领导小组办公室将收到通知并进行形式审查。")
    page.locator("#confirm-cancel").click()
    expect(page.locator("h1 .status")).to_have_text("草稿")
    assert Application.objects.get(pk=app.pk).status == "draft"
    page.get_by_role("button", name="提交申请").click()
    tab.confirm()
    expect(page.locator("h1 .status")).to_have_text("已提交")

"""Journeys of every role's home page at 1366×800 and 390×844: the 待办 panel lists what waits for the role (each
with its deadline and a link that opens the page where it is done), the page never scrolls sideways, on a phone
the navigation folds behind 菜单 and leaves the first screen to the work; and the print view of the annual
evaluation and of an application keeps every column that decides and no button.

The world: 万荣县 (county) has an application returned for revision and a 督办通知书 to answer; 市工信局 (bureau)
a problem assigned to it; the expert an application to score; the office a submitted application to screen; the
leader a 督办通知书 of 盐湖区 past its deadline. Screenshots of each home page go to test-artifacts/screens/, and
with UPDATE_SCREENSHOTS=1 to docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import datetime
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification import services as cert_services
from evaluation import services as evaluation
from evaluation.models import EvaluationConfig, EvaluationRun
from tasks_registry.models import Problem
from tests.factories import PASSWORD, EvaluationRunFactory, ProblemFactory, SupervisionNoticeFactory
from tests.helpers import town_with_firms
from towns.models import Bureau, Town

SIZES = [(1366, 800), (390, 844)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def home_world(e2e_world, cert, tasks_world):
    w, today = e2e_world, timezone.localdate()
    office = w.users["office"]
    returned = cert.make("submitted", town=town_with_firms(w, "万荣县高村纸箱"))
    cert_services.screening_start(user=office, application=returned)
    cert_services.application_return(user=office, application=returned, reason="请补充关联配套企业名单")
    submitted = cert.make("submitted", town=town_with_firms(w, "万荣县贾村苹果"))
    to_score = cert.make("expert_review", town=town_with_firms(w, "万荣县荣河葡萄"))
    run = EvaluationRunFactory(year=2024)
    notice = SupervisionNoticeFactory(run=run, town=w.home_town, deadline=today + datetime.timedelta(days=45))
    late = SupervisionNoticeFactory(run=run, town=w.other_town, deadline=today - datetime.timedelta(days=5))
    problem = ProblemFactory(
        title="外加剂企业用地指标紧张",
        status=Problem.Status.ASSIGNED,
        responsible_bureau=Bureau.objects.get(name="市工信局"),
        deadline=today + datetime.timedelta(days=7),
    )
    return {
        "county": [returned.number, "请补充关联配套企业名单", notice.number, f"整改期限 {notice.deadline:%Y-%m-%d}"],
        "office": [submitted.number, "已提交，待形式审查"],
        "bureau": [problem.number, "外加剂企业用地指标紧张", f"办结时限 {problem.deadline:%Y-%m-%d}", "进展报送"],
        "expert": [to_score.number, "评审打分"],
        "leader": [late.number, "逾期未完成整改"],
    }


def _save(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        from PIL import Image

        DOCS.mkdir(parents=True, exist_ok=True)
        # a 256-colour palette keeps the text sharp at a third of the size (they live in the repository)
        Image.open(ARTIFACTS / f"{name}.png").convert("RGB").quantize(256).save(DOCS / f"{name}.png", optimize=True)


def _no_sideways_scroll(tab, where: str) -> None:
    width = tab.page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert tab.page.evaluate(NO_SIDEWAYS_SCROLL), f"{where}: the page scrolls sideways ({width[0]} > {width[1]})"


USERNAMES = {"county": "county", "office": "office", "bureau": "bureau", "expert": "expert", "leader": "leader"}


@pytest.mark.e2e
@pytest.mark.parametrize("role", list(USERNAMES))
def test_every_home_page_lists_the_roles_pending_work_and_fits_the_screen(home_world, open_session, role):
    for width, height in SIZES:
        tab = open_session()
        page = tab.page
        page.set_viewport_size({"width": width, "height": height})
        tab.login(USERNAMES[role], PASSWORD)
        todo = page.locator("#todo")
        expect(todo).to_be_visible()
        for text in home_world[role]:
            expect(todo).to_contain_text(text)
        _no_sideways_scroll(tab, f"{role} home at {width}")
        nav = page.get_by_role("navigation", name="主导航")
        if width < 700:
            # the navigation folds: the first screen shows the work, not the menu
            expect(nav).to_be_hidden()
            header = page.locator("header.topbar").bounding_box()
            assert header["height"] < height / 4, header
            assert todo.bounding_box()["y"] < height * 0.6, "the to-do panel starts in the first screen"
            menu = page.get_by_role("button", name="菜单")
            expect(menu).to_have_attribute("aria-expanded", "false")
            menu.click()
            expect(nav).to_be_visible()
            expect(menu).to_have_attribute("aria-expanded", "true")
            menu.click()
            expect(nav).to_be_hidden()
        else:
            expect(nav).to_be_visible()
            expect(page.get_by_role("button", name="菜单")).to_be_hidden()
        expect(page.locator('#mainnav a[aria-current="page"]')).to_have_text("工作台")
        _save(page, f"home-{role}-{width}")
        # the first item's link opens the page where it is done, which fits the screen too
        todo.locator(".todo-item .todo-what a").first.click()
        page.wait_for_load_state()
        _no_sideways_scroll(tab, f"{role}: {page.url} at {width}")
        # the guide of the role, linked from the navigation
        tab.goto("/guide/")
        expect(page.locator("h1")).to_contain_text("使用指南")
        _no_sideways_scroll(tab, f"{role} guide at {width}")


@pytest.mark.e2e
def test_keyboard_users_skip_to_the_content_and_see_where_the_focus_is(home_world, session):
    page = session.page
    session.login("county", PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    session.nav("专业镇名录").click()
    expect(session.nav("专业镇名录")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("navigation", name="主导航").locator('[aria-current="page"]')).to_have_count(1)


@pytest.mark.e2e
def test_the_report_link_in_the_to_do_panel_opens_the_form_on_the_period_due(home_world, session):
    page = session.page
    session.login("bureau", PASSWORD)
    item = page.locator('#todo .todo-group[data-kind="report"] .todo-item').first
    label = item.locator(".todo-detail").inner_text().split("进展")[0]
    item.get_by_role("link", name="报送进展").click()
    selected = page.locator("select[name=period] option:checked").inner_text()
    assert selected == label, (selected, label)


def _pdf_pages(data: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)]


@pytest.mark.e2e
def test_printing_the_evaluation_keeps_every_deciding_column_on_a_landscape_page(home_world, e2e_world, session):
    office = e2e_world.users["office"]
    EvaluationConfig.objects.create(year=2023, top_n=1, bottom_n=1)
    run = EvaluationRun.objects.create(
        year=2023,
        weights=evaluation.config_for(2023).effective_weights(),
        total=Town.objects.count(),
        started_by=office,
    )
    for town_id in Town.objects.order_by("pk").values_list("pk", flat=True):  # what the chord does
        evaluation.evaluate_town(run_id=run.pk, town_id=town_id)
    evaluation.finalize(run_id=run.pk)
    page = session.page
    page.set_viewport_size({"width": 1366, "height": 800})
    session.login("office", PASSWORD)
    session.goto(f"/evaluation/{run.pk}/")
    table = page.locator("table.evaluation-table").first
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers[:5] == ["排名", "专业镇", "得分", "标准复核", "进度缓慢事项"]
    # on screen: the deciding columns are in view at 1366 without scrolling; the indicator scores on request
    for n in range(5):
        box = table.locator("thead th").nth(n).bounding_box()
        assert box["x"] + box["width"] <= 1366, headers[n]
    expect(table.locator("thead th.col-detail").first).to_be_hidden()
    page.get_by_label("显示各指标得分").first.check()
    expect(table.locator("thead th.col-detail").first).to_be_visible()
    page.get_by_label("显示各指标得分").first.uncheck()
    _no_sideways_scroll(session, "evaluation at 1366")
    expect(page.get_by_role("button", name="审核通过并发布")).to_be_visible()

    page.emulate_media(media="print")
    for n, name in enumerate(headers):
        expect(table.locator("thead th").nth(n)).to_be_visible()  # every column, the indicator scores too
    assert page.locator("button:visible, .button:visible, input[type=submit]:visible").count() == 0
    expect(page.locator("header.topbar")).to_be_hidden()
    _save(page, "print-evaluation")
    sizes = _pdf_pages(page.pdf(prefer_css_page_size=True))
    assert sizes and all(w > h for w, h in sizes), sizes  # A4 landscape


@pytest.mark.e2e
def test_the_expert_scores_fit_their_card_with_a_mean_and_print_without_buttons(home_world, cert, e2e_world, session):
    app = cert.make("expert_review", town=town_with_firms(e2e_world, "万荣县西村刺绣"))
    cert_services.experts_assign(user=cert.office, applications=[app], experts=[cert.other_expert])
    rubric = list(cert.cycle.rubric.all())
    for expert, points in ((cert.expert, Decimal("30")), (cert.other_expert, Decimal("36"))):
        cert_services.expert_review_submit(
            user=expert,
            assignment=app.assignments.get(expert=expert),
            scores={i.pk: points if i.max_score == 40 else Decimal("15") for i in rubric},
            comment="产业集中度高，龙头企业带动作用明显，建议认定。" * 3,
            recommendation="certify",
        )
    page = session.page
    page.set_viewport_size({"width": 1366, "height": 800})
    session.login("office", PASSWORD)
    session.goto(f"/certification/{app.pk}/")
    sheet = page.locator("#expert-scores")
    table = sheet.locator("table.scores")
    card, box = sheet.bounding_box(), table.bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"], (box, card)  # fits its card at 1366
    assert sheet.evaluate("e => e.querySelector('.scroll').scrollWidth <= e.querySelector('.scroll').clientWidth")
    mean = table.locator("tfoot tr")
    expect(mean.locator("th")).to_have_text("平均")
    # (30+36)/2 = 33.0 on each 40-point item, 15.0 on the 20-point one; totals 75 and 87 → 81.0
    assert [c.strip() for c in mean.locator("td").all_inner_texts()][:4] == ["33.0", "33.0", "15.0", "81.0"]
    expect(sheet.locator("dl.comments")).to_contain_text("龙头企业带动作用明显")
    _no_sideways_scroll(session, "application at 1366")

    page.emulate_media(media="print")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers[0] == "专家" and "总分" in headers and "评审建议" in headers
    for n in range(len(headers)):
        expect(table.locator("thead th").nth(n)).to_be_visible()
    expect(mean).to_be_visible()
    expect(page.locator(".outcome").first).to_be_visible()  # the criteria verdict
    assert page.locator("button:visible, .button:visible, input[type=submit]:visible").count() == 0
    _save(page, "print-application")
    sizes = _pdf_pages(page.pdf(prefer_css_page_size=True))
    assert sizes and all(w < h for w, h in sizes), sizes  # A4 portrait: it fits


@pytest.mark.e2e
def test_the_public_notice_reads_on_a_phone(home_world, cert, e2e_world, open_session):
    app = cert.make("public_notice", town=town_with_firms(e2e_world, "万荣县通化剪纸"))
    tab = open_session()
    tab.page.set_viewport_size({"width": 390, "height": 844})
    tab.goto(f"/public/notices/{app.notices.first().pk}/")
    _no_sideways_scroll(tab, "public notice at 390")
    cell = tab.page.locator("table.stack tbody td", has_text="万荣县通化剪纸")
    box = cell.bounding_box()
    assert box["width"] > 300, box  # a row reads as a list: each cell spans the screen
    _save(tab.page, "public-notice-390")
    tab.goto("/public/notices/")
    _no_sideways_scroll(tab, "public notices at 390")
    tab.goto("/public/certificates/")
    _no_sideways_scroll(tab, "certificates at 390")

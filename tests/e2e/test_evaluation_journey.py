"""Journey of the annual evaluation (年度评估, 五、(四)): from the office's run to the county's rectification.

Four city-level towns with 2025 figures, a potential town and a town without 2025 figures. The office
starts the 2025 evaluation from 年度评估, watches the run page until the draft is ready (待审核), reads the
ranking, exports it and publishes it: 万荣县外加剂 (first) is commended; 万荣县光华机械 (last, and no longer
meeting the criteria) and 盐湖区陶村机电 (a project behind its plan) get supervision notices. 万荣县's
official finds only its own notice under 督办, downloads it as PDF and reports on the rectification; the
office returns the report, the county answers again and the office accepts it.

The run itself is a Celery chord. Without a broker (local default) it runs inside the request; with one
(CI: REDIS_URL) the fixture ``evaluation_worker`` runs a real worker on that broker against the test
database. Screenshots go to test-artifacts/screens/eval-<nn>-<step>.png.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from evaluation import services as evaluation
from evaluation.models import EvaluationConfig, EvaluationRun, RectificationReport, SupervisionNotice, TownEvaluation
from portal.schedule import ensure_schedule
from tasks_registry.models import KeyProject
from tests.factories import PASSWORD, EnterpriseFactory, TownFactory, TownFiguresFactory, make_user, pdf_bytes
from tests.services import CeleryWorker, redis_or_skip, worker_database_url
from towns.models import Enterprise, Role, Sector, Tier, Town

from .helpers import open_download, sheet_rows

User = get_user_model()

YEAR = 2025
TOP, SECOND, THIRD, BOTTOM = "万荣县外加剂", "盐湖区水泵", "盐湖区陶村机电", "万荣县光华机械"
POTENTIAL, NODATA = "万荣县皇甫苹果", "万荣县高村纺织"
SLOW = "重点项目“陶村电机二期”计划2025-06-01开工，年底前未开工"
PDF = pdf_bytes()  # a real PDF: attachments are parsed

# Hand-computed with the default weights. Every certified town has output, growth on 2024, jobs and a
# provincial share; projects and task reports are 0 everywhere (all equal: 100); no enterprise figures
# for 2025, no baseline year, no problems due (not scored). Weights in play: 15+15+10+10+10+5 = 65.
#   output 90,000/80,000/60,000/40,000 → 100/80/40/0; growth 28.6/14.3/20.0/−20.0 % → 100/70.6/82.3/0;
#   jobs 3,200/3,000/2,400/1,000 → 100/90.9/63.6/0; share 60/55/50/20 (absolute).
#   万荣县外加剂 (1500+1500+1000+600+1000+500)/65 = 93.8; 盐湖区水泵 5218/65 = 80.3;
#   盐湖区陶村机电 4470.5/65 = 68.8; 万荣县光华机械 1700/65 = 26.2.
SCORES = {TOP: "93.8", SECOND: "80.3", THIRD: "68.8", BOTTOM: "26.2"}
# Indicator columns of the results table, in scoring.INDICATORS order (blank: no data, not scored)
BREAKDOWN = {
    TOP: ["100.0", "100.0", "", "", "", "", "", "100.0", "60.0", "100.0", "100.0", ""],
    SECOND: ["80.0", "70.6", "", "", "", "", "", "90.9", "55.0", "100.0", "100.0", ""],
    THIRD: ["40.0", "82.3", "", "", "", "", "", "63.6", "50.0", "100.0", "100.0", ""],
    BOTTOM: ["0.0", "0.0", "", "", "", "", "", "0.0", "20.0", "100.0", "100.0", ""],
}
CERTIFIED_ROWS = [
    # the provincial town is listed for the office, not judged by the city criteria
    ["1", TOP, SCORES[TOP], *BREAKDOWN[TOP], "省级专业镇：由办公室按省级标准研究，不按市级标准复核", ""],
    ["2", SECOND, SCORES[SECOND], *BREAKDOWN[SECOND], "符合", ""],
    ["3", THIRD, SCORES[THIRD], *BREAKDOWN[THIRD], "符合", SLOW],
    ["4", BOTTOM, SCORES[BOTTOM], *BREAKDOWN[BOTTOM], "不再符合，列入专项检查", ""],
]
NODATA_ROW = ["—", NODATA, "无当年数据", *[""] * 12, "—", ""]
# alone in its group: every relative indicator at 100; no 2024 figures (no growth) and no share
POTENTIAL_ROWS = [
    ["1", POTENTIAL, "100.0", "100.0", "", "", "", "", "", "", "100.0", "", "100.0", "100.0", "", "—", ""]
]
HEADER = [
    "组别",
    "排名",
    "专业镇",
    "所在县（市、区）",
    "得分",
    "年产值",
    "产值较上年增长",
    "产值翻番进度（较基准年）",
    "企业数",
    "企业数增长",
    "规上企业数",
    "规上企业数增长",
    "带动当地就业",
    "全省市场占有率",
    "重点项目“三个一批”",
    "重点任务涉镇进展报送",
    "问题按期办结率",
    "认定标准复核",
    "专项检查",
    "进度缓慢事项",
]


@dataclass
class EvalWorld:
    world: object
    towns: dict[str, Town]
    today: datetime.date


@pytest.fixture
def eval_world(e2e_world, settings, tmp_path) -> EvalWorld:
    settings.MEDIA_ROOT = tmp_path / "media"  # the rectification attachments stay out of the working tree
    ensure_schedule()  # the beat rows of the migration are gone after an earlier transactional test's flush
    w = e2e_world
    home, other = w.home_county, w.other_county
    towns = {TOP: w.home_town, SECOND: w.other_town}
    # 2024 figures of the world's two towns: 70,000 万元
    for name, county in ((THIRD, other), (BOTTOM, home)):
        towns[name] = TownFactory(name=name, county=county, tier=Tier.CITY, leading_industry="机电")
        TownFiguresFactory(town=towns[name], year=YEAR - 1, output_wan=Decimal("50000"))
    for name, output, jobs, share in (
        (TOP, "90000", 3200, "60"),
        (SECOND, "80000", 3000, "55"),
        (THIRD, "60000", 2400, "50"),
        (BOTTOM, "40000", 1000, "20"),
    ):
        share_pct = Decimal(share)
        TownFiguresFactory(
            town=towns[name], year=YEAR, output_wan=Decimal(output), local_jobs=jobs, provincial_share_pct=share_pct
        )
    # the three leading towns still meet the four criteria: an anchor firm and eight supporting ones
    for name in (THIRD, BOTTOM):
        EnterpriseFactory(town=towns[name], role=Enterprise.Role.ANCHOR)
    for name in (TOP, SECOND, THIRD):
        for _ in range(8):
            EnterpriseFactory(town=towns[name], role=Enterprise.Role.SUPPORTING)
    KeyProject.objects.create(  # signed in 2024 (no 2025 milestone), due to start in June 2025: still not
        town=towns[THIRD],
        name="陶村电机二期",
        investment_wan=Decimal("5000"),
        stage=KeyProject.Stage.SIGNED,
        signed_on=datetime.date(2024, 11, 20),
        planned_start_on=datetime.date(2025, 6, 1),
    )
    towns[POTENTIAL] = TownFactory(name=POTENTIAL, county=home, tier=Tier.POTENTIAL, sector=Sector.AGRICULTURE)
    TownFiguresFactory(
        town=towns[POTENTIAL], year=YEAR, output_wan=Decimal("9000"), local_jobs=300, provincial_share_pct=None
    )
    towns[NODATA] = TownFactory(name=NODATA, county=home, tier=Tier.CITY, leading_industry="纺织")
    TownFiguresFactory(town=towns[NODATA], year=YEAR - 1, output_wan=Decimal("52000"))  # nothing for 2025
    EvaluationConfig.objects.create(year=YEAR, top_n=1, bottom_n=1)
    return EvalWorld(w, towns, timezone.localdate())


@pytest.fixture
def evaluation_worker(eval_world):
    """A Celery worker on the project's broker, reading the test database, when tasks go to a broker (CI).

    Without a broker (settings.CELERY_TASK_ALWAYS_EAGER) the chord runs inside the request and there is
    nothing to start. The worker is stopped before the transactional flush of the test database.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    broker = settings.CELERY_BROKER_URL
    redis_or_skip(broker)  # a skip, or a failure under REQUIRE_SERVICES=1
    client = Celery(broker=broker, backend=broker, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    client.control.purge()  # messages left by earlier runs (no worker then) are not for this database
    worker = CeleryWorker(broker, extra_env={"DATABASE_URL": worker_database_url(), "CELERY_RESULT_BACKEND": broker})
    try:
        worker.wait_ready(client)
        yield worker
    finally:
        worker.stop()
        client.close()


def _login(tab, username: str) -> None:
    tab.login(username, PASSWORD)


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


def _status(page):
    return page.locator("h1 .status")


def _results(tab, group: str) -> list[list[str]]:
    return tab.rows_in(_card(tab.page, group))


def _run_in_this_process(run: EvaluationRun) -> EvaluationRun:
    """What the chord does, here: every town, then scoring."""
    for town_id in Town.objects.order_by("pk").values_list("pk", flat=True):
        evaluation.evaluate_town(run_id=run.pk, town_id=town_id)
    return evaluation.finalize(run_id=run.pk)


def _running_run(user) -> EvaluationRun:
    """A run as the office's start leaves it, without sending it anywhere."""
    weights = evaluation.config_for(YEAR).effective_weights()
    return EvaluationRun.objects.create(year=YEAR, weights=weights, total=Town.objects.count(), started_by=user)


def _pdf_title(data: bytes) -> str:
    """The /Title of a PDF's document information (a literal string, UTF-16 with its BOM as reportlab writes)."""
    raw = re.search(rb"/Title \(((?:\\.|[^\\)])*)\)", data, re.S).group(1)
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def unescape(m: re.Match) -> bytes:
        code = m.group(1)
        return bytes([int(code, 8)]) if re.fullmatch(rb"[0-7]+", code) else escapes.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", unescape, raw, flags=re.S).decode("utf-16")


def _submit_rectification(page, text: str, attachment: Path | None = None) -> None:
    form = _card(page, "报送整改报告")
    form.get_by_label(re.compile(r"^整改情况")).fill(text)
    if attachment:
        form.get_by_label("附件（PDF、图片或 .xlsx，可选）").set_input_files(str(attachment))
    form.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已报送整改报告。")
    expect(page.locator(".notice-sheet")).to_contain_text("状态：已报送整改报告")


def _review(page, verdict: str, note: str) -> None:
    form = _card(page, "审核整改报告")
    form.get_by_label(re.compile(r"^审核意见")).fill(note)
    form.get_by_label(re.compile(r"^审核结果")).select_option(label=verdict)
    form.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已审核。")


@pytest.mark.e2e
def test_office_evaluates_publishes_and_the_county_rectifies(eval_world, evaluation_worker, open_session, tmp_path):
    ew = eval_world
    total = Town.objects.count()
    assert total == 6

    # --- office: 年度评估 → the schedule line and the start form -------------------------------------------
    office = open_session()
    page = office.page
    _login(office, "office")
    office.nav("年度评估").click()
    expect(page.locator("h1")).to_have_text("专业镇年度评估")
    expect(_card(page, "自动评估时间")).to_contain_text("每年1月31日2时自动评估上一年度。")
    expect(page.get_by_label("评估年度")).to_have_value(str(ew.today.year - 1))
    expect(page.locator("table.data tbody")).to_have_text("暂无评估。")
    office.screenshot("eval-00-list")
    page.get_by_label("评估年度").fill(str(YEAR))
    page.get_by_role("button", name="开始评估").click()

    # --- the run page: progress while running (with a worker), then the draft ------------------------------
    page.wait_for_url(re.compile(r"/evaluation/\d+/$"))
    run = EvaluationRun.objects.get(year=YEAR)
    assert run.trigger == "manual" and run.started_by == ew.world.users["office"] and run.total == total
    expect(page.locator("h1")).to_contain_text(f"{YEAR}年度专业镇评估")
    expect(page.locator(".messages")).to_have_text(f"已开始{YEAR}年度评估。")
    # what the first page showed, read at once (it reloads itself 3 s after loading while the run is going)
    seen = page.evaluate(
        """() => ({
            status: document.querySelector("h1 .status").innerText,
            value: document.querySelector("progress")?.getAttribute("value"),
            max: document.querySelector("progress")?.getAttribute("max"),
            counter: document.querySelector("#progress")?.innerText,
            refresh: document.querySelector("meta[http-equiv=refresh]")?.getAttribute("content"),
        })"""
    )
    if evaluation_worker is None:  # eager: the chord ran inside the start request
        assert seen["status"] == "待审核", seen
    elif seen["status"] == "评估中":  # the worker is still at it: how far, and the page reloads itself
        assert 0 <= int(seen["value"]) <= total and seen["max"] == str(total), seen
        assert (seen["counter"], seen["refresh"]) == (f"{seen['value']} / {total}", "3"), seen
        office.screenshot("eval-01-run-progress")
    else:  # (or it was quicker than the redirect)
        assert seen["status"] == "待审核", seen
    expect(_status(page)).to_have_text("待审核", timeout=30_000)  # (reloaded every 3 s until then)
    expect(page.locator("progress")).to_have_count(0)
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("draft", total, total)

    # --- the ranking, by group ---------------------------------------------------------------------------------
    headers = [h.strip() for h in _card(page, "市级及以上专业镇").locator("thead th").all_inner_texts()]
    assert headers == ["排名", "专业镇", "得分", *HEADER[5:17], "标准复核", "进度缓慢事项"]
    certified = _results(office, "市级及以上专业镇")
    assert [r for r in certified if r[0] != "—"] == CERTIFIED_ROWS
    assert [r for r in certified if r[0] == "—"] == [NODATA_ROW]
    assert _results(office, "潜力专业镇") == POTENTIAL_ROWS
    bottom_row = page.locator("table.data tbody tr", has=page.get_by_role("link", name=BOTTOM, exact=True))
    expect(bottom_row).to_have_class("row-behind")
    page.get_by_role("button", name="审核通过并发布").scroll_into_view_if_needed()
    office.screenshot("eval-02-results")

    # --- 导出 Excel: one row per town, the page's columns and more -------------------------------------------
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert re.fullmatch(rf"{YEAR}年度专业镇评估-\d{{8}}-\d{{4}}\.xlsx", download.value.suggested_filename)
    workbook = open_download(download.value)
    assert workbook.sheetnames == ["评估结果"]
    rows = sheet_rows(workbook["评估结果"])
    assert rows[0] == HEADER
    assert len(rows) == 1 + total
    by_town = {r[2]: r for r in rows[1:]}
    assert set(by_town) == set(ew.towns)
    for rank, name in enumerate([TOP, SECOND, THIRD, BOTTOM], start=1):
        group, xrank, _, county, score = by_town[name][:5]
        assert (group, xrank, county) == ("市级及以上专业镇", rank, ew.towns[name].county.name)
        assert Decimal(str(score)) == Decimal(SCORES[name])
    assert by_town[NODATA][:5] == ["市级及以上专业镇", None, NODATA, "万荣县", "无当年数据"]
    assert by_town[POTENTIAL][:2] == ["潜力专业镇", 1]
    assert by_town[BOTTOM][18] == "是" and by_town[TOP][18] in (None, "")
    assert by_town[THIRD][19] == SLOW

    # --- 审核通过并发布 → commendation and notices ---------------------------------------------------------------
    page.get_by_role("button", name="审核通过并发布").click()
    # BOTTOM no longer meets the criteria: an inspection is proposed for it as well as its notice
    expect(page.locator(".messages")).to_have_text("已发布：表扬1个，下发督办通知书2份，提出专项检查1项。")
    expect(_status(page)).to_have_text("已发布")
    expect(page.get_by_role("button", name="审核通过并发布")).to_have_count(0)
    expect(_card(page, "表扬").locator("li")).to_have_text(
        [f"{TOP}在{YEAR}年度专业镇评估中排名第1（{SCORES[TOP]}分），予以表扬。"]
    )
    mine_number, theirs_number = (f"运专镇督〔{ew.today.year}〕{n:03d}号" for n in (1, 2))
    expect(_card(page, "督办通知书").locator("li")).to_have_text(
        [f"{mine_number} {BOTTOM}", f"{theirs_number} {THIRD}"]
    )
    office.screenshot("eval-03-published")
    mine = SupervisionNotice.objects.get(number=mine_number)
    theirs = SupervisionNotice.objects.get(number=theirs_number)
    assert (mine.town.name, mine.county.name, theirs.county.name) == (BOTTOM, "万荣县", "盐湖区")
    deadline = ew.today + datetime.timedelta(days=60)

    # --- county (万荣县): 督办 → its notice only; the other county's is a 404 --------------------------------
    county = open_session()
    page = county.page
    _login(county, "county")
    expect(page.locator("header .bell .count")).to_have_text("2")
    page.locator("header .bell").click()
    expect(page.locator("h1")).to_have_text("通知")  # (read the rows once the page is there)
    assert sorted(r[1] for r in county.rows()) == sorted(
        [
            f"{TOP}在{YEAR}年度专业镇评估中排名第1，予以表扬。",
            f"督办通知书{mine_number}：{BOTTOM}，请于{deadline.isoformat()}前整改并报送整改报告。",
        ]
    )
    county.nav("年度评估").click()  # published results are the county's to read; starting one is not
    assert [r[:3] for r in county.rows()] == [[str(YEAR), "已发布", f"{total}/{total}"]]
    expect(page.get_by_role("button", name="开始评估")).to_have_count(0)
    county.nav("督办").click()
    expect(page.locator("h1")).to_have_text("督办通知书")
    assert county.rows() == [[mine_number, BOTTOM, "万荣县", ew.today.isoformat(), deadline.isoformat(), "待整改"]]
    for path in (f"/supervision/{theirs.pk}/", f"/supervision/{theirs.pk}/?format=pdf"):
        county.goto(path, expect_status=404)
    county.nav("督办").click()
    page.get_by_role("link", name=mine_number).click()
    sheet = page.locator(".notice-sheet")
    expect(sheet.locator("h1")).to_have_text("督办通知书")
    expect(sheet).to_contain_text(mine_number)
    expect(sheet).to_contain_text("万荣县人民政府：")
    expect(sheet).to_contain_text(f"根据{YEAR}年度专业镇评估结果，你县（市、区）{BOTTOM}存在以下问题，现予督办：")
    expect(sheet.locator("ol li")).to_have_text(
        [
            f"{YEAR}年度评估排名靠后（第4名，{SCORES[BOTTOM]}分）",
            # the criteria that failed, citing 三 (the criteria), and the inspection 五、（四） orders
            re.compile(
                rf"^按市级专业镇认定标准（运政办发〔2023〕8号 三）以{YEAR}年数据复核，不再符合：.*规模相对较大：.*"
                rf"列入专项检查运专镇查〔{ew.today.year}〕001号（五、（四）“专业镇评定后，要组织开展专项检查”）。$"
            ),
        ]
    )
    expect(sheet).to_contain_text("五、（四）；认定标准复核依据同一文件三、市级专业镇认定标准。")
    expect(sheet).to_contain_text(f"请于{deadline.year}年{deadline.month}月{deadline.day}日前完成整改")
    expect(sheet).to_contain_text("状态：待整改")
    county.screenshot("eval-04-notice")
    page.emulate_media(media="print")  # printable: the sheet without the buttons, the form and the header
    expect(page.get_by_role("link", name="下载 PDF")).to_be_hidden()
    expect(_card(page, "报送整改报告")).to_be_hidden()
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(sheet).to_be_visible()
    county.screenshot("eval-05-notice-print")
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename == f"{mine_number}.pdf"
    notice_pdf = Path(download.value.path()).read_bytes()
    assert notice_pdf.startswith(b"%PDF")
    assert _pdf_title(notice_pdf) == f"{mine_number} 督办通知书"

    # --- county: 整改报告 with a PDF → 已报送整改报告 -------------------------------------------------------------
    plan = tmp_path / "光华机械整改方案.pdf"
    plan.write_bytes(PDF)
    first_text = "已制定整改方案：引进配套企业3家，2026年产值力争达到5亿元。"
    _submit_rectification(page, first_text, plan)
    reports = _card(page, "整改报告")
    expect(reports.locator(".verdict")).to_have_count(1)
    expect(reports).to_contain_text(first_text)
    expect(reports).to_contain_text("光华机械整改方案.pdf")
    expect(_card(page, "报送整改报告")).to_have_count(0)
    report = RectificationReport.objects.get(notice=mine)
    assert [(a.original_name, a.content_type) for a in report.attachments.all()] == [
        ("光华机械整改方案.pdf", "application/pdf")
    ]

    # --- office: 退回继续整改 with a note ------------------------------------------------------------------------
    page = office.page
    office.nav("督办").click()
    assert [r[0] for r in office.rows()] == [mine_number, theirs_number]
    assert office.rows()[0][5] == "已报送整改报告"
    page.get_by_role("link", name=mine_number).click()
    expect(_card(page, "整改报告")).to_contain_text(first_text)
    return_note = "请补充配套企业引进的协议和时间表。"
    _review(page, "退回继续整改", return_note)
    expect(page.locator(".notice-sheet")).to_contain_text(f"状态：整改报告退回（{return_note}）")

    # --- county: sees the return and the note, answers again -------------------------------------------------
    page = county.page
    county.nav("督办").click()
    assert county.rows()[0][5] == "整改报告退回"
    page.get_by_role("link", name=mine_number).click()
    expect(page.locator(".notice-sheet")).to_contain_text(f"状态：整改报告退回（{return_note}）")
    county.screenshot("eval-06-rectification-returned")
    second_text = "已与3家配套企业签订入驻协议（附协议），2027年3月前全部投产。"
    _submit_rectification(page, second_text)
    expect(_card(page, "整改报告").locator(".verdict")).to_have_count(2)
    expect(_card(page, "整改报告").locator(".verdict").first).to_contain_text(second_text)  # newest first

    # --- office: 整改完成 ------------------------------------------------------------------------------------------
    page = office.page
    office.goto(f"/supervision/{mine.pk}/")
    _review(page, "整改完成", "整改到位，同意销号。")
    expect(page.locator(".notice-sheet")).to_contain_text("状态：整改完成（整改到位，同意销号。）")
    expect(_card(page, "审核整改报告")).to_have_count(0)
    office.screenshot("eval-07-rectification-done")
    mine.refresh_from_db()
    assert (mine.status, mine.reports.count()) == ("accepted", 2) and mine.closed_at is not None

    page = county.page
    county.nav("督办").click()
    assert county.rows()[0][5] == "整改完成"
    county.page.get_by_role("link", name=mine_number).click()
    expect(_card(page, "报送整改报告")).to_have_count(0)
    county.screenshot("eval-08-county-done")


@pytest.mark.e2e
def test_run_page_shows_progress_and_reloads_itself_until_the_draft_is_ready(eval_world, session):
    """The running state, made without a broker: the page counts the towns done and reloads every 3 s."""
    run = _running_run(eval_world.world.users["office"])
    towns = list(Town.objects.order_by("pk"))
    for town in towns[:2]:
        evaluation.evaluate_town(run_id=run.pk, town_id=town.pk)
    page = session.page
    _login(session, "office")
    session.goto(f"/evaluation/{run.pk}/")
    expect(_status(page)).to_have_text("评估中")
    expect(page.locator("progress")).to_have_attribute("value", "2")
    expect(page.locator("progress")).to_have_attribute("max", str(len(towns)))
    expect(page.locator("#progress")).to_have_text(f"2 / {len(towns)}")
    expect(page.locator("main")).to_contain_text("页面每3秒自动刷新")
    assert page.locator("meta[http-equiv=refresh]").get_attribute("content") == "3"
    expect(page.get_by_role("link", name="导出 Excel")).to_have_count(0)
    expect(page.get_by_role("button", name="审核通过并发布")).to_have_count(0)
    session.screenshot("eval-01-run-running")
    # the list says so too
    session.nav("年度评估").click()
    assert session.rows()[0][:3] == [str(YEAR), "评估中", f"2/{len(towns)}"]
    session.goto(f"/evaluation/{run.pk}/")
    expect(page.locator("#progress")).to_have_text(f"2 / {len(towns)}")
    _run_in_this_process(run)  # the rest, as the worker would; the page finds out by itself
    expect(_status(page)).to_have_text("待审核", timeout=8_000)
    expect(page.locator("progress")).to_have_count(0)
    expect(page.get_by_role("link", name="导出 Excel")).to_be_visible()
    assert TownEvaluation.objects.filter(run=run).count() == len(towns)


# --- regressions of bugs this journey found --------------------------------------------------------------------


@pytest.fixture
def drafted_run(eval_world) -> EvaluationRun:
    """The 2025 draft, computed in this process (no broker, no worker)."""
    return _run_in_this_process(_running_run(eval_world.world.users["office"]))


@pytest.mark.e2e
def test_town_without_figures_comes_after_the_ranked_ones(drafted_run, session):
    _login(session, "office")
    session.goto(f"/evaluation/{drafted_run.pk}/")
    assert [r[:2] for r in _results(session, "市级及以上专业镇")] == [
        ["1", TOP],
        ["2", SECOND],
        ["3", THIRD],
        ["4", BOTTOM],
        ["—", NODATA],
    ]


@pytest.mark.e2e
def test_export_gives_the_criteria_recheck_in_words(drafted_run, session):
    _login(session, "office")
    session.goto(f"/evaluation/{drafted_run.pk}/")
    with session.page.expect_download() as download:
        session.page.get_by_role("link", name="导出 Excel").click()
    rows = sheet_rows(open_download(download.value)["评估结果"])
    column = rows[0].index("认定标准复核")
    outcomes = {r[2]: r[column] for r in rows[1:]}
    assert outcomes == {
        TOP: "省级专业镇：由办公室按省级标准研究，不按市级标准复核",
        SECOND: "符合认定条件",
        THIRD: "符合认定条件",
        BOTTOM: "不符合认定条件",
        NODATA: "—",
        POTENTIAL: "—",
    }


@pytest.mark.e2e
def test_office_opens_the_rectification_reports_attachment(drafted_run, session):
    office, county = drafted_run.started_by, User.objects.get(username="county")
    evaluation.evaluation_publish(user=office, run=drafted_run)
    notice = SupervisionNotice.objects.get(town__name=BOTTOM)
    upload = SimpleUploadedFile("光华机械整改方案.pdf", PDF, content_type="application/pdf")
    evaluation.rectification_submit(user=county, notice=notice, text="已制定整改方案。", attachments=[upload])
    _login(session, "office")
    session.goto(f"/supervision/{notice.pk}/")
    expect(_card(session.page, "整改报告")).to_contain_text("光华机械整改方案.pdf")
    link = _card(session.page, "整改报告").get_by_role("link", name="光华机械整改方案.pdf")
    with session.page.expect_download(timeout=2_000) as download:
        link.click(timeout=2_000)
    assert Path(download.value.path()).read_bytes() == PDF


@pytest.mark.e2e
def test_run_list_survives_a_deleted_starter(eval_world, session):
    starter = make_user(Role.OFFICE, username="former-office")
    run = _running_run(starter)
    starter.delete()
    run.refresh_from_db()
    assert run.started_by is None and run.trigger == "manual"
    _login(session, "office")
    response = session.goto("/evaluation/")
    errors, session.server_errors[:] = list(session.server_errors), []  # judged here, not at teardown
    assert response.status == 200, errors
    assert session.rows()[0][:3] == [str(YEAR), "评估中", f"0/{run.total}"]

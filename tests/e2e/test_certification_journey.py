"""Journey: a town's certification (认定), from the county's application to the certificate.

County official (万荣县) applies with a live self-check, uploads evidence and submits; the office
screens it and sends it to an expert; the expert scores it; the office publishes the notice (public,
no login) and certifies; the county finds the certificate and its notifications. A second journey:
the office returns an application, the county corrects and resubmits, the versions page shows the
change. Screenshots of every step go to test-artifacts/screens/cert-<nn>-<step>.png.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification import services
from certification.models import Application, Cycle, PublicNotice, RubricItem
from certification.reference import ensure_default_policy
from tests.factories import PASSWORD, EnterpriseFactory, make_user, move_notice_back, pdf_bytes
from towns.models import Enterprise, Role, Tier

PRECHECK = "/api/v1/certification/precheck/"
RUBRIC = [("产业集中度", 40), ("规模与成长性", 40), ("发展前景", 20)]
SCORES = {"产业集中度": "36", "规模与成长性": "32.5", "发展前景": "18"}
SUPPORTING = [f"万荣配套{n}号化工有限公司" for n in "甲乙丙丁戊己庚辛壬"]  # 9 registered, 8 named


@dataclass
class CertWorld:
    world: object
    cycle: Cycle
    expert: object
    today: datetime.date


@pytest.fixture
def cert_world(e2e_world, settings, tmp_path) -> CertWorld:
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads stay out of the working tree
    today = timezone.localdate()
    cycle = Cycle.objects.create(
        name=f"{today.year}年度市级专业镇认定",
        year=today.year,
        policy=ensure_default_policy(),  # YC-2023 (the flush of transactional tests drops migrated rows)
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        notice_days=7,
    )
    for order, (name, max_score) in enumerate(RUBRIC):
        RubricItem.objects.create(cycle=cycle, name=name, max_score=max_score, sort_order=order)
    for name in SUPPORTING:
        EnterpriseFactory(town=e2e_world.home_town, name=name, role=Enterprise.Role.SUPPORTING)
    expert = make_user(Role.EXPERT, username="expert")
    return CertWorld(e2e_world, cycle, expert, today)


def _login(tab, username: str, next_path: str | None = None) -> None:
    """Log in through /login/; with ``next_path`` the login form sends the user straight there."""
    if next_path is None:
        tab.login(username, PASSWORD)
        return
    tab.goto(f"/login/?next={next_path}")
    expect(tab.page.locator("h1")).to_have_text("登录")
    tab.page.locator("input[name=username]").fill(username)
    tab.page.locator("input[name=password]").fill(PASSWORD)
    tab.page.get_by_role("button", name="登录").click()
    tab.page.wait_for_url(tab.url(next_path))
    expect(tab.page.locator("header .user")).to_have_text(username)


def _status(page):
    return page.locator("h1 .status")


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


def _criterion(page, label: str):
    return page.locator("#selfcheck .verdict", has=page.locator("strong", has_text=label))


@pytest.mark.e2e
def test_certification_from_application_to_certificate(cert_world, session, open_session, tmp_path):
    world, cycle, today = cert_world.world, cert_world.cycle, cert_world.today
    county_page = session.page
    page = county_page

    # --- 1. county: 专业镇认定 → 新建认定申请 -------------------------------------------------------
    _login(session, "county")
    session.nav("专业镇认定").click()
    expect(page.locator("h1")).to_have_text("专业镇认定申请")
    assert session.rows() == [["暂无申请。"]]
    page.get_by_role("link", name="新建认定申请").click()
    expect(page.locator("h1")).to_have_text("新建认定申请")
    page.get_by_label("认定批次").select_option(label=cycle.name)
    page.get_by_label("申报梯次").select_option(label="市级专业镇")
    page.get_by_label("已登记的专业镇").select_option(label="万荣县外加剂")
    session.screenshot("cert-01-start")
    page.get_by_role("button", name="创建并开始填写").click()

    app = Application.objects.get(town=world.home_town, cycle=cycle)
    number = app.number
    assert number == f"SQ{cycle.year}-001"
    expect(page.locator(".messages")).to_have_text(f"已创建申请{number}，请逐步填写。")
    expect(page.locator("h1")).to_have_text(f"{number} · 万荣县外加剂 草稿")
    steps = page.get_by_role("navigation", name="填写步骤")
    expect(steps.locator("a.current")).to_have_text("1. 基本情况")
    expect(page.get_by_label("主导产业")).to_have_value("混凝土外加剂")  # from the registry
    page.get_by_label("申报说明").fill("万荣县外加剂产业集群，龙头带动、配套齐全。")
    session.screenshot("cert-02-basics")
    page.get_by_role("button", name="保存并下一步").click()

    # --- 2. 龙头和配套企业 ----------------------------------------------------------------------------
    expect(page.locator(".messages")).to_have_text("已保存草稿。")
    expect(steps.locator("a.current")).to_have_text("2. 龙头和配套企业")
    page.get_by_label("康特尔", exact=True).select_option(label="龙头企业")
    for name in SUPPORTING[:8]:
        page.get_by_label(name, exact=True).select_option(label="关联配套企业")
    page.get_by_label(SUPPORTING[8], exact=True).select_option(label="不列入")
    session.screenshot("cert-03-firms")
    page.get_by_role("button", name="保存并下一步").click()
    # (the step-2 page said 已保存草稿 too: wait for step 3 before reading the database)
    expect(steps.locator("a.current")).to_have_text("3. 产值、就业与市场")
    expect(page.locator(".messages")).to_have_text("已保存草稿。")
    roles = {f.enterprise.name: f.role for f in app.application_firms.select_related("enterprise")}
    assert roles == {"康特尔": "anchor", **dict.fromkeys(SUPPORTING[:8], "supporting")}

    # --- 3. 产值、就业与市场, with the live self-check --------------------------------------------------
    selfcheck = page.locator("#selfcheck")
    # Rendered by the server from the registry's latest figures (2024: 7亿元) before any typing.
    expect(selfcheck.locator(".outcome")).to_have_text("符合认定条件")
    expect(_criterion(page, "产业相对集中")).to_contain_text("龙头企业1家、关联配套企业8家")
    step_url = page.url
    page.wait_for_load_state()  # selfcheck.js is deferred: type once it listens
    page.get_by_label("数据年度").fill("2024")
    page.get_by_label("年产值（万元）").fill("30000")
    page.get_by_label("带动当地就业（人）").fill("2500")
    page.get_by_label("主导产品全省市场占有率（%）").fill("60")
    expect(selfcheck.locator(".outcome")).to_have_text("不符合认定条件")
    scale = _criterion(page, "规模相对较大")
    expect(scale).to_have_class("verdict fail")
    expect(scale).to_contain_text("规模相对较大：不符合")
    expect(scale).to_contain_text("年产值3亿元，低于本领域5亿元的标准")
    expect(_criterion(page, "市场占有率较高")).to_contain_text("市场占有率较高：符合")
    expect(_criterion(page, "就业带动性强")).to_contain_text("就业带动性强：符合")
    expect(selfcheck).to_contain_text("依据认定标准 YC-2023（实时自检，保存后生效）")
    session.screenshot("cert-04-selfcheck-ineligible")

    page.get_by_label("年产值（万元）").fill("60000")
    expect(scale).to_contain_text("年产值6亿元，达到本领域5亿元的标准")
    expect(selfcheck.locator(".outcome")).to_have_text("符合认定条件")
    expect(scale).to_contain_text("规模相对较大：符合")
    session.screenshot("cert-05-selfcheck-eligible")
    # all of that without saving: same page, nothing written, the verdicts came from the precheck API
    assert page.url == step_url
    app.refresh_from_db()
    assert app.annual_output_wan == Decimal("70000.00")
    assert any(url.endswith(f"{PRECHECK}?policy=YC-2023") for url in session.requests)

    page.get_by_role("button", name="保存并下一步").click()
    expect(steps.locator("a.current")).to_have_text("4. 申报材料")
    expect(page.locator(".messages")).to_have_text("已保存草稿。")
    app.refresh_from_db()
    assert (app.annual_output_wan, app.local_jobs, app.provincial_share_pct) == (
        Decimal("60000.00"),
        2500,
        Decimal("60.00"),
    )

    # --- 4. 申报材料: a real PDF is listed; a .exe and a fake .pdf are refused ---------------------------
    uploaded = _card(page, "已上传材料")
    expect(uploaded.locator("tbody tr")).to_have_text("尚未上传材料。")
    good = tmp_path / "统计证明.pdf"
    good.write_bytes(pdf_bytes())
    page.get_by_label("材料类别").select_option(label="产值、就业等统计证明")
    page.get_by_label("文件（PDF、图片或 .xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已上传。")
    assert [r[:2] for r in session.rows_in(uploaded)] == [["产值、就业等统计证明", "统计证明.pdf"]]

    file_field = page.locator(".field", has=page.get_by_label("文件（PDF、图片或 .xlsx）"))
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 60)
    session.expect_form_errors()  # both refusals re-render the form with 400
    page.get_by_label("文件（PDF、图片或 .xlsx）").set_input_files(str(exe))
    page.get_by_role("button", name="上传", exact=True).click()
    expect(file_field.locator(".error")).to_have_text("只接受 PDF、PNG、JPG 图片和 .xlsx 文件。")

    fake = tmp_path / "伪装.pdf"
    fake.write_bytes(b"this is plain text, not a PDF")
    page.get_by_label("文件（PDF、图片或 .xlsx）").set_input_files(str(fake))
    page.get_by_role("button", name="上传", exact=True).click()
    expect(file_field.locator(".error")).to_have_text("文件内容与扩展名不符（不是有效的 .pdf 文件）。")
    session.screenshot("cert-06-attachments-refused")
    assert [r[1] for r in session.rows_in(uploaded)] == ["统计证明.pdf"]  # still just the one
    assert app.attachments.count() == 1

    # --- submit ----------------------------------------------------------------------------------------
    expect(page.get_by_text("各项已填写完整，可以提交。")).to_be_visible()
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".messages")).to_have_text("已提交，领导小组办公室将进行形式审查。")
    expect(_status(page)).to_have_text("已提交")
    expect(page.get_by_role("link", name="继续填写")).to_have_count(0)
    session.screenshot("cert-07-submitted")

    # --- 5. office: 开始形式审查 → 送专家评审 --------------------------------------------------------------
    office = open_session()
    page = office.page
    _login(office, "office")
    office.nav("专业镇认定").click()
    listing = office.rows()
    assert len(listing) == 1
    assert listing[0][:6] == [number, "万荣县外加剂", "万荣县", cycle.name, "市级专业镇", "已提交"]
    assert listing[0][6:] == ["60,000.00", "符合认定条件", "0/0"]
    page.get_by_role("link", name=number).click()
    expect(_status(page)).to_have_text("已提交")
    page.get_by_role("button", name="开始形式审查").click()
    expect(page.locator(".messages")).to_have_text("已处理。")
    expect(_status(page)).to_have_text("形式审查")
    page.get_by_role("link", name="送专家评审").click()
    expect(page.locator("h1")).to_have_text("分配评审专家")
    page.get_by_label(f"{number} 万荣县外加剂（形式审查）").check()
    page.get_by_label("expert", exact=True).check()
    office.screenshot("cert-08-assign")
    page.get_by_role("button", name="分配", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已分配1项评审任务。")
    expect(page.locator("h1")).to_have_text("专业镇认定申请")
    assert office.rows()[0][5] == "专家评审"
    assert office.rows()[0][8] == "0/1"

    # --- 6. expert: 评审打分 -------------------------------------------------------------------------
    expert = open_session()
    page = expert.page
    _login(expert, "expert")
    expect(page.locator("h1")).to_have_text("评审专家 · 工作台")
    assert [r[:2] + r[4:] for r in expert.rows("section.card table.data")] == [[number, "万荣县外加剂", "待评审"]]
    expert.nav("专业镇认定").click()
    expect(page.locator("h1")).to_have_text("专业镇认定申请")
    assert [r[:2] for r in expert.rows()] == [[number, "万荣县外加剂"]]
    page.get_by_role("link", name=number).click()
    expect(_status(page)).to_have_text("专家评审")
    page.get_by_role("link", name="评审打分").click()
    expect(page.locator("h1")).to_have_text(f"专家评审：{number} · 万荣县外加剂")
    for name, max_score in RUBRIC:
        page.get_by_label(f"{name}（{max_score}分）").fill(SCORES[name])
    page.get_by_label("评审意见").fill("产业集中度高，龙头带动明显，建议认定。")
    page.get_by_label("评审建议").select_option(label="建议认定")
    expert.screenshot("cert-09-review")
    page.get_by_role("button", name="提交评审").click()
    expect(page.locator(".messages")).to_have_text("评审意见已提交。")
    expect(_card(page, "我的评审")).to_contain_text("已提交：86.5 分，建议认定")

    # --- 7. office: the scores side by side, then 发布公示 (started 8 days ago) ---------------------------
    page = office.page
    page.reload()
    assert office.rows()[0][8] == "1/1"
    page.get_by_role("link", name=number).click()
    expect(_status(page)).to_have_text("专家评审")
    reviews = _card(page, "专家评审")
    headers = reviews.locator("thead th").all_inner_texts()
    assert headers == [
        "专家",
        "产业集中度（40）",
        "规模与成长性（40）",
        "发展前景（20）",
        "总分",
        "评审建议",
        "评审意见",
    ]
    assert office.rows_in(reviews) == [
        ["expert", "36", "32.5", "18", "86.5", "建议认定", "产业集中度高，龙头带动明显，建议认定。"]
    ]
    office.screenshot("cert-10-office-detail")
    page.get_by_role("link", name="列入公示").click()
    expect(page.locator("h1")).to_have_text("发布拟认定名单公示")
    page.get_by_label("认定批次").select_option(label=cycle.name)
    page.get_by_label(f"{number} 万荣县外加剂").check()
    page.get_by_label("公示开始日期").fill(today.isoformat())  # no earlier than the day it is published
    page.get_by_role("button", name="发布公示").click()
    notice_number = f"运专镇公示〔{cycle.year}〕001号"
    expect(page.locator(".messages")).to_have_text(f"已发布公示{notice_number}。")
    expect(page.locator("h1")).to_have_text(f"{cycle.name}拟认定名单公示")
    notice_path = page.get_by_role("link", name="公开页面").get_attribute("href")
    # the notice runs its 7 days: move it 8 days back in the database, as if published then
    notice = move_notice_back(PublicNotice.objects.get(number=notice_number), 8)
    starts_on, ends_on = notice.starts_on, notice.ends_on

    # --- the notice is public: a fresh context, nobody logged in -----------------------------------
    public = open_session()
    response = public.goto(notice_path)
    assert response.status == 200
    page = public.page
    expect(page.locator("header .user")).to_have_count(0)
    expect(page.locator("h1")).to_have_text(f"{cycle.name}拟认定名单公示")
    expect(page.locator("p.muted").first).to_contain_text(
        f"{notice_number} · 公示期：{starts_on:%Y}年{starts_on.month}月{starts_on.day}日"
        f"至{ends_on:%Y}年{ends_on.month}月{ends_on.day}日（已结束）"
    )
    assert public.rows() == [["1", "万荣县外加剂", "万荣县", "混凝土外加剂", "市级专业镇"]]
    public.screenshot("cert-11-public-notice")

    # --- 8. office: 认定 → the certificate, and its PDF -------------------------------------------------
    page = office.page
    office.goto(f"/certification/{app.pk}/")
    expect(_status(page)).to_have_text("公示中")
    page.get_by_role("button", name="认定", exact=True).click()
    cert_number = f"运专镇认〔{cycle.year}〕001号"
    expect(page.locator(".messages")).to_have_text(f"已认定，证书编号{cert_number}。")
    expect(page.locator("h1")).to_have_text("运城市专业镇认定证书")
    sheet = page.locator(".certificate-sheet")
    expect(sheet).to_contain_text(f"证书编号：{cert_number}")
    # (the sheet currently reads "万荣县万荣县外加剂专业镇": the county's name twice; see the report)
    expect(sheet).to_contain_text(f"万荣县外加剂专业镇，经{cycle.name}评审、公示，认定为市级专业镇。")
    office.screenshot("cert-12-certificate")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 PDF").click()
    download = info.value
    assert download.suggested_filename == f"{cert_number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # --- 9. county: notifications, the certified application, the town's tier -------------------------
    county = open_session()
    page = county.page
    _login(county, "county")
    expect(page.locator("header .bell .count")).to_have_text("5")
    page.locator("header .bell").click()
    expect(page.locator("h1")).to_have_text("通知")
    messages = [r[1] for r in county.rows()]
    moves = ["草稿 → 已提交", "已提交 → 形式审查", "形式审查 → 专家评审", "专家评审 → 公示中", "公示中 → 已认定"]
    assert len(messages) == len(moves), messages
    for move in moves:
        assert sum(f"申请{number}（万荣县外加剂）：{move}。" in m for m in messages) == 1, (move, messages)
    assert any(f"证书编号{cert_number}" in m for m in messages)
    county.screenshot("cert-13-notifications")
    page.get_by_role("link", name=f"申请{number}（万荣县外加剂）：公示中 → 已认定。", exact=False).click()
    expect(_status(page)).to_have_text("已认定")
    expect(page.locator("section.notice")).to_have_text(f"已认定：{cert_number}")
    county.screenshot("cert-14-county-certified")
    page.get_by_role("link", name=cert_number).click()
    expect(page.locator(".certificate-sheet")).to_contain_text(f"证书编号：{cert_number}")
    expect(page.get_by_text("撤销证书")).to_have_count(0)  # the office's, not the county's

    county.nav("专业镇名录").click()
    page.get_by_role("link", name="万荣县外加剂").click()
    # Certified for the city tier, the (already provincial) town keeps its higher tier.
    expect(page.locator("h1")).to_have_text("万荣县外加剂 省级专业镇")
    county.screenshot("cert-15-town")
    world.home_town.refresh_from_db()
    assert world.home_town.tier == Tier.PROVINCIAL


@pytest.mark.e2e
def test_returned_application_is_corrected_and_resubmitted(cert_world, open_session):
    world, cycle = cert_world.world, cert_world.cycle
    county_user, office_user = world.users["county"], world.users["office"]
    app = services.application_start(user=county_user, cycle=cycle, target_tier=Tier.CITY, town=world.home_town)
    services.application_update(
        user=county_user,
        application=app,
        data={"figures_year": 2024, "annual_output_wan": Decimal("48000"), "local_jobs": 2300},
    )
    services.application_submit(user=county_user, application=app)
    services.screening_start(user=office_user, application=app)
    number = app.number
    reason = "年产值低于5亿元，请核实2024年统计数据并补充统计证明。"

    # --- office: 退回修改 with a reason ---------------------------------------------------------------
    office = open_session()
    page = office.page
    _login(office, "office")
    office.goto(f"/certification/{app.pk}/")
    expect(_status(page)).to_have_text("形式审查")
    page.locator("summary", has_text="退回修改").click()
    page.get_by_label("退回原因").fill(reason)
    page.get_by_role("button", name="退回", exact=True).click()
    expect(page.locator(".messages")).to_have_text("已处理。")
    expect(_status(page)).to_have_text("退回修改")
    office.screenshot("cert-21-returned")

    # --- county: sees the reason, corrects the figures, resubmits ----------------------------------
    county = open_session()
    page = county.page
    _login(county, "county")
    expect(page.locator("header .bell .count")).to_have_text("3")
    county.nav("专业镇认定").click()
    assert county.rows()[0][5] == "退回修改"
    page.get_by_role("link", name=number).click()
    expect(page.locator("section.notice")).to_have_text(f"退回原因：{reason}")
    page.get_by_role("link", name="继续填写").click()
    expect(page.locator("section.notice")).to_have_text(f"退回原因：{reason}")
    page.get_by_role("navigation", name="填写步骤").get_by_role("link", name="3. 产值、就业与市场").click()
    expect(page.get_by_label("年产值（万元）")).to_have_value("48000.00")
    page.wait_for_load_state()  # selfcheck.js is deferred: type once it listens
    page.get_by_label("年产值（万元）").fill("52000")
    expect(page.locator("#selfcheck .outcome")).to_have_text("符合认定条件")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".messages")).to_have_text("已保存草稿。")
    county.screenshot("cert-22-corrected")
    page.get_by_role("button", name="修改后再次提交").click()
    expect(page.locator(".messages")).to_have_text("已提交，领导小组办公室将进行形式审查。")
    expect(_status(page)).to_have_text("已提交")

    # --- the versions page: 第1次 → 第2次 -------------------------------------------------------------
    page.get_by_role("link", name="已提交 2 个版本，查看各版本差异").click()
    expect(page.locator("h1")).to_have_text(f"{number} · 各次提交的差异")
    change = page.locator("section.card", has=page.locator("h2", has_text="第1次 → 第2次提交"))
    expect(change).to_have_count(1)
    rows = county.rows_in(change)
    # the output's row
    assert [r[1:] for r in rows if r[1:] == ["48000", "52000"]] == [["48000", "52000"]], rows
    versions = page.locator("section.card", has=page.get_by_role("heading", name="各版本"))
    expect(versions.locator("li")).to_have_count(2)
    expect(versions.locator("li").first).to_contain_text("第1次")
    county.screenshot("cert-23-versions")


def _returned_and_resubmitted(cert_world, *, outputs: tuple[str, str]) -> Application:
    """An application submitted twice (returned in between) through the services, without the browser."""
    world, cycle = cert_world.world, cert_world.cycle
    county_user, office_user = world.users["county"], world.users["office"]
    app = services.application_start(user=county_user, cycle=cycle, target_tier=Tier.CITY, town=world.home_town)
    for n, output in enumerate(outputs):
        services.application_update(user=county_user, application=app, data={"annual_output_wan": Decimal(output)})
        services.application_submit(user=county_user, application=app)
        if n == 0:
            services.screening_start(user=office_user, application=app)
            services.application_return(user=office_user, application=app, reason="请核实年产值。")
    return app


@pytest.mark.e2e
def test_versions_page_names_the_changed_items(cert_world, open_session):
    app = _returned_and_resubmitted(cert_world, outputs=("48000", "52000"))
    county = open_session()
    _login(county, "county", next_path=f"/certification/{app.pk}/versions/")
    change = county.page.locator("section.card", has=county.page.locator("h2", has_text="第1次 → 第2次提交"))
    labels = [row[0] for row in county.rows_in(change)]
    assert "年产值（万元）" in labels, labels
    assert not any(code in labels for code in ("annual_output_wan", "verdict")), labels
    expect(change).not_to_contain_text("{'outcome'")

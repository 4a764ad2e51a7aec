"""Journey of a first-batch town's standing evidence (三、三 "或全国拥有较大市场空间").

盐湖区水泵 never applied: it is city-level by 运政办发〔2023〕8号 附件2. In 2025 it meets every criterion but the
provincial share (30 %). The annual re-check flags it for inspection. The office opens the town's page, records
that the office accepts its national market (a statement, the document, a PDF), and the re-check of the same year
then passes its market criterion and flags nothing. 万荣县外加剂, the provincial town, is listed for the office's
decision instead of the city criteria. A county official (of 万荣县) reads the evidence on the town page, but not
its attachment (another county's), and has no button to record or withdraw. The office then withdraws it.
Screenshots: test-artifacts/screens/evidence-<nn>-<step>.png.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evaluation import services as evaluation
from evaluation.models import EvaluationRun
from portal.schedule import ensure_schedule
from tests.factories import PASSWORD, EnterpriseFactory, TownFiguresFactory, pdf_bytes
from tests.helpers import run_inline
from towns.models import Enterprise, Town, TownEvidence

YEAR = 2025
PUMPS, ADMIXTURE = "盐湖区水泵", "万荣县外加剂"
STATEMENT = "主导产品潜水泵全国市场占有率约三成，列全国前列"
DOCUMENT = "运城潜水泵产业联盟《2024年度行业发展报告》"


@pytest.fixture
def evidence_world(e2e_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_schedule()
    w = e2e_world
    TownFiguresFactory(
        town=w.other_town, year=YEAR, output_wan=Decimal("90000"), local_jobs=3000, provincial_share_pct=Decimal("30")
    )
    TownFiguresFactory(town=w.home_town, year=YEAR, output_wan=Decimal("200000"), local_jobs=9000)
    for _ in range(10):
        EnterpriseFactory(town=w.other_town, role=Enterprise.Role.SUPPORTING)
    return w


def _recheck(user) -> EvaluationRun:
    """The year's evaluation, in this process (the Celery chord's work; no broker involved)."""
    EvaluationRun.objects.filter(year=YEAR).delete()
    weights = evaluation.config_for(YEAR).effective_weights()
    run = EvaluationRun.objects.create(year=YEAR, weights=weights, total=Town.objects.count(), started_by=user)
    return run_inline(run)


def _card(page, heading: str):
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


def _recheck_cell(tab, town: str) -> str:
    row = tab.page.locator("table.data tbody tr", has=tab.page.get_by_role("link", name=town, exact=True))
    return row.locator("td").nth(-2).inner_text().strip()


@pytest.mark.e2e
def test_office_records_national_market_and_the_recheck_passes(evidence_world, open_session, tmp_path):
    w = evidence_world
    office_user = w.users["office"]
    pumps = w.other_town

    # --- before: the re-check fails the market criterion ------------------------------------------------------
    run = _recheck(office_user)
    assert run.results.get(town=pumps).inspection is True
    office = open_session()
    page = office.page
    office.login("office", PASSWORD)
    office.goto(f"/evaluation/{run.pk}/")
    assert _recheck_cell(office, PUMPS) == "不再符合，列入专项检查"
    assert _recheck_cell(office, ADMIXTURE) == "省级专业镇：由办公室按省级标准研究，不按市级标准复核"
    office.screenshot("evidence-00-flagged")

    # --- the office records the evidence on the town's page -----------------------------------------------------
    page.get_by_role("link", name=PUMPS, exact=True).first.click()
    evidence_card = _card(page, "已认可的证明")
    expect(evidence_card).to_contain_text("尚无办公室认可的证明。")
    evidence_card.get_by_role("link", name="登记认可证明").click()
    expect(page.locator("h1")).to_have_text(f"登记认可证明：{PUMPS}")
    page.get_by_label("证明事项").select_option(label="全国拥有较大市场空间")
    page.get_by_label("认可内容").fill(STATEMENT)
    page.get_by_role("button", name="登记").click()  # neither a document nor an attachment: refused
    expect(page.locator(".has-error")).to_contain_text("请填写证明文件")
    assert not TownEvidence.objects.exists()
    page.get_by_label("证明文件").fill(DOCUMENT)
    report = tmp_path / "潜水泵行业报告.pdf"
    report.write_bytes(pdf_bytes("report"))
    page.get_by_label("证明附件（PDF、图片）").set_input_files(str(report))
    office.screenshot("evidence-01-form")
    page.get_by_role("button", name="登记").click()
    expect(page.locator(".messages")).to_have_text(f"已登记{PUMPS}的认可证明。")
    rows = office.rows_in(_card(page, "已认可的证明"))
    assert len(rows) == 1
    kind, statement, document, source, accepted, status = rows[0]
    assert (kind, statement, source) == ("全国拥有较大市场空间", STATEMENT, "办公室登记")
    assert DOCUMENT in document and "潜水泵行业报告.pdf" in document
    assert accepted.startswith(timezone.localdate().isoformat()) and status.startswith("现行")
    office.screenshot("evidence-02-recorded")

    # --- after: the re-check passes the market criterion and flags nothing --------------------------------------
    run = _recheck(office_user)
    result = run.results.get(town=pumps)
    market = next(c for c in result.criteria["criteria"] if c["code"] == "market_share")
    assert (result.inspection, result.criteria["outcome"], market["status"]) == (False, "eligible", "pass")
    office.goto(f"/evaluation/{run.pk}/")
    assert _recheck_cell(office, PUMPS) == "符合"
    expect(page.locator("tr.row-behind")).to_have_count(0)
    office.screenshot("evidence-03-recheck-passes")

    # --- the county reads it (and its PDF), but records nothing ---------------------------------------------------
    county = open_session()
    county.login("county", PASSWORD)  # 万荣县: 盐湖区水泵 is another county's town, the registry entry is open
    county.goto(f"/towns/{w.home_town.pk}/")
    expect(_card(county.page, "已认可的证明")).to_contain_text("尚无办公室认可的证明。")
    expect(county.page.get_by_role("link", name="登记认可证明")).to_have_count(0)
    county.goto(f"/towns/{pumps.pk}/")
    card = _card(county.page, "已认可的证明")
    expect(card).to_contain_text(STATEMENT)
    expect(card.get_by_role("button", name="撤回")).to_have_count(0)
    expect(card.get_by_role("link", name="潜水泵行业报告.pdf")).to_have_count(0)  # another county's file

    # --- the office withdraws it: the town is flagged again -------------------------------------------------------
    office.goto(f"/towns/{pumps.pk}/")
    card = _card(page, "已认可的证明")
    card.get_by_label("撤回理由").fill("行业报告已过期，待补充新证明")
    card.get_by_role("button", name="撤回").click()
    expect(page.locator(".messages")).to_have_text("已撤回该证明。")
    expect(_card(page, "已认可的证明")).to_contain_text("已撤回")
    assert _recheck(office_user).results.get(town=pumps).inspection is True

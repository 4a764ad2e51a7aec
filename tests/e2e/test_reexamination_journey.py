"""Journeys of the re-examination (复核, 动态管理), from the daily reminder to the office's decision.

Two city-level towns of 万荣县 hold certificates that expire within 90 days. The morning job (the beat task
portal.send_daily_reminders) opens a re-examination for each and reminds the county and the office. The county's
official follows the reminder from 通知, finds the form prefilled from the registry, corrects the figures and
reports. The office renews the first certificate (a new number and validity; the old one superseded) and revokes
the second with a reason and a decision document: the town is lowered to 潜力专业镇 with both in its tier history.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification.models import Certificate, ReExamination
from portal.tasks import send_daily_reminders
from tests.factories import PASSWORD, CertificateFactory, TownFiguresFactory
from tests.helpers import town_with_firms
from towns.models import Tier

RENEWED, REVOKED = "万荣县复核一镇", "万荣县复核二镇"
DOCUMENT = "运专镇办〔2026〕12号"


@pytest.fixture
def expiring(e2e_world):
    today = timezone.localdate()
    certificates = {}
    for i, name in enumerate((RENEWED, REVOKED)):
        town = town_with_firms(e2e_world, name, tier=Tier.CITY)
        TownFiguresFactory(town=town, year=2024)
        certificates[name] = CertificateFactory(
            application__town=town,
            issued_on=today - datetime.timedelta(days=1000),
            valid_until=today + datetime.timedelta(days=30 + i),
        )
    result = send_daily_reminders(today.isoformat())
    assert result["reexaminations_opened"] == 2
    return certificates


def _county_reports_from_the_reminder(session, town: str, *, output: str) -> None:
    page = session.page
    session.login("county", PASSWORD)
    page.get_by_role("link", name="通知").first.click()
    page.get_by_role("link", name=f"{town}认定证书").first.click()
    expect(page.locator("h1")).to_contain_text(f"{town} · 复核")
    expect(page.locator("h1 .status")).to_have_text("待报送")
    # prefilled from the registry: the town's 2024 figures and its 1 anchor / 8 supporting firms
    expect(page.get_by_label("年产值（万元）")).to_have_value("60000.00")
    expect(page.get_by_label("龙头企业（家）")).to_have_value("1")
    expect(page.get_by_label("关联配套企业（家）")).to_have_value("8")
    # no decision buttons for the county
    expect(page.get_by_role("button", name="延续认定")).to_have_count(0)
    session.expect_form_errors()
    page.get_by_role("button", name="报送复核材料").click()
    expect(page.locator(".field.has-error .error")).to_have_text("请填写复核说明及证明材料。")
    page.get_by_label("数据年度").fill("2025")
    page.get_by_label("年产值（万元）").fill(output)
    page.get_by_label("复核说明及证明材料").fill("2025年统计年报、龙头企业和配套企业名单。")
    page.get_by_role("button", name="报送复核材料").click()
    expect(page.locator(".messages")).to_have_text("已报送复核材料。")
    expect(page.locator("h1 .status")).to_have_text("待办公室决定")
    page.get_by_role("button", name="退出").click()


@pytest.mark.e2e
def test_reexamination_from_the_reminder_to_renewal(session, expiring):
    page = session.page
    old = expiring[RENEWED]
    _county_reports_from_the_reminder(session, RENEWED, output="65000")
    session.screenshot("reexam-01-county-reported")

    session.login("office", PASSWORD)
    session.nav("复核").click()
    expect(page.locator("h1")).to_have_text("复核（动态管理）")
    page.get_by_role("link", name=RENEWED).click()
    verdicts = page.locator("#verdicts")
    expect(verdicts).to_contain_text("按发证时的认定标准")
    expect(verdicts).to_contain_text("符合认定条件")
    renew = page.locator("#decide-renew")
    renew.get_by_label("复核依据").select_option(value="issued")
    renew.get_by_role("button", name="延续认定").click()
    expect(page.locator(".messages")).to_have_text("已延续认定，新证书已生成。")
    expect(page.locator("h1 .status")).to_have_text("已延续认定")
    # only allowed actions: none is left
    expect(page.locator("[id^=decide-]")).to_have_count(0)
    session.screenshot("reexam-02-renewed")

    new = ReExamination.objects.get(certificate=old).new_certificate
    assert new.number != old.number and new.valid_until > old.valid_until
    page.get_by_role("link", name=new.number).click()
    expect(page.locator("main")).to_contain_text("经复核，延续认定")
    expect(page.locator("main")).to_contain_text(old.number)
    assert Certificate.objects.get(pk=old.pk).superseded_on == timezone.localdate()


@pytest.mark.e2e
def test_reexamination_to_revocation_with_the_tier_lowered(session, expiring):
    page = session.page
    _county_reports_from_the_reminder(session, REVOKED, output="12000")

    session.login("office", PASSWORD)
    page.get_by_role("link", name="通知").first.click()
    page.get_by_role("link", name=f"{REVOKED}报送了").first.click()
    expect(page.locator("#verdicts")).to_contain_text("不符合认定条件")
    revoke = page.locator("#decide-revoke")
    revoke.get_by_label("撤销理由").fill("年产值降至1.2亿元，不再符合市级专业镇认定条件。")
    revoke.get_by_label("决定文件（文号）").fill(DOCUMENT)
    revoke.get_by_role("button", name="撤销认定").click()
    expect(page.locator(".messages")).to_have_text("已撤销认定，专业镇梯次已调整。")
    expect(page.locator("h1 .status")).to_have_text("已撤销认定")
    session.screenshot("reexam-03-revoked")

    session.nav("专业镇名录").click()
    page.get_by_role("link", name=REVOKED).click()
    expect(page.locator("h1")).to_have_text(f"{REVOKED} 潜力专业镇")
    changes = page.locator("section.card", has=page.get_by_role("heading", name="梯次变更"))
    rows = session.rows_in(changes)
    assert len(rows) == 1 and rows[0][1:3] == ["市级专业镇", "潜力专业镇"], rows
    assert DOCUMENT in rows[0][3] and "不再符合" in rows[0][3]

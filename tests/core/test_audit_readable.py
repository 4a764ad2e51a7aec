"""The audit trail in people's words, on the audit page and on the objects' histories: local time, Chinese field
labels, before → after, no Python dicts or ISO timestamps; a year's figures added to an enterprise (by form, API or
import) shows in the enterprise's history."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape

from django.urls import reverse
from django.utils import timezone

from core import audit
from core.models import AuditEntry
from evaluation import services as evaluation
from towns import services

from ..factories import AuditEntryFactory


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_values_read_as_people_read_them(db):
    moment = datetime.datetime(2026, 11, 30, 2, 5, tzinfo=datetime.UTC)  # 10:05 in Yuncheng
    entry = AuditEntryFactory(
        action="update",
        changes={
            "submitted_at": [None, moment.isoformat()],
            "weights": [{"output": 15}, {"output": 20}],
            "api_token": ["1个有效令牌", "已吊销"],
            "scheduled_tier": [None, "计划于2027-01-01生效：市级专业镇 → 省级专业镇"],
            "output_wan": ["1200.5", "1200.5"],  # the same on both sides: not a change
            "firms": [["康特尔（龙头企业）"], ["康特尔（龙头企业）", "配套一号（关联配套企业）"]],
        },
    )
    rows = audit.readable_changes(entry)
    assert rows == [
        ("submitted_at", "—", "2026-11-30 10:05"),
        ("weights", "output：15", "output：20"),
        ("接口令牌", "1个有效令牌", "已吊销"),
        ("计划梯次变更", "—", "计划于2027-01-01生效：市级专业镇 → 省级专业镇"),
        ("firms", "康特尔（龙头企业）", "康特尔（龙头企业）；配套一号（关联配套企业）"),
    ]


def test_the_audit_page_has_no_dicts_iso_times_or_field_names(world, client_for):
    office = world.users["office"]
    evaluation.config_save(user=office, year=2025, data={"weights": {"output": 30}, "top_n": 2})
    services.api_token_issue(user=office, holder=world.users["api"])
    services.enterprise_update(user=world.users["county"], enterprise=world.home_enterprise, data={"role": "other"})
    html = client_for("office").get(reverse("audit-trail")).content.decode()
    text = _text(html)
    assert "{" not in text and "[" not in text and "'" not in text  # no Python dicts or lists
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)  # no ISO timestamps
    assert "api_token" not in text and "weights" not in text
    assert "指标权重" in text and "年产值：30" in text and "接口令牌" in text
    assert "在镇中的角色： 龙头企业 → 其他" in text or "在镇中的角色：龙头企业 → 其他" in text
    latest = AuditEntry.objects.first()
    assert timezone.localtime(latest.timestamp).strftime("%Y-%m-%d %H:%M") in text  # local time, to the minute


def test_figures_added_to_an_enterprise_show_in_its_history(world, client_for, api_for):
    county = world.users["county"]
    enterprise = world.home_enterprise
    services.enterprise_figures_save(
        user=county, enterprise=enterprise, data={"year": 2025, "output_wan": Decimal("8000"), "local_jobs": 150}
    )
    api_for("county").post(
        reverse("api:enterprise-figures", args=[enterprise.pk]),
        {"year": 2023, "output_wan": "7000", "local_jobs": 140},
        format="json",
    )
    page = client_for("county").get(reverse("enterprise-detail", kwargs={"pk": enterprise.pk})).content.decode()
    history = _text(page.split("变更记录")[1])
    assert "康特尔 2025" in history and "康特尔 2023" in history
    assert "年份：2025" in history and "产值（万元）：8000" in history
    # and the town's history lists the firm's changes and the town's own figures
    services.enterprise_update(user=county, enterprise=enterprise, data={"main_products": "减水剂"})
    town_page = client_for("county").get(reverse("town-detail", kwargs={"pk": world.home_town.pk})).content.decode()
    assert "减水剂" in _text(town_page.split("变更记录")[1])


def test_an_import_logs_figures_under_their_enterprise(world):
    """The bulk importer builds its entries with audit.build: they carry the owner too."""
    entry = audit.build(action="create", obj=world.home_enterprise.figures.first(), user=None)
    assert (entry.parent_type.model, entry.parent_id) == ("enterprise", str(world.home_enterprise.pk))

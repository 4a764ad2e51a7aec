"""The rows behind each dashboard figure, shared by the rows pages and their .xlsx exports (pure)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formats import format_wan
from core.spreadsheets import Column
from towns.models import Tier

from .dashboard import build_dashboard
from .rules import (
    CITY_OR_ABOVE,
    DOUBLE_HUNDRED_OUTPUT_WAN,
    END_2023,
    END_2025,
    DashboardInput,
    changes_by_town,
    tier_at,
    trend_rows,
)

# --- the rows behind each figure (pages and .xlsx exports) ------------------------------------------


@dataclass
class TierRow:
    town_pk: int
    town_name: str
    county_name: str
    tier_then: str
    since: datetime.date | None
    source: str
    tier_now: str


def tier_rows(data: DashboardInput, tiers: frozenset[str], on: datetime.date | None) -> list[TierRow]:
    """The towns counted in a tier figure: now (``on`` None) or on a deadline, with the change behind it."""
    history = changes_by_town(data.changes)
    counties = {c.pk: c.name for c in data.counties}
    rows = []
    for town in data.towns:
        changes = history.get(town.pk, ())
        tier = town.tier if on is None else tier_at(town, changes, on)
        if tier not in tiers:
            continue
        effective = [c for c in changes if on is None or c.effective_date <= on]
        last = effective[-1] if effective else None
        rows.append(
            TierRow(
                town.pk,
                town.name,
                counties.get(town.county_id, ""),
                tier,
                last.effective_date if last else town.tier_since,
                last.source if last else "",
                town.tier,
            )
        )
    return rows


@dataclass
class RowsPage:
    key: str
    title: str
    explanation: str
    columns: list[Column]
    rows: list[Any]
    link: str | None = None  # the URL name the first column links to, with the row's ``link_pk``
    filters: list[tuple[str, str, int]] = field(default_factory=list)  # (value, label, count)
    active_filter: str = ""


def _tier_label(value: str | None) -> str:
    return str(Tier(value).label) if value else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("是") if value else _("否"))


TIER_KEYS = {
    "provincial": (frozenset({Tier.PROVINCIAL}), gettext_lazy("省级专业镇")),
    "city": (CITY_OR_ABOVE, gettext_lazy("市级专业镇（含省级）")),
}
DEADLINES = {"2023": END_2023, "2025": END_2025}
ROW_KEYS = (
    "provincial-2023",
    "provincial-2025",
    "city",
    "city-2023",
    "coverage",
    "double-hundred",
    "doubling",
    "bands",
    "trends",
)


def rows_page(key: str, data: DashboardInput, today: datetime.date, *, band: str = "") -> RowsPage | None:
    """The rows a dashboard figure was computed from, with the columns the page and the export share."""
    if key not in ROW_KEYS:
        return None
    name, _sep, year = key.partition("-")
    if name in TIER_KEYS and (not year or year in DEADLINES):
        tiers, title = TIER_KEYS[name]
        on = DEADLINES.get(year)
        when = _("%(y)s年底") % {"y": year} if on else _("目前")
        return RowsPage(
            key=key,
            title=_("%(when)s的%(what)s") % {"when": when, "what": title},
            explanation=(
                _("按梯次变更记录，取每个专业镇在%(date)s及以前最后一次生效的梯次。") % {"date": on.isoformat()}
                if on
                else _("按专业镇目前的梯次统计。")
            ),
            columns=[
                Column(_("专业镇"), lambda r: r.town_name, 20),
                Column(_("所在县（市、区）"), lambda r: r.county_name, 14),
                Column(_("当时梯次") if on else _("梯次"), lambda r: _tier_label(r.tier_then), 12),
                Column(_("生效日期"), lambda r: r.since, 12),
                Column(_("依据"), lambda r: r.source, 40),
                Column(_("目前梯次"), lambda r: _tier_label(r.tier_now), 12),
            ],
            rows=tier_rows(data, tiers, on),
            link="town-detail",
        )
    dashboard = build_dashboard(data, today)
    if key == "coverage":
        return RowsPage(
            key=key,
            title=_("市级重点专业镇县域覆盖情况"),
            explanation=_(
                "13个县（市、区）中，有市级或省级专业镇的即为已覆盖；潜力专业镇不计入，运城开发区不参与统计。"
            ),
            columns=[
                Column(_("县（市、区）"), lambda r: r.name, 14),
                Column(_("目前已覆盖"), lambda r: _yes_no(r.covered), 12),
                Column(_("市级及以上专业镇"), lambda r: "、".join(r.key_towns), 36),
                Column(_("潜力专业镇"), lambda r: "、".join(r.potential_towns), 36),
                Column(_("2025年底已覆盖"), lambda r: _yes_no(r.covered_at_deadline), 14),
            ],
            rows=dashboard.coverage.tiles,
            link="county-detail",
        )
    if key == "double-hundred":
        hundred = dashboard.double_hundred
        years = data.outputs.get(hundred.town_pk, {}) if hundred.found else {}
        return RowsPage(
            key=key,
            title=_("万荣外加剂专业镇“双百目标”：历年产值"),
            explanation=_("产值突破百亿元（%(v)s万元以上）；企业户数见企业名录。")
            % {"v": f"{DOUBLE_HUNDRED_OUTPUT_WAN:,}"},
            columns=[
                Column(_("专业镇"), lambda r: hundred.town_name, 20),
                Column(_("年份"), lambda r: r[0], 8),
                Column(_("产值（万元）"), lambda r: r[1], 16),
                Column(_("产值"), lambda r: format_wan(r[1]), 14),
                Column(_("突破百亿元"), lambda r: _yes_no(r[1] > DOUBLE_HUNDRED_OUTPUT_WAN), 12),
            ],
            rows=sorted(years.items(), reverse=True),
        )
    if key == "doubling":
        total = dashboard.doubling_total
        return RowsPage(
            key=key,
            title=_("市级专业镇产值翻一番"),
            explanation=_(
                "目标：力争到2025年底，市级专业镇在现有基础上实现产值翻一番（二）。目标产值为基准年产值的2倍，与最新年度"
                "产值比较；含省级专业镇。基准年默认为2022年（行动计划印发前一年），办公室可在专业镇页面逐镇设定。"
                "合计（%(n)d个镇）：基准年产值%(base)s，最新产值%(latest)s，为基准年的%(m)s倍。"
            )
            % {
                "n": total.counted,
                "base": total.baseline_display,
                "latest": total.latest_display,
                "m": total.multiple if total.multiple is not None else "—",
            },
            columns=[
                Column(_("专业镇"), lambda r: r.town_name, 20),
                Column(_("所在县（市、区）"), lambda r: r.county_name, 14),
                Column(_("梯次"), lambda r: _tier_label(r.tier), 12),
                Column(_("基准年份"), lambda r: r.baseline_year, 10),
                Column(_("基准年产值（万元）"), lambda r: r.baseline_output, 16),
                Column(_("目标产值（万元）"), lambda r: r.target_output, 16),
                Column(_("最新年份"), lambda r: r.latest_year, 10),
                Column(_("最新产值（万元）"), lambda r: r.latest_output, 16),
                Column(_("为基准年的倍数"), lambda r: r.multiple, 14),
                Column(_("基准年来源"), lambda r: _("默认") if r.baseline_default else _("办公室设定"), 12),
                Column(_("完成情况"), lambda r: r.status_label, 24),
            ],
            rows=dashboard.doubling,
            link="town-detail",
        )
    if key == "bands":
        rows = dashboard.band_rows
        filters = [(b.code, b.label, b.count) for b in dashboard.bands]
        if band not in {code for code, _label, _count in filters}:
            band = ""
        if band:
            rows = [r for r in rows if r.band == band]
        return RowsPage(
            key=key,
            title=_("专业镇规模梯队"),
            explanation=_("按最新年度产值归入最高一档：200亿级、100亿级、50亿级、20亿级、10亿级（含本数）。"),
            columns=[
                Column(_("专业镇"), lambda r: r.town_name, 20),
                Column(_("所在县（市、区）"), lambda r: r.county_name, 14),
                Column(_("梯次"), lambda r: _tier_label(r.tier), 12),
                Column(_("最新年份"), lambda r: r.latest_year, 10),
                Column(_("产值（万元）"), lambda r: r.latest_output, 16),
                Column(_("规模梯队"), lambda r: r.band_label, 12),
            ],
            rows=rows,
            link="town-detail",
            filters=filters,
            active_filter=band,
        )
    # trends
    years = dashboard.years
    return RowsPage(
        key=key,
        title=_("专业镇产值趋势（近五年）"),
        explanation=_("各专业镇近五年产值（万元）；空白表示该年未填报。"),
        columns=[
            Column(_("专业镇"), lambda r: r.town_name, 20),
            Column(_("所在县（市、区）"), lambda r: r.county_name, 14),
            Column(_("梯次"), lambda r: _tier_label(r.tier), 12),
            *[Column(_("%(y)d年产值（万元）") % {"y": y}, lambda r, i=i: r.values[i], 16) for i, y in enumerate(years)],
        ],
        rows=trend_rows(data, years),
        link="town-detail",
    )


def link_pk(row: Any) -> int | None:
    return getattr(row, "town_pk", None) or getattr(row, "pk", None)


def display_cell(value: Any) -> tuple[str, bool]:
    """How a cell reads on the page, and whether it is an amount (the export keeps the raw value)."""
    if value is None or value == "":
        return "—", False
    if isinstance(value, Decimal):
        return f"{value:,.2f}", True
    if isinstance(value, datetime.date):
        return value.isoformat(), False
    return str(value), False

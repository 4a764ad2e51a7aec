"""Column layouts of the town and enterprise .xlsx exports (the same rows the list page shows)."""

from __future__ import annotations

from core.labels import display
from core.spreadsheets import Column

from .models import Enterprise, Town


def _latest(attr: str):
    def value(obj):
        figures = obj.latest_figures
        return getattr(figures, attr) if figures else None

    return value


FIGURE_COLUMNS = [
    Column("最新年份", _latest("year"), 10),
    Column("产值（万元）", _latest("output_wan"), 14),
    Column("带动当地就业（人）", _latest("local_jobs"), 16),
    Column("全省市场占有率（%）", _latest("provincial_share_pct"), 16),
    Column("税收（万元）", _latest("tax_wan"), 12),
]

_tier = display(Town, "tier")  # and 待复核 where certification annotates the row (towns.selectors)

TOWN_COLUMNS = [
    Column("专业镇", lambda t: t.name, 20),
    Column("所在县（市、区）", lambda t: t.county.name, 14),
    Column("主导产业", lambda t: t.leading_industry, 16),
    Column("领域", display(Town, "sector"), 18),
    Column("梯次", lambda t: _tier(t) + ("（待复核）" if getattr(t, "awaiting_reexamination", False) else ""), 12),
    Column("梯次认定日期", lambda t: t.tier_since, 12),
    Column("企业数", lambda t: t.enterprise_count, 8),
    Column("龙头企业数", lambda t: t.anchor_count, 10),
    Column("关联配套企业数", lambda t: t.supporting_count, 12),
    Column("规上企业数", lambda t: t.above_size_count, 10),
    *FIGURE_COLUMNS,
]

ENTERPRISE_COLUMNS = [
    Column("企业名称", lambda e: e.name, 28),
    Column("统一社会信用代码", lambda e: e.credit_code, 22),
    Column("专业镇", lambda e: e.town.name, 18),
    Column("所在县（市、区）", lambda e: e.town.county.name, 14),
    Column("在镇中的角色", display(Enterprise, "role"), 14),
    Column("规上企业", lambda e: "是" if e.above_designated_size else "否", 10),
    Column("主要产品", lambda e: e.main_products, 20),
    *FIGURE_COLUMNS,
]

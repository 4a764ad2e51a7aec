"""Column layouts of the town and enterprise .xlsx exports (the same rows the list page shows)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from core.labels import display
from core.sheet_reader import READ_ONLY_MARK
from core.spreadsheets import Column

from .importers import ENTERPRISE_COLUMNS as IMPORT_COLUMNS
from .importers import NO, YES
from .models import Enterprise, EnterpriseYearFigures, Town


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

# --- enterprises: the import's own columns, so an export can be edited and imported back --------------------
# Each row is (enterprise, one year's figures or None). The columns are exactly the import template's
# (towns.importers.ENTERPRISE_COLUMNS, same order and headers), then read-only ones marked 【只读】, which the
# import ignores (core.sheet_reader.READ_ONLY_MARK).


def _figure(attr: str):
    return lambda pair: getattr(pair[1], attr) if pair[1] is not None else None


_role = display(Enterprise, "role")
_ENTERPRISE_VALUES = {
    "town": lambda pair: pair[0].town.name,
    "name": lambda pair: pair[0].name,
    "credit_code": lambda pair: pair[0].credit_code,
    "role": lambda pair: _role(pair[0]),
    "above_designated_size": lambda pair: YES if pair[0].above_designated_size else NO,
    "main_products": lambda pair: pair[0].main_products,
    "year": _figure("year"),
    "output_wan": _figure("output_wan"),
    "local_jobs": _figure("local_jobs"),
    "provincial_share_pct": _figure("provincial_share_pct"),
    "tax_wan": _figure("tax_wan"),
}
ENTERPRISE_COLUMNS = [
    *(Column(c.header, _ENTERPRISE_VALUES[c.key], c.width) for c in IMPORT_COLUMNS),
    Column(READ_ONLY_MARK + "所在县（市、区）", lambda pair: pair[0].town.county.name, 18),
]


def latest_year_rows(enterprises) -> Iterator[tuple[Enterprise, object]]:
    """One row per enterprise with its latest year's figures (the list page's queryset prefetches them)."""
    for enterprise in enterprises.iterator(chunk_size=2000):
        yield enterprise, enterprise.latest_figures


def every_year_rows(enterprises) -> Iterator[tuple[Enterprise, object]]:
    """One row per enterprise and year (an enterprise without figures: one row without them), oldest year first,
    as the import takes them: several rows of one credit code add its years."""
    qs = enterprises.prefetch_related(Prefetch("figures", queryset=EnterpriseYearFigures.objects.order_by("year")))
    for enterprise in qs.iterator(chunk_size=2000):
        years = list(enterprise.figures.all())
        if not years:
            yield enterprise, None
        for figures in years:
            yield enterprise, figures

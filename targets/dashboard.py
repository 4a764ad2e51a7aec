"""The dashboard: every figure of the targets page, computed from plain data (pure)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import ChartSeries, line_chart_svg
from towns.models import Tier

from .doubling import DoublingRow, DoublingTotal, doubling, doubling_total
from .rules import (
    CITY_OR_ABOVE,
    END_2023,
    END_2025,
    BandCount,
    BandRow,
    CountTarget,
    Coverage,
    DashboardInput,
    DoubleHundred,
    TrendRow,
    band_counts,
    band_rows,
    changes_by_town,
    count_target,
    coverage,
    double_hundred,
    trend_rows,
    trend_years,
)

# --- the dashboard -----------------------------------------------------------------------------------

# The dashboard's doubling table and its small charts show this many towns; the rows page (明细, export) lists
# every one. Drawn for every city-level town, 2,000 towns made /targets/ a 6.8 MB page taking 4.5 s of CPU.
DOUBLING_SHOWN = 30
# The trend chart draws the largest towns' lines only (its data table lists all): 1,480 lines made 1.3 MB of SVG.
TREND_TOWNS_CHARTED = 10


@dataclass
class Dashboard:
    today: datetime.date
    provincial: CountTarget
    city: CountTarget
    coverage: Coverage
    double_hundred: DoubleHundred
    doubling: list[DoublingRow]
    doubling_total: DoublingTotal
    bands: list[BandCount]
    band_rows: list[BandRow]
    years: list[int]
    trends: list[TrendRow]
    tier_counts: dict[str, int]
    undated_towns: list[str]  # towns whose past tier is unknown (no history, no tier_since)

    @property
    def doubling_met(self) -> int:
        return sum(1 for row in self.doubling if row.status == "met")

    @property
    def doubling_without_baseline(self) -> int:
        return sum(1 for row in self.doubling if not row.has_progress)

    @property
    def doubling_shown(self) -> list[DoublingRow]:
        return self.doubling[:DOUBLING_SHOWN]

    @property
    def trends_charted(self) -> list[TrendRow]:
        return self.trends[:TREND_TOWNS_CHARTED]  # largest first

    @property
    def trend_chart(self) -> SafeString:
        return line_chart_svg(
            years=self.years,
            series=[ChartSeries(row.town_name, row.values) for row in self.trends_charted],
            label=_("市级及以上专业镇产值趋势（近五年）"),
        )

    def doubling_charts(self, outputs: Mapping[int, Mapping[int, Decimal]]) -> list[tuple[DoublingRow, SafeString]]:
        """One small chart per town of the doubling table: its output over the years and its doubling line."""
        charts = []
        for row in self.doubling_shown:
            values = outputs.get(row.town_pk, {})
            first = min([y for y in (row.baseline_year, *values) if y is not None], default=None)
            years = list(range(first, max(values) + 1)) if values and first is not None else []
            charts.append(
                (
                    row,
                    line_chart_svg(
                        years=years,
                        series=[ChartSeries(row.town_name, [values.get(y) for y in years])],
                        label=_("%(town)s产值与翻番目标") % {"town": row.town_name},
                        width=340,
                        height=190,
                        legend=False,
                        target_wan=row.target_output,
                        target_label=_("翻番目标 %(v)s") % {"v": row.target_display} if row.target_output else "",
                    ),
                )
            )
        return charts


def build_dashboard(data: DashboardInput, today: datetime.date) -> Dashboard:
    history = changes_by_town(data.changes)
    band_list = band_rows(data)
    years = trend_years(data.outputs)
    doubling_rows = doubling(data)
    tier_counts = {tier.value: 0 for tier in Tier}
    for town in data.towns:
        tier_counts[town.tier] = tier_counts.get(town.tier, 0) + 1
    return Dashboard(
        today=today,
        provincial=count_target(
            key="provincial",
            title=_("省级专业镇"),
            data=data,
            history=history,
            tiers=frozenset({Tier.PROVINCIAL}),
            goals=[(END_2023, 1, 2), (END_2025, 5, None)],
            today=today,
        ),
        city=count_target(
            key="city",
            title=_("市级专业镇"),
            data=data,
            history=history,
            tiers=CITY_OR_ABOVE,
            goals=[(END_2023, 8, 10)],
            today=today,
            note=_("含省级专业镇"),
        ),
        coverage=coverage(data, history, today),
        double_hundred=double_hundred(data),
        doubling=doubling_rows,
        doubling_total=doubling_total(doubling_rows, today),
        bands=band_counts(band_list),
        band_rows=band_list,
        years=years,
        trends=trend_rows(data, years, key_towns_only=True),
        tier_counts=tier_counts,
        undated_towns=[t.name for t in data.towns if not history.get(t.pk) and t.tier_since is None],
    )

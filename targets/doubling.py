"""市级专业镇在现有基础上实现产值翻一番 (二、总体目标), by the end of the 14th five-year plan (2025年底): per town and
for all city-level towns together. Pure: reads the dashboard's plain data.

The base year is the town's own (set by the office on the town's page) or, if none is set, 2022 -- the year
before the plan, its "现有基础" (:data:`towns.models.DEFAULT_BASELINE_YEAR`). A town without figures for its base
year is listed as such, never counted as zero.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from core.formats import format_wan
from towns.models import doubling_base_year

from .rules import CITY_OR_ABOVE, END_2025, DashboardInput, latest

DOUBLING_DEADLINE = END_2025  # 力争到“十四五”末


def _multiple(latest_output: Decimal | None, baseline: Decimal | None) -> Decimal | None:
    if not baseline or latest_output is None:
        return None
    return (latest_output / baseline).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


@dataclass
class DoublingRow:
    town_pk: int
    town_name: str
    county_name: str
    tier: str
    baseline_year: int
    baseline_output: Decimal | None
    latest_year: int | None
    latest_output: Decimal | None
    status: str  # met / open / no_baseline_figures / zero_baseline
    baseline_default: bool = False  # the base year is the default (2022), not one the office set

    @property
    def target_output(self) -> Decimal | None:
        return self.baseline_output * 2 if self.baseline_output else None

    @property
    def multiple(self) -> Decimal | None:
        """Latest output as a multiple of the baseline (2.00 = doubled)."""
        return _multiple(self.latest_output, self.baseline_output)

    @property
    def has_progress(self) -> bool:
        return self.status in ("met", "open")

    @property
    def bar_value(self) -> str:
        return str(min(self.latest_output, self.target_output)) if self.has_progress else "0"

    @property
    def bar_max(self) -> str:
        return str(self.target_output) if self.has_progress else "1"

    @property
    def status_label(self) -> str:
        return {
            "met": _("已翻番"),
            "open": _("未翻番"),
            "no_baseline_figures": _("无基准年数据（%(y)s年产值未填报）") % {"y": self.baseline_year},
            "zero_baseline": _("基准年产值为零，无法计算翻番"),
        }[self.status]

    @property
    def baseline_year_display(self) -> str:
        if self.baseline_default:
            return _("%(y)s年（默认）") % {"y": self.baseline_year}
        return _("%(y)s年") % {"y": self.baseline_year}

    @property
    def baseline_display(self) -> str:
        return format_wan(self.baseline_output) if self.baseline_output is not None else _("无")

    @property
    def target_display(self) -> str:
        return format_wan(self.target_output) if self.target_output is not None else _("无法计算")

    @property
    def latest_display(self) -> str:
        return format_wan(self.latest_output) if self.latest_output is not None else _("无产值数据")


def doubling(data: DashboardInput) -> list[DoublingRow]:
    """Per town: latest output ≥ 2 × output in the town's base year."""
    counties = {c.pk: c.name for c in data.counties}
    rows = []
    for town in data.towns:
        if town.tier not in CITY_OR_ABOVE:
            continue
        outputs = data.outputs.get(town.pk, {})
        latest_year, latest_output = latest(outputs)
        base_year = doubling_base_year(town)
        baseline = outputs.get(base_year)
        if baseline is None:
            status = "no_baseline_figures"
        elif baseline == 0:
            status = "zero_baseline"
        else:
            status = "met" if latest_output >= baseline * 2 else "open"
        rows.append(
            DoublingRow(
                town_pk=town.pk,
                town_name=town.name,
                county_name=counties.get(town.county_id, ""),
                tier=town.tier,
                baseline_year=base_year,
                baseline_output=baseline,
                latest_year=latest_year,
                latest_output=latest_output,
                status=status,
                baseline_default=town.baseline_year is None,
            )
        )
    return rows


@dataclass
class DoublingTotal:
    """All city-level towns together: the sum of their base-year outputs against the sum of their latest outputs.
    Only towns with both are counted (``counted``); the others are named in ``left_out``."""

    counted: int
    left_out: list[str]
    baseline_output: Decimal
    latest_output: Decimal
    baseline_years: tuple[int, ...]
    latest_years: tuple[int, ...]
    today: datetime.date
    deadline: datetime.date = DOUBLING_DEADLINE

    @property
    def target_output(self) -> Decimal:
        return self.baseline_output * 2

    @property
    def multiple(self) -> Decimal | None:
        return _multiple(self.latest_output, self.baseline_output)

    @property
    def met(self) -> bool:
        return self.counted > 0 and self.latest_output >= self.target_output

    @property
    def status(self) -> str:
        if not self.counted:
            return "nodata"
        if self.met:
            return "met"
        return "missed" if self.today > self.deadline else "open"

    @property
    def status_label(self) -> str:
        return {
            "nodata": _("无基准年数据"),
            "met": _("合计已翻番"),
            "missed": _("未按期实现"),
            "open": _("推进中"),
        }[self.status]

    @staticmethod
    def _years(years: tuple[int, ...]) -> str:
        if not years:
            return "—"
        first, last = min(years), max(years)
        return _("%(y)s年") % {"y": first} if first == last else _("%(a)s—%(b)s年") % {"a": first, "b": last}

    @property
    def baseline_years_display(self) -> str:
        return self._years(self.baseline_years)

    @property
    def latest_years_display(self) -> str:
        return self._years(self.latest_years)

    @property
    def baseline_display(self) -> str:
        return format_wan(self.baseline_output)

    @property
    def target_display(self) -> str:
        return format_wan(self.target_output)

    @property
    def latest_display(self) -> str:
        return format_wan(self.latest_output)

    @property
    def bar_value(self) -> str:
        return str(min(self.latest_output, self.target_output)) if self.counted else "0"

    @property
    def bar_max(self) -> str:
        return str(self.target_output) if self.counted and self.target_output else "1"


def doubling_total(rows: list[DoublingRow], today: datetime.date) -> DoublingTotal:
    counted = [r for r in rows if r.has_progress]
    return DoublingTotal(
        counted=len(counted),
        left_out=[r.town_name for r in rows if not r.has_progress],
        baseline_output=sum((r.baseline_output for r in counted), Decimal(0)),
        latest_output=sum((r.latest_output for r in counted), Decimal(0)),
        baseline_years=tuple(sorted({r.baseline_year for r in counted})),
        latest_years=tuple(sorted({r.latest_year for r in counted})),
        today=today,
    )

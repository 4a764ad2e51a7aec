"""The plan's targets (二、总体目标) and how far the towns have come: 目标完成情况.

Two halves. The pure half computes every figure from plain data (towns, counties, tier changes,
yearly outputs in 万元) and a date, with no ORM and no request, so that the rules can be tested at
their boundaries. :func:`dashboard_input` is the one read of the database: four queries whatever
the number of towns. The same rows feed the dashboard, the rows pages and the .xlsx exports.

The targets, from 二、总体目标 of 运政办发〔2023〕8号:

* 到2023年底，打造1～2个省级专业镇和8～10个市级专业镇;
* 力争到“十四五”末（2025年底），打造5个省级专业镇，市级重点专业镇实现县域全覆盖;
* 万荣外加剂省级专业镇实现企业突破百户、产值突破百亿元的“双百目标”;
* 市级专业镇在现有基础上实现产值翻一番;
* 四、2: 打造一批200亿级、100亿级、50亿级、20亿级、10亿级专业镇.

Counting rule: a provincial-level town is also a city-level town. The plan's first batch of
“6个市级专业镇” includes 万荣外加剂, which is provincial; and the province designates provincial
towns from the city's recommended (city-level) ones. So “市级专业镇” below means city-level or
provincial (市级及以上); “省级专业镇” means provincial only.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import County, Tier, Town, TownTierChange, TownYearFigures
from .permissions import require_portal_role
from .spreadsheets import Column

WAN_PER_YI = Decimal("10000")  # 1亿元 = 10,000万元
END_2023 = datetime.date(2023, 12, 31)
END_2025 = datetime.date(2025, 12, 31)  # “十四五”末
CITY_OR_ABOVE = frozenset({Tier.CITY, Tier.PROVINCIAL})
WANRONG_TOWN = "万荣县外加剂"
DOUBLE_HUNDRED_ENTERPRISES = 100  # 企业突破百户: more than 100
DOUBLE_HUNDRED_OUTPUT_WAN = Decimal("1000000")  # 产值突破百亿元: more than 1,000,000万元
TREND_YEARS = 5
# The dashboard's doubling table and its small charts show this many towns; the rows page (明细, export) lists
# every one. Drawn for every city-level town, 2,000 towns made /targets/ a 6.8 MB page taking 4.5 s of CPU.
DOUBLING_SHOWN = 30
# The trend chart draws the largest towns' lines only (its data table lists all): 1,480 lines made 1.3 MB of SVG.
TREND_TOWNS_CHARTED = 10

# 四、2 scale bands, highest first: a town belongs to the highest band whose floor its output reaches.
BANDS: tuple[tuple[str, Any, Decimal], ...] = (
    ("200", gettext_lazy("200亿级"), Decimal("2000000")),
    ("100", gettext_lazy("100亿级"), Decimal("1000000")),
    ("50", gettext_lazy("50亿级"), Decimal("500000")),
    ("20", gettext_lazy("20亿级"), Decimal("200000")),
    ("10", gettext_lazy("10亿级"), Decimal("100000")),
)
BELOW_BANDS = "below"
NO_FIGURES = "none"

# A rough geographic arrangement of the 13 county-level units on a 5×4 grid (north at the top):
# row, column. Counties not listed here (renamed, or test data) switch the map to plain order.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "河津市": (1, 2),
    "稷山县": (1, 3),
    "新绛县": (1, 4),
    "绛县": (1, 5),
    "万荣县": (2, 2),
    "闻喜县": (2, 4),
    "垣曲县": (2, 5),
    "临猗县": (3, 2),
    "盐湖区": (3, 3),
    "夏县": (3, 4),
    "永济市": (4, 1),
    "芮城县": (4, 2),
    "平陆县": (4, 4),
}


# --- the plain data the computation reads ------------------------------------------------------------


class TownLike(Protocol):
    pk: int
    name: str
    county_id: int
    tier: str
    tier_since: datetime.date | None
    baseline_year: int | None
    enterprise_count: int
    above_size_count: int


class CountyLike(Protocol):
    pk: int
    name: str
    kind: str


@dataclass(frozen=True)
class TownFacts:
    """A town as the targets see it (the selector passes Town rows with the same attributes)."""

    pk: int
    name: str
    county_id: int
    tier: str
    tier_since: datetime.date | None = None
    baseline_year: int | None = None
    enterprise_count: int = 0
    above_size_count: int = 0


@dataclass(frozen=True)
class CountyFacts:
    pk: int
    name: str
    kind: str = County.Kind.COUNTY


@dataclass(frozen=True)
class TierChangeFacts:
    town_id: int
    to_tier: str
    effective_date: datetime.date
    pk: int = 0
    source: str = ""


@dataclass
class DashboardInput:
    towns: Sequence[TownLike]
    counties: Sequence[CountyLike]
    changes: Sequence[TierChangeFacts]
    outputs: Mapping[int, Mapping[int, Decimal]]  # town pk -> {year: output in 万元}


# --- numbers as Chinese statistics write them --------------------------------------------------------


def _plain(value: Decimal, grouping: bool) -> str:
    value = value.quantize(Decimal("0.01"), rounding=ROUND_DOWN).normalize()
    return format(value, ",f" if grouping else "f")


def format_wan(value: Decimal | None) -> str:
    """12.3亿元 from 123000 万元; below 1亿元 in 万元 (8,500万元).

    Truncated, not rounded, so that a figure just below a threshold never displays as the threshold
    (99.999亿元 is shown as 99.99亿元, not 100亿元, beside “未突破百亿元”).
    """
    if value is None:
        return "—"
    value = Decimal(value)
    if abs(value) >= WAN_PER_YI:
        return _("%(n)s亿元") % {"n": _plain(value / WAN_PER_YI, grouping=True)}
    return _("%(n)s万元") % {"n": _plain(value, grouping=True)}


def _count(n: int) -> str:
    return _("%(n)d个") % {"n": n}


# --- the tier at a date ------------------------------------------------------------------------------


def changes_by_town(changes: Iterable[TierChangeFacts]) -> dict[int, list[TierChangeFacts]]:
    grouped: dict[int, list[TierChangeFacts]] = defaultdict(list)
    for change in changes:
        grouped[change.town_id].append(change)
    for rows in grouped.values():
        rows.sort(key=lambda c: (c.effective_date, c.pk))
    return grouped


def tier_at(town: TownLike, history: Sequence[TierChangeFacts], on: datetime.date) -> str | None:
    """The town's tier on a date: the latest change effective on or before it (ties: the later record).

    A town with no recorded change (entered before the history was kept) is taken to have held its
    present tier since ``tier_since``; with neither, its past tier is unknown and it counts nowhere.
    """
    if history:
        current = None
        for change in history:  # sorted by (effective_date, pk)
            if change.effective_date > on:
                break
            current = change.to_tier
        return current
    if town.tier_since is not None and town.tier_since <= on:
        return town.tier
    return None


def towns_with_tier_at(
    towns: Sequence[TownLike],
    history: Mapping[int, Sequence[TierChangeFacts]],
    tiers: frozenset[str],
    on: datetime.date,
) -> list[TownLike]:
    return [t for t in towns if tier_at(t, history.get(t.pk, ()), on) in tiers]


# --- targets counted in towns (1, 2) ----------------------------------------------------------------


@dataclass
class DeadlineCheck:
    """One dated target: “到2023年底 1～2个”. ``value`` is the count on the deadline once it has passed."""

    deadline: datetime.date
    low: int
    high: int | None
    rows_key: str
    today: datetime.date
    value: int | None = None
    now: int = 0

    @property
    def passed(self) -> bool:
        return self.today > self.deadline

    @property
    def deadline_label(self) -> str:
        return _("%(y)d年底") % {"y": self.deadline.year}

    @property
    def target_label(self) -> str:
        if self.high and self.high != self.low:
            return _("%(low)d～%(high)d个") % {"low": self.low, "high": self.high}
        return _count(self.low)

    @property
    def status(self) -> str:
        """met / missed (deadline passed short of the floor) / open (still ahead, not yet reached)."""
        if self.passed:
            return "met" if (self.value or 0) >= self.low else "missed"
        return "met" if self.now >= self.low else "open"

    @property
    def status_label(self) -> str:
        if self.status == "met":
            return _("按期完成") if self.passed else _("已提前完成")
        if self.status == "missed":
            return _("未按期完成（差%(n)d个）") % {"n": self.low - (self.value or 0)}
        return _("推进中，还差%(n)d个") % {"n": self.low - self.now}


@dataclass
class CountTarget:
    key: str
    title: str
    now: int
    checks: list[DeadlineCheck]
    note: str = ""


def count_target(
    *,
    key: str,
    title: str,
    data: DashboardInput,
    history: Mapping[int, Sequence[TierChangeFacts]],
    tiers: frozenset[str],
    goals: Sequence[tuple[datetime.date, int, int | None]],
    today: datetime.date,
    note: str = "",
) -> CountTarget:
    now = sum(1 for t in data.towns if t.tier in tiers)
    checks = []
    for deadline, low, high in goals:
        check = DeadlineCheck(
            deadline=deadline, low=low, high=high, rows_key=f"{key}-{deadline.year}", now=now, today=today
        )
        if check.passed:
            check.value = len(towns_with_tier_at(data.towns, history, tiers, deadline))
        checks.append(check)
    return CountTarget(key=key, title=title, now=now, checks=checks, note=note)


# --- 县域全覆盖 (3) ---------------------------------------------------------------------------------


@dataclass
class CountyTile:
    pk: int
    name: str
    covered: bool
    covered_at_deadline: bool | None  # None while the deadline is ahead
    key_towns: list[str]  # city-level or provincial, now
    potential_towns: list[str]
    position: tuple[int, int] | None

    @property
    def css_position(self) -> str:
        return f"r{self.position[0]} c{self.position[1]}" if self.position else ""


@dataclass
class Coverage:
    tiles: list[CountyTile]
    check: DeadlineCheck

    @property
    def total(self) -> int:
        return len(self.tiles)

    @property
    def covered(self) -> int:
        return sum(1 for tile in self.tiles if tile.covered)

    @property
    def uncovered(self) -> list[CountyTile]:
        return [tile for tile in self.tiles if not tile.covered]

    @property
    def geographic(self) -> bool:
        return bool(self.tiles) and all(tile.position for tile in self.tiles)


def coverage(data: DashboardInput, history: Mapping[int, Sequence[TierChangeFacts]], today: datetime.date) -> Coverage:
    """市级重点专业镇实现县域全覆盖: each of the 13 county-level units (not the development zone) has a
    city-level or provincial town. A potential town does not cover its county."""
    counties = [c for c in data.counties if c.kind != County.Kind.ZONE]
    check = DeadlineCheck(deadline=END_2025, low=len(counties), high=None, rows_key="coverage", today=today)
    by_county: dict[int, list[TownLike]] = defaultdict(list)
    for town in data.towns:
        by_county[town.county_id].append(town)
    tiles = []
    for county in counties:
        towns = by_county.get(county.pk, [])
        at_deadline = None
        if check.passed:
            at_deadline = any(tier_at(t, history.get(t.pk, ()), END_2025) in CITY_OR_ABOVE for t in towns)
        tiles.append(
            CountyTile(
                pk=county.pk,
                name=county.name,
                covered=any(t.tier in CITY_OR_ABOVE for t in towns),
                covered_at_deadline=at_deadline,
                key_towns=[t.name for t in towns if t.tier in CITY_OR_ABOVE],
                potential_towns=[t.name for t in towns if t.tier == Tier.POTENTIAL],
                position=TILE_POSITIONS.get(county.name),
            )
        )
    check.now = sum(1 for tile in tiles if tile.covered)
    if check.passed:
        check.value = sum(1 for tile in tiles if tile.covered_at_deadline)
    return Coverage(tiles=tiles, check=check)


# --- yearly outputs ----------------------------------------------------------------------------------


def latest(outputs: Mapping[int, Decimal]) -> tuple[int, Decimal] | tuple[None, None]:
    if not outputs:
        return None, None
    year = max(outputs)
    return year, outputs[year]


@dataclass
class Measure:
    """One quantity against a “more than” target, for a progress bar."""

    value: Decimal | int | None
    target: Decimal | int
    display: str
    target_display: str

    @property
    def met(self) -> bool:
        return self.value is not None and self.value > self.target  # 突破: strictly more than

    @property
    def bar_value(self) -> str:
        return str(min(self.value or 0, self.target))

    @property
    def bar_max(self) -> str:
        return str(self.target)

    @property
    def percent(self) -> int | None:
        if self.value is None or not self.target:
            return None
        return int(Decimal(self.value) * 100 / Decimal(self.target))


@dataclass
class DoubleHundred:
    """万荣外加剂省级专业镇“双百目标”: 企业突破百户、产值突破百亿元."""

    town_pk: int | None
    town_name: str
    enterprises: Measure | None
    output: Measure | None
    output_year: int | None
    above_size_count: int = 0
    deadline: datetime.date = END_2025

    @property
    def found(self) -> bool:
        return self.town_pk is not None

    @property
    def met(self) -> bool:
        return bool(self.enterprises and self.enterprises.met and self.output and self.output.met)


def double_hundred(data: DashboardInput) -> DoubleHundred:
    town = next((t for t in data.towns if t.name == WANRONG_TOWN), None)
    if town is None:
        return DoubleHundred(None, WANRONG_TOWN, None, None, None)
    year, output = latest(data.outputs.get(town.pk, {}))
    return DoubleHundred(
        town_pk=town.pk,
        town_name=town.name,
        enterprises=Measure(
            town.enterprise_count,
            DOUBLE_HUNDRED_ENTERPRISES,
            _("%(n)d户") % {"n": town.enterprise_count},
            _("突破%(n)d户") % {"n": DOUBLE_HUNDRED_ENTERPRISES},
        ),
        output=Measure(
            output,
            DOUBLE_HUNDRED_OUTPUT_WAN,
            format_wan(output) if output is not None else _("无产值数据"),
            _("突破%(v)s") % {"v": format_wan(DOUBLE_HUNDRED_OUTPUT_WAN)},
        ),
        output_year=year,
        above_size_count=town.above_size_count,
    )


# --- 产值翻一番 (5) --------------------------------------------------------------------------------


@dataclass
class DoublingRow:
    town_pk: int
    town_name: str
    county_name: str
    tier: str
    baseline_year: int | None
    baseline_output: Decimal | None
    latest_year: int | None
    latest_output: Decimal | None
    status: str  # met / open / no_baseline_year / no_baseline_figures / zero_baseline

    @property
    def target_output(self) -> Decimal | None:
        return self.baseline_output * 2 if self.baseline_output else None

    @property
    def multiple(self) -> Decimal | None:
        """Latest output as a multiple of the baseline (2.00 = doubled)."""
        if not self.baseline_output or self.latest_output is None:
            return None
        return (self.latest_output / self.baseline_output).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

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
            "no_baseline_year": _("无基准年数据"),
            "no_baseline_figures": _("无基准年数据（%(y)s年产值未填报）") % {"y": self.baseline_year},
            "zero_baseline": _("基准年产值为零，无法计算翻番"),
        }[self.status]

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
    """市级专业镇在现有基础上实现产值翻一番: latest output ≥ 2 × output in the town's baseline year.
    A town without a baseline year, or without figures for it, is listed as such, never as zero."""
    counties = {c.pk: c.name for c in data.counties}
    rows = []
    for town in data.towns:
        if town.tier not in CITY_OR_ABOVE:
            continue
        outputs = data.outputs.get(town.pk, {})
        latest_year, latest_output = latest(outputs)
        baseline = outputs.get(town.baseline_year) if town.baseline_year is not None else None
        if town.baseline_year is None:
            status = "no_baseline_year"
        elif baseline is None:
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
                baseline_year=town.baseline_year,
                baseline_output=baseline,
                latest_year=latest_year,
                latest_output=latest_output,
                status=status,
            )
        )
    return rows


# --- scale bands (6) ---------------------------------------------------------------------------------


def band_of(output_wan: Decimal | None) -> str:
    if output_wan is None:
        return NO_FIGURES
    for code, _label, floor in BANDS:
        if output_wan >= floor:
            return code
    return BELOW_BANDS


def band_label(code: str) -> str:
    labels = {c: str(label) for c, label, _floor in BANDS}
    labels[BELOW_BANDS] = _("10亿元以下")
    labels[NO_FIGURES] = _("无产值数据")
    return labels[code]


@dataclass
class BandRow:
    town_pk: int
    town_name: str
    county_name: str
    tier: str
    latest_year: int | None
    latest_output: Decimal | None
    band: str

    @property
    def band_label(self) -> str:
        return band_label(self.band)


@dataclass
class BandCount:
    code: str
    label: str
    floor: Decimal | None
    count: int

    @property
    def floor_display(self) -> str:
        return _("≥%(v)s") % {"v": format_wan(self.floor)} if self.floor is not None else ""


def band_rows(data: DashboardInput) -> list[BandRow]:
    counties = {c.pk: c.name for c in data.counties}
    rows = []
    for town in data.towns:
        year, output = latest(data.outputs.get(town.pk, {}))
        rows.append(
            BandRow(town.pk, town.name, counties.get(town.county_id, ""), town.tier, year, output, band_of(output))
        )
    rows.sort(key=lambda r: (r.latest_output is None, -(r.latest_output or 0), r.town_name))
    return rows


def band_counts(rows: Sequence[BandRow]) -> list[BandCount]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.band] += 1
    result = [BandCount(code, str(label), floor, counts[code]) for code, label, floor in BANDS]
    result.append(BandCount(BELOW_BANDS, band_label(BELOW_BANDS), None, counts[BELOW_BANDS]))
    if counts[NO_FIGURES]:
        result.append(BandCount(NO_FIGURES, band_label(NO_FIGURES), None, counts[NO_FIGURES]))
    return result


# --- trends (7) --------------------------------------------------------------------------------------


def trend_years(outputs: Mapping[int, Mapping[int, Decimal]], n: int = TREND_YEARS) -> list[int]:
    """The last ``n`` calendar years up to the latest year any town reported."""
    last = max((year for rows in outputs.values() for year in rows), default=None)
    return [] if last is None else list(range(last - n + 1, last + 1))


@dataclass
class TrendRow:
    town_pk: int
    town_name: str
    county_name: str
    tier: str
    values: list[Decimal | None]


def trend_rows(data: DashboardInput, years: Sequence[int], *, key_towns_only: bool = False) -> list[TrendRow]:
    counties = {c.pk: c.name for c in data.counties}
    rows = []
    for town in data.towns:
        if key_towns_only and town.tier not in CITY_OR_ABOVE:
            continue
        outputs = data.outputs.get(town.pk, {})
        rows.append(
            TrendRow(town.pk, town.name, counties.get(town.county_id, ""), town.tier, [outputs.get(y) for y in years])
        )
    # Largest first, so that the chart's legend reads like a ranking.
    rows.sort(key=lambda r: (-(next((v for v in reversed(r.values) if v is not None), Decimal(-1))), r.town_name))
    return rows


# --- inline SVG charts -------------------------------------------------------------------------------

PALETTE = (
    "#a61b1b",
    "#1f5fa8",
    "#2f7d32",
    "#b7791f",
    "#6b46c1",
    "#0f766e",
    "#b83280",
    "#7b5e3b",
    "#2c3e6b",
    "#6b7f1a",
)
DASHES = ("", "6 3", "2 3")


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks if span > 0 else 1.0
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _tick_label(value: float) -> str:
    return f"{value:g}"


@dataclass
class ChartSeries:
    label: str
    values: Sequence[Decimal | None]  # in 万元, one per year


def line_chart_svg(
    *,
    years: Sequence[int],
    series: Sequence[ChartSeries],
    label: str,
    width: int = 880,
    height: int = 300,
    legend: bool = True,
    target_wan: Decimal | None = None,
    target_label: str = "",
) -> SafeString:
    """A line chart as inline SVG markup: y in 亿元 from zero, one polyline per series, gaps where a
    year is missing, a native tooltip (``<title>``) on every point, an optional dashed target line.
    Presentation attributes only (no ``style``), so it passes a CSP without inline styles."""
    if not years or not any(v is not None for s in series for v in s.values):
        return format_html('<p class="muted">{}</p>', _("暂无产值数据。"))
    legend_width = 170 if legend else 0
    if legend:
        height = max(height, 48 + 20 * len(series))
    left, right, top, bottom = 58, 16 + legend_width, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(float(v) for s in series for v in s.values if v is not None) / float(WAN_PER_YI)
    if target_wan is not None:
        peak = max(peak, float(target_wan) / float(WAN_PER_YI))
    step = _nice_step(peak)
    y_max = step * max(1, -(-peak // step)) if peak > 0 else step
    if peak >= y_max:
        y_max += step

    def x_at(index: int) -> float:
        return left + (plot_w / 2 if len(years) == 1 else plot_w * index / (len(years) - 1))

    def y_at(yi: float) -> float:
        return top + plot_h - plot_h * yi / y_max

    parts: list[str] = [
        format_html(
            '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" '
            'role="img" aria-label="{}"><title>{}</title>',
            width,
            height,
            width,
            height,
            label,
            label,
        )
    ]
    tick = 0.0
    while tick <= y_max + 1e-9:
        y = round(y_at(tick), 1)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9e2ec" stroke-width="1"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end" font-size="11" fill="#616e7c">{}</text>',
                left,
                y,
                left + plot_w,
                y,
                left - 6,
                y + 4,
                _tick_label(tick),
            )
        )
        tick += step
    parts.append(
        format_html(
            '<text class="axis-title" x="{}" y="{}" text-anchor="start" font-size="12" fill="#616e7c">{}</text>',
            4,
            top - 10,
            _("产值（亿元）"),
        )
    )
    parts.append(
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#616e7c" stroke-width="1"/>',
            left,
            top + plot_h,
            left + plot_w,
            top + plot_h,
        )
    )
    for index, year in enumerate(years):
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="middle" font-size="11" fill="#616e7c">{}</text>',
                round(x_at(index), 1),
                top + plot_h + 16,
                _("%(y)d年") % {"y": year},
            )
        )
    parts.append(
        format_html(
            '<text class="axis-title" x="{}" y="{}" text-anchor="middle" font-size="12" fill="#616e7c">{}</text>',
            round(left + plot_w / 2, 1),
            height - 6,
            _("年份"),
        )
    )
    if target_wan is not None:
        y = round(y_at(float(target_wan) / float(WAN_PER_YI)), 1)
        parts.append(
            format_html(
                '<line class="target" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#2f7d32" stroke-width="1.5" '
                'stroke-dasharray="5 4"/><text x="{}" y="{}" text-anchor="end" font-size="11" fill="#2f7d32">{}</text>',
                left,
                y,
                left + plot_w,
                y,
                left + plot_w,
                y - 4,
                target_label,
            )
        )
    for number, item in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        dash = DASHES[(number // len(PALETTE)) % len(DASHES)]
        segment: list[str] = []
        segments: list[list[str]] = []
        points = []
        for index, value in enumerate(item.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = round(x_at(index), 1), round(y_at(float(value) / float(WAN_PER_YI)), 1)
            segment.append(f"{x},{y}")
            points.append((x, y, years[index], value))
        if segment:
            segments.append(segment)
        parts.append(format_html('<g class="series"><title>{}</title>', item.label))
        for coords in segments:
            if len(coords) > 1:
                parts.append(
                    format_html(
                        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
                        " ".join(coords),
                        colour,
                        format_html(' stroke-dasharray="{}"', dash) if dash else "",
                    )
                )
        for x, y, year, value in points:
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}</title></circle>',
                    x,
                    y,
                    colour,
                    _("%(town)s %(year)d年：%(value)s")
                    % {"town": item.label, "year": year, "value": format_wan(value)},
                )
            )
        parts.append(mark_safe("</g>"))  # noqa: S308 - a literal closing tag
        if legend:
            ly = top + 6 + 20 * number
            lx = width - legend_width + 4
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>'
                    '<text x="{}" y="{}" font-size="12" fill="#1f2933">{}</text>',
                    lx,
                    ly,
                    lx + 18,
                    ly,
                    colour,
                    format_html(' stroke-dasharray="{}"', dash) if dash else "",
                    lx + 24,
                    ly + 4,
                    item.label,
                )
            )
    parts.append(mark_safe("</svg>"))  # noqa: S308 - a literal closing tag
    return mark_safe("".join(parts))  # noqa: S308 - every part above is built by format_html


# --- the dashboard -----------------------------------------------------------------------------------


@dataclass
class Dashboard:
    today: datetime.date
    provincial: CountTarget
    city: CountTarget
    coverage: Coverage
    double_hundred: DoubleHundred
    doubling: list[DoublingRow]
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
        doubling=doubling(data),
        bands=band_counts(band_list),
        band_rows=band_list,
        years=years,
        trends=trend_rows(data, years, key_towns_only=True),
        tier_counts=tier_counts,
        undated_towns=[t.name for t in data.towns if not history.get(t.pk) and t.tier_since is None],
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
        return RowsPage(
            key=key,
            title=_("市级专业镇产值翻一番"),
            explanation=_("目标产值为基准年产值的2倍，与最新年度产值比较；含省级专业镇。"),
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


# --- the one read of the database --------------------------------------------------------------------


def dashboard_input(*, user) -> DashboardInput:
    """Four queries, whatever the number of towns: towns (with enterprise counts), every yearly
    output, the counties and the tier history. Town rows come back with ``latest_figures`` filled,
    so pages can show them without a further query."""
    require_portal_role(user)
    towns = list(
        Town.objects.select_related("county")
        .annotate(
            enterprise_count=Count("enterprises"),
            above_size_count=Count("enterprises", filter=Q(enterprises__above_designated_size=True)),
        )
        .order_by("county__sort_order", "name")
    )
    figures: dict[int, dict[int, TownYearFigures]] = defaultdict(dict)
    for row in TownYearFigures.objects.order_by("town_id", "year"):
        figures[row.town_id][row.year] = row
    for town in towns:
        rows = figures.get(town.pk)
        town.latest_figures_list = [rows[max(rows)]] if rows else []
    changes = [
        TierChangeFacts(town_id=t, to_tier=tier, effective_date=d, pk=pk, source=source)
        for t, tier, d, pk, source in TownTierChange.objects.order_by().values_list(
            "town_id", "to_tier", "effective_date", "pk", "source"
        )
    ]
    return DashboardInput(
        towns=towns,
        counties=list(County.objects.order_by("sort_order", "name")),
        changes=changes,
        outputs={pk: {year: f.output_wan for year, f in rows.items()} for pk, rows in figures.items()},
    )


def dashboard(*, user, today: datetime.date | None = None) -> tuple[Dashboard, DashboardInput]:
    data = dashboard_input(user=user)
    return build_dashboard(data, today or timezone.localdate()), data

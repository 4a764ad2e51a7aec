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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formats import format_wan
from towns.models import County, Tier

END_2023 = datetime.date(2023, 12, 31)
END_2025 = datetime.date(2025, 12, 31)  # “十四五”末
CITY_OR_ABOVE = frozenset({Tier.CITY, Tier.PROVINCIAL})
WANRONG_TOWN = "万荣县外加剂"
DOUBLE_HUNDRED_ENTERPRISES = 100  # 企业突破百户: more than 100
DOUBLE_HUNDRED_OUTPUT_WAN = Decimal("1000000")  # 产值突破百亿元: more than 1,000,000万元
TREND_YEARS = 5

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

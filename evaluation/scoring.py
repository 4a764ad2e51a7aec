"""Annual evaluation scoring and ranking (五、(四) 年度评估), as pure functions over plain data.

Each town brings raw indicator values (None where it has no data). Relative indicators are scaled
0–100 across the towns of its group (min–max; all equal → 100); absolute ones are already 0–100.
A town's score is the weighted mean over the indicators it has data for; a town with no figures for
the year is not scored at all. Ranking: score high to low, ties broken by the year's output (high
first), then by town name in character-code order — so the same inputs always give the same ranks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ONE_DP = Decimal("0.1")
HUNDRED = Decimal("100")


class Indicator(NamedTuple):
    label: str
    kind: str  # "relative": scaled 0–100 across the group's towns; "absolute": already 0–100
    default_weight: int  # the office sets each year's weights (年度评估 → 设置); these apply where it has not


INDICATORS: dict[str, Indicator] = {
    "output": Indicator("年产值", "relative", 15),
    "output_growth": Indicator("产值较上年增长", "relative", 15),
    "baseline_doubling": Indicator("产值翻番进度（较基准年）", "absolute", 10),
    "enterprises": Indicator("企业数", "relative", 5),
    "enterprise_growth": Indicator("企业数增长", "relative", 5),
    "above_size": Indicator("规上企业数", "relative", 5),
    "above_size_growth": Indicator("规上企业数增长", "relative", 5),
    "local_jobs": Indicator("带动当地就业", "relative", 10),
    "market_share": Indicator("全省市场占有率", "absolute", 10),
    "projects": Indicator("重点项目“三个一批”", "relative", 10),
    "task_reports": Indicator("重点任务涉镇进展报送", "relative", 5),
    "problems_on_time": Indicator("问题按期办结率", "absolute", 5),
}
DEFAULT_WEIGHTS = {code: indicator.default_weight for code, indicator in INDICATORS.items()}


@dataclass
class TownInput:
    town_id: int
    name: str
    output: Decimal | None  # None: no figures for the year → not scored
    values: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass
class TownScore:
    town_id: int
    score: Decimal | None
    breakdown: dict[str, Decimal]
    rank: int | None = None


def _q(value: Decimal) -> Decimal:
    return value.quantize(ONE_DP, rounding=ROUND_HALF_UP)


def growth(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    """Growth on the previous year in %, or None when either year is missing or the base is zero."""
    if current is None or previous in (None, 0):
        return None
    return _q((Decimal(current) / Decimal(previous) - 1) * HUNDRED)


def doubling_progress(output: Decimal | None, baseline: Decimal | None) -> Decimal | None:
    """How far a town is towards doubling its baseline output (市级专业镇产值翻一番), capped at 100."""
    if output is None or not baseline:
        return None
    return _q(min(HUNDRED, Decimal(output) / (2 * Decimal(baseline)) * HUNDRED))


def score(towns: list[TownInput], weights: dict[str, int]) -> list[TownScore]:
    scored = [t for t in towns if t.output is not None]
    ranges = {}
    for code, (_, kind, _weight) in INDICATORS.items():
        if kind == "relative":
            present = [t.values.get(code) for t in scored if t.values.get(code) is not None]
            ranges[code] = (min(present), max(present)) if present else None
    results = []
    for t in towns:
        if t.output is None:
            results.append(TownScore(t.town_id, None, {}))
            continue
        breakdown: dict[str, Decimal] = {}
        for code, (_, kind, _weight) in INDICATORS.items():
            value = t.values.get(code)
            if value is None or not weights.get(code):
                continue
            if kind == "absolute":
                breakdown[code] = _q(max(Decimal(0), min(HUNDRED, Decimal(value))))  # already a 0–100 figure
            else:
                low, high = ranges[code]
                breakdown[code] = _q(HUNDRED if high == low else (Decimal(value) - low) / (high - low) * HUNDRED)
        total_weight = sum(weights[c] for c in breakdown)
        value = _q(sum(breakdown[c] * weights[c] for c in breakdown) / total_weight) if total_weight else None
        results.append(TownScore(t.town_id, value, breakdown))
    return rank(results, {t.town_id: t for t in towns})


def rank(results: list[TownScore], inputs: dict[int, TownInput]) -> list[TownScore]:
    ranked = sorted(
        (r for r in results if r.score is not None),
        key=lambda r: (-r.score, -(inputs[r.town_id].output or 0), inputs[r.town_id].name),
    )
    for position, result in enumerate(ranked, start=1):
        result.rank = position
    return results

"""The annual assessment (年度目标责任考核, 五、"将专业镇建设纳入年度目标责任考核体系，强化对各县（市、区）、各部门的
工作考核"), as pure functions over plain frozen data: no ORM, no request. The service
(:mod:`evaluation.assessment_services`) gathers the facts; everything that turns facts into points is here.

Every indicator is a fraction, shown as it is counted ("按时报送 7/8"):

- a *share* (``scale`` 100): what was done on time out of what was due, scored 0–100;
- a *mean* (``scale`` 1): the sum of 0–100 values over their number (a county's towns' evaluation scores, a
  bureau's tasks' progress), scored as that mean.

An indicator with nothing to count (denominator 0: no towns, nothing due, no task) is *not applicable* (不涉及):
it is left out and the weights of the others are scaled up to fill its place (不涉及的指标按其余指标折算; the same
rule as the town evaluation's missing indicators). A unit with no applicable indicator is not scored and not
ranked; so is a unit the service excludes with a reason (a bureau that leads or supports no task is shown, its
problems included, but not ranked: it has no part in the work the bureaus are assessed on).
The total is the weighted mean of the indicator scores as shown (each rounded to 0.1 first, so that a reader
can redo the sum from the page), rounded half-up to 0.1.

Ranking (stated tie-breaks): total high to low; on equal totals, the indicator scores one by one in the order of
their weight (the heaviest first; equal weights in the order listed below), where a not-applicable indicator
counts below 0; units still equal on every figure share the rank (并列, e.g. 1, 2, 2, 4) and are listed by name
in character-code order. Names never decide a rank.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tasks_registry import progress

ONE_DP = Decimal("0.1")
HUNDRED = Decimal("100")
ZERO = Decimal("0")
WEIGHT_TOTAL = 100  # the office's weights of each kind add up to 100 (AssessmentConfig.clean)

COUNTY, BUREAU = "county", "bureau"


@dataclass(frozen=True)
class Indicator:
    label: str
    default_weight: int
    source: str  # where the figure comes from, shown under the table and in the README


COUNTY_INDICATORS: dict[str, Indicator] = {
    "town_results": Indicator(
        "所辖专业镇评估结果",
        40,
        "已发布的当年专业镇年度评估：本县各专业镇得分的平均（无当年数据的专业镇按0分计）",
    ),
    "reports_on_time": Indicator(
        "进展报告按时报送",
        15,
        "重点任务进展报告：本县应报的各任务各报送期，期末后规定天数内报送的比例",
    ),
    "problems_on_time": Indicator(
        "问题按期办结",
        15,
        "问题台账：责任单位为本县、办结时限在当年的问题，时限届满时已反馈或销号且目前未超期的比例",
    ),
    "rectification_on_time": Indicator(
        "督办整改按期完成",
        15,
        "督办通知书（年度评估、专项检查）：整改期限在当年的，期限内报送整改报告且目前未超期的比例",
    ),
    "own_targets": Indicator(
        "县级目标完成",
        15,
        "任务12县级就业、税收目标：完成的目标数/2（未设定的目标按未完成计）",
    ),
}

BUREAU_INDICATORS: dict[str, Indicator] = {
    "lead_progress": Indicator(
        "牵头任务推进",
        30,
        "重点任务看板：本单位牵头任务当年推进措施的加权进度的平均",
    ),
    "support_progress": Indicator(
        "配合任务推进",
        15,
        "重点任务看板：本单位配合任务当年推进措施的加权进度的平均",
    ),
    "tasks_on_track": Indicator(
        "任务按进度推进",
        20,
        "重点任务看板：本单位牵头和配合的任务中，状态为“正常推进”或“已完成”（不是“滞后”“未启动”）的比例",
    ),
    "reports_on_time": Indicator(
        "进展报告按时报送",
        20,
        "重点任务进展报告：本单位应报的各任务各报送期，期末后规定天数内报送的比例",
    ),
    "problems_on_time": Indicator(
        "问题按期办结",
        15,
        "问题台账：责任单位为本单位、办结时限在当年的问题，时限届满时已反馈或销号且目前未超期的比例",
    ),
}

INDICATORS: dict[str, dict[str, Indicator]] = {COUNTY: COUNTY_INDICATORS, BUREAU: BUREAU_INDICATORS}


def default_weights(kind: str) -> dict[str, int]:
    return {code: indicator.default_weight for code, indicator in INDICATORS[kind].items()}


def weights_errors(kind: str, weights: object) -> list[str]:
    """What is wrong with a set of weights (empty: they may be used): every indicator of the kind, each an integer
    0–100, together exactly 100."""
    codes = INDICATORS[kind]
    if not isinstance(weights, Mapping) or set(weights) != set(codes):
        return ["应为每个考核指标设定权重。"]
    if any(isinstance(w, bool) or not isinstance(w, int) or not 0 <= w <= 100 for w in weights.values()):
        return ["各指标权重应为0～100的整数。"]
    total = sum(weights.values())
    if total != WEIGHT_TOTAL:
        return [f"各指标权重之和应为{WEIGHT_TOTAL}（现为{total}）。"]
    return []


def _q(value: Decimal) -> Decimal:
    return value.quantize(ONE_DP, rounding=ROUND_HALF_UP)


def _n(value: Decimal) -> str:
    """A count or a sum as people write it: 7, 78.5 (no trailing zeros)."""
    return format(value.normalize(), "f") if value == value.to_integral() else format(_q(value), "f")


# --- an indicator's input ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One indicator of one unit: ``numerator``/``denominator``, and what the reader is told about it."""

    numerator: Decimal
    denominator: Decimal
    text: str  # the inputs in words, e.g. "按时报送 7/8"
    scale: int = 100  # 100: a share of what was due; 1: a mean of 0–100 values
    details: tuple[str, ...] = ()  # what fell short or was counted, item by item

    @property
    def applicable(self) -> bool:
        return self.denominator > 0

    @property
    def score(self) -> Decimal | None:
        """0–100, rounded half-up to 0.1; None when not applicable."""
        if not self.applicable:
            return None
        return _q(max(ZERO, min(HUNDRED, Decimal(self.numerator) * self.scale / Decimal(self.denominator))))


def not_applicable(text: str) -> Input:
    return Input(ZERO, ZERO, text)


# --- scoring and ranking ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInput:
    unit_id: int
    name: str
    inputs: Mapping[str, Input]  # by indicator code; a missing code is not applicable
    excluded: str = ""  # why the unit is shown but not scored (e.g. a bureau with no part in any task)


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    name: str
    total: Decimal | None
    scores: Mapping[str, Decimal | None]  # by indicator code, None: not applicable
    rank: int | None = None


def total_of(scores: Mapping[str, Decimal | None], weights: Mapping[str, int]) -> Decimal | None:
    """The weighted mean of the applicable indicators' scores; None if none applies (or all weigh 0)."""
    counted = {code: s for code, s in scores.items() if s is not None and weights.get(code)}
    weight = sum(weights[code] for code in counted)
    if not weight:
        return None
    return _q(sum((s * weights[code] for code, s in counted.items()), ZERO) / weight)


def score_units(kind: str, units: Iterable[UnitInput], weights: Mapping[str, int]) -> list[UnitScore]:
    """Every unit's indicator scores, total and rank (see the module's docstring for the rules)."""
    codes = list(INDICATORS[kind])
    scored = []
    for unit in units:
        scores = {code: (unit.inputs[code].score if code in unit.inputs else None) for code in codes}
        total = None if unit.excluded else total_of(scores, weights)
        scored.append(UnitScore(unit.unit_id, unit.name, total, scores))
    return rank_units(kind, scored, weights)


def tie_key(kind: str, unit: UnitScore, weights: Mapping[str, int]) -> tuple:
    """What decides between units: total, then each indicator by descending weight (not applicable below 0)."""
    order = sorted(INDICATORS[kind], key=lambda code: (-weights.get(code, 0), list(INDICATORS[kind]).index(code)))
    below_zero = Decimal("-1")
    return (unit.total, *[s if (s := unit.scores.get(code)) is not None else below_zero for code in order])


def rank_units(kind: str, units: Sequence[UnitScore], weights: Mapping[str, int]) -> list[UnitScore]:
    """Units in the order of the table: ranked ones by rank (ties listed by name), then the unscored by name."""
    ranked = sorted(
        (u for u in units if u.total is not None),
        key=lambda u: (tuple(-v for v in tie_key(kind, u, weights)), u.name),
    )
    out: list[UnitScore] = []
    previous = None
    for position, unit in enumerate(ranked, start=1):
        key = tie_key(kind, unit, weights)
        rank = out[-1].rank if key == previous else position
        out.append(UnitScore(unit.unit_id, unit.name, unit.total, unit.scores, rank))
        previous = key
    out.extend(sorted((u for u in units if u.total is None), key=lambda u: u.name))
    return out


# --- the facts each indicator counts ----------------------------------------------------------------------------


def periods_of_year(year: int, kind: str) -> list[progress.Period]:
    """The reporting periods of a year (4 quarters or 12 months), as the task board names them."""
    if kind == progress.MONTHLY:
        return [progress.period_of(datetime.date(year, month, 1), kind) for month in range(1, 13)]
    return [progress.period_of(datetime.date(year, month, 1), kind) for month in (1, 4, 7, 10)]


def year_closed_on(year: int, schedules: Iterable[tuple[str, int]]) -> datetime.date:
    """The first day on which every report of the year is overdue if missing: the day after the latest due date of
    the year's last periods, over the tasks' (reporting period, due days). The task board is read as it stood then,
    so that a later year's periods never weigh on this year's statuses."""
    dues = [periods_of_year(year, kind)[-1].due(days) for kind, days in schedules]
    return max(dues, default=datetime.date(year, 12, 31)) + datetime.timedelta(days=1)


@dataclass(frozen=True)
class ExpectedReport:
    """A progress report a unit owes: one task, one period."""

    task_number: int
    period: progress.Period
    due_days: int  # Task.report_due_days
    submitted_on: datetime.date | None  # the day the unit first reported on it; None: never


def report_timeliness(expected: Iterable[ExpectedReport], as_of: datetime.date) -> Input:
    """Reports on time out of reports due, by the task board's one rule (:func:`tasks_registry.progress.report_state`):
    a period counts once it is overdue without a report on ``as_of``; its report is on time if, on the day it was
    submitted, the period was not yet overdue."""
    counted = [e for e in expected if progress.report_state(as_of, e.period, e.due_days, False) == "overdue"]
    late = []
    for e in sorted(counted, key=lambda e: (e.period.start, e.task_number)):
        where = f"任务{e.task_number} {e.period.label}"
        due = e.period.due(e.due_days)
        if e.submitted_on is None:
            late.append(f"{where}：未报送（应于{due.isoformat()}前）")
        elif progress.report_state(e.submitted_on, e.period, e.due_days, False) == "overdue":
            late.append(f"{where}：{e.submitted_on.isoformat()}报送，逾期{(e.submitted_on - due).days}天")
    if not counted:
        return not_applicable("无到期应报的进展报告")
    on_time = len(counted) - len(late)
    return Input(Decimal(on_time), Decimal(len(counted)), f"按时报送 {on_time}/{len(counted)}", details=tuple(late))


@dataclass(frozen=True)
class DueItem:
    """A problem or a supervision notice a unit had to settle by a deadline; ``late`` is judged by the model's
    own overdue rule (the service asks it), ``label`` names the item."""

    label: str
    deadline: datetime.date
    late: bool
    source: str = ""  # a sub-count the text shows, e.g. "年度评估督办" / "专项检查督办"


def on_time_share(items: Iterable[DueItem], verb: str, nothing: str) -> Input:
    """Items settled on time out of items due, e.g. "按期办结 3/4"; sub-counts by ``source`` where there are any."""
    items = sorted(items, key=lambda i: (i.deadline, i.label))
    if not items:
        return not_applicable(nothing)
    on_time = sum(1 for i in items if not i.late)
    text = f"{verb} {on_time}/{len(items)}"
    sources = list(dict.fromkeys(i.source for i in items if i.source))
    if sources:
        parts = []
        for source in sources:
            mine = [i for i in items if i.source == source]
            parts.append(f"{source} {sum(1 for i in mine if not i.late)}/{len(mine)}")
        text += f"（{'，'.join(parts)}）"
    details = tuple(f"{i.label}：期限{i.deadline.isoformat()}，未按期" for i in items if i.late)
    return Input(Decimal(on_time), Decimal(len(items)), text, details=details)


def status_on(events: Iterable[tuple[datetime.date, str]], day: datetime.date, initial: str) -> str:
    """The status a record had at the end of ``day``, replayed from its dated events (date, status it led to)."""
    status = initial
    for when, to in sorted(events, key=lambda e: e[0]):
        if when > day:
            break
        status = to
    return status


@dataclass(frozen=True)
class TownResult:
    name: str
    group: str  # the evaluation group's label
    score: Decimal | None  # None: no figures for the year (counted as 0 here)
    rank: int | None


def town_results(towns: Iterable[TownResult]) -> Input:
    """The mean of the county's towns' evaluation scores; a town with no figures for the year counts 0 (keeping
    its figures is the county's work). A county with no town in the evaluation: not applicable."""
    towns = sorted(towns, key=lambda t: t.name)
    if not towns:
        return not_applicable("本县（市、区）没有参加当年评估的专业镇")
    total = sum((t.score or ZERO for t in towns), ZERO)
    missing = sum(1 for t in towns if t.score is None)
    mean = _q(total / len(towns))
    text = f"专业镇{len(towns)}个，平均{mean}分"
    if missing:
        text += f"（无当年数据{missing}个，按0分计）"
    details = tuple(
        f"{t.name}：{t.score}分（{t.group}第{t.rank}名）" if t.score is not None else f"{t.name}：无当年数据，按0分计"
        for t in towns
    )
    return Input(total, Decimal(len(towns)), text, scale=1, details=details)


@dataclass(frozen=True)
class Targets:
    """A county's own targets for the year (任务12) and what its towns achieved (towns.county_targets)."""

    jobs_target: int | None
    jobs_actual: int | None
    jobs_met: bool | None  # None: no target set
    tax_target_wan: Decimal | None
    tax_actual_wan: Decimal | None
    tax_met: bool | None


def _target_line(label: str, target, actual, met: bool | None, unit: str) -> str:
    if met is None:
        return f"{label}目标未设定"
    got = "未报送" if actual is None else f"{_n(Decimal(actual))}{unit}"
    return f"{label}目标{_n(Decimal(target))}{unit}，实际{got}，{'已完成' if met else '未完成'}"


def own_targets(targets: Targets | None) -> Input:
    """Task 12 asks each county for a job target and a tax target: each one met counts half; a target not set is
    not met (the county did not "自加压力")."""
    if targets is None:
        return Input(ZERO, Decimal(2), "完成 0/2（未设定县级目标）", details=("就业目标未设定", "税收目标未设定"))
    met = (targets.jobs_met is True) + (targets.tax_met is True)
    details = (
        _target_line("就业", targets.jobs_target, targets.jobs_actual, targets.jobs_met, "人"),
        _target_line("税收", targets.tax_target_wan, targets.tax_actual_wan, targets.tax_met, "万元"),
    )
    return Input(Decimal(met), Decimal(2), f"完成 {met}/2", details=details)


@dataclass(frozen=True)
class TaskFacts:
    """One task a bureau leads or supports, as the task board shows it (tasks_registry.selectors.board)."""

    number: int
    title: str
    role: str  # "lead" or "support"
    progress_pct: Decimal | None  # the year's measures, weighted; None: no measures for the year
    status: str  # tasks_registry.progress: not_started / on_track / behind / done
    status_label: str


def task_progress(tasks: Iterable[TaskFacts], role: str) -> Input:
    """The mean progress of the tasks the bureau has in ``role``; a task without measures for the year is left
    out (there is nothing to measure); no such task: not applicable."""
    mine = sorted((t for t in tasks if t.role == role), key=lambda t: t.number)
    what = "牵头" if role == "lead" else "配合"
    measured = [t for t in mine if t.progress_pct is not None]
    details = tuple(
        f"任务{t.number} {t.title}：进度{t.progress_pct}%（{t.status_label}）"
        if t.progress_pct is not None
        else f"任务{t.number} {t.title}：当年无推进措施，不计"
        for t in mine
    )
    if not measured:
        return Input(ZERO, ZERO, f"无{what}任务" if not mine else f"{what}任务当年无推进措施", details=details)
    total = sum((t.progress_pct for t in measured), ZERO)
    text = f"{what}任务{len(measured)}项，平均进度{_q(total / len(measured))}%"
    return Input(total, Decimal(len(measured)), text, scale=1, details=details)


ON_SCHEDULE = (progress.ON_TRACK, progress.DONE)


def tasks_on_track(tasks: Iterable[TaskFacts]) -> Input:
    """Tasks (led or supported) the board shows as 正常推进 or 已完成, out of all of them."""
    tasks = sorted(tasks, key=lambda t: t.number)
    if not tasks:
        return not_applicable("无牵头或配合任务")
    good = sum(1 for t in tasks if t.status in ON_SCHEDULE)
    details = tuple(f"任务{t.number} {t.title}：{t.status_label}" for t in tasks if t.status not in ON_SCHEDULE)
    return Input(Decimal(good), Decimal(len(tasks)), f"按进度推进 {good}/{len(tasks)}", details=details)


@dataclass(frozen=True)
class IndicatorLine:
    """One line of a unit's breakdown as shown: the input, the weight it had, the score and what it adds."""

    code: str
    label: str
    weight: int
    text: str
    numerator: str
    denominator: str
    score: Decimal | None
    points: Decimal | None  # the score's share of the total (score × weight ÷ the weights that counted)
    details: tuple[str, ...] = field(default_factory=tuple)


def breakdown(
    kind: str, inputs: Mapping[str, Input], weights: Mapping[str, int]
) -> tuple[list[IndicatorLine], Decimal | None]:
    """A unit's lines and total, in the indicators' order, ready to show or store."""
    scores = {code: (inputs[code].score if code in inputs else None) for code in INDICATORS[kind]}
    counted = sum(weights.get(code, 0) for code, s in scores.items() if s is not None)
    lines = []
    for code, indicator in INDICATORS[kind].items():
        inp = inputs.get(code) or not_applicable("无数据")
        s, w = scores[code], weights.get(code, 0)
        points = _q(s * w / counted) if s is not None and w and counted else None
        lines.append(
            IndicatorLine(
                code,
                indicator.label,
                w,
                inp.text,
                _n(Decimal(inp.numerator)),
                _n(Decimal(inp.denominator)),
                s,
                points,
                inp.details,
            )
        )
    return lines, total_of(scores, weights)

"""Reporting periods, progress roll-up and the 滞后 rule, as pure functions over plain data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MONTHLY, QUARTERLY = "monthly", "quarterly"
NOT_STARTED, ON_TRACK, BEHIND, DONE = "not_started", "on_track", "behind", "done"
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Period:
    code: str  # "2026-Q3" or "2026-11"
    start: datetime.date
    end: datetime.date

    def due(self, due_days: int) -> datetime.date:
        return self.end + datetime.timedelta(days=due_days)

    @property
    def label(self) -> str:
        year, part = self.code.split("-")
        return f"{year}年第{part[1]}季度" if part.startswith("Q") else f"{year}年{int(part)}月"


def period_of(day: datetime.date, kind: str) -> Period:
    if kind == MONTHLY:
        start = day.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return Period(f"{day.year}-{day.month:02d}", start, end)
    quarter = (day.month - 1) // 3 + 1
    start = datetime.date(day.year, 3 * quarter - 2, 1)
    end = (datetime.date(day.year, 3 * quarter, 28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )
    return Period(f"{day.year}-Q{quarter}", start, end)


def previous_period(period: Period, kind: str) -> Period:
    return period_of(period.start - datetime.timedelta(days=1), kind)


def parse_period(code: str, kind: str) -> Period:
    """The period a code names; ValueError if it is not one of this kind's codes."""
    year, _, part = code.partition("-")
    if kind == QUARTERLY and part in ("Q1", "Q2", "Q3", "Q4") and year.isdigit():
        return period_of(datetime.date(int(year), 3 * int(part[1]) - 2, 1), kind)
    if kind == MONTHLY and year.isdigit() and part.isdigit() and 1 <= int(part) <= 12 and len(part) == 2:
        return period_of(datetime.date(int(year), int(part), 1), kind)
    raise ValueError(code)


def reportable_periods(today: datetime.date, kind: str, count: int = 4) -> list[Period]:
    """The current period and the few before it, newest first (what a unit may report on)."""
    periods = [period_of(today, kind)]
    while len(periods) < count:
        periods.append(previous_period(periods[-1], kind))
    return periods


def last_closed_period(today: datetime.date, kind: str) -> Period:
    return previous_period(period_of(today, kind), kind)


def report_state(today: datetime.date, period: Period, due_days: int, reported: bool) -> str:
    """ "reported", "overdue" (due date passed without a report) or "due" (not yet due)."""
    if reported:
        return "reported"
    return "overdue" if today > period.due(due_days) else "due"


@dataclass(frozen=True)
class MeasureState:
    weight: Decimal
    progress: Decimal | None  # latest reported %, None if never reported
    deadline: datetime.date
    year_start: datetime.date


def expected_progress(today: datetime.date, start: datetime.date, deadline: datetime.date) -> Decimal:
    """Where a measure should be by today if it advances evenly from the start of the year to its deadline."""
    if today >= deadline:
        return HUNDRED
    if today <= start:
        return Decimal("0")
    fraction = Decimal((today - start).days) / Decimal((deadline - start).days)
    return (fraction * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rolled_up(measures: list[MeasureState]) -> Decimal | None:
    """Weighted mean of the measures' progress (unreported counts as 0); None without measures."""
    total = sum((m.weight for m in measures), Decimal("0"))
    if not measures or total == 0:
        return None
    done = sum((m.weight * (m.progress or Decimal("0")) for m in measures), Decimal("0"))
    return (done / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def behind_measures(today: datetime.date, measures: list[MeasureState], tolerance: Decimal) -> int:
    return sum(
        1
        for m in measures
        if (m.progress or Decimal("0")) + tolerance < expected_progress(today, m.year_start, m.deadline)
    )


def task_status(
    *,
    override: str,
    measures: list[MeasureState],
    any_report: bool,
    overdue_reports: int,
    today: datetime.date,
    tolerance: Decimal,
) -> str:
    """Office's override, else: all measures done → 已完成; nothing reported → 未启动 (or 滞后 once a report
    is overdue); an overdue report or a measure behind the timetable → 滞后; otherwise 正常推进."""
    if override:
        return override
    if measures and all((m.progress or 0) >= HUNDRED for m in measures):
        return DONE
    if overdue_reports or behind_measures(today, measures, tolerance):
        return BEHIND
    return ON_TRACK if any_report else NOT_STARTED

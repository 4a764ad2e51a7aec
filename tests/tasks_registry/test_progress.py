"""Reporting periods, roll-up and the 滞后 rule at their boundaries (pure functions)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tasks_registry import progress
from tasks_registry.progress import MeasureState

D = datetime.date


@pytest.mark.parametrize(
    ("day", "kind", "code", "start", "end"),
    [
        (D(2026, 1, 1), "quarterly", "2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 3, 31), "quarterly", "2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), "quarterly", "2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 12, 31), "quarterly", "2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        (D(2026, 2, 15), "monthly", "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        (D(2028, 2, 29), "monthly", "2028-02", D(2028, 2, 1), D(2028, 2, 29)),
        (D(2026, 12, 1), "monthly", "2026-12", D(2026, 12, 1), D(2026, 12, 31)),
    ],
)
def test_periods(day, kind, code, start, end):
    period = progress.period_of(day, kind)
    assert (period.code, period.start, period.end) == (code, start, end)
    assert progress.parse_period(code, kind) == period


def test_previous_period_crosses_the_year():
    assert progress.last_closed_period(D(2026, 1, 5), "quarterly").code == "2025-Q4"
    assert progress.last_closed_period(D(2026, 1, 5), "monthly").code == "2025-12"
    assert [p.code for p in progress.reportable_periods(D(2026, 2, 1), "quarterly")] == [
        "2026-Q1",
        "2025-Q4",
        "2025-Q3",
        "2025-Q2",
    ]


@pytest.mark.parametrize("bad", ["2026-Q5", "2026-13", "2026-1", "Q1-2026", "", "2026-00"])
def test_bad_period_codes(bad):
    with pytest.raises(ValueError):
        progress.parse_period(bad, "monthly" if "Q" not in bad else "quarterly")


def test_due_date_boundary():
    q3 = progress.parse_period("2026-Q3", "quarterly")
    assert q3.due(10) == D(2026, 10, 10)
    assert progress.report_state(D(2026, 10, 10), q3, 10, reported=False) == "due"  # the due day itself is in time
    assert progress.report_state(D(2026, 10, 11), q3, 10, reported=False) == "overdue"
    assert progress.report_state(D(2026, 12, 1), q3, 10, reported=True) == "reported"


def test_expected_progress_is_even_from_january_to_deadline():
    start = D(2026, 1, 1)
    assert progress.expected_progress(start, start, D(2026, 12, 31)) == 0
    assert progress.expected_progress(D(2026, 7, 2), start, D(2026, 12, 31)) == Decimal("50.0")
    assert progress.expected_progress(D(2026, 12, 31), start, D(2026, 12, 31)) == 100
    assert progress.expected_progress(D(2027, 3, 1), start, D(2026, 12, 31)) == 100


def m(progress_pct, weight="1", deadline=D(2026, 12, 31)):
    return MeasureState(
        Decimal(weight), None if progress_pct is None else Decimal(progress_pct), deadline, D(2026, 1, 1)
    )


def test_weighted_roll_up():
    assert progress.rolled_up([]) is None
    assert progress.rolled_up([m("100", "3"), m("0", "1")]) == Decimal("75.0")
    assert progress.rolled_up([m(None), m("50")]) == Decimal("25.0")  # unreported counts as nothing done


def test_status_rules():
    mid = D(2026, 7, 2)  # half of the year gone: 50% expected by a year-end deadline
    kw = {"override": "", "any_report": True, "overdue_reports": 0, "today": mid, "tolerance": Decimal("10")}
    assert progress.task_status(measures=[m("40"), m("45")], **kw) == "on_track"  # within 10 points
    assert progress.task_status(measures=[m("39.9"), m("90")], **kw) == "behind"  # one measure 10.1 behind
    assert progress.task_status(measures=[m("100"), m("100")], **kw) == "done"
    assert progress.task_status(measures=[m("60")], **kw | {"overdue_reports": 1}) == "behind"
    assert progress.task_status(measures=[m(None)], **kw | {"any_report": False, "today": D(2026, 1, 20)}) == (
        "not_started"
    )
    assert progress.task_status(measures=[m("0")], **kw | {"override": "done"}) == "done"

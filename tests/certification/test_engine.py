"""The criteria engine: every threshold's boundary, the relaxation and national-market paths, and
properties that must hold for any input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certification import engine
from certification.engine import FAIL, OFFICE_DECISION, PASS, Thresholds, TownFacts, evaluate

T = Thresholds()


def facts(**overrides) -> TownFacts:
    base = {
        "sector": "manufacturing",
        "annual_output_wan": Decimal("50000"),
        "anchor_enterprises": 1,
        "supporting_enterprises": 10,
        "provincial_share_pct": Decimal("50"),
        "local_jobs": 2000,
        "national_market": False,
        "traditional_feature": False,
    }
    return TownFacts(**(base | overrides))


def status(verdict, code):
    return next(c.status for c in verdict.criteria if c.code == code)


def test_the_document_example_is_eligible_at_every_bound():
    verdict = evaluate(facts(), T)  # every figure exactly at its threshold: "以上" includes the number
    assert verdict.outcome == engine.ELIGIBLE
    assert [c.code for c in verdict.criteria] == ["concentration", "scale", "market_share", "employment"]
    assert verdict.policy == "YC-2023"


@pytest.mark.parametrize(
    ("sector", "floor"),
    [("manufacturing", Decimal("50000")), ("agriculture", Decimal("20000")), ("light_industry", Decimal("20000"))],
)
def test_scale_floor_per_sector(sector, floor):
    assert status(evaluate(facts(sector=sector, annual_output_wan=floor), T), "scale") == PASS
    below = evaluate(facts(sector=sector, annual_output_wan=floor - Decimal("0.01")), T)
    assert status(below, "scale") == FAIL and below.outcome == engine.INELIGIBLE


def test_relaxation_for_traditional_feature_is_the_offices_decision_down_to_one_yi():
    at_floor = evaluate(facts(annual_output_wan=Decimal("10000"), traditional_feature=True), T)
    assert status(at_floor, "scale") == OFFICE_DECISION
    assert at_floor.outcome == engine.NEEDS_OFFICE_DECISION
    assert "由办公室研究决定" in at_floor.criteria[1].message
    under = evaluate(facts(annual_output_wan=Decimal("9999.99"), traditional_feature=True), T)
    assert status(under, "scale") == FAIL
    assert "不得少于1亿元" in under.criteria[1].message
    # Without the traditional feature there is no relaxation at all.
    assert status(evaluate(facts(annual_output_wan=Decimal("49999")), T), "scale") == FAIL
    # Above the normal floor the feature changes nothing.
    assert status(evaluate(facts(traditional_feature=True), T), "scale") == PASS


def test_market_share_and_national_market_path():
    assert status(evaluate(facts(provincial_share_pct=Decimal("49.99")), T), "market_share") == FAIL
    national = evaluate(facts(provincial_share_pct=Decimal("10"), national_market=True), T)
    assert status(national, "market_share") == OFFICE_DECISION
    unknown = evaluate(facts(provincial_share_pct=None, national_market=True), T)
    assert status(unknown, "market_share") == OFFICE_DECISION and "未填报" in unknown.criteria[2].message
    assert status(evaluate(facts(provincial_share_pct=None), T), "market_share") == FAIL
    assert status(evaluate(facts(provincial_share_pct=Decimal("100")), T), "market_share") == PASS


def test_concentration_needs_an_anchor_and_about_ten_supporting_firms():
    assert status(evaluate(facts(anchor_enterprises=0), T), "concentration") == FAIL
    assert status(evaluate(facts(supporting_enterprises=8), T), "concentration") == PASS  # "左右" down to 8
    low = evaluate(facts(supporting_enterprises=7), T)
    assert status(low, "concentration") == FAIL and "下限8家" in low.criteria[0].message


def test_employment_threshold():
    assert status(evaluate(facts(local_jobs=1999), T), "employment") == FAIL
    assert status(evaluate(facts(local_jobs=2000), T), "employment") == PASS


def test_a_policy_changes_the_numbers():
    strict = Thresholds(code="X", min_anchor=2, min_supporting=10, min_jobs=3000)
    verdict = evaluate(facts(anchor_enterprises=1, local_jobs=2500), strict)
    assert verdict.policy == "X"
    assert status(verdict, "concentration") == FAIL and status(verdict, "employment") == FAIL


def test_unknown_sector_is_an_error():
    with pytest.raises(ValueError):
        evaluate(facts(sector="mining"), T)


money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
share = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2, allow_nan=False))
town_facts = st.builds(
    TownFacts,
    sector=st.sampled_from(engine.SECTORS),
    annual_output_wan=money,
    anchor_enterprises=st.integers(0, 5),
    supporting_enterprises=st.integers(0, 30),
    provincial_share_pct=share,
    local_jobs=st.integers(0, 10000),
    national_market=st.booleans(),
    traditional_feature=st.booleans(),
)
RANK = {FAIL: 0, OFFICE_DECISION: 1, PASS: 2}


@settings(max_examples=300, deadline=None)
@given(town_facts)
def test_outcome_is_exactly_the_rule(f):
    verdict = evaluate(f, T)
    statuses = {c.status for c in verdict.criteria}
    expected = (
        engine.INELIGIBLE
        if FAIL in statuses
        else engine.NEEDS_OFFICE_DECISION
        if OFFICE_DECISION in statuses
        else engine.ELIGIBLE
    )
    assert verdict.outcome == expected
    assert all(c.message for c in verdict.criteria)


@settings(max_examples=300, deadline=None)
@given(
    town_facts,
    money,
    st.integers(0, 5),
    st.integers(0, 30),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
    st.integers(0, 10000),
)
def test_more_never_turns_a_pass_into_a_fail(f, more_output, more_anchor, more_supporting, more_share, more_jobs):
    share_before = f.provincial_share_pct
    share_after = min(Decimal("100"), (share_before or Decimal("0")) + more_share)
    better = TownFacts(
        sector=f.sector,
        annual_output_wan=f.annual_output_wan + more_output,
        anchor_enterprises=f.anchor_enterprises + more_anchor,
        supporting_enterprises=f.supporting_enterprises + more_supporting,
        provincial_share_pct=share_after if share_before is not None or more_share else share_before,
        local_jobs=f.local_jobs + more_jobs,
        national_market=f.national_market,
        traditional_feature=f.traditional_feature,
    )
    before, after = evaluate(f, T), evaluate(better, T)
    for b, a in zip(before.criteria, after.criteria, strict=True):
        assert RANK[a.status] >= RANK[b.status], (b, a)
    outcome_rank = {engine.INELIGIBLE: 0, engine.NEEDS_OFFICE_DECISION: 1, engine.ELIGIBLE: 2}
    assert outcome_rank[after.outcome] >= outcome_rank[before.outcome]

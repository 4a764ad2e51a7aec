"""Scoring and ranking on hand-computed examples (evaluation.scoring, pure)."""

from __future__ import annotations

from decimal import Decimal

from evaluation.scoring import TownInput, doubling_progress, growth, score

D = Decimal


def test_hand_computed_example():
    weights = {"output": 1, "local_jobs": 1, "market_share": 2}
    towns = [
        TownInput(1, "甲镇", D("100"), {"output": D("100"), "local_jobs": D("3000"), "market_share": D("60")}),
        TownInput(2, "乙镇", D("50"), {"output": D("50"), "local_jobs": D("1000"), "market_share": D("80")}),
        TownInput(3, "丙镇", D("75"), {"output": D("75"), "local_jobs": D("2000"), "market_share": D("40")}),
    ]
    result = {r.town_id: r for r in score(towns, weights)}
    # 甲: output 100, jobs 100, share 60 -> (100 + 100 + 2*60) / 4 = 80.0
    # 乙: output 0, jobs 0, share 80 -> (0 + 0 + 160) / 4 = 40.0
    # 丙: output 50, jobs 50, share 40 -> (50 + 50 + 80) / 4 = 45.0
    assert (result[1].score, result[2].score, result[3].score) == (D("80.0"), D("40.0"), D("45.0"))
    assert (result[1].rank, result[3].rank, result[2].rank) == (1, 2, 3)
    assert result[2].breakdown == {"output": D("0.0"), "local_jobs": D("0.0"), "market_share": D("80")}


def test_ties_break_by_output_then_name():
    weights = {"market_share": 1}
    towns = [
        TownInput(1, "乙镇", D("10"), {"market_share": D("50")}),
        TownInput(2, "甲镇", D("10"), {"market_share": D("50")}),
        TownInput(3, "丙镇", D("20"), {"market_share": D("50")}),
    ]
    ranks = {r.town_id: r.rank for r in score(towns, weights)}
    # 丙 has the larger output; between 乙 and 甲 the name decides, by character code (乙 U+4E59 < 甲 U+7532).
    assert ranks == {3: 1, 1: 2, 2: 3}
    again = {r.town_id: r.rank for r in score(list(reversed(towns)), weights)}
    assert again == ranks  # the same inputs in any order give the same ranks


def test_missing_year_is_not_scored_as_zero():
    weights = {"output": 1}
    towns = [TownInput(1, "有数据", D("10"), {"output": D("10")}), TownInput(2, "无数据", None, {})]
    result = {r.town_id: r for r in score(towns, weights)}
    assert result[2].score is None and result[2].rank is None
    assert result[1].score == D("100") and result[1].rank == 1


def test_missing_indicator_is_left_out_of_the_weights():
    weights = {"output": 1, "market_share": 3}
    towns = [
        TownInput(1, "甲", D("10"), {"output": D("10")}),  # no share reported
        TownInput(2, "乙", D("20"), {"output": D("20"), "market_share": D("30")}),
    ]
    result = {r.town_id: r for r in score(towns, weights)}
    assert result[1].score == D("0.0")  # only output counts, and it is the group's lowest
    assert result[2].score == D("47.5")  # (100 + 3*30) / 4


def test_growth_and_doubling():
    assert growth(D("120"), D("100")) == D("20.0")
    assert growth(D("100"), None) is None and growth(D("1"), 0) is None
    assert doubling_progress(D("150"), D("100")) == D("75.0")
    assert doubling_progress(D("250"), D("100")) == D("100")
    assert doubling_progress(D("150"), None) is None

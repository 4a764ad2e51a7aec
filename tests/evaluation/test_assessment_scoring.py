"""The annual assessment's scoring (evaluation.assessment, pure) at its boundaries, on hand-computed examples:
ties, missing data, a county with no towns, a bureau with no tasks, weights that do not add up, and the
timeliness rules borrowed from the task board and the models."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluation import assessment as rules
from evaluation.assessment import (
    COUNTY,
    DueItem,
    ExpectedReport,
    Input,
    TaskFacts,
    TownResult,
    UnitInput,
    not_applicable,
    score_units,
)
from evaluation.models import AssessmentConfig
from tasks_registry import progress

D = Decimal
W = rules.default_weights(COUNTY)  # town_results 40, reports 15, problems 15, rectification 15, targets 15


def share(done: int, due: int) -> Input:
    return Input(D(done), D(due), f"{done}/{due}")


def county(unit_id, name, **inputs) -> UnitInput:
    return UnitInput(unit_id, name, inputs)


def by_name(results):
    return {r.name: r for r in results}


# --- scores and totals ------------------------------------------------------------------------------------------


def test_hand_computed_totals_and_ranks():
    units = [
        county(
            1,
            "甲县",
            town_results=Input(D("160"), D("2"), "", scale=1),  # mean 80.0
            reports_on_time=share(7, 8),  # 87.5
            problems_on_time=share(1, 2),  # 50.0
            rectification_on_time=share(1, 1),  # 100.0
            own_targets=share(1, 2),  # 50.0
        ),
        county(
            2,
            "乙县",
            town_results=Input(D("90"), D("1"), "", scale=1),
            reports_on_time=share(8, 8),
            problems_on_time=share(0, 1),
            rectification_on_time=share(0, 1),
            own_targets=share(2, 2),
        ),
    ]
    got = by_name(score_units(COUNTY, units, W))
    # 甲: (40×80 + 15×87.5 + 15×50 + 15×100 + 15×50) / 100 = (3200 + 1312.5 + 750 + 1500 + 750) / 100 = 75.125 → 75.1
    # 乙: (40×90 + 15×100 + 0 + 0 + 15×100) / 100 = 66.0
    assert got["甲县"].total == D("75.1") and got["乙县"].total == D("66.0")
    assert (got["甲县"].rank, got["乙县"].rank) == (1, 2)
    assert got["甲县"].scores["reports_on_time"] == D("87.5")


def test_a_share_is_rounded_half_up():
    assert Input(D(2), D(3), "").score == D("66.7")
    assert Input(D(1), D(8), "").score == D("12.5")
    assert Input(D(1), D(16), "").score == D("6.3")  # 6.25 → 6.3 (half up, not to even)


def test_nothing_due_is_not_applicable_and_its_weight_goes_to_the_others():
    """A county with no problem and no notice due: two indicators do not apply; the other three share 100%."""
    unit = county(
        1,
        "甲县",
        town_results=Input(D("70"), D("1"), "", scale=1),
        reports_on_time=share(4, 8),
        problems_on_time=not_applicable("无到期应办结的问题"),
        rectification_on_time=not_applicable("无到期应整改的督办事项"),
        own_targets=share(2, 2),
    )
    [result] = score_units(COUNTY, [unit], W)
    # (40×70 + 15×50 + 15×100) / (40 + 15 + 15) = 5050 / 70 = 72.14 → 72.1
    assert result.total == D("72.1")
    assert result.scores["problems_on_time"] is None and result.rank == 1
    lines, total = rules.breakdown(COUNTY, unit.inputs, W)
    assert total == D("72.1")
    points = {line.code: line.points for line in lines}
    # each applicable indicator's share of the total: score × weight ÷ 70
    assert points == {
        "town_results": D("40.0"),
        "reports_on_time": D("10.7"),
        "problems_on_time": None,
        "rectification_on_time": None,
        "own_targets": D("21.4"),
    }


def test_a_county_with_no_towns_is_scored_on_its_other_duties():
    no_towns = rules.town_results([])
    assert not no_towns.applicable and no_towns.text == "本县（市、区）没有参加当年评估的专业镇"
    units = [
        county(1, "无镇县", town_results=no_towns, reports_on_time=share(8, 8), own_targets=share(0, 2)),
        county(2, "有镇县", town_results=Input(D("50"), D("1"), "", scale=1), reports_on_time=share(8, 8)),
    ]
    got = by_name(score_units(COUNTY, units, W))
    # 无镇县: (15×100 + 15×0) / 30 = 50.0; 有镇县: (40×50 + 15×100) / 55 = 63.6
    assert (got["无镇县"].total, got["有镇县"].total) == (D("50.0"), D("63.6"))
    assert (got["有镇县"].rank, got["无镇县"].rank) == (1, 2)


def test_a_unit_with_nothing_applicable_is_not_scored_nor_ranked():
    units = [county(1, "空县"), county(2, "甲县", reports_on_time=share(1, 2))]
    results = score_units(COUNTY, units, W)
    assert [(r.name, r.total, r.rank) for r in results] == [("甲县", D("50.0"), 1), ("空县", None, None)]


def test_a_bureau_with_no_tasks_is_shown_but_not_ranked():
    facts = []
    inputs = {
        "lead_progress": rules.task_progress(facts, "lead"),
        "support_progress": rules.task_progress(facts, "support"),
        "tasks_on_track": rules.tasks_on_track(facts),
        "reports_on_time": rules.report_timeliness([], datetime.date(2026, 2, 1)),
        "problems_on_time": share(1, 1),  # a problem assigned to it, closed on time: still shown
    }
    assert inputs["lead_progress"].text == "无牵头任务" and not inputs["tasks_on_track"].applicable
    units = [
        UnitInput(1, "市无任务局", inputs, excluded="无牵头或配合的重点任务，不参加排名"),
        UnitInput(2, "市有任务局", {"reports_on_time": share(3, 4)}),
    ]
    results = score_units(rules.BUREAU, units, rules.default_weights(rules.BUREAU))
    assert [(r.name, r.total, r.rank) for r in results] == [("市有任务局", D("75.0"), 1), ("市无任务局", None, None)]
    assert results[1].scores["problems_on_time"] == D("100.0")  # its figures are kept for the page


# --- ties -----------------------------------------------------------------------------------------------------


def test_equal_totals_are_decided_by_the_heaviest_indicator_first():
    # both total 60.0: 甲 scores 60 everywhere; 乙 scores 90 on town results (weight 40) and 40 elsewhere
    even = dict.fromkeys(W, Input(D(60), D(100), ""))
    uneven = dict.fromkeys(W, Input(D(40), D(100), "")) | {"town_results": Input(D("90"), D("1"), "", scale=1)}
    results = score_units(COUNTY, [county(1, "甲县", **even), county(2, "乙县", **uneven)], W)
    assert {r.name: r.total for r in results} == {"甲县": D("60.0"), "乙县": D("60.0")}
    assert [(r.name, r.rank) for r in results] == [("乙县", 1), ("甲县", 2)]


def test_equal_weights_are_compared_in_the_listed_order():
    weights = {
        "town_results": 0,
        "reports_on_time": 50,
        "problems_on_time": 50,
        "rectification_on_time": 0,
        "own_targets": 0,
    }
    a = county(1, "甲县", reports_on_time=share(1, 2), problems_on_time=share(1, 1))  # 50 + 100
    b = county(2, "乙县", reports_on_time=share(1, 1), problems_on_time=share(1, 2))  # 100 + 50
    results = score_units(COUNTY, [a, b], weights)
    assert [(r.name, r.total, r.rank) for r in results] == [("乙县", D("75.0"), 1), ("甲县", D("75.0"), 2)]


def test_not_applicable_counts_below_zero_in_a_tie():
    weights = {
        "town_results": 50,
        "reports_on_time": 50,
        "problems_on_time": 0,
        "rectification_on_time": 0,
        "own_targets": 0,
    }
    zero = county(1, "甲县", town_results=Input(D("0"), D("1"), "", scale=1), reports_on_time=share(0, 1))
    missing = county(2, "乙县", town_results=not_applicable(""), reports_on_time=share(0, 1))
    results = score_units(COUNTY, [missing, zero], weights)
    assert [(r.name, r.total, r.rank) for r in results] == [("甲县", D("0.0"), 1), ("乙县", D("0.0"), 2)]


def test_units_equal_on_every_figure_share_the_rank_and_names_only_order_the_list():
    same = {"reports_on_time": share(3, 4)}
    units = [county(1, "乙县", **same), county(2, "甲县", **same), county(3, "丙县", reports_on_time=share(4, 4))]
    results = score_units(COUNTY, units, W)
    # 乙 (U+4E59) before 甲 (U+7532) in character-code order; both second; the next is fourth
    units.append(county(4, "丁县", reports_on_time=share(1, 4)))
    assert [(r.name, r.rank) for r in results] == [("丙县", 1), ("乙县", 2), ("甲县", 2)]
    assert [(r.name, r.rank) for r in score_units(COUNTY, units, W)][-1] == ("丁县", 4)
    again = score_units(COUNTY, list(reversed(units)), W)
    assert [(r.name, r.rank) for r in again] == [(r.name, r.rank) for r in score_units(COUNTY, units, W)]


# --- weights --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (W | {"own_targets": 10}, "各指标权重之和应为100（现为95）。"),
        (W | {"own_targets": 20}, "各指标权重之和应为100（现为105）。"),
        ({k: v for k, v in W.items() if k != "own_targets"}, "应为每个考核指标设定权重。"),
        (W | {"extra": 0}, "应为每个考核指标设定权重。"),
        (W | {"own_targets": -5, "town_results": 60}, "各指标权重应为0～100的整数。"),
        (W | {"own_targets": 15.0}, "各指标权重应为0～100的整数。"),
        (W | {"own_targets": True}, "各指标权重应为0～100的整数。"),
    ],
)
def test_weights_must_cover_every_indicator_and_add_up_to_100(weights, message):
    assert rules.weights_errors(COUNTY, weights) == [message]
    with pytest.raises(ValidationError) as caught:
        AssessmentConfig(year=2025, county_weights=weights).clean()
    assert caught.value.message_dict == {"county_weights": [f"县（市、区）：{message}"]}


def test_the_defaults_add_up_and_an_all_in_one_weighting_is_allowed():
    assert (
        rules.weights_errors(COUNTY, W) == []
        and rules.weights_errors(rules.BUREAU, rules.default_weights("bureau")) == []
    )
    only_reports = dict.fromkeys(W, 0) | {"reports_on_time": 100}
    assert rules.weights_errors(COUNTY, only_reports) == []
    AssessmentConfig(year=2025).clean()  # nothing set: the defaults apply
    assert AssessmentConfig(year=2025).weights(COUNTY) == W


# --- the facts: reports, problems and notices, towns, targets, tasks -------------------------------------------


def q(year, n) -> progress.Period:
    return progress.parse_period(f"{year}-Q{n}", progress.QUARTERLY)


def test_report_timeliness_uses_the_task_boards_due_rule():
    """Q1 2025 is due 10 days after 31 March (10 April), inclusive; a period not yet overdue on the assessment day
    is not counted."""
    day = datetime.date
    expected = [
        ExpectedReport(3, q(2025, 1), 10, day(2025, 4, 10)),  # on the due day: on time
        ExpectedReport(4, q(2025, 1), 10, day(2025, 4, 11)),  # a day late
        ExpectedReport(5, q(2025, 1), 10, None),  # never
        ExpectedReport(3, q(2025, 4), 10, None),  # due 10 January 2026: not yet overdue on 10 January
    ]
    got = rules.report_timeliness(expected, day(2026, 1, 10))
    assert (got.numerator, got.denominator, got.text, got.score) == (D(1), D(3), "按时报送 1/3", D("33.3"))
    assert got.details == (
        "任务4 2025年第1季度：2025-04-11报送，逾期1天",
        "任务5 2025年第1季度：未报送（应于2025-04-10前）",
    )
    later = rules.report_timeliness(expected, day(2026, 1, 11))
    assert later.text == "按时报送 1/4"


def test_no_report_due_yet_is_not_applicable():
    got = rules.report_timeliness([ExpectedReport(1, q(2026, 4), 10, None)], datetime.date(2026, 12, 2))
    assert not got.applicable and got.text == "无到期应报的进展报告" and got.score is None


def test_on_time_share_counts_by_source():
    day = datetime.date(2025, 5, 1)
    items = [
        DueItem("运专镇督〔2025〕001号（甲镇）", day, False, "年度评估督办"),
        DueItem("运专镇督〔2025〕002号（乙镇）", day, True, "专项检查督办"),
        DueItem("运专镇督〔2025〕003号（丙镇）", day, False, "专项检查督办"),
    ]
    got = rules.on_time_share(items, "按期整改", "无")
    assert got.text == "按期整改 2/3（年度评估督办 1/1，专项检查督办 1/2）"
    assert got.details == ("运专镇督〔2025〕002号（乙镇）：期限2025-05-01，未按期",)
    assert rules.on_time_share([], "按期办结", "无到期应办结的问题").text == "无到期应办结的问题"


def test_status_is_replayed_to_the_end_of_a_day():
    day = datetime.date
    events = [(day(2025, 3, 1), "assigned"), (day(2025, 3, 20), "responded"), (day(2025, 3, 25), "assigned")]
    assert rules.status_on(events, day(2025, 2, 28), "open") == "open"
    assert rules.status_on(events, day(2025, 3, 20), "open") == "responded"  # the same day counts
    assert rules.status_on(events, day(2025, 3, 31), "open") == "assigned"  # sent back


def test_towns_without_figures_count_zero_in_their_countys_mean():
    towns = [
        TownResult("甲镇", "市级及以上专业镇", D("90.0"), 1),
        TownResult("乙镇", "潜力专业镇", D("60.0"), 1),
        TownResult("丙镇", "市级及以上专业镇", None, None),
    ]
    got = rules.town_results(towns)
    assert got.text == "专业镇3个，平均50.0分（无当年数据1个，按0分计）" and got.score == D("50.0")
    assert got.details[0] == "丙镇：无当年数据，按0分计"  # by name, in character-code order (丙 U+4E19 first)


def test_own_targets_each_met_counts_half_and_unset_is_not_met():
    none = rules.own_targets(None)
    assert (none.text, none.score) == ("完成 0/2（未设定县级目标）", D("0.0"))
    jobs_only = rules.own_targets(rules.Targets(3000, 3200, True, None, None, None))
    assert (jobs_only.text, jobs_only.score) == ("完成 1/2", D("50.0"))
    assert jobs_only.details == ("就业目标3000人，实际3200人，已完成", "税收目标未设定")
    unreported = rules.own_targets(rules.Targets(3000, None, False, D("20000.00"), D("25000.50"), True))
    assert unreported.details == ("就业目标3000人，实际未报送，未完成", "税收目标20000万元，实际25000.5万元，已完成")


def test_task_progress_leaves_out_tasks_without_measures():
    facts = [
        TaskFacts(4, "推动专业镇创新能力提升", "lead", D("60.0"), "behind", "滞后"),
        TaskFacts(10, "推动专业镇招商引资精准高效", "lead", None, "not_started", "未启动"),
        TaskFacts(2, "推动专业镇主导产业壮大", "support", D("100.0"), "done", "已完成"),
        TaskFacts(11, "推动专业镇市场份额扩大", "support", D("30.0"), "on_track", "正常推进"),
    ]
    lead = rules.task_progress(facts, "lead")
    assert (lead.text, lead.score) == ("牵头任务1项，平均进度60.0%", D("60.0"))
    assert lead.details[1] == "任务10 推动专业镇招商引资精准高效：当年无推进措施，不计"
    support = rules.task_progress(facts, "support")
    assert (support.text, support.score) == ("配合任务2项，平均进度65.0%", D("65.0"))
    on_track = rules.tasks_on_track(facts)
    assert (on_track.text, on_track.score) == ("按进度推进 2/4", D("50.0"))
    only_unmeasured = rules.task_progress(facts[1:2], "lead")
    assert not only_unmeasured.applicable and only_unmeasured.text == "牵头任务当年无推进措施"

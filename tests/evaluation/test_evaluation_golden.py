"""The evaluation's results on a varied, seeded data set are exactly those the implementation before the speed-up
(main at c5731c7) produced: indicators, re-check, slow items, scores, ranks and breakdowns, town by town.

The expected results are in golden_results.json, written by that implementation with
``EVALUATION_GOLDEN_WRITE=1 pytest tests/evaluation/test_evaluation_golden.py``; rewrite it only when a rule
changes on purpose, never to make a faster implementation pass."""

from __future__ import annotations

import datetime
import json
import os
import random
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from evaluation import services as evaluation
from evaluation.models import EvaluationConfig
from tasks_registry.models import KeyProject, Problem, ProgressReport, Task

from ..factories import (
    EnterpriseFactory,
    EnterpriseFiguresFactory,
    TownEvidenceFactory,
    TownFactory,
    TownFiguresFactory,
)
from ..helpers import run_inline

YEAR = 2025
GOLDEN = Path(__file__).with_name("golden_results.json")


def _varied_world(world):
    """60 towns over both counties and all tiers, with every input the evaluation reads present, missing, zero or
    tied somewhere: figures over three years, enterprises of each role, projects, problems, progress reports and
    the office's accepted evidence."""
    rng = random.Random(20251231)
    tz = timezone.get_current_timezone()
    counties = [world.home_county, world.other_county]
    task = Task.objects.get(number=4)
    towns = []
    for i in range(60):
        tier = rng.choice(["city"] * 5 + ["potential"] * 3 + ["provincial"])
        town = TownFactory(
            name=f"金镇{i:02d}",
            county=counties[i % 2],
            tier=tier,
            sector=rng.choice(["manufacturing", "agriculture", "light_industry"]),
            baseline_year=rng.choice([None, None, YEAR - 2, YEAR - 1]),
        )
        towns.append(town)
        output = Decimal(rng.choice([30000, 50000, 65000, 80000, 120000, rng.randint(1000, 200000)]))
        for year in (YEAR - 2, YEAR - 1, YEAR):
            if rng.random() < 0.12:
                continue  # a year without figures
            previous = output * Decimal(rng.choice(["0.8", "0.9", "1", "1.1"])) if year < YEAR else output
            TownFiguresFactory(
                town=town,
                year=year,
                output_wan=Decimal(0) if rng.random() < 0.04 else previous.quantize(Decimal("0.01")),
                local_jobs=rng.choice([0, rng.randint(100, 6000)]),
                provincial_share_pct=rng.choice([None, Decimal(rng.randint(0, 9000)) / 100]),
            )
        for j in range(rng.choice([0, 1, 3, 6, 11])):
            firm = EnterpriseFactory(
                town=town,
                role=rng.choice(["anchor", "supporting", "supporting", "other"]),
                above_designated_size=rng.random() < 0.4,
            )
            for year in (YEAR - 1, YEAR):
                if rng.random() < 0.8:
                    EnterpriseFiguresFactory(enterprise=firm, year=year)
        for j in range(rng.choice([0, 0, 1, 2, 3])):

            def day():
                return rng.choice([None, datetime.date(rng.choice([YEAR - 1, YEAR, YEAR + 1]), rng.randint(1, 12), 1)])

            KeyProject.objects.create(
                town=town,
                name=f"项目{i}-{j}",
                investment_wan=Decimal(500),
                stage="started",
                signed_on=day(),
                planned_start_on=day(),
                started_on=day(),
                planned_production_on=day(),
                in_production_on=day(),
            )
        for j in range(rng.choice([0, 0, 1, 2, 4])):
            deadline = datetime.date(rng.choice([YEAR - 1, YEAR, YEAR, YEAR + 1]), rng.randint(1, 12), 28)
            closed = rng.choice([None, deadline, deadline + datetime.timedelta(days=rng.choice([-30, 1, 40]))])
            Problem.objects.create(
                number=f"GD-{i}-{j}",
                title=f"问题{i}-{j}",
                description="-",
                town=town,
                found_on=datetime.date(YEAR - 1, rng.randint(1, 12), rng.randint(1, 28)),
                deadline=deadline,
                status="closed" if closed else "open",
                closed_at=closed
                and datetime.datetime.combine(closed, datetime.time(rng.choice([0, 9, 23]), 30), tzinfo=tz),
            )
        if rng.random() < 0.15:
            TownEvidenceFactory(town=town, kind="national_market")
        if rng.random() < 0.1:
            TownEvidenceFactory(town=town, kind="traditional_feature", feature_kind="gi")
    for period in (f"{YEAR}-Q1", f"{YEAR}-Q2", f"{YEAR}-Q3", f"{YEAR - 1}-Q4"):
        for county in counties:
            named = [t for t in rng.sample(towns, 6) if t.county_id == county.pk]
            ProgressReport.objects.create(task=task, county=county, period=period, narrative="-").towns.set(named)
    EvaluationConfig.objects.create(year=YEAR, weights={"local_jobs": 0, "projects": 20, "market_share": 7})


def _by_name(run) -> dict:
    rows = run.results.order_by().values_list(
        "town__name", "group", "indicators", "has_data", "criteria", "inspection", "slow", "score", "rank", "breakdown"
    )
    return {
        name: {
            "group": group,
            "indicators": indicators,
            "has_data": has_data,
            "criteria": criteria,
            "inspection": inspection,
            "slow": slow,
            "score": None if score is None else str(score),
            "rank": rank,
            "breakdown": breakdown,
        }
        for name, group, indicators, has_data, criteria, inspection, slow, score, rank, breakdown in rows
    }


@pytest.mark.parametrize("per_task", [7, 100])
def test_results_are_those_of_the_implementation_before_the_speed_up(world, tasks_world, per_task):
    _varied_world(world)
    run = run_inline(evaluation.evaluation_start(user=world.users["office"], year=YEAR), per_task=per_task)
    got = json.loads(json.dumps(_by_name(run), ensure_ascii=False))
    if os.environ.get("EVALUATION_GOLDEN_WRITE"):
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name
    ranked = [r for r in expected.values() if r["rank"] is not None]
    assert len(ranked) > 30 and any(r["inspection"] for r in expected.values())  # the data set is varied
    assert any(r["slow"] for r in expected.values()) and any(not r["has_data"] for r in expected.values())

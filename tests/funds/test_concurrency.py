"""Two office users allocating from one budget at once (PostgreSQL, real threads): the budget's row lock makes the
second wait for the first and see its amount, so together they never overshoot."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from funds import services
from funds.models import FundAllocation

from ..factories import make_user
from ..helpers import race


def test_concurrent_allocations_never_overshoot_the_budget(postgres_only, fund_world, world):
    offices = [fund_world.office, *(make_user("office", username=f"office{i}") for i in range(1, 4))]
    towns = [world.home_town, world.other_town]

    def allocate(i):  # four allocations of 200 万元 against 500: two fit, whatever the interleaving
        services.allocation_create(
            user=offices[i],
            kind="town",
            data={
                "budget": fund_world.budget,
                "town": towns[i % 2],
                "amount_wan": Decimal("200"),
                "purpose": "innovation",
            },
        )

    outcomes = race(4, allocate)
    assert outcomes.count("saved") == 2, outcomes
    refused = [o for o in outcomes if o != "saved"]
    assert all(isinstance(e, ValidationError) for e in refused), refused
    assert {m for e in refused for m in e.message_dict["amount_wan"]} == {"超出年度预算，剩余可安排 100.00 万元。"}
    assert FundAllocation.objects.aggregate(total=Sum("amount_wan"))["total"] == Decimal("400")


def test_a_budget_lowered_while_someone_allocates_stays_above_what_is_allocated(postgres_only, fund_world, world):
    """Lowering the budget to 300 and allocating 400 at once: one of them wins, never both."""
    office2 = make_user("office", username="office2")

    def act(i):
        if i == 0:
            services.budget_save(
                user=fund_world.office,
                budget=fund_world.budget,
                data={
                    "amount_wan": Decimal("300"),
                    "document_title": "调整预算",
                    "document_number": "运财企〔2026〕9号",
                    "document_date": timezone.localdate(),
                },
            )
        else:
            services.allocation_create(
                user=office2,
                kind="town",
                data={
                    "budget": fund_world.budget,
                    "town": world.home_town,
                    "amount_wan": Decimal("400"),
                    "purpose": "other",
                },
            )

    outcomes = race(2, act)
    assert outcomes.count("saved") == 1, outcomes
    fund_world.budget.refresh_from_db()
    allocated = FundAllocation.objects.aggregate(total=Sum("amount_wan"))["total"] or Decimal("0")
    assert allocated <= fund_world.budget.amount_wan

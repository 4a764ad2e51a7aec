"""`make run`'s demo data shows a year of the fund: a budget, rewards for a published evaluation's commendations and
support in every status, within the budget; loading it again changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from core.models import AuditEntry
from funds.models import FundAllocation, FundBudget


def test_demo_data_has_a_year_of_the_fund(db):
    call_command("load_demo_data", stdout=StringIO())
    budget = FundBudget.objects.get(year=timezone.localdate().year)
    allocations = FundAllocation.objects.filter(budget=budget)
    assert {a.status for a in allocations} == {"planned", "issued", "paid", "cancelled"}
    assert {a.kind for a in allocations} == {"reward", "town", "project"}
    reward = allocations.filter(kind="reward").first()
    assert reward.commendation.run.status == "published" and reward.county == reward.commendation.county
    active = allocations.exclude(status="cancelled").aggregate(total=Sum("amount_wan"))["total"]
    assert active <= budget.amount_wan
    for allocation in allocations:
        allocation.full_clean()
    before = (
        list(FundAllocation.objects.order_by("pk").values()),
        list(FundBudget.objects.values()),
        AuditEntry.objects.count(),
    )
    call_command("load_demo_data", stdout=StringIO())
    after = (
        list(FundAllocation.objects.order_by("pk").values()),
        list(FundBudget.objects.values()),
        AuditEntry.objects.count(),
    )
    assert after == before

"""Reads of the special fund, scoped to the user (funds.permissions): pages, exports, the API and the evaluation
page's reward line all read here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from core import audit
from evaluation.models import Commendation, EvaluationRun

from .models import ZERO, AllocationAttachment, BudgetAttachment, FundAllocation, FundBudget
from .permissions import ALL, TOTALS, allocation_scope, fund_access, require_allocation_reader, require_fund_reader

Status = FundAllocation.Status
AMOUNT = DecimalField(max_digits=14, decimal_places=2)


def allocations(*, user) -> QuerySet[FundAllocation]:
    """Every allocation for the office, leaders and task 1's units; a county's own; 403 for the rest."""
    require_allocation_reader(user)
    qs = FundAllocation.objects.select_related(
        "budget", "county", "town", "project", "commendation__run", "commendation__town"
    )
    scope = allocation_scope(user)
    return qs if scope is None else qs.filter(county_id=scope)


def allocation_get(*, user, pk) -> FundAllocation:
    return get_object_or_404(allocations(user=user), pk=pk)


def allocation_history(*, user, allocation: FundAllocation):
    """The allocation's trail (create, edits, status, attachments), newest first; the caller got it in scope."""
    return audit.history_for(allocation)


def visible_allocations(*, user) -> QuerySet[FundAllocation]:
    """As :func:`allocations`, but empty (not 403) for a user who may not read them: for pages that only mention
    them, like the evaluation page's commendations."""
    access = fund_access(user)
    if access is None or access == TOTALS:
        return FundAllocation.objects.none()
    return allocations(user=user)


def allocation_attachments(*, user) -> QuerySet[AllocationAttachment]:
    return AllocationAttachment.objects.filter(allocation__in=allocations(user=user))


def budgets(*, user) -> QuerySet[FundBudget]:
    """The years' budgets and their documents: everyone with a part in the fund (they are the city's figures)."""
    require_fund_reader(user)
    return FundBudget.objects.all()


def budget_attachments(*, user) -> QuerySet[BudgetAttachment]:
    return BudgetAttachment.objects.filter(budget__in=budgets(user=user))


def budgets_with_totals(*, user) -> QuerySet[FundBudget]:
    """Budgets with what is allocated (not cancelled), issued (issued or paid), paid and left, city-wide, in one
    query."""

    def total(condition: Q):
        return Coalesce(Sum("allocations__amount_wan", filter=condition), Value(ZERO), output_field=AMOUNT)

    return (
        budgets(user=user)
        .annotate(
            allocated_wan=total(Q(allocations__status__in=FundAllocation.ACTIVE)),
            issued_wan=total(Q(allocations__status__in=FundAllocation.ISSUED_OR_PAID)),
            paid_wan=total(Q(allocations__status=Status.PAID)),
        )
        .annotate(remaining_wan=ExpressionWrapper(F("amount_wan") - F("allocated_wan"), output_field=AMOUNT))
    )


# --- the funds page ------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Amounts of a group of allocations, in 万元."""

    allocated: Decimal = ZERO  # 已安排: not cancelled
    issued: Decimal = ZERO  # 已下达 (paid included)
    paid: Decimal = ZERO  # 已拨付
    count: int = 0


@dataclass
class Row:
    key: object
    label: str
    figures: Figures


@dataclass
class FundSummary:
    year: int
    budget: FundBudget | None
    totals: Figures  # city-wide: what the budget has left is the city's figure, whoever reads it
    by_county: list[Row] | None  # None: the user reads the totals only
    by_purpose: list[Row]
    own: Figures | None = None  # a county's own allocations
    access: str = ALL
    years: list[int] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget.amount_wan - self.totals.allocated


def _figures() -> dict:
    return {
        "allocated": Sum("amount_wan"),
        "issued": Sum("amount_wan", filter=Q(status__in=FundAllocation.ISSUED_OR_PAID)),
        "paid": Sum("amount_wan", filter=Q(status=Status.PAID)),
        "count": Count("pk"),
    }


def _as_figures(row: dict) -> Figures:
    return Figures(row["allocated"] or ZERO, row["issued"] or ZERO, row["paid"] or ZERO, row["count"])


def fund_summary(*, user, year: int) -> FundSummary:
    """The year's budget and what is allocated, issued and paid: city-wide totals for everyone with a part in the
    fund; by county (a county: its own row) and by purpose (a county: its own allocations; a totals-only bureau:
    city-wide)."""
    access = require_fund_reader(user)
    every_budget = list(FundBudget.objects.all())  # a row a year: the year's and the years to pick from, at once
    budget = next((b for b in every_budget if b.year == year), None)
    active = FundAllocation.objects.filter(budget__year=year, status__in=FundAllocation.ACTIVE).order_by()
    totals = _as_figures(active.aggregate(**_figures()))
    scope = allocation_scope(user)
    mine = active if scope is None else active.filter(county_id=scope)
    by_county = None
    if access != TOTALS:
        by_county = [
            Row(r["county_id"], r["county__name"], _as_figures(r))
            for r in mine.values("county_id", "county__name", "county__sort_order")
            .annotate(**_figures())
            .order_by("-allocated", "county__sort_order", "county__name")
        ]
    labels = dict(FundAllocation.Purpose.choices)
    by_purpose = [
        Row(r["purpose"], str(labels.get(r["purpose"], r["purpose"])), _as_figures(r))
        for r in mine.values("purpose").annotate(**_figures()).order_by("-allocated", "purpose")
    ]
    own = None
    if scope is not None:  # a county: its own row (none yet: zeros)
        own = by_county[0].figures if by_county else Figures()
    years = sorted({*(b.year for b in every_budget), year}, reverse=True)
    return FundSummary(year, budget, totals, by_county, by_purpose, own=own, access=access, years=years)


def commendations_awaiting_reward(*, user) -> QuerySet[Commendation]:
    """Commendations of published evaluations that carry no reward yet (none, or only cancelled ones): the office's
    to-do on the funds page."""
    if fund_access(user) != ALL:
        return Commendation.objects.none()
    rewarded = FundAllocation.objects.filter(commendation__isnull=False).exclude(status=Status.CANCELLED)
    return (
        Commendation.objects.filter(run__status=EvaluationRun.Status.PUBLISHED)
        .exclude(pk__in=rewarded.values("commendation_id"))
        .select_related("run", "town", "county")
        .order_by("-run__year", "rank")
    )


def commendation_choices() -> QuerySet[Commendation]:
    """The commendations a reward can be drawn for: those of published evaluations."""
    return (
        Commendation.objects.filter(run__status=EvaluationRun.Status.PUBLISHED)
        .select_related("run", "town", "county")
        .order_by("-run__year", "rank")
    )


def rewards_of(*, user, commendations) -> dict[int, list[FundAllocation]]:
    """The rewards (not cancelled) the user may see, by commendation id, in one query."""
    ids = [c.pk for c in commendations]
    found: dict[int, list[FundAllocation]] = {}
    if not ids:
        return found
    for allocation in (
        visible_allocations(user=user)
        .filter(commendation_id__in=ids)
        .exclude(status=Status.CANCELLED)
        .order_by("created_at")
    ):
        found.setdefault(allocation.commendation_id, []).append(allocation)
    return found

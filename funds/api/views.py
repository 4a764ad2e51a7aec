from rest_framework import viewsets

from funds import selectors
from funds.filters import AllocationFilter
from funds.models import FundAllocation, FundBudget

from .serializers import FundAllocationOutput, FundBudgetOutput


class FundBudgetViewSet(viewsets.ReadOnlyModelViewSet):
    """培育特色专业镇发展专项资金: each year's budget, its source document, and city-wide what is allocated, issued,
    paid and left. Everyone with a part in the fund (the office, leaders, bureaus, counties); 403 for the rest."""

    serializer_class = FundBudgetOutput
    filter_backends = []
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FundBudget.objects.none()
        return selectors.budgets_with_totals(user=self.request.user).order_by("-year")


class FundAllocationViewSet(viewsets.ReadOnlyModelViewSet):
    """Allocations from the fund (rewards to counties, support to towns and key projects) with their payment status.
    A county reads its own county's; the office, leaders and task 1's units all; other bureaus 403 (they read the
    totals under fund-budgets)."""

    serializer_class = FundAllocationOutput
    filterset_class = AllocationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FundAllocation.objects.none()
        return selectors.allocations(user=self.request.user)

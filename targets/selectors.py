"""The one read of the database behind the targets dashboard: four queries whatever the number of towns."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from towns.models import County, Town, TownTierChange, TownYearFigures
from towns.permissions import require_portal_role

from .dashboard import Dashboard, build_dashboard
from .rules import DashboardInput, TierChangeFacts

# --- the one read of the database --------------------------------------------------------------------


def dashboard_input(*, user) -> DashboardInput:
    """Four queries, whatever the number of towns: towns (with enterprise counts), every yearly
    output, the counties and the tier history. Town rows come back with ``latest_figures`` filled,
    so pages can show them without a further query."""
    require_portal_role(user)
    towns = list(
        Town.objects.select_related("county")
        .annotate(
            enterprise_count=Count("enterprises"),
            above_size_count=Count("enterprises", filter=Q(enterprises__above_designated_size=True)),
        )
        .order_by("county__sort_order", "name")
    )
    figures: dict[int, dict[int, TownYearFigures]] = defaultdict(dict)
    for row in TownYearFigures.objects.order_by("town_id", "year"):
        figures[row.town_id][row.year] = row
    for town in towns:
        rows = figures.get(town.pk)
        town.latest_figures_list = [rows[max(rows)]] if rows else []
    changes = [
        TierChangeFacts(town_id=t, to_tier=tier, effective_date=d, pk=pk, source=source)
        for t, tier, d, pk, source in TownTierChange.objects.order_by().values_list(
            "town_id", "to_tier", "effective_date", "pk", "source"
        )
    ]
    return DashboardInput(
        towns=towns,
        counties=list(County.objects.order_by("sort_order", "name")),
        changes=changes,
        outputs={pk: {year: f.output_wan for year, f in rows.items()} for pk, rows in figures.items()},
    )


def dashboard(*, user, today: datetime.date | None = None) -> tuple[Dashboard, DashboardInput]:
    data = dashboard_input(user=user)
    return build_dashboard(data, today or timezone.localdate()), data

"""Every read that pages, exports and the API share. Each takes the user and returns only what
they may see (rules in :mod:`towns.permissions`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from core import audit

from .models import County, Enterprise, EnterpriseYearFigures, Town, TownYearFigures
from .permissions import (
    county_scope,
    require_enterprise_reader,
    require_portal_role,
    require_registry_editor,
    require_town_in_scope,
)


def _latest_prefetch(figures_model, owner_field: str) -> Prefetch:
    """Prefetch only each owner's most recent year: one query, whatever the page size."""
    latest_year = (
        figures_model.objects.filter(**{owner_field: OuterRef(owner_field)}).order_by("-year").values("year")[:1]
    )
    return Prefetch(
        "figures",
        # One row per owner: no ordering, so no join through the owner's default ordering (town, county).
        queryset=figures_model.objects.filter(year=Subquery(latest_year)).order_by(),
        to_attr="latest_figures_list",
    )


def _enterprise_count(**conditions):
    """A correlated count, evaluated only for the rows of the page (no GROUP BY over all towns)."""
    counted = (
        Enterprise.objects.filter(town=OuterRef("pk"), **conditions)
        .order_by()
        .values("town")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# Annotations that apps above the registry add to every town row (registered from their AppConfig.ready), so a
# rule of theirs shows where the tier is shown without the registry importing them; e.g. certification's 待复核.
# name -> a function returning the expression (called per query: it may depend on today's date).
TOWN_ANNOTATIONS: dict[str, Callable[[], Any]] = {}


def town_list(*, user) -> QuerySet[Town]:
    """The registry of towns: every role sees every town's registry entry and headline figures."""
    require_portal_role(user)
    return (
        Town.objects.select_related("county")
        .annotate(
            enterprise_count=_enterprise_count(),
            anchor_count=_enterprise_count(role=Enterprise.Role.ANCHOR),
            supporting_count=_enterprise_count(role=Enterprise.Role.SUPPORTING),
            above_size_count=_enterprise_count(above_designated_size=True),
            **{name: make() for name, make in TOWN_ANNOTATIONS.items()},
        )
        .prefetch_related(_latest_prefetch(TownYearFigures, "town"))
        .order_by("county__sort_order", "name")
    )


def town_get(*, user, pk) -> Town:
    return get_object_or_404(town_list(user=user), pk=pk)


def town_figures(*, user, town: Town) -> QuerySet[TownYearFigures]:
    """A town's own yearly figures: part of its registry entry, visible to every role."""
    require_portal_role(user)
    return town.figures.order_by("-year")


def enterprise_list(*, user) -> QuerySet[Enterprise]:
    """Enterprise-level data: a county official sees only their own county's enterprises; experts none (403)."""
    require_enterprise_reader(user)
    qs = Enterprise.objects.select_related("town__county").prefetch_related(
        _latest_prefetch(EnterpriseYearFigures, "enterprise")
    )
    scope = county_scope(user)
    if scope is not None:
        qs = qs.filter(town__county_id=scope)
    return qs.order_by("town__county__sort_order", "town__name", "name")


def enterprise_get(*, user, pk) -> Enterprise:
    return get_object_or_404(enterprise_list(user=user), pk=pk)


def town_enterprises(*, user, town: Town) -> QuerySet[Enterprise]:
    require_town_in_scope(user, town)
    return enterprise_list(user=user).filter(town=town)


def enterprise_figures(*, user, enterprise: Enterprise) -> QuerySet[EnterpriseYearFigures]:
    require_town_in_scope(user, enterprise.town)
    return enterprise.figures.order_by("-year")


def editable_towns(*, user) -> QuerySet[Town]:
    """Towns whose enterprises and figures the user may change (403 for read-only roles)."""
    require_registry_editor(user)
    qs = Town.objects.select_related("county")
    scope = county_scope(user)
    return qs.filter(county_id=scope) if scope is not None else qs


def editable_town_get(*, user, pk) -> Town:
    require_registry_editor(user)
    town = get_object_or_404(Town.objects.select_related("county"), pk=pk)
    require_town_in_scope(user, town)
    return town


def editable_enterprise_get(*, user, pk) -> Enterprise:
    require_registry_editor(user)
    enterprise = enterprise_get(user=user, pk=pk)
    return enterprise


def county_list(*, user) -> QuerySet[County]:
    require_portal_role(user)
    return County.objects.annotate(
        town_count=Count("towns", distinct=True),
        provincial_count=Count("towns", filter=Q(towns__tier="provincial"), distinct=True),
        city_count=Count("towns", filter=Q(towns__tier="city"), distinct=True),
        potential_count=Count("towns", filter=Q(towns__tier="potential"), distinct=True),
    ).order_by("sort_order", "name")


def county_get(*, user, pk) -> County:
    return get_object_or_404(county_list(user=user), pk=pk)


def object_history(*, user, obj):
    """An object's audit trail; callers have already checked the object is in scope."""
    require_portal_role(user)
    return audit.history_for(obj)

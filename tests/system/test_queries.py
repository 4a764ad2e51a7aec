"""Query-count budgets: list pages and list endpoints cost the same number of queries at any size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..factories import EnterpriseFactory, EnterpriseFiguresFactory, TownFactory, TownFiguresFactory


def grow(world, n_towns: int) -> None:
    for i in range(n_towns):
        town = TownFactory(county=world.home_county if i % 2 else world.other_county)
        for year in (2022, 2023, 2024):
            TownFiguresFactory(town=town, year=year)
        for _ in range(3):
            enterprise = EnterpriseFactory(town=town)
            EnterpriseFiguresFactory(enterprise=enterprise, year=2024)
            EnterpriseFiguresFactory(enterprise=enterprise, year=2023)


def queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm process-wide caches (content types) first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


PAGES = [
    ("town-list", {}),
    ("town-list", {"tier": "city"}),
    ("town-list", {"export": "xlsx"}),
    ("enterprise-list", {}),
    ("enterprise-list", {"export": "xlsx"}),
    ("county-list", {}),
    ("home", {}),
]
API = ["/api/v1/towns/", "/api/v1/enterprises/", "/api/v1/counties/"]
BUDGET = 12  # session, user, membership, unread notifications, the page's own few queries
DETAIL_BUDGET = 15  # a town page: its figures, enterprises, tier history, certificates and audit trail


@pytest.mark.parametrize("role", ["county", "office", "leader"])
def test_pages_do_not_grow_with_rows(world, client_for, role):
    client = client_for(role)
    small = {f"{name}{params}": queries(client, reverse(name), params) for name, params in PAGES}
    grow(world, 20)
    large = {f"{name}{params}": queries(client, reverse(name), params) for name, params in PAGES}
    assert small == large
    assert max(large.values()) <= BUDGET, large


@pytest.mark.parametrize("role", ["county", "office", "api"])
def test_api_lists_do_not_grow_with_rows(world, api_for, role):
    client = api_for(role)
    small = {url: queries(client, url) for url in API}
    grow(world, 20)
    large = {url: queries(client, url) for url in API}
    assert small == large
    assert max(large.values()) <= BUDGET, large


def test_town_detail_does_not_grow_with_enterprises(world, client_for):
    client = client_for("county")
    url = reverse("town-detail", kwargs={"pk": world.home_town.pk})
    small = queries(client, url)
    for _ in range(15):
        EnterpriseFiguresFactory(enterprise=EnterpriseFactory(town=world.home_town))
    assert queries(client, url) == small <= DETAIL_BUDGET

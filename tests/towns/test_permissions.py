"""The registry's permission matrix, pages and API, every role: allowed, 403 or 404 as designed.

Every page of every app, every role: tests/portal/test_url_matrix.py.

Of another county's towns a county official sees only the registry entry; that county's
enterprises, their figures and every edit page answer 404 (pages and API).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from towns.models import Enterprise, EnterpriseYearFigures, TownYearFigures

ROLES = ["county", "office", "bureau", "leader", "api", "expert", "norole"]

ALL = dict.fromkeys(["county", "office", "bureau", "leader", "api", "expert"], 200) | {"norole": 403}
EDITORS = {"county": 200, "office": 200, "bureau": 403, "leader": 403, "api": 403, "expert": 403, "norole": 403}
EDITORS_OTHER_COUNTY = EDITORS | {"county": 404}
READ_OTHER_COUNTY = ALL | {"county": 404}
OFFICE_ONLY = dict.fromkeys(ROLES, 403) | {"office": 200}
# API accounts read through the API; of the pages they keep their home page (portal/middleware.py).
PAGES = ALL | {"api": 403}
PAGES_OTHER_COUNTY = READ_OTHER_COUNTY | {"api": 403}
# Experts reach firms only through the applications assigned to them, not the enterprise registry.
FIRMS = ALL | {"expert": 403}
FIRMS_OTHER_COUNTY = READ_OTHER_COUNTY | {"expert": 403}


def _page_cases(w):
    other_town_fig = w.other_town.figures.first()
    home_town_fig = w.home_town.figures.first()
    other_ent_fig = w.other_enterprise.figures.first()
    return [
        ("home", {}, ALL),
        ("county-list", {}, PAGES),
        ("county-detail", {"pk": w.other_county.pk}, PAGES),
        ("town-list", {}, PAGES),
        ("town-detail", {"pk": w.other_town.pk}, PAGES),
        ("town-detail", {"pk": w.home_town.pk}, PAGES),
        ("town-figures-new", {"pk": w.home_town.pk}, EDITORS),
        ("town-figures-new", {"pk": w.other_town.pk}, EDITORS_OTHER_COUNTY),
        ("town-figures-edit", {"pk": w.home_town.pk, "figures_pk": home_town_fig.pk}, EDITORS),
        ("town-figures-edit", {"pk": w.other_town.pk, "figures_pk": other_town_fig.pk}, EDITORS_OTHER_COUNTY),
        ("town-tier-change", {"pk": w.home_town.pk}, OFFICE_ONLY),
        ("enterprise-list", {}, PAGES | {"expert": 403}),
        ("enterprise-detail", {"pk": w.home_enterprise.pk}, PAGES | {"expert": 403}),
        ("enterprise-detail", {"pk": w.other_enterprise.pk}, PAGES_OTHER_COUNTY | {"expert": 403}),
        ("enterprise-create", {}, EDITORS),
        ("enterprise-edit", {"pk": w.home_enterprise.pk}, EDITORS),
        ("enterprise-edit", {"pk": w.other_enterprise.pk}, EDITORS_OTHER_COUNTY),
        ("enterprise-figures-new", {"pk": w.other_enterprise.pk}, EDITORS_OTHER_COUNTY),
        (
            "enterprise-figures-edit",
            {"pk": w.other_enterprise.pk, "figures_pk": other_ent_fig.pk},
            EDITORS_OTHER_COUNTY,
        ),
        ("enterprise-import", {}, EDITORS),
        ("enterprise-import-template", {}, EDITORS),
        ("audit-trail", {}, OFFICE_ONLY),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(world, client_for, role):
    client = client_for(role)
    failures = []
    for name, kwargs, expected in _page_cases(world):
        url = reverse(name, kwargs=kwargs)
        status = client.get(url).status_code
        if status != expected[role]:
            failures.append(f"{role} GET {url}: {status}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


def test_anonymous_pages_redirect_to_login(world, client):
    for name, kwargs, _ in _page_cases(world):
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 302 and response.url.startswith("/login/"), name


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("county", 404),
        ("office", 302),
        ("bureau", 403),
        ("leader", 403),
        ("api", 403),
        ("expert", 403),
        ("norole", 403),
    ],
)
def test_delete_other_countys_enterprise(world, client_for, role, expected):
    response = client_for(role).post(reverse("enterprise-delete", kwargs={"pk": world.other_enterprise.pk}))
    assert response.status_code == expected
    assert Enterprise.objects.filter(pk=world.other_enterprise.pk).exists() == (expected != 302)


def test_county_official_edits_own_county_only(world, client_for):
    client = client_for("county")
    data = {"year": 2022, "output_wan": "100", "local_jobs": "10", "provincial_share_pct": "", "tax_wan": ""}
    own = client.post(reverse("town-figures-new", kwargs={"pk": world.home_town.pk}), data)
    other = client.post(reverse("town-figures-new", kwargs={"pk": world.other_town.pk}), data)
    assert own.status_code == 302
    assert other.status_code == 404
    assert TownYearFigures.objects.filter(town=world.home_town, year=2022).exists()
    assert not TownYearFigures.objects.filter(town=world.other_town, year=2022).exists()


def test_county_official_cannot_move_enterprise_into_other_county(world, client_for):
    e = world.home_enterprise
    response = client_for("county").post(
        reverse("enterprise-edit", kwargs={"pk": e.pk}),
        {"town": world.other_town.pk, "name": e.name, "credit_code": e.credit_code, "role": e.role},
    )
    # The other county's town is not among the choices: the form rejects it and nothing moves.
    assert response.status_code == 200
    assert "town" in response.context["form"].errors
    e.refresh_from_db()
    assert e.town == world.home_town


def test_other_countys_town_page_shows_registry_entry_not_enterprises(world, client_for):
    response = client_for("county").get(reverse("town-detail", kwargs={"pk": world.other_town.pk}))
    body = response.content.decode()
    assert world.other_town.name in body and "盐湖区" in body and "水泵" in body
    assert world.other_enterprise.name not in body
    assert world.other_enterprise.credit_code not in body
    own = client_for("county").get(reverse("town-detail", kwargs={"pk": world.home_town.pk})).content.decode()
    assert world.home_enterprise.name in own


def test_enterprise_list_and_export_are_scoped(world, client_for):
    body = client_for("county").get(reverse("enterprise-list")).content.decode()
    assert world.home_enterprise.name in body and world.other_enterprise.name not in body
    office = client_for("office").get(reverse("enterprise-list")).content.decode()
    assert world.home_enterprise.name in office and world.other_enterprise.name in office


# --- API -----------------------------------------------------------------------------------------


def _api_cases(w):
    other_e = f"/api/v1/enterprises/{w.other_enterprise.pk}/"
    home_e = f"/api/v1/enterprises/{w.home_enterprise.pk}/"
    figures = {"year": 2021, "output_wan": "10", "local_jobs": 1}
    new_other = {"town": w.other_town.pk, "name": "新企业", "credit_code": "91350100M000100Y43", "role": "other"}
    return [
        ("get", "/api/v1/counties/", None, ALL),
        ("get", "/api/v1/towns/", None, ALL),
        ("get", f"/api/v1/towns/{w.other_town.pk}/", None, ALL),
        ("get", f"/api/v1/towns/{w.other_town.pk}/figures/", None, ALL),
        ("get", "/api/v1/enterprises/", None, FIRMS),
        ("get", home_e, None, FIRMS),
        ("get", other_e, None, FIRMS_OTHER_COUNTY),
        ("get", other_e + "figures/", None, FIRMS_OTHER_COUNTY),
        ("post", "/api/v1/enterprises/", new_other, EDITORS_OTHER_COUNTY | {"office": 201}),
        ("patch", other_e, {"main_products": "x"}, EDITORS_OTHER_COUNTY),
        ("patch", home_e, {"main_products": "y"}, EDITORS),
        ("post", other_e + "figures/", figures, EDITORS_OTHER_COUNTY | {"office": 201}),
        ("post", f"/api/v1/towns/{w.other_town.pk}/figures/", figures, EDITORS_OTHER_COUNTY | {"office": 201}),
        ("delete", other_e, None, EDITORS_OTHER_COUNTY | {"office": 204}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(world, api_for, role):
    client = api_for(role)
    failures = []
    for method, url, data, expected in _api_cases(world):
        response = getattr(client, method)(url, data, format="json")
        if response.status_code != expected[role]:
            failures.append(f"{role} {method.upper()} {url}: {response.status_code}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


def test_api_forbidden_writes_save_nothing(world, api_for):
    before = (Enterprise.objects.count(), EnterpriseYearFigures.objects.count(), TownYearFigures.objects.count())
    for role in ("county", "bureau", "leader", "api", "expert"):
        for method, url, data, _ in _api_cases(world):
            if method != "get":
                getattr(api_for(role), method)(url, data, format="json")
    after = (Enterprise.objects.count(), EnterpriseYearFigures.objects.count(), TownYearFigures.objects.count())
    assert before == after
    world.other_enterprise.refresh_from_db()
    assert world.other_enterprise.main_products == ""


def test_api_requires_authentication(world, client):
    response = client.get("/api/v1/towns/")
    assert response.status_code == 401


def test_api_enterprise_list_is_scoped(world, api_for):
    names = {e["name"] for e in api_for("county").get("/api/v1/enterprises/").json()["results"]}
    assert names == {"康特尔"}
    names = {e["name"] for e in api_for("office").get("/api/v1/enterprises/").json()["results"]}
    assert names == {"康特尔", "天海泵业"}

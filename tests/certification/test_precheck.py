"""POST /api/v1/certification/precheck/: the contract other systems and the county's self-check use."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ..factories import api_key

URL = "/api/v1/certification/precheck/"
GOOD = {
    "sector": "manufacturing",
    "annual_output_wan": "50000",
    "anchor_enterprises": 1,
    "supporting_enterprises": 10,
    "provincial_share_pct": 50,
    "national_market": False,
    "traditional_feature": False,
    "local_jobs": 2000,
}


@pytest.fixture
def client(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['api'])}")
    return client


def test_eligible_answer_shape(client):
    response = client.post(URL, GOOD, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["outcome"] == "eligible" and data["policy"] == "YC-2023"
    assert [c["code"] for c in data["criteria"]] == ["concentration", "scale", "market_share", "employment"]
    assert all(c["status"] == "pass" and c["message"] for c in data["criteria"])


@pytest.mark.parametrize(
    ("overrides", "outcome"),
    [
        ({"annual_output_wan": 49999.99}, "ineligible"),
        ({"annual_output_wan": "15000", "traditional_feature": True}, "needs_office_decision"),
        ({"provincial_share_pct": None, "national_market": True}, "needs_office_decision"),
        ({"sector": "agriculture", "annual_output_wan": "20000"}, "eligible"),
        ({"sector": "light_industry", "annual_output_wan": 19999}, "ineligible"),
    ],
)
def test_outcomes(client, overrides, outcome):
    assert client.post(URL, GOOD | overrides, format="json").json()["outcome"] == outcome


def test_defaults_for_optional_fields(client):
    body = {
        k: v for k, v in GOOD.items() if k not in ("national_market", "traditional_feature", "provincial_share_pct")
    }
    data = client.post(URL, body, format="json").json()
    assert data["outcome"] == "ineligible"  # no share given and no national market: market_share fails
    assert data["criteria"][2]["status"] == "fail"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sector": "mining"}, "sector"),
        ({"annual_output_wan": -1}, "annual_output_wan"),
        ({"annual_output_wan": "lots"}, "annual_output_wan"),
        ({"annual_output_wan": "NaN"}, "annual_output_wan"),
        ({"annual_output_wan": True}, "annual_output_wan"),
        ({"anchor_enterprises": 1.5}, "anchor_enterprises"),
        ({"supporting_enterprises": -2}, "supporting_enterprises"),
        ({"supporting_enterprises": "ten"}, "supporting_enterprises"),
        ({"anchor_enterprises": True}, "anchor_enterprises"),
        ({"provincial_share_pct": 100.5}, "provincial_share_pct"),
        ({"provincial_share_pct": -0.1}, "provincial_share_pct"),
        ({"local_jobs": 2000.5}, "local_jobs"),
        ({"national_market": "maybe"}, "national_market"),
        ({"annual_output_wan": "1e400"}, "annual_output_wan"),
    ],
)
def test_bad_input_answers_400_naming_the_field(client, overrides, field):
    response = client.post(URL, GOOD | overrides, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "missing", ["sector", "annual_output_wan", "anchor_enterprises", "supporting_enterprises", "local_jobs"]
)
def test_missing_required_field(client, missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    response = client.post(URL, body, format="json")
    assert response.status_code == 400 and missing in response.json()


def test_not_json_and_empty_body_are_400_not_500(client):
    assert client.post(URL, "{not json", content_type="application/json").status_code == 400
    assert client.post(URL, [], format="json").status_code == 400
    assert client.post(URL, {}, format="json").status_code == 400


def test_any_authenticated_user_but_not_anonymous(world, api_for):
    assert APIClient().post(URL, GOOD, format="json").status_code == 401
    for role in ("county", "office", "bureau", "leader", "norole"):
        assert api_for(role).post(URL, GOOD, format="json").status_code == 200, role


def test_named_policy(client):
    assert client.post(URL + "?policy=NOPE", GOOD, format="json").status_code == 404
    assert client.post(URL + "?policy=YC-2023", GOOD, format="json").json()["policy"] == "YC-2023"


def test_no_policy_at_all_is_a_404(client):
    """The office may delete a policy no application has used; with none left there is nothing to check against."""
    from certification.models import CriteriaPolicy, Cycle

    Cycle.objects.all().delete()
    CriteriaPolicy.objects.all().delete()
    response = client.post(URL, GOOD, format="json")
    assert response.status_code == 404 and list(response.json()) == ["detail"]

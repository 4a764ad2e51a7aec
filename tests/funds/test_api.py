"""/api/v1/fund-budgets/ and /api/v1/fund-allocations/: the contract, the filters, and who reads what."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from rest_framework.test import APIClient

from funds import services

from ..factories import api_key
from ..helpers import other_county_user

TODAY = timezone.localdate()


def _allocate(fw, world):
    reward = services.allocation_create(
        user=fw.office,
        kind="reward",
        data={"budget": fw.budget, "commendation": fw.top, "amount_wan": Decimal("200"), "merit": "产值增速全市第一"},
    )
    services.allocation_issue(
        user=fw.office, allocation=reward, document_number="运专镇办〔2026〕2号", document_date=TODAY
    )
    services.allocation_pay(user=fw.office, allocation=reward, paid_on=TODAY)
    support = services.allocation_create(
        user=fw.office,
        kind="town",
        data={"budget": fw.budget, "town": world.other_town, "amount_wan": Decimal("80.5"), "purpose": "employment"},
    )
    cancelled = services.allocation_create(
        user=fw.office,
        kind="project",
        data={"budget": fw.budget, "project": fw.project, "amount_wan": Decimal("99"), "purpose": "key_projects"},
    )
    services.allocation_cancel(user=fw.office, allocation=cancelled, reason="项目终止")
    return reward, support


def test_budgets_give_the_city_totals_to_everyone_in_the_fund(fund_world, world, api_for):
    _allocate(fund_world, world)
    data = api_for("county").get("/api/v1/fund-budgets/").json()
    assert data["count"] == 1
    assert data["results"][0] == {
        "year": fund_world.year,
        "amount_wan": "500.00",
        "allocated_wan": "280.50",  # the cancelled 99 does not count
        "issued_wan": "200.00",
        "paid_wan": "200.00",
        "remaining_wan": "219.50",
        "document_title": f"关于下达{fund_world.year}年度培育特色专业镇发展专项资金预算的通知",
        "document_number": f"运财企〔{fund_world.year}〕3号",
        "document_date": fund_world.budget.document_date.isoformat(),
        "note": "",
    }
    detail = api_for("leader").get(f"/api/v1/fund-budgets/{fund_world.year}/")
    assert detail.status_code == 200 and detail.json()["remaining_wan"] == "219.50"
    assert api_for("leader").get(f"/api/v1/fund-budgets/{fund_world.year - 5}/").status_code == 404


def test_allocations_contract_and_filters(fund_world, world, api_for):
    reward, _support = _allocate(fund_world, world)
    client = api_for("office")
    rows = client.get("/api/v1/fund-allocations/").json()["results"]
    assert len(rows) == 3
    first = client.get(f"/api/v1/fund-allocations/{reward.pk}/").json()
    assert first == {
        "id": reward.pk,
        "year": fund_world.year,
        "kind": "reward",
        "kind_display": "表扬奖励",
        "county": "万荣县",
        "county_id": world.home_county.pk,
        "town": "万荣县外加剂",
        "town_id": world.home_town.pk,
        "project": None,
        "project_id": None,
        "commendation": {"id": fund_world.top.pk, "evaluation_year": 2025, "rank": 1, "town": "万荣县外加剂"},
        "amount_wan": "200.00",
        "purpose": "reward",
        "purpose_display": "表扬奖励",
        "description": "",
        "merit": "产值增速全市第一",
        "document_number": "运专镇办〔2026〕2号",
        "document_date": TODAY.isoformat(),
        "status": "paid",
        "status_display": "已拨付",
        "paid_on": TODAY.isoformat(),
        "payment_reference": "",
        "cancelled_on": None,
        "cancel_reason": "",
    }
    assert [r["kind"] for r in client.get("/api/v1/fund-allocations/", {"status": "cancelled"}).json()["results"]] == [
        "project"
    ]
    by_county = client.get("/api/v1/fund-allocations/", {"county": world.other_county.pk}).json()["results"]
    assert sorted(r["amount_wan"] for r in by_county) == ["80.50", "99.00"]
    assert client.get("/api/v1/fund-allocations/", {"purpose": "nope"}).status_code == 400
    assert client.get("/api/v1/fund-allocations/", {"year": fund_world.year - 1}).json()["count"] == 0


def test_allocations_are_scoped_as_the_pages(fund_world, world, api_for, tasks_world):
    reward, support = _allocate(fund_world, world)
    county = api_for("county")
    assert [r["id"] for r in county.get("/api/v1/fund-allocations/").json()["results"]] == [reward.pk]
    assert county.get(f"/api/v1/fund-allocations/{support.pk}/").status_code == 404
    yanhu = APIClient()
    yanhu.force_authenticate(other_county_user(world))
    assert yanhu.get(f"/api/v1/fund-allocations/{reward.pk}/").status_code == 404
    for user in (tasks_world.zhaoshang, world.users["expert"]):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get("/api/v1/fund-allocations/").status_code == 403
    assert api_for("api").get("/api/v1/fund-budgets/").status_code == 403  # API accounts: no part in the fund
    # a token works like the session (a leader's script, say)
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['leader'])}")
    assert token.get("/api/v1/fund-allocations/").json()["count"] == 3


def test_the_api_only_reads(fund_world, api_for):
    client = api_for("office")
    assert client.post("/api/v1/fund-allocations/", {"amount_wan": "1"}).status_code == 405
    assert client.delete(f"/api/v1/fund-budgets/{fund_world.year}/").status_code == 405


def test_bad_filters_are_a_400_naming_the_field(fund_world, api_for):
    client = api_for("office")
    for params in ({"year": "2026.5"}, {"year": "1" + "0" * 30}, {"county": "abc"}, {"status": "lost"}):
        response = client.get("/api/v1/fund-allocations/", params)
        assert response.status_code == 400 and set(response.json()) == set(params), params

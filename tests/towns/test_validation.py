"""Model and validation rules: bad input gets a clear, field-specific error and saves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from towns import services
from towns.models import Enterprise, TownYearFigures
from towns.validators import validate_credit_code

from ..factories import valid_credit_code

# Codes in the real format, as published by the companies (GB 32100-2015 example and two well-known firms).
REAL_CODES = ["91350100M000100Y43", "9144030071526726XG", "91330100799655058B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass(code):
    validate_credit_code(code)
    validate_credit_code(code.lower())  # case is normalised


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "校验位错误"),  # one check character off
        ("9135010OM000100Y43", "不允许的字符"),  # letter O is not in the alphabet
        ("91350100M000100Y4", "应为18位"),
        ("", "应为18位"),
        ("91350100M000100Y433", "应为18位"),
    ],
)
def test_bad_credit_codes_are_rejected_with_reason(code, message):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert message in exc.value.messages[0]


def test_check_character_catches_every_single_character_typo():
    code = REAL_CODES[0]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(ValidationError):
                validate_credit_code(typo)


def _figures(**overrides):
    data = {"year": 2023, "output_wan": Decimal("100"), "local_jobs": 10, "provincial_share_pct": None, "tax_wan": None}
    return data | overrides


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"output_wan": Decimal("-1")}, "output_wan", "大于或等于0"),
        ({"tax_wan": Decimal("-0.01")}, "tax_wan", "大于或等于0"),
        ({"provincial_share_pct": Decimal("100.01")}, "provincial_share_pct", "小于或等于100"),
        ({"provincial_share_pct": Decimal("-1")}, "provincial_share_pct", "大于或等于0"),
        ({"year": timezone.localdate().year + 1}, "year", "尚未到来"),
        ({"year": 1999}, "year", "不能早于"),
        ({"year": 2024}, "year", "已存在"),  # the world fixture has 2024 already
    ],
)
def test_town_figures_service_rejects_bad_values(world, overrides, field, message):
    office = world.users["office"]
    before = TownYearFigures.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.town_figures_save(user=office, town=world.home_town, data=_figures(**overrides))
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    assert TownYearFigures.objects.count() == before
    assert not AuditEntry.objects.exists()


def test_negative_jobs_rejected_on_form(world, client_for):
    response = client_for("county").post(
        reverse("town-figures-new", kwargs={"pk": world.home_town.pk}),
        {"year": 2022, "output_wan": "1", "local_jobs": "-5"},
    )
    assert response.status_code == 200
    assert "local_jobs" in response.context["form"].errors
    assert not TownYearFigures.objects.filter(year=2022).exists()


def test_duplicate_enterprise_in_town_is_a_field_error(world):
    office = world.users["office"]
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(
            user=office, town=world.home_town, data={"name": "康特尔", "credit_code": valid_credit_code()}
        )
    assert "该专业镇已有同名企业" in exc.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(
            user=office,
            town=world.home_town,
            data={"name": "另一家", "credit_code": world.other_enterprise.credit_code},
        )
    assert "已登记" in exc.value.message_dict["credit_code"][0]
    assert Enterprise.objects.count() == 2


def test_enterprise_form_shows_which_field_is_wrong(world, client_for):
    response = client_for("county").post(
        reverse("enterprise-create"),
        {"town": world.home_town.pk, "name": "康特尔", "credit_code": "91350100M000100Y44", "role": "other"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "校验位错误" in errors["credit_code"][0]
    assert Enterprise.objects.count() == 2


def test_enterprise_form_duplicate_name_error_on_name_field(world, client_for):
    response = client_for("county").post(
        reverse("enterprise-create"),
        {"town": world.home_town.pk, "name": "康特尔", "credit_code": valid_credit_code(), "role": "other"},
    )
    assert "该专业镇已有同名企业" in response.context["form"].errors["name"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"name": "康特尔"}, "name"),
        ({"credit_code": "9144030071526726XG", "role": "boss"}, "role"),
    ],
)
def test_api_answers_400_naming_the_field(world, api_for, payload, field):
    data = {"town": world.home_town.pk, "name": "新企业", "credit_code": "9144030071526726XG", "role": "other"}
    response = api_for("county").post("/api/v1/enterprises/", data | payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Enterprise.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"output_wan": "-1"}, "output_wan"),
        ({"local_jobs": -1}, "local_jobs"),
        ({"provincial_share_pct": "101"}, "provincial_share_pct"),
        ({"year": 2999}, "year"),
        ({"year": 2024}, "year"),
    ],
)
def test_api_figures_400(world, api_for, payload, field):
    data = {"year": 2022, "output_wan": "10", "local_jobs": 1}
    response = api_for("county").post(f"/api/v1/towns/{world.home_town.pk}/figures/", data | payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert TownYearFigures.objects.filter(town=world.home_town).count() == 2


def test_every_write_is_audited_with_before_and_after(world):
    county = world.users["county"]
    enterprise = services.enterprise_create(
        user=county, town=world.home_town, data={"name": "新企业", "credit_code": REAL_CODES[0], "role": "other"}
    )
    services.enterprise_update(user=county, enterprise=enterprise, data={"role": "supporting"})
    services.enterprise_delete(user=county, enterprise=enterprise)
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.user == county and e.object_repr == "新企业" for e in entries)
    assert entries[0].changes["credit_code"] == [None, REAL_CODES[0]]
    assert entries[1].changes == {"role": ["其他", "关联配套企业"]}  # labels, as people read them
    assert entries[2].changes["name"] == ["新企业", None]


def test_tier_change_keeps_date_source_and_history(world):
    import datetime

    office = world.users["office"]
    services.town_change_tier(
        user=office,
        town=world.other_town,
        to_tier="provincial",
        effective_date=datetime.date(2024, 5, 1),
        source="晋政办函〔2024〕1号",
    )
    world.other_town.refresh_from_db()
    assert world.other_town.tier == "provincial" and world.other_town.tier_since == datetime.date(2024, 5, 1)
    change = world.other_town.tier_changes.get()
    assert (change.from_tier, change.to_tier, change.source, change.recorded_by) == (
        "city",
        "provincial",
        "晋政办函〔2024〕1号",
        office,
    )
    entry = AuditEntry.objects.get(action="state")
    assert entry.changes["tier"] == ["市级专业镇", "省级专业镇"]


def test_tier_change_to_same_tier_is_refused_on_the_form(world, client_for):
    response = client_for("office").post(
        reverse("town-tier-change", kwargs={"pk": world.other_town.pk}),
        {"to_tier": "city", "effective_date": "2024-01-01", "source": "x"},
    )
    assert response.status_code == 200
    assert "to_tier" in response.context["form"].errors
    assert not world.other_town.tier_changes.exists()


def test_history_shows_on_object_page_and_office_can_search_trail(world, client_for):
    county = world.users["county"]
    services.enterprise_update(user=county, enterprise=world.home_enterprise, data={"main_products": "减水剂"})
    page = client_for("county").get(reverse("enterprise-detail", kwargs={"pk": world.home_enterprise.pk}))
    body = page.content.decode()
    assert "主要产品" in body and "减水剂" in body
    trail = client_for("office").get(reverse("audit-trail"), {"q": "康特尔", "action": "update"})
    assert "减水剂" in trail.content.decode()
    empty = client_for("office").get(reverse("audit-trail"), {"q": "天海"})
    assert "减水剂" not in empty.content.decode()

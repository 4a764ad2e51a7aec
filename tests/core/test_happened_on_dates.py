"""Dates on which something happened are not in the future: one validator (core.validators.validate_not_future) on
every such field, so forms, services (and through them the API and importers) all refuse a problem "found" in 2027."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certification import services as cert_services
from core.validators import validate_not_future
from tasks_registry import services as task_services
from tasks_registry.models import KeyProject, Problem
from towns import evidence

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)

# every "happened on" date of the portal; planned dates, deadlines and validity ends may lie ahead
HAPPENED_ON = {
    ("tasks_registry", "Problem", "found_on"),
    ("tasks_registry", "KeyProject", "signed_on"),
    ("tasks_registry", "KeyProject", "started_on"),
    ("tasks_registry", "KeyProject", "in_production_on"),
    ("towns", "TownEvidence", "accepted_on"),
    ("certification", "Objection", "received_on"),
    ("certification", "ProvincialRecommendation", "recommended_on"),
    ("certification", "ProvincialRecommendation", "designated_on"),
}


def test_the_one_validator_is_on_every_happened_on_field():
    carrying = {
        (model._meta.app_label, model.__name__, field.name)
        for model in apps.get_models()
        for field in model._meta.fields
        if validate_not_future in field.validators
    }
    assert carrying == HAPPENED_ON


def test_the_validator_takes_today_and_refuses_tomorrow():
    validate_not_future(TODAY)
    validate_not_future(None)
    with pytest.raises(ValidationError) as exc:
        validate_not_future(datetime.date(2027, 3, 1) if TODAY.year < 2027 else TOMORROW)
    assert "尚未到来：已发生事项的日期不能晚于今天" in exc.value.messages[0]


def test_a_problem_found_tomorrow_is_refused_on_the_form_and_by_the_service(world, client_for):
    response = client_for("county").post(
        reverse("problem-create"),
        {
            "title": "用地紧张",
            "description": "x",
            "town": world.home_town.pk,
            "source": "field_research",
            "found_on": TOMORROW.isoformat(),
        },
    )
    assert "已发生事项的日期不能晚于今天" in response.content.decode()
    assert not Problem.objects.exists()
    with pytest.raises(ValidationError) as exc:
        task_services.problem_record(
            user=world.users["county"], data={"title": "x", "description": "x", "found_on": TOMORROW}
        )
    assert "found_on" in exc.value.message_dict


def test_a_project_cannot_have_started_tomorrow(world):
    with pytest.raises(ValidationError) as exc:
        task_services.project_save(
            user=world.users["county"],
            data={
                "town": world.home_town,
                "name": "技改项目",
                "investment_wan": 100,
                "stage": KeyProject.Stage.STARTED,
                "started_on": TOMORROW,
                "planned_production_on": TOMORROW,  # a plan may lie ahead
            },
        )
    assert set(exc.value.message_dict) == {"started_on"}


def test_evidence_recommendations_and_designations_have_happened(world, cert):
    office = world.users["office"]
    with pytest.raises(ValidationError):
        evidence.evidence_record(
            user=office,
            town=world.other_town,
            kind="national_market",
            feature_kind="",
            statement="全国市场占有率30%",
            document="证明",
            accepted_on=TOMORROW,
        )
    with pytest.raises(ValidationError):
        cert_services.province_recommend(user=office, town=world.other_town, recommended_on=TOMORROW, note="")
    rec = cert_services.province_recommend(user=office, town=world.other_town, recommended_on=TODAY, note="")
    with pytest.raises(ValidationError):
        cert_services.province_designation_record(
            user=office, recommendation=rec, designated_on=TOMORROW, source="晋专镇〔2026〕1号"
        )
    world.other_town.refresh_from_db()
    assert world.other_town.tier == "city"  # nothing scheduled either: a designation is a fact, not a plan

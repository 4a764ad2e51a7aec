"""Concurrent writes on PostgreSQL: two people entering the same thing at once get one row and one
clear error, never a 500 or a duplicate."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from towns import services
from towns.models import Enterprise, TownYearFigures

from ..factories import valid_credit_code
from ..helpers import race


def test_same_year_entered_twice_at_once(postgres_only, world):
    county = world.users["county"]
    data = {"year": 2021, "output_wan": Decimal("1"), "local_jobs": 1}
    outcomes = race(4, lambda i: services.town_figures_save(user=county, town=world.home_town, data=data))
    assert outcomes.count("saved") == 1
    errors = [o for o in outcomes if o != "saved"]
    assert len(errors) == 3
    assert all(isinstance(e, ValidationError) and "year" in e.message_dict for e in errors)
    assert TownYearFigures.objects.filter(town=world.home_town, year=2021).count() == 1


def test_same_credit_code_registered_twice_at_once(postgres_only, world):
    county = world.users["county"]
    code = valid_credit_code()
    outcomes = race(
        3,
        lambda i: services.enterprise_create(
            user=county, town=world.home_town, data={"name": f"并发企业{i}", "credit_code": code}
        ),
    )
    assert outcomes.count("saved") == 1
    errors = [o for o in outcomes if o != "saved"]
    assert len(errors) == 2
    assert all(isinstance(e, ValidationError) and "credit_code" in e.message_dict for e in errors)
    assert Enterprise.objects.filter(credit_code=code).count() == 1


def test_two_office_users_decide_at_once_exactly_one_wins(postgres_only, world, cert):
    from certification import services as cert_services
    from certification.models import Certificate, Transition
    from tests.factories import make_user
    from towns.models import Role

    app = cert.make("public_notice")
    second_office = make_user(Role.OFFICE, username="office2")

    def decide(i):
        if i == 0:
            cert_services.application_certify(user=cert.office, application=app, expected="public_notice")
        else:
            cert_services.application_reject(
                user=second_office, application=app, reason="异议成立", expected="public_notice"
            )

    outcomes = race(2, decide)
    assert outcomes.count("saved") == 1
    loser = next(o for o in outcomes if o != "saved")
    assert isinstance(loser, cert_services.StaleState), loser
    app.refresh_from_db()
    assert app.status in ("certified", "rejected")
    assert Transition.objects.filter(application=app, from_status="public_notice").count() == 1
    assert Certificate.objects.filter(application=app).count() == (1 if app.status == "certified" else 0)


def test_concurrent_submissions_number_applications_uniquely(postgres_only, world, cert):
    from certification import services as cert_services

    from ..helpers import town_with_firms

    towns = [town_with_firms(world, f"并发镇{i}") for i in range(4)]
    created = []

    def start(i):
        created.append(
            cert_services.application_start(
                user=cert.county, cycle=cert.cycle, target_tier="city", town=towns[i]
            ).number
        )

    outcomes = race(4, start)
    assert outcomes == ["saved"] * 4
    assert len(set(created)) == 4

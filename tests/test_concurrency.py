"""Concurrent writes on PostgreSQL: two people entering the same thing at once get one row and one
clear error, never a 500 or a duplicate."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from towns import services
from towns.models import Enterprise, TownYearFigures

from .factories import valid_credit_code


def race(n, work):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            work(i)
            outcomes.append("saved")
        except Exception as exc:  # anything but a ValidationError fails the assertions below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL (CI sets DATABASE_URL)")


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

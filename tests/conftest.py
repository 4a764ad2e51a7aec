"""Shared fixtures: a small world of two counties, towns, enterprises and a user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from rest_framework.test import APIClient

from towns.models import Role

from .factories import (
    BureauFactory,
    CountyFactory,
    EnterpriseFactory,
    EnterpriseFiguresFactory,
    TownFactory,
    TownFiguresFactory,
    make_user,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at full strength costs ~0.3 s a user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    home_county: object
    other_county: object
    home_town: object
    other_town: object
    home_enterprise: object
    other_enterprise: object
    users: dict


@pytest.fixture
def world(db) -> World:
    home_county = CountyFactory(name="万荣县", division_code="140822")
    other_county = CountyFactory(name="盐湖区", division_code="140802", kind="district")
    home_town = TownFactory(name="万荣县外加剂", county=home_county, leading_industry="混凝土外加剂", tier="provincial")
    other_town = TownFactory(name="盐湖区水泵", county=other_county, leading_industry="水泵")
    for town in (home_town, other_town):
        TownFiguresFactory(town=town, year=2023)
        TownFiguresFactory(town=town, year=2024, output_wan="70000.00")
    home_enterprise = EnterpriseFactory(town=home_town, name="康特尔", role="anchor")
    other_enterprise = EnterpriseFactory(town=other_town, name="天海泵业", role="anchor")
    for enterprise in (home_enterprise, other_enterprise):
        EnterpriseFiguresFactory(enterprise=enterprise, year=2024)
    bureau = BureauFactory(name="市工信局")
    users = {
        "county": make_user(Role.COUNTY, county=home_county, username="county"),
        "office": make_user(Role.OFFICE, username="office"),
        "bureau": make_user(Role.BUREAU, bureau=bureau, username="bureau"),
        "leader": make_user(Role.LEADER, username="leader"),
        "api": make_user(Role.API, username="api"),
        "norole": make_user(None, username="norole"),
    }
    return World(home_county, other_county, home_town, other_town, home_enterprise, other_enterprise, users)


@pytest.fixture
def client_for(world):
    def make(role: str) -> Client:
        client = Client()
        client.force_login(world.users[role])
        return client

    return make


@pytest.fixture
def api_for(world):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(world.users[role])
        return client

    return make

"""The API decides who may write before it reads the body (core.api.permissions.WritesNeedPermission, in the
default permissions): a read-only token gets 403 for any write, however wrong its body, never a 400 that would
teach it the body's rules. A caller who may write still gets 400 for a bad body and 404 outside its scope."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from towns.models import Enterprise

from ..factories import api_key

BAD = {"name": "", "credit_code": "not-a-code", "town": "x", "year": "next year"}


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def writes(world):
    enterprise, town = world.home_enterprise.pk, world.home_town.pk
    return [
        ("post", reverse("api:enterprise-list")),
        ("put", reverse("api:enterprise-detail", args=[enterprise])),
        ("patch", reverse("api:enterprise-detail", args=[enterprise])),
        ("delete", reverse("api:enterprise-detail", args=[enterprise])),
        ("post", reverse("api:enterprise-figures", args=[enterprise])),
        ("post", reverse("api:town-figures", args=[town])),
    ]


@pytest.mark.parametrize("role", ["api", "leader", "bureau"])
def test_a_read_only_token_gets_403_whatever_the_body(world, role):
    client = token_client(world.users[role])
    for method, url in writes(world):
        for body in (BAD, {}, "not json"):
            response = getattr(client, method)(url, body, format="json" if isinstance(body, dict) else None)
            assert response.status_code == 403, (role, method, url, body, response.status_code)
            assert response.json() == {"detail": "您的角色只能查看，不能通过接口修改数据。"}
    assert Enterprise.objects.filter(pk=world.home_enterprise.pk).exists()


def test_a_county_token_still_gets_400_for_a_bad_body_and_404_outside_its_county(world):
    client = token_client(world.users["county"])
    assert client.post(reverse("api:enterprise-list"), BAD, format="json").status_code == 400
    other = reverse("api:enterprise-detail", args=[world.other_enterprise.pk])
    assert client.patch(other, {"main_products": "x"}, format="json").status_code == 404


def test_methods_an_endpoint_does_not_take_are_still_405(world):
    client = token_client(world.users["api"])
    assert client.post(reverse("api:county-list"), {}, format="json").status_code == 405
    assert client.delete(reverse("api:town-detail", args=[world.home_town.pk])).status_code == 405


def test_the_precheck_computes_for_any_caller(world):
    """A POST that writes nothing (the criteria engine on figures sent in) stays open to every authenticated caller."""
    client = token_client(world.users["api"])
    response = client.post(reverse("api:precheck"), {"sector": "manufacturing"}, format="json")
    assert response.status_code in (200, 400)  # judged on the body, not refused by role
    assert response.status_code != 403

"""The admin follows the services' rules: a rubric experts have scored against cannot change there either."""

from __future__ import annotations

from django.contrib.admin.sites import site
from django.test import RequestFactory

from certification.admin import RubricInline
from certification.models import Cycle, RubricItem

from ..factories import UserFactory


def test_rubric_inline_is_read_only_once_experts_have_scored(cert):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    inline = RubricInline(Cycle, site)
    cycle = cert.cycle
    assert inline.has_change_permission(request, cycle) and inline.has_add_permission(request, cycle)
    cert.make("public_notice")  # an expert has scored in this cycle
    cycle = Cycle.objects.get(pk=cycle.pk)
    assert cycle.rubric_locked
    assert not inline.has_change_permission(request, cycle)
    assert not inline.has_add_permission(request, cycle)
    assert not inline.has_delete_permission(request, cycle)
    assert RubricItem.objects.filter(cycle=cycle).exists()

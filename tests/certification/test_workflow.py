"""The application workflow's table: the buttons a page shows are the actions the services accept."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from certification import services, workflow
from certification.services import TransitionError
from towns.models import Role

from ..factories import CountyFactory, make_user


@pytest.mark.parametrize(
    ("state", "county", "office", "expert"),
    [
        ("draft", {"edit", "submit"}, set(), set()),
        ("submitted", set(), {"screen"}, set()),
        ("screening", set(), {"return", "assign_experts", "reject"}, set()),
        ("expert_review", set(), {"return", "assign_experts", "publish_notice", "reject"}, {"review"}),
        ("public_notice", set(), {"certify", "reject"}, set()),
    ],
)
def test_actions_per_role_and_state(cert, world, state, county, office, expert):
    app = cert.make(state)
    app.refresh_from_db()
    assert workflow.actions_for(cert.county, app) == county
    assert workflow.actions_for(cert.office, app) == office
    assert workflow.actions_for(cert.expert, app) == expert
    assert workflow.actions_for(cert.other_expert, app) == set()  # not assigned
    other = make_user(Role.COUNTY, county=CountyFactory(name="夏县"), username="xiaxian")
    assert workflow.actions_for(other, app) == set()  # another county's application
    for role in ("leader", "bureau", "api"):
        assert workflow.actions_for(world.users[role], app) == set()


def test_a_state_the_table_does_not_allow_is_refused_by_the_service(cert):
    app = cert.make("submitted")
    app.refresh_from_db()
    with pytest.raises(TransitionError):
        services.application_certify(user=cert.office, application=app, rationale="")
    with pytest.raises((TransitionError, PermissionDenied)):
        services.application_submit(user=cert.county, application=app)

"""The certification workflow: every transition for every role, illegal moves, the decision rules,
versions, attachments, notices, certificates, exports and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from certification import services
from certification.models import Application
from core.models import Notification
from towns.models import TownTierChange

from ..factories import TownFactory
from ..helpers import client_of, other_county_user, town_with_firms

S = Application.Status


# --- starting and filling ---------------------------------------------------------------------------


def test_county_starts_for_own_town_with_registry_data_prefilled(world, cert):
    app = services.application_start(user=cert.county, cycle=cert.cycle, target_tier="city", town=world.home_town)
    assert app.status == S.DRAFT and app.number == f"SQ{cert.cycle.year}-001"
    assert app.county == world.home_county and app.sector == world.home_town.sector
    assert app.application_firms.filter(role="anchor").count() == 1
    assert app.application_firms.filter(role="supporting").count() == 9
    assert app.figures_year == 2024 and app.annual_output_wan == Decimal("70000.00")  # the town's latest year


def test_county_cannot_apply_for_another_countys_town(world, cert):
    from django.http import Http404

    with pytest.raises(Http404):
        services.application_start(user=cert.county, cycle=cert.cycle, target_tier="city", town=world.other_town)
    assert not Application.objects.exists()


def test_new_town_is_registered_as_potential(world, cert, client_for):
    response = client_for("county").post(
        reverse("application-start"),
        {
            "cycle": cert.cycle.pk,
            "target_tier": "city",
            "town": "",
            "new_name": "万荣县果品",
            "new_leading_industry": "苹果",
            "new_sector": "agriculture",
        },
    )
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.town.name == "万荣县果品" and app.town.tier == "potential" and app.town.county == world.home_county
    assert TownTierChange.objects.get(town=app.town).to_tier == "potential"


def test_closed_cycle_refuses_applications(world, cert):
    cert.cycle.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    cert.cycle.save()
    with pytest.raises(ValidationError) as exc:
        services.application_start(user=cert.county, cycle=cert.cycle, target_tier="city", town=world.home_town)
    assert "cycle" in exc.value.message_dict


@pytest.mark.parametrize("role", ["office", "bureau", "leader", "api", "expert"])
def test_only_counties_start_applications(world, cert, client_for, role):
    client = client_for(role) if role != "expert" else client_of(None, cert.expert)
    assert client.get(reverse("application-start")).status_code == 403


def test_submit_needs_complete_figures_and_firms(world, cert):
    app = services.application_start(
        user=cert.county, cycle=cert.cycle, target_tier="city", town=TownFactory(county=world.home_county)
    )
    with pytest.raises(ValidationError) as exc:
        services.application_submit(user=cert.county, application=app)
    assert any("年产值" in m for m in exc.value.messages) and any("龙头企业" in m for m in exc.value.messages)
    app.refresh_from_db()
    assert app.status == S.DRAFT and not app.versions.exists()


def test_submitted_application_cannot_be_edited(world, cert, client_for):
    app = cert.make("submitted")
    with pytest.raises(services.TransitionError):
        services.application_update(user=cert.county, application=app, data={"local_jobs": 1})
    response = client_for("county").get(reverse("application-step", kwargs={"pk": app.pk, "step": "figures"}))
    assert response.status_code == 302  # back to the detail page with a message


def test_firms_must_belong_to_the_town(world, cert):
    app = cert.make("draft")
    with pytest.raises(ValidationError):
        services.application_set_firms(user=cert.county, application=app, firms={world.other_enterprise.pk: "anchor"})
    assert app.application_firms.count() == 10


# --- the transition matrix ------------------------------------------------------------------------------


ACTIONS = {
    # action: (from state, form data, resulting state)
    "screen": (S.SUBMITTED, {}, S.SCREENING),
    "return": (S.SCREENING, {"reason": "缺少统计证明"}, S.RETURNED),
    "reject": (S.EXPERT_REVIEW, {"reason": "不符合集中度要求"}, S.REJECTED),
    "certify": (S.PUBLIC_NOTICE, {"rationale": ""}, S.CERTIFIED),
}


def form_data(action: str, **fields) -> dict:
    """The office's return and reject forms sit on one page, so their fields carry the action as prefix."""
    prefix = f"{action}-" if action in ("return", "reject") else ""
    return {prefix + key: value for key, value in fields.items()}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("office", 302),
        ("county", 403),
        ("leader", 403),
        ("api", 403),
        ("bureau", 403),
        ("expert", 403),
        ("other_county", 404),
    ],
)
def test_office_transitions_by_role(world, cert, client_for, action, who, expected):
    start, data, end = ACTIONS[action]
    app = cert.make(start)
    if who == "expert" and not app.assignments.filter(expert=cert.expert).exists():
        expected = 404  # an expert does not even see applications not assigned to them
    if who == "expert":
        client = client_of(None, cert.expert)
    elif who == "other_county":
        client = client_of(None, other_county_user(world))
    else:
        client = client_for(who)
    response = client.post(
        reverse("application-transition", kwargs={"pk": app.pk, "action": action}),
        form_data(action, expected=start, **data),
    )
    assert response.status_code == expected
    app.refresh_from_db()
    assert app.status == (end if expected == 302 else start)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("draft", "screen"),
        ("submitted", "certify"),
        ("screening", "certify"),
        ("expert_review", "screen"),
        ("public_notice", "return"),
        ("submitted", "reject"),
        ("draft", "return"),
    ],
)
def test_illegal_moves_are_refused(world, cert, client_for, state, action):
    app = cert.make(state)
    response = client_for("office").post(
        reverse("application-transition", kwargs={"pk": app.pk, "action": action}),
        form_data(action, expected=state, reason="x", rationale="x"),
        follow=True,
    )
    app.refresh_from_db()
    assert app.status == state
    assert "不能执行此操作" in response.content.decode()


def test_decision_on_a_changed_application_is_refused(world, cert, client_for):
    app = cert.make("screening")
    services.experts_assign(user=cert.office, applications=[app], experts=[cert.expert])  # someone else moved it
    response = client_for("office").post(
        reverse("application-transition", kwargs={"pk": app.pk, "action": "return"}),
        form_data("return", expected="screening", reason="缺材料"),
        follow=True,
    )
    app.refresh_from_db()
    assert app.status == S.EXPERT_REVIEW
    assert "已被他人处理" in response.content.decode()


def test_every_transition_is_logged_and_notified(world, cert):
    app = cert.make("public_notice")
    services.application_certify(user=cert.office, application=app)
    moves = list(app.transitions.values_list("from_status", "to_status"))
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "screening"),
        ("screening", "expert_review"),
        ("expert_review", "public_notice"),
        ("public_notice", "certified"),
    ]
    assert all(t.by is not None for t in app.transitions.all())
    county_messages = list(Notification.objects.filter(recipient=cert.county).values_list("message", flat=True))
    assert len(county_messages) == 5 and "已认定" in county_messages[0]
    assert Notification.objects.filter(recipient=cert.expert, message__contains="请评审").exists()
    assert Notification.objects.filter(recipient=cert.office, message__contains="收到认定申请").exists()


# --- review ---------------------------------------------------------------------------------------------


def test_experts_see_only_their_assignments(world, cert):
    app = cert.make("expert_review")
    assert client_of(None, cert.expert).get(reverse("application-detail", kwargs={"pk": app.pk})).status_code == 200
    other = client_of(None, cert.other_expert)
    assert other.get(reverse("application-detail", kwargs={"pk": app.pk})).status_code == 404
    assert other.get(reverse("expert-review", kwargs={"pk": app.pk})).status_code == 404


def test_batch_assignment_across_applications(world, cert, client_for):
    first = cert.make("screening")
    second = cert.make("screening", town=town_with_firms(world, "万荣县第二镇"))
    response = client_for("office").post(
        reverse("experts-assign"),
        {"applications": [first.pk, second.pk], "experts": [cert.expert.pk, cert.other_expert.pk]},
    )
    assert response.status_code == 302
    for app in (first, second):
        app.refresh_from_db()
        assert app.status == S.EXPERT_REVIEW and app.assignments.count() == 2


def test_only_experts_can_be_assigned(world, cert):
    app = cert.make("screening")
    with pytest.raises(ValidationError):
        services.experts_assign(user=cert.office, applications=[app], experts=[world.users["leader"]])


def test_review_scores_must_fit_the_rubric(world, cert):
    app = cert.make("expert_review")
    assignment = app.assignments.get()
    rubric = list(cert.cycle.rubric.all())
    with pytest.raises(ValidationError):
        services.expert_review_submit(
            user=cert.expert,
            assignment=assignment,
            scores={i.pk: Decimal("41") for i in rubric},
            comment="",
            recommendation="certify",
        )
    with pytest.raises(ValidationError):
        services.expert_review_submit(
            user=cert.expert,
            assignment=assignment,
            scores={rubric[0].pk: Decimal("1")},
            comment="",
            recommendation="certify",
        )
    with pytest.raises(PermissionDenied):
        services.expert_review_submit(
            user=cert.other_expert,
            assignment=assignment,
            scores={i.pk: Decimal("1") for i in rubric},
            comment="",
            recommendation="certify",
        )
    assignment.refresh_from_db()
    assert assignment.reviewed_at is None


def test_office_sees_scores_side_by_side(world, cert, client_for):
    app = cert.make("public_notice")
    body = client_for("office").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    assert "产业集中度（40）" in body and "75.0" in body and "建议认定" in body
    county = client_for("county").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    assert "75.0" not in county  # expert scores are the office's working papers


def test_notice_needs_expert_reviews(world, cert):
    app = cert.make("expert_review")
    with pytest.raises(ValidationError):
        services.notice_publish(user=cert.office, cycle=cert.cycle, applications=[app], starts_on=timezone.localdate())


def test_public_notice_page_needs_no_login_and_objections_are_recorded(world, cert, client, client_for):
    app = cert.make("public_notice")
    notice = app.notices.get()
    assert notice.ends_on - notice.starts_on == datetime.timedelta(days=6)  # 7 days inclusive
    body = client.get(reverse("public-notice", kwargs={"pk": notice.pk})).content.decode()
    assert world.home_town.name in body and notice.number in body
    response = client_for("office").post(
        reverse("notice-detail", kwargs={"pk": notice.pk}),
        {"application": app.pk, "objector": "张某", "content": "就业人数存疑", "received_on": "2026-01-05"},
    )
    assert response.status_code == 302
    assert app.objections.get().objector == "张某"
    assert client_for("county").get(reverse("notice-detail", kwargs={"pk": notice.pk})).status_code == 403

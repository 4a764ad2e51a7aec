"""Hardening of the certification workflow (issue 11): rules that must hold on every path, not only one."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certification import services
from certification.models import Application, Certificate, ProvincialRecommendation, PublicNotice
from certification.services import TransitionError

from ..factories import move_notice_back


def reviewed(cert, town=None):
    """An application in expert review with the expert's scores in: ready for the notice."""
    app = cert.make("expert_review", town=town)
    services.expert_review_submit(
        user=cert.expert,
        assignment=app.assignments.get(expert=cert.expert),
        scores={i.pk: Decimal("30") if i.max_score == 40 else Decimal("15") for i in cert.cycle.rubric.all()},
        comment="同意",
        recommendation="certify",
    )
    return app


# --- finding 3: the public notice cannot be backdated ------------------------------------------------


def test_notice_cannot_start_before_the_day_it_is_published(world, cert):
    app = reviewed(cert)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as info:
        services.notice_publish(
            user=cert.office, cycle=cert.cycle, applications=[app], starts_on=today - datetime.timedelta(days=40)
        )
    assert "starts_on" in info.value.error_dict
    assert "公示开始日期不能早于发布当日" in str(info.value)
    app.refresh_from_db()
    assert app.status == "expert_review" and not PublicNotice.objects.exists()


def test_notice_form_shows_the_refusal_on_the_start_date(world, cert, client_for):
    app = reviewed(cert)
    past = timezone.localdate() - datetime.timedelta(days=40)
    response = client_for("office").post(
        reverse("notice-publish"), {"cycle": cert.cycle.pk, "applications": [app.pk], "starts_on": past.isoformat()}
    )
    assert response.status_code == 200
    assert "公示开始日期不能早于发布当日" in response.content.decode()
    assert not PublicNotice.objects.exists()


def test_notice_starting_today_or_later_is_published(world, cert):
    app = reviewed(cert)
    today = timezone.localdate()
    notice = services.notice_publish(
        user=cert.office, cycle=cert.cycle, applications=[app], starts_on=today + datetime.timedelta(days=2)
    )
    assert notice.starts_on == today + datetime.timedelta(days=2)
    assert notice.ends_on == today + datetime.timedelta(days=8)


def test_certification_waits_for_the_notice_to_run_its_days(world, cert):
    app = reviewed(cert)
    today = timezone.localdate()
    notice = services.notice_publish(user=cert.office, cycle=cert.cycle, applications=[app], starts_on=today)
    with pytest.raises(TransitionError, match="公示期至"):
        services.application_certify(user=cert.office, application=app)
    move_notice_back(notice, 7)  # started 7 days ago: the 7 days ended yesterday
    services.application_certify(user=cert.office, application=app)


def test_certification_counts_the_notice_from_its_publication_not_a_backdated_start(world, cert):
    """A notice whose stored dates lie before its publication (data written before the rule, or by hand) runs
    from the day it was published: certification waits for notice_days from then."""
    app = reviewed(cert)
    today = timezone.localdate()
    notice = services.notice_publish(user=cert.office, cycle=cert.cycle, applications=[app], starts_on=today)
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=today - datetime.timedelta(days=40), ends_on=today - datetime.timedelta(days=34)
    )
    with pytest.raises(TransitionError, match="公示期至"):
        services.application_certify(user=cert.office, application=app)
    app.refresh_from_db()
    assert app.status == "public_notice"


# --- finding 4: 推荐省级 only for a city-level town, on every path ------------------------------------------


def potential_town(world, name="万荣县潜力镇"):
    from ..factories import EnterpriseFactory, TownFactory

    town = TownFactory(county=world.home_county, tier="potential", name=name)
    EnterpriseFactory(town=town, role="anchor")
    for _ in range(8):
        EnterpriseFactory(town=town, role="supporting")
    return town


def test_basics_step_refuses_provincial_for_a_town_not_at_city_level(world, cert, client_for):
    app = cert.make("draft", town=potential_town(world))
    response = client_for("county").post(
        reverse("application-step", kwargs={"pk": app.pk, "step": "basics"}),
        {"target_tier": "provincial", "sector": app.sector, "leading_industry": app.leading_industry, "summary": ""},
    )
    assert response.status_code == 400
    assert "推荐省级专业镇须已是市级专业镇" in response.content.decode()
    app.refresh_from_db()
    assert app.target_tier == "city"


def test_update_refuses_provincial_for_a_town_not_at_city_level(world, cert):
    app = cert.make("draft", town=potential_town(world))
    with pytest.raises(ValidationError) as info:
        services.application_update(user=cert.county, application=app, data={"target_tier": "provincial"})
    assert "target_tier" in info.value.error_dict
    app.refresh_from_db()
    assert app.target_tier == "city"


def test_submission_refuses_provincial_for_a_town_not_at_city_level(world, cert):
    app = cert.make("draft", town=potential_town(world))
    Application.objects.filter(pk=app.pk).update(target_tier="provincial")  # as stored before the rule held
    with pytest.raises(ValidationError, match="推荐省级专业镇须已是市级专业镇"):
        services.application_submit(user=cert.county, application=app)
    app.refresh_from_db()
    assert app.status == "draft"


def test_certification_refuses_provincial_for_a_town_not_at_city_level(world, cert):
    town = potential_town(world)
    app = cert.make("public_notice", town=town)
    Application.objects.filter(pk=app.pk).update(target_tier="provincial")
    with pytest.raises(ValidationError, match="推荐省级专业镇须已是市级专业镇"):
        services.application_certify(user=cert.office, application=app)
    app.refresh_from_db()
    town.refresh_from_db()
    assert app.status == "public_notice" and town.tier == "potential"
    assert not Certificate.objects.exists() and not ProvincialRecommendation.objects.exists()


def test_provincial_for_a_city_level_town_still_goes_through(world, cert):
    town = potential_town(world, name="万荣县市级镇")
    town.tier = "city"
    town.save()
    app = cert.make("draft", town=town)
    services.application_update(user=cert.county, application=app, data={"target_tier": "provincial"})
    services.application_submit(user=cert.county, application=app)
    app.refresh_from_db()
    assert app.target_tier == "provincial" and app.status == "submitted"

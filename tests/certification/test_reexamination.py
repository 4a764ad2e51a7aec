"""Re-examination and exit (复核, 动态管理): the daily job opens one per certificate and validity period, the county
answers for its own towns only, the office renews (a new certificate), orders rectification, or revokes (the tier
lowered, in the tier history); a certificate past its validity without a decision shows 待复核 wherever the tier
is shown."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certification import reexamination as service
from certification import services as cert_services
from certification.models import Certificate, CriteriaPolicy, ReExamination
from certification.workflow_reexam import actions_for
from core.models import Notification
from portal.tasks import send_daily_reminders
from towns.models import Role, Tier

from ..factories import TownFiguresFactory, make_user
from ..helpers import client_of, town_with_firms

TODAY = timezone.localdate()


@pytest.fixture
def city_cert(world, cert):
    """A city-level town of 万荣县 with a city certificate that expires in 60 days (inside the 90-day window)."""
    town = town_with_firms(world, "万荣县测试镇", tier=Tier.CITY)
    TownFiguresFactory(town=town, year=2024)
    certificate = cert_services.application_certify(user=cert.office, application=cert.make("public_notice", town=town))
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=TODAY + datetime.timedelta(days=60))
    certificate.refresh_from_db()
    return certificate


def _opened(certificate) -> ReExamination:
    service.reexaminations_open(TODAY)
    return ReExamination.objects.get(certificate=certificate)


def _submitted(world, certificate) -> ReExamination:
    reexam = _opened(certificate)
    county = world.users["county"]
    service.reexamination_save(user=county, reexam=reexam, data={"evidence": "2024年统计年报及企业名单"})
    return service.reexamination_submit(user=county, reexam=reexam)


def test_the_daily_job_opens_exactly_once_and_reminds_county_and_office(world, city_cert, settings):
    settings.REEXAMINATION_DAYS_BEFORE = 90
    first = service.reexaminations_open(TODAY)
    assert first["reexaminations_opened"] == 1
    assert first["reexamination_reminders"] >= 2  # the county official and the office
    count = Notification.objects.count()
    assert service.reexaminations_open(TODAY) == {"reexaminations_opened": 0, "reexamination_reminders": 0}
    assert send_daily_reminders(TODAY.isoformat())["reexaminations_opened"] == 0
    assert Notification.objects.count() == count
    reexam = ReExamination.objects.get()
    assert (reexam.certificate, reexam.due_on, reexam.status) == (city_cert, city_cert.valid_until, "open")
    # prefilled from the registry: the town's latest figures and its anchor / supporting firms
    assert (reexam.figures_year, reexam.annual_output_wan, reexam.local_jobs) == (2024, Decimal("60000.00"), 2500)
    assert (reexam.anchor_count, reexam.supporting_count) == (1, 8)
    assert Notification.objects.filter(recipient=world.users["county"], message__contains="已开启复核").exists()
    assert Notification.objects.filter(recipient=world.users["office"], message__contains="已开启复核").exists()


def test_a_certificate_far_from_expiry_is_left_alone(world, city_cert, settings):
    settings.REEXAMINATION_DAYS_BEFORE = 30
    assert service.reexaminations_open(TODAY)["reexaminations_opened"] == 0
    assert service.reexaminations_open(TODAY + datetime.timedelta(days=31))["reexaminations_opened"] == 1


def test_overdue_reexaminations_remind_once_a_day(world, city_cert):
    _opened(city_cert)
    late = city_cert.valid_until + datetime.timedelta(days=1)
    assert service.reexaminations_open(late)["reexamination_reminders"] == 2  # county and office
    assert service.reexaminations_open(late)["reexamination_reminders"] == 0
    assert Notification.objects.filter(recipient=world.users["county"], message__contains="复核超期").count() == 1


def test_another_county_gets_404_and_sees_none(world, city_cert):
    reexam = _opened(city_cert)
    outsider = make_user(Role.COUNTY, county=world.other_county, username="yanhu")
    client = client_of(None, outsider)
    url = reverse("reexamination-detail", kwargs={"pk": reexam.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"evidence": "x", "submit": "1"}).status_code == 404
    assert not service.reexamination_list(user=outsider).exists()
    assert actions_for(outsider, reexam) == frozenset()
    with pytest.raises(Exception):  # noqa: B017  the service refuses too (OutOfScope)
        service.reexamination_save(user=outsider, reexam=reexam, data={"evidence": "x"})
    assert client_of(None, world.users["leader"]).get(url).status_code == 403


def test_the_county_submits_in_the_browser_form(world, city_cert, client_for):
    reexam = _opened(city_cert)
    county = client_for("county")
    url = reverse("reexamination-detail", kwargs={"pk": reexam.pk})
    page = county.get(url).content.decode()
    assert 'value="60000.00"' in page and "报送复核材料" in page and "延续认定" not in page
    data = {
        "figures_year": 2025,
        "annual_output_wan": "65000",
        "local_jobs": 2600,
        "provincial_share_pct": "56",
        "anchor_count": 1,
        "supporting_count": 9,
        "evidence": "",
        "submit": "1",
    }
    response = county.post(url, data)
    assert "请填写复核说明及证明材料" in response.content.decode()
    reexam.refresh_from_db()
    assert reexam.status == "open"
    county.post(url, data | {"evidence": "统计年报"})
    reexam.refresh_from_db()
    assert (reexam.status, reexam.annual_output_wan, reexam.submissions) == ("submitted", Decimal("65000"), 1)
    office_page = client_for("office").get(url).content.decode()
    assert "符合认定条件" in office_page and "延续认定" in office_page and "责令整改" in office_page


def test_renewal_issues_a_new_certificate_with_a_new_number_and_validity(world, city_cert, client_for):
    reexam = _submitted(world, city_cert)
    response = client_for("office").post(
        reverse("reexamination-decide", kwargs={"pk": reexam.pk, "action": "renew"}),
        {"renew-policy_choice": "issued", "expected": "submitted"},
    )
    assert response.status_code == 302
    reexam.refresh_from_db()
    old = Certificate.objects.get(pk=city_cert.pk)
    new = reexam.new_certificate
    assert reexam.status == "renewed" and reexam.verdict["outcome"] == "eligible" and reexam.policy_choice == "issued"
    assert new.number != old.number and new.number.startswith(f"运专镇认〔{TODAY.year}〕")
    assert new.renews == old and new.application is None and new.tier == old.tier and new.is_valid
    assert old.superseded_on == TODAY and not old.is_valid
    assert new.valid_until == old.valid_until.replace(year=old.valid_until.year + 3)  # follows on without a gap
    page = client_for("leader").get(reverse("certificate-detail", kwargs={"pk": new.pk})).content.decode()
    assert "经复核，延续认定" in page and old.number in page
    # the renewed certificate is far from expiry: the job opens nothing more
    assert service.reexaminations_open(TODAY)["reexaminations_opened"] == 0


def test_renewal_is_refused_when_ineligible_and_decisions_follow_the_table(world, city_cert):
    office = world.users["office"]
    reexam = _opened(city_cert)
    with pytest.raises(cert_services.TransitionError):  # nothing submitted yet
        service.reexamination_renew(user=office, reexam=reexam, policy_choice="issued")
    reexam = _submitted(world, city_cert)
    ReExamination.objects.filter(pk=reexam.pk).update(local_jobs=100)
    with pytest.raises(ValidationError):
        service.reexamination_renew(user=office, reexam=reexam, policy_choice="issued")
    reexam.refresh_from_db()
    assert reexam.status == "submitted" and reexam.new_certificate is None
    assert Certificate.objects.count() == 1


def test_rectification_then_resubmission_then_renewal(world, city_cert):
    office, county = world.users["office"], world.users["county"]
    reexam = _submitted(world, city_cert)
    with pytest.raises(ValidationError):
        service.reexamination_rectify(
            user=office, reexam=reexam, policy_choice="current", reason="补充材料", deadline=TODAY
        )
    deadline = TODAY + datetime.timedelta(days=30)
    service.reexamination_rectify(
        user=office, reexam=reexam, policy_choice="current", reason="补充就业证明", deadline=deadline
    )
    reexam.refresh_from_db()
    assert (reexam.status, reexam.rectification_deadline) == ("rectifying", deadline)
    assert actions_for(county, reexam) == {"edit", "submit"} and actions_for(office, reexam) == {"revoke"}
    service.reexamination_submit(user=county, reexam=reexam)
    reexam.refresh_from_db()
    assert (reexam.status, reexam.submissions) == ("submitted", 2)
    service.reexamination_renew(user=office, reexam=reexam, policy_choice="current")
    reexam.refresh_from_db()
    assert reexam.status == "renewed"


def test_revocation_lowers_the_tier_with_reason_and_document_in_the_tier_history(world, city_cert, client_for):
    reexam = _submitted(world, city_cert)
    response = client_for("office").post(
        reverse("reexamination-decide", kwargs={"pk": reexam.pk, "action": "revoke"}),
        {
            "revoke-reason": "产值连续下滑，不再符合条件",
            "revoke-document": "运专镇办〔2026〕9号",
            "expected": "submitted",
        },
    )
    assert response.status_code == 302
    reexam.refresh_from_db()
    town = city_cert.town
    town.refresh_from_db()
    assert reexam.status == "revoked" and town.tier == Tier.POTENTIAL
    change = town.tier_changes.get()
    assert (change.from_tier, change.to_tier) == (Tier.CITY, Tier.POTENTIAL)
    assert "运专镇办〔2026〕9号" in change.source and "产值连续下滑" in change.source
    assert Certificate.objects.get(pk=city_cert.pk).revoked_on == TODAY
    assert actions_for(world.users["office"], reexam) == frozenset()


def test_an_expired_certificate_shows_awaiting_reexamination_wherever_the_tier_is_shown(world, city_cert, client_for):
    Certificate.objects.filter(pk=city_cert.pk).update(valid_until=TODAY - datetime.timedelta(days=1))
    client = client_for("leader")
    town = city_cert.town
    assert "待复核" in client.get(reverse("town-detail", kwargs={"pk": town.pk})).content.decode()
    assert "待复核" in client.get(reverse("town-list")).content.decode()
    assert "待复核" in client.get(reverse("certificate-list")).content.decode()
    assert "待复核" in client.get(reverse("certificate-detail", kwargs={"pk": city_cert.pk})).content.decode()
    # a town whose certificate is still valid is not flagged
    other = client.get(reverse("town-detail", kwargs={"pk": world.other_town.pk})).content.decode()
    assert "待复核" not in other
    # decided (renewed): no longer awaiting
    reexam = _submitted(world, city_cert)
    service.reexamination_renew(user=world.users["office"], reexam=reexam, policy_choice="issued")
    assert "待复核" not in client.get(reverse("town-detail", kwargs={"pk": town.pk})).content.decode()


def test_a_provincial_town_is_not_judged_by_the_city_criteria(world, cert):
    """万荣县外加剂 is provincial in the world: without a provincial standard the office decides on its own."""
    certificate = cert_services.application_certify(user=cert.office, application=cert.make("public_notice"))
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=TODAY + datetime.timedelta(days=10))
    reexam = _submitted(world, certificate)
    assert service.verdicts(reexam) == []
    with pytest.raises(ValidationError):  # the office's own decision needs its reasons
        service.reexamination_renew(user=cert.office, reexam=reexam, policy_choice="")
    provincial = CriteriaPolicy.objects.create(code="SX-PROV", name="省级专业镇标准", provincial=True, min_jobs=5000)
    [(choice, _label, policy, verdict)] = service.verdicts(reexam)
    assert (choice, policy, verdict.outcome) == ("current", provincial, "ineligible")
    assert service.current_policy() != provincial  # the city standard in force is never the provincial one


def test_the_reexamination_list_does_not_grow_with_rows(world, cert, client_for, django_assert_max_num_queries):
    client = client_for("office")
    for i in range(3):
        town = town_with_firms(world, f"万荣县复核镇{i}", tier=Tier.CITY)
        certificate = cert_services.application_certify(
            user=cert.office, application=cert.make("public_notice", town=town)
        )
        Certificate.objects.filter(pk=certificate.pk).update(valid_until=TODAY - datetime.timedelta(days=i))
    service.reexaminations_open(TODAY)
    assert ReExamination.objects.count() == 3
    client.get(reverse("reexamination-list"))
    with django_assert_max_num_queries(8):
        client.get(reverse("reexamination-list"))
    for page in ("town-list", "certificate-list"):
        with django_assert_max_num_queries(12):
            assert "待复核" in client.get(reverse(page)).content.decode()

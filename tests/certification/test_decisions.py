"""Certification decisions: notice, certification, rejection, versions and attachments, policies, exports and API."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certification import services, setup
from certification.models import Application, Certificate, CriteriaPolicy, Cycle, ProvincialRecommendation

from ..factories import TownFactory, move_notice_back, pdf_bytes, png_bytes
from ..helpers import client_of, other_county_user, town_with_firms

S = Application.Status


# --- decisions ------------------------------------------------------------------------------------------


def test_certify_issues_certificate_and_raises_a_potential_town(world, cert, client):
    town = town_with_firms(world, "万荣县新镇")
    app = cert.make("public_notice", town=town)
    certificate = services.application_certify(user=cert.office, application=app)
    assert certificate.number == f"运专镇认〔{cert.cycle.year}〕001号"
    assert certificate.valid_until.year == certificate.issued_on.year + 3
    town.refresh_from_db()
    assert town.tier == "city" and town.tier_changes.first().source == f"认定证书{certificate.number}"
    page = client.get(reverse("certificate-detail", kwargs={"pk": certificate.pk}))
    assert certificate.number in page.content.decode()
    pdf = client.get(reverse("certificate-pdf", kwargs={"pk": certificate.pk}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_certify_does_not_lower_a_provincial_town(world, cert):
    app = cert.make("public_notice")  # 万荣县外加剂 is provincial in the world fixture
    services.application_certify(user=cert.office, application=app)
    world.home_town.refresh_from_db()
    assert world.home_town.tier == "provincial"


def test_certify_waits_for_the_end_of_the_notice(world, cert):
    app = cert.make("public_notice")
    notice = app.notices.get()
    notice.ends_on = timezone.localdate()
    notice.save()
    with pytest.raises(services.TransitionError, match="期满后"):
        services.application_certify(user=cert.office, application=app)


def test_office_decision_needs_a_written_rationale(world, cert):
    app = cert.make("public_notice")
    Application.objects.filter(pk=app.pk).update(
        provincial_share_pct=Decimal("20"), national_market=True, national_market_evidence="全国市场占有率约15%"
    )
    with pytest.raises(ValidationError) as exc:
        services.application_certify(user=cert.office, application=app)
    assert "rationale" in exc.value.message_dict
    certificate = services.application_certify(user=cert.office, application=app, rationale="全国市场空间大，同意认定")
    assert certificate.application.office_rationale == "全国市场空间大，同意认定"


def test_ineligible_application_cannot_be_certified(world, cert):
    app = cert.make("public_notice")
    Application.objects.filter(pk=app.pk).update(local_jobs=100)
    with pytest.raises(services.TransitionError):
        services.application_certify(user=cert.office, application=app, rationale="x")
    assert not Certificate.objects.exists()


def test_reject_produces_a_decision_letter(world, cert, client_for):
    app = cert.make("expert_review")
    services.application_reject(user=cert.office, application=app, reason="关联配套企业不足")
    page = client_for("county").get(reverse("decision-letter", kwargs={"pk": app.pk}))
    assert "关联配套企业不足" in page.content.decode()
    pdf = client_for("county").get(reverse("decision-letter", kwargs={"pk": app.pk}), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert (
        client_of(None, other_county_user(world)).get(reverse("decision-letter", kwargs={"pk": app.pk})).status_code
        == 404
    )


def test_revoke_certificate_lowers_city_town_and_shows_in_history(world, cert, client_for):
    town = town_with_firms(world, "万荣县新镇")
    app = cert.make("public_notice", town=town)
    certificate = services.application_certify(user=cert.office, application=app)
    response = client_for("office").post(
        reverse("certificate-revoke", kwargs={"pk": certificate.pk}), {"reason": "专项检查发现数据造假"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    town.refresh_from_db()
    assert certificate.revoked_on == timezone.localdate() and town.tier == "potential"
    assert "撤销认定证书" in town.tier_changes.first().source
    assert (
        client_for("county")
        .post(reverse("certificate-revoke", kwargs={"pk": certificate.pk}), {"reason": "x"})
        .status_code
        == 403
    )
    with pytest.raises(services.TransitionError):
        services.certificate_revoke(user=cert.office, certificate=certificate, reason="again")


def test_provincial_recommendation_and_designation(world, cert):
    app = services.application_start(
        user=cert.county,
        cycle=cert.cycle,
        target_tier="provincial",
        town=TownFactory(county=world.home_county, tier="city", name="万荣县城镇"),
    )
    assert app.target_tier == "provincial"
    with pytest.raises(ValidationError):
        services.application_start(
            user=cert.county,
            cycle=cert.cycle,
            target_tier="provincial",
            town=TownFactory(county=world.home_county, tier="potential"),
        )
    app.delete()
    town = town_with_firms(world, "万荣县又一镇", tier="city")
    recommended = cert.make("draft", town=town)
    Application.objects.filter(pk=recommended.pk).update(target_tier="provincial")
    recommended.refresh_from_db()
    services.application_submit(user=cert.county, application=recommended)
    services.screening_start(user=cert.office, application=recommended)
    services.experts_assign(user=cert.office, applications=[recommended], experts=[cert.expert])
    services.expert_review_submit(
        user=cert.expert,
        assignment=recommended.assignments.get(),
        scores={i.pk: Decimal("10") for i in cert.cycle.rubric.all()},
        comment="",
        recommendation="certify",
    )
    notice = services.notice_publish(
        user=cert.office, cycle=cert.cycle, applications=[recommended], starts_on=timezone.localdate()
    )
    move_notice_back(notice, 10)  # a notice that has run its days (the service refuses a past start)
    services.application_certify(user=cert.office, application=recommended)
    town.refresh_from_db()
    assert town.tier == "city"  # the province designates; the city only recommends
    rec = ProvincialRecommendation.objects.get(town=town)
    services.province_designation_record(
        user=cert.office, recommendation=rec, designated_on=datetime.date(2026, 6, 1), source="晋政办函〔2026〕9号"
    )
    town.refresh_from_db()
    assert town.tier == "provincial" and town.tier_changes.first().source == "晋政办函〔2026〕9号"


# --- versions and attachments ---------------------------------------------------------------------------


def test_returned_application_is_revised_and_versions_show_what_changed(world, cert, client_for):
    app = cert.make("screening")
    services.application_return(user=cert.office, application=app, reason="就业人数请附证明")
    services.application_update(user=cert.county, application=app, data={"local_jobs": 3100})
    services.application_submit(user=cert.county, application=app)
    assert list(app.versions.values_list("number", flat=True)) == [2, 1]
    first, second = app.versions.order_by("number")
    assert first.data["local_jobs"] == 2500 and second.data["local_jobs"] == 3100
    body = client_for("office").get(reverse("application-versions", kwargs={"pk": app.pk})).content.decode()
    assert "带动当地就业（人）" in body and "2500" in body and "3100" in body and "local_jobs" not in body


PDF = pdf_bytes()  # a real PDF: attachments are parsed, not only sniffed (issue 11, finding 11)


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("统计证明.pdf", PDF, True),
        ("照片.png", png_bytes(), True),
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, False),  # a PNG signature alone is not an image
        ("程序.exe", b"MZ" + b"0" * 20, False),
        ("假的.pdf", b"<html>not a pdf</html>", False),
        ("无扩展名", PDF, False),
    ],
)
def test_attachment_type_is_checked(world, cert, client_for, name, content, ok):
    app = cert.make("draft")
    response = client_for("county").post(
        reverse("application-step", kwargs={"pk": app.pk, "step": "attachments"}),
        {"kind": "figures", "file": SimpleUploadedFile(name, content)},
    )
    assert app.attachments.exists() == ok
    assert response.status_code == (302 if ok else 400)


def test_attachment_size_limit_and_scope(world, cert, client_for, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PDF) + 100
    app = cert.make("draft")
    with pytest.raises(ValidationError):
        services.attachment_add(
            user=cert.county, application=app, upload=SimpleUploadedFile("大.pdf", PDF * 10), kind="figures"
        )
    attachment = services.attachment_add(
        user=cert.county, application=app, upload=SimpleUploadedFile("小.pdf", PDF), kind="figures"
    )
    url = reverse("attachment-download", kwargs={"pk": attachment.pk})
    response = client_for("county").get(url)
    # Consuming the stream closes the file (the test client closes the response at the end of it).
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_of(None, other_county_user(world)).get(url).status_code == 404
    assert client_for("bureau").get(url).status_code == 403


# --- policies, exports, API ------------------------------------------------------------------------------


def test_a_used_policy_is_never_edited(world, cert):
    policy = CriteriaPolicy.objects.get(code="YC-2023")
    cert.make("draft")
    with pytest.raises(services.TransitionError):
        setup.policy_save(user=cert.office, policy=policy, data={"min_jobs": 1})
    new = setup.policy_save(user=cert.office, data={"code": "YC-2027", "name": "2027版", "min_jobs": 2500})
    assert new.thresholds().min_jobs == 2500 and new.thresholds().min_supporting == 8
    with pytest.raises(PermissionDenied):
        setup.policy_save(user=cert.county, data={"code": "X", "name": "x"})


def test_application_list_is_scoped(world, cert, client_for):
    app = cert.make("submitted")
    assert app.number in client_for("county").get(reverse("application-list")).content.decode()
    assert app.number in client_for("office").get(reverse("application-list")).content.decode()
    assert app.number not in client_of(None, other_county_user(world)).get(reverse("application-list")).content.decode()
    assert client_for("bureau").get(reverse("application-list")).status_code == 403
    draft = cert.make("draft", town=TownFactory(county=world.home_county))
    assert draft.number not in client_for("leader").get(reverse("application-list")).content.decode()


def test_exports(world, cert, client_for, client):
    app = cert.make("public_notice")
    services.application_certify(user=cert.office, application=app)
    sheet = load_workbook(
        io.BytesIO(client_for("office").get(reverse("application-list"), {"export": "xlsx"}).content)
    ).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:3] == ["申报编号", "认定批次", "专业镇"] and "产业相对集中" in rows[0]
    assert rows[1][0] == app.number and rows[1][12] == "符合认定条件"
    reviews = load_workbook(
        io.BytesIO(client_for("office").get(reverse("reviews-export", kwargs={"cycle_pk": cert.cycle.pk})).content)
    ).worksheets[0]
    assert [c.value for c in reviews[2]][3:6] == ["30", "30", "15"]
    certs = load_workbook(io.BytesIO(client.get(reverse("certificate-list"), {"export": "xlsx"}).content)).worksheets[0]
    assert certs.cell(2, 1).value == app.certificate.number


def test_applications_api_is_scoped_and_certificates_are_public(world, cert, api_for, client):
    app = cert.make("public_notice")
    services.application_certify(user=cert.office, application=app)
    data = api_for("county").get("/api/v1/applications/").json()
    assert data["count"] == 1 and data["results"][0]["verdict"]["outcome"] == "eligible"
    assert data["results"][0]["certificate"] == app.certificate.number
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(other_county_user(world))
    assert other.get(f"/api/v1/applications/{app.pk}/").status_code == 404
    assert api_for("bureau").get("/api/v1/applications/").status_code == 403
    public = client.get("/api/v1/certificates/").json()
    assert public["results"][0]["number"] == app.certificate.number and public["results"][0]["valid"] is True
    assert api_for("api").get("/api/v1/policies/").json()["results"][0]["code"] == "YC-2023"


def test_cycle_dates_are_validated(db):
    cycle = Cycle(
        name="x",
        year=2026,
        policy=CriteriaPolicy.objects.get(code="YC-2023"),
        opens_on=datetime.date(2026, 5, 1),
        closes_on=datetime.date(2026, 4, 1),
    )
    from core.services import validate

    with pytest.raises(ValidationError) as exc:
        validate(cycle)
    assert "closes_on" in exc.value.message_dict


def test_office_opens_a_cycle_with_its_rubric(world, cert, client_for):
    response = client_for("office").post(
        reverse("cycle-create"),
        {
            "name": "2027年度市级专业镇认定",
            "year": 2027,
            "policy": cert.cycle.policy.pk,
            "opens_on": "2027-01-01",
            "closes_on": "2027-03-31",
            "notice_days": 5,
            "certificate_years": 3,
            "rubric": "产业集中度 40\n规模与成长性 60\n",
        },
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get(year=2027)
    assert [(i.name, i.max_score) for i in cycle.rubric.all()] == [("产业集中度", 40), ("规模与成长性", 60)]
    bad = client_for("office").post(
        reverse("cycle-create"),
        {
            "name": "坏批次",
            "year": 2028,
            "policy": cert.cycle.policy.pk,
            "opens_on": "2028-03-01",
            "closes_on": "2028-01-01",
            "notice_days": 5,
            "certificate_years": 3,
            "rubric": "没有分数",
        },
    )
    assert bad.status_code == 200 and "rubric" in bad.context["form"].errors
    assert not Cycle.objects.filter(year=2028).exists()
    assert client_for("county").get(reverse("cycle-create")).status_code == 403


def test_rubric_is_frozen_once_experts_have_scored(world, cert):
    cert.make("public_notice")
    with pytest.raises(ValidationError):
        setup.cycle_save(user=cert.office, cycle=cert.cycle, data={}, rubric=[("新项", 100)])
    assert cert.cycle.rubric.count() == 3


def test_office_recommends_a_city_town_directly(world, cert):
    rec = services.province_recommend(
        user=cert.office, town=world.other_town, recommended_on=timezone.localdate(), note="水泵产业集群"
    )
    assert rec.town == world.other_town
    with pytest.raises(ValidationError):  # already waiting for the province
        services.province_recommend(
            user=cert.office, town=world.other_town, recommended_on=timezone.localdate(), note=""
        )
    with pytest.raises(ValidationError):  # provincial already
        services.province_recommend(
            user=cert.office, town=world.home_town, recommended_on=timezone.localdate(), note=""
        )


def test_notifications_are_mailed_where_email_is_configured(
    world, cert, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_NOTIFICATIONS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cert.county.email = "wanrong@example.cn"
    cert.county.save()
    app = cert.make("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.screening_start(user=cert.office, application=app)
    assert [m.to for m in mailoutbox] == [["wanrong@example.cn"]]
    assert "形式审查" in mailoutbox[0].subject and app.number in mailoutbox[0].body


def test_an_enterprise_named_in_an_application_cannot_be_deleted(world, cert, client_for, api_for):
    cert.make("draft")
    response = api_for("county").delete(f"/api/v1/enterprises/{world.home_enterprise.pk}/")
    assert response.status_code == 409 and "认定申请" in response.json()["detail"]
    page = client_for("county").post(reverse("enterprise-delete", kwargs={"pk": world.home_enterprise.pk}), follow=True)
    assert page.status_code == 200 and "不能删除" in page.content.decode()
    assert world.home_enterprise.__class__.objects.filter(pk=world.home_enterprise.pk).exists()

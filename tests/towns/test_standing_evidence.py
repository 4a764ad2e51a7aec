"""A town's standing evidence (全国拥有较大市场空间, 传统特色): recorded and withdrawn by the office with history,
carried over from a certified application, prefilling new applications, and read by the annual re-check — which
no longer fails a first-batch town under 50 % provincial share that has shown a national market, and lists the
provincial town for the office instead of judging it by the city criteria."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certification import services as cert_services
from certification.models import Application, Attachment
from core.models import AuditEntry
from evaluation import services as evaluation
from evaluation.documents import supervision_notice
from evaluation.models import EvaluationConfig, SupervisionNotice
from towns import evidence
from towns.models import Town, TownEvidence, TownYearFigures

from ..factories import EnterpriseFactory, TownEvidenceFactory, TownFactory, TownFiguresFactory, pdf_bytes
from ..helpers import client_of, run_inline

YEAR = 2025
MARKET = TownEvidence.Kind.NATIONAL_MARKET
FEATURE = TownEvidence.Kind.TRADITIONAL_FEATURE


@pytest.fixture
def pumps(world):
    """A first-batch-like city town that meets every criterion but the provincial share (30 %)."""
    town = TownFactory(name="盐湖区水泵一", county=world.other_county, leading_industry="水泵", tier="city")
    TownFiguresFactory(town=town, year=YEAR - 1, output_wan="80000")
    TownFiguresFactory(town=town, year=YEAR, output_wan="90000", local_jobs=3000, provincial_share_pct="30")
    EnterpriseFactory(town=town, role="anchor")
    for _ in range(10):
        EnterpriseFactory(town=town, role="supporting")
    return town


def recheck(office, town):
    run = run_inline(evaluation.evaluation_start(user=office, year=YEAR))
    return run.results.get(town=town)


def market_of(result):
    return next(c for c in result.criteria["criteria"] if c["code"] == "market_share")


def record_market(office, town, **extra):
    return evidence.evidence_record(
        user=office,
        town=town,
        kind=MARKET,
        statement="主导产品潜水泵全国市场占有率约三成",
        document="运城潜水泵产业联盟 2024 年度行业报告",
        **extra,
    )


# --- the re-check -----------------------------------------------------------------------------------------------


def test_without_evidence_a_share_under_half_is_flagged(world, pumps):
    result = recheck(world.users["office"], pumps)
    assert market_of(result)["status"] == "fail"
    assert result.criteria["outcome"] == "ineligible" and result.inspection is True


def test_recorded_national_market_passes_the_market_criterion(world, pumps):
    office = world.users["office"]
    record_market(office, pumps)
    result = recheck(office, pumps)
    market = market_of(result)
    assert market["status"] == "pass" and "办公室认可" in market["message"] and "（三、三）" in market["message"]
    assert result.criteria["outcome"] == "eligible" and result.inspection is False


def test_withdrawn_evidence_no_longer_counts(world, pumps):
    office = world.users["office"]
    record = record_market(office, pumps)
    evidence.evidence_withdraw(user=office, evidence=record, reason="行业报告已过期")
    assert recheck(office, pumps).inspection is True
    assert evidence.evidence_history(pumps).count() == 1  # kept on file


def test_traditional_feature_leaves_the_relaxation_to_the_office(world, pumps):
    """A traditional feature is the town's fact, not a relaxation already granted: an unmet criterion is the
    office's decision (not a flag), and output below 1亿元 still fails."""
    office = world.users["office"]
    TownYearFigures.objects.filter(town=pumps, year=YEAR).update(provincial_share_pct=Decimal("60"), output_wan=15000)
    evidence.evidence_record(
        user=office,
        town=pumps,
        kind=FEATURE,
        feature_kind="gi",
        statement="地理标志产品",
        document="国家知识产权局公告",
    )
    result = recheck(office, pumps)
    assert result.criteria["outcome"] == "needs_office_decision" and result.inspection is False
    TownYearFigures.objects.filter(town=pumps, year=YEAR).update(output_wan=Decimal("9999.99"))
    assert recheck(office, pumps).inspection is True


def test_the_provincial_town_is_listed_for_the_office_not_judged_by_city_criteria(world):
    town = world.home_town  # 万荣县外加剂, provincial
    TownFiguresFactory(town=town, year=YEAR, output_wan="1000", local_jobs=10, provincial_share_pct="5")
    result = recheck(world.users["office"], town)
    assert result.criteria["outcome"] == "provincial_review"
    assert result.criteria["outcome_label"] == "省级专业镇：由办公室按省级标准研究，不按市级标准复核"
    assert result.inspection is False
    page = client_of(None, world.users["office"]).get(reverse("evaluation-detail", kwargs={"pk": result.run_id}))
    assert "不按市级标准复核" in page.content.decode()


def test_the_notice_cites_the_criteria_for_a_criteria_failure(world, pumps):
    office = world.users["office"]
    EvaluationConfig.objects.create(year=YEAR, top_n=0, bottom_n=1)
    run = run_inline(evaluation.evaluation_start(user=office, year=YEAR))
    assert run.results.get(town=pumps).inspection
    evaluation.evaluation_publish(user=office, run=run)
    notice = SupervisionNotice.objects.get(town=pumps)
    line = next(p for p in notice.problems if "认定标准" in p)
    assert "（运政办发〔2023〕8号 三）" in line and "市场占有率较高" in line
    assert "（五、（四）“专业镇评定后，要组织开展专项检查”）" in line
    text = " ".join(b.text or "" for b in supervision_notice(notice).body)
    assert "五、（四）；认定标准复核依据同一文件三、市级专业镇认定标准" in text


# --- recording and withdrawing ----------------------------------------------------------------------------------


def test_only_the_office_records_and_withdraws(world, pumps):
    with pytest.raises(PermissionDenied):
        record_market(world.users["county"], pumps)
    record = record_market(world.users["office"], pumps)
    with pytest.raises(PermissionDenied):
        evidence.evidence_withdraw(user=world.users["county"], evidence=record, reason="x")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": MARKET, "statement": " ", "document": "证明"}, "statement"),
        ({"kind": MARKET, "statement": "全国市场大", "document": ""}, "document"),
        ({"kind": FEATURE, "statement": "发源地", "document": "县志"}, "feature_kind"),
        ({"kind": "other", "statement": "x", "document": "y"}, "kind"),
        (
            {"kind": MARKET, "statement": "x", "document": "y", "accepted_on": datetime.date(2999, 1, 1)},
            "accepted_on",
        ),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_saved(world, pumps, data, field):
    with pytest.raises(ValidationError) as exc:
        evidence.evidence_record(user=world.users["office"], town=pumps, **data)
    assert field in exc.value.message_dict
    assert not TownEvidence.objects.exists()


def test_history_the_latest_is_current_and_every_change_is_audited(world, pumps):
    office = world.users["office"]
    first = record_market(office, pumps, accepted_on=datetime.date(2024, 1, 5))
    second = record_market(office, pumps)
    assert evidence.current_evidence(pumps)[MARKET] == second
    evidence.evidence_withdraw(user=office, evidence=second, reason="数据有误")
    assert evidence.current_evidence(pumps)[MARKET] == first
    with pytest.raises(ValidationError):
        evidence.evidence_withdraw(user=office, evidence=second, reason="again")
    entries = AuditEntry.objects.filter(content_type__model="townevidence")
    assert sorted(entries.values_list("action", flat=True)) == ["create", "create", "state"]


def test_the_office_records_on_the_town_page_with_an_attachment(world, pumps, client_for):
    office = client_for("office")
    page = office.get(reverse("town-detail", kwargs={"pk": pumps.pk})).content.decode()
    assert "已认可的证明" in page and reverse("town-evidence-new", kwargs={"pk": pumps.pk}) in page
    response = office.post(
        reverse("town-evidence-new", kwargs={"pk": pumps.pk}),
        {
            "kind": MARKET,
            "statement": "全国市场占有率约三成",
            "document": "",
            "accepted_on": timezone.localdate().isoformat(),
            "file": SimpleUploadedFile("行业报告.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    record = TownEvidence.objects.get(town=pumps)
    assert record.accepted_by == world.users["office"] and record.source == "办公室登记"
    attachment = record.files.get()
    assert attachment.original_name == "行业报告.pdf"
    url = reverse("town-evidence-file", kwargs={"pk": attachment.pk})
    download = office.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    for close in download._resource_closers:  # the file, not left to the garbage collector
        close()
    assert client_for("county").get(url).status_code == 404  # 盐湖区's town; the county user is 万荣县's
    # Withdrawing needs a reason; the page shows it afterwards.
    withdraw = reverse("town-evidence-withdraw", kwargs={"pk": record.pk})
    office.post(withdraw, {"reason": ""})
    assert TownEvidence.objects.get(pk=record.pk).withdrawn_at is None
    office.post(withdraw, {"reason": "报告过期"})
    assert TownEvidence.objects.get(pk=record.pk).withdrawn_at is not None
    assert "报告过期" in office.get(reverse("town-detail", kwargs={"pk": pumps.pk})).content.decode()


def test_a_bad_attachment_saves_nothing(world, pumps, client_for):
    response = client_for("office").post(
        reverse("town-evidence-new", kwargs={"pk": pumps.pk}),
        {
            "kind": MARKET,
            "statement": "全国市场占有率约三成",
            "accepted_on": timezone.localdate().isoformat(),
            "file": SimpleUploadedFile("报告.pdf", b"%PDF-1.4 <html>not a pdf</html>"),
        },
    )
    assert response.status_code == 200 and "文件" in response.content.decode()
    assert not TownEvidence.objects.exists()


# --- carried over, prefilled, migrated -------------------------------------------------------------------------


def _claim_market(app):
    Application.objects.filter(pk=app.pk).update(
        national_market=True,
        national_market_evidence="全国混凝土外加剂市场占有率约15%",
        traditional_feature=True,
        traditional_feature_kind="birthplace",
        traditional_feature_evidence="中国混凝土外加剂之乡",
    )
    Attachment.objects.create(
        application=app,
        kind=Attachment.Kind.MARKET,
        file=SimpleUploadedFile("市场证明.pdf", pdf_bytes()),
        original_name="市场证明.pdf",
        size=10,
        content_type="application/pdf",
    )


def test_certifying_carries_the_claims_over_to_the_town(world, cert):
    app = cert.make("public_notice")
    _claim_market(app)
    certificate = cert_services.application_certify(user=cert.office, application=app)
    current = evidence.current_evidence(world.home_town)
    market, feature = current[MARKET], current[FEATURE]
    assert market.statement == "全国混凝土外加剂市场占有率约15%" and app.number in market.source
    assert certificate.number in market.source and market.accepted_by == cert.office
    assert [f.original_name for f in market.files.all()] == ["市场证明.pdf"]
    assert feature.feature_kind == "birthplace" and not feature.files.exists()


def test_a_new_application_starts_from_the_accepted_evidence(world, cert, client_for):
    record_market(world.users["office"], world.home_town)
    app = cert.make("draft")
    app.refresh_from_db()
    assert app.national_market is True and "主导产品潜水泵全国市场占有率约三成" in app.national_market_evidence
    assert "已认可的证明" in app.national_market_evidence and app.traditional_feature is False
    page = client_for("county").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    assert "已认可的证明" in page and "运城潜水泵产业联盟 2024 年度行业报告" in page


def test_an_unchanged_prefilled_claim_adds_no_record_on_certification(world, cert):
    record_market(world.users["office"], world.home_town)
    app = cert.make("public_notice")
    assert app.national_market
    cert_services.application_certify(user=cert.office, application=app, rationale="全国市场空间大")
    assert TownEvidence.objects.filter(town=world.home_town).count() == 1


def test_the_data_migration_records_certified_applications_claims(world, cert):
    app = cert.make("public_notice")
    _claim_market(app)
    cert_services.application_certify(user=cert.office, application=app)
    TownEvidence.objects.all().delete()  # as before this change
    migration = importlib.import_module("certification.migrations.0008_town_evidence_from_certified")
    migration.forwards(apps, None)
    rows = {e.kind: e for e in TownEvidence.objects.filter(town=world.home_town)}
    assert set(rows) == {MARKET, FEATURE}
    assert rows[MARKET].statement == "全国混凝土外加剂市场占有率约15%" and app.number in rows[MARKET].source
    assert rows[FEATURE].feature_kind == "birthplace" and rows[MARKET].accepted_by == cert.office


# --- the demo data ----------------------------------------------------------------------------------------------


def test_demo_recheck_no_longer_flags_a_first_batch_town_with_evidence(db):
    from django.contrib.auth import get_user_model

    from towns.demo import load_demo_data

    load_demo_data()
    office = get_user_model().objects.get(username="office")
    last_year = timezone.localdate().year - 1
    town = Town.objects.get(name="盐湖区水泵")
    # A year in which only the market criterion is short: provincial share 30 %.
    TownYearFigures.objects.filter(town=town, year=last_year).update(
        provincial_share_pct=Decimal("30"), output_wan=Decimal("90000"), local_jobs=3000
    )

    def result():
        return run_inline(evaluation.evaluation_start(user=office, year=last_year)).results.get(town=town)

    assert result().inspection is True
    record_market(office, town)
    after = result()
    assert after.inspection is False and market_of(after)["status"] == "pass"
    provincial = after.run.results.get(town__name="万荣县外加剂")
    assert provincial.criteria["outcome"] == "provincial_review" and provincial.inspection is False


def test_factory_rows_are_current_evidence(db):
    record = TownEvidenceFactory()
    assert evidence.current_evidence_by_town([record.town_id])[record.town_id] == {MARKET: record}

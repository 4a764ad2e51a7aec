"""The certification rules exactly as the plan words them (三、市级专业镇认定标准):

- with a traditional feature the office may relax *any* criterion ("可适当放宽认定条件"), with one hard floor:
  output below 1亿元 (relaxed_floor_wan) always fails;
- the office certifies a relaxed application only with a written rationale for each criterion it decides;
- the supporting-firm minimum is this policy's reading of "10家左右", and every message says so;
- a 推荐省级 certificate is a city certificate plus a recommendation, never "省级" before the province designates.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from certification import engine, services
from certification.engine import FAIL, OFFICE_DECISION, PASS, Thresholds, TownFacts, evaluate
from certification.models import Application, Certificate, Transition
from core.models import AuditEntry

from ..factories import api_key, move_notice_back
from ..helpers import town_with_firms

T = Thresholds()

# The issue's example: manufacturing, output 15,000, 1 anchor, 10 supporting, 10 % without a national market,
# 1,500 jobs, a traditional feature.
EXAMPLE = {
    "sector": "manufacturing",
    "annual_output_wan": Decimal("15000"),
    "anchor_enterprises": 1,
    "supporting_enterprises": 10,
    "provincial_share_pct": Decimal("10"),
    "local_jobs": 1500,
    "national_market": False,
    "traditional_feature": True,
}


def facts(**overrides) -> TownFacts:
    return TownFacts(**(EXAMPLE | overrides))


def statuses(verdict) -> dict[str, str]:
    return {c.code: c.status for c in verdict.criteria}


# --- the engine ---------------------------------------------------------------------------------------


def test_the_issues_example_needs_the_offices_decision_on_three_criteria():
    verdict = evaluate(facts(), T)
    assert verdict.outcome == engine.NEEDS_OFFICE_DECISION
    assert statuses(verdict) == {
        "concentration": PASS,
        "scale": OFFICE_DECISION,
        "market_share": OFFICE_DECISION,
        "employment": OFFICE_DECISION,
    }
    assert [c.code for c in verdict.office_decisions] == ["scale", "market_share", "employment"]
    for criterion in verdict.office_decisions:
        assert "由办公室研究决定" in criterion.message and "（三、二）" in criterion.message


def test_the_same_town_without_the_feature_is_ineligible_on_the_same_three():
    verdict = evaluate(facts(traditional_feature=False), T)
    assert verdict.outcome == engine.INELIGIBLE
    assert statuses(verdict) == {"concentration": PASS, "scale": FAIL, "market_share": FAIL, "employment": FAIL}
    assert not verdict.office_decisions


def test_output_below_the_relaxed_floor_always_fails():
    verdict = evaluate(facts(annual_output_wan=Decimal("9999.99")), T)
    assert verdict.outcome == engine.INELIGIBLE
    assert statuses(verdict)["scale"] == FAIL
    assert "不得少于1亿元" in verdict.criteria[1].message
    # Every other criterion met: still ineligible, the floor is the one thing the relaxation cannot move.
    alone = evaluate(
        facts(annual_output_wan=Decimal("9999.99"), provincial_share_pct=Decimal("50"), local_jobs=2000), T
    )
    assert alone.outcome == engine.INELIGIBLE and statuses(alone) == {
        "concentration": PASS,
        "scale": FAIL,
        "market_share": PASS,
        "employment": PASS,
    }


@pytest.mark.parametrize(
    ("output", "status"),
    [
        (Decimal("0"), FAIL),
        (Decimal("9999.99"), FAIL),
        (Decimal("10000"), OFFICE_DECISION),  # "不少于1亿元" includes the number
        (Decimal("10000.01"), OFFICE_DECISION),
        (Decimal("49999.99"), OFFICE_DECISION),
        (Decimal("50000"), PASS),
    ],
)
def test_scale_boundaries_with_the_feature(output, status):
    assert statuses(evaluate(facts(annual_output_wan=output), T))["scale"] == status


@pytest.mark.parametrize(("sector", "floor"), [("agriculture", Decimal("20000")), ("light_industry", Decimal("20000"))])
def test_scale_boundaries_per_sector_with_the_feature(sector, floor):
    assert statuses(evaluate(facts(sector=sector, annual_output_wan=floor), T))["scale"] == PASS
    below = floor - Decimal("0.01")
    assert statuses(evaluate(facts(sector=sector, annual_output_wan=below), T))["scale"] == OFFICE_DECISION


@pytest.mark.parametrize(
    ("overrides", "code", "with_feature", "without_feature"),
    [
        ({"anchor_enterprises": 0}, "concentration", OFFICE_DECISION, FAIL),
        ({"anchor_enterprises": 1}, "concentration", PASS, PASS),
        ({"supporting_enterprises": 7}, "concentration", OFFICE_DECISION, FAIL),
        ({"supporting_enterprises": 8}, "concentration", PASS, PASS),
        ({"supporting_enterprises": 0}, "concentration", OFFICE_DECISION, FAIL),
        ({"provincial_share_pct": Decimal("49.99")}, "market_share", OFFICE_DECISION, FAIL),
        ({"provincial_share_pct": Decimal("50")}, "market_share", PASS, PASS),
        ({"provincial_share_pct": None}, "market_share", OFFICE_DECISION, FAIL),
        ({"local_jobs": 1999}, "employment", OFFICE_DECISION, FAIL),
        ({"local_jobs": 2000}, "employment", PASS, PASS),
        ({"local_jobs": 0}, "employment", OFFICE_DECISION, FAIL),
    ],
)
def test_every_criterion_is_relaxable_with_the_feature_and_only_then(overrides, code, with_feature, without_feature):
    base = {"annual_output_wan": Decimal("50000")}  # output met: only the criterion under test varies
    assert statuses(evaluate(facts(**base, **overrides), T))[code] == with_feature
    assert statuses(evaluate(facts(**base, **overrides, traditional_feature=False), T))[code] == without_feature


def test_national_market_stays_the_offices_judgement_with_or_without_the_feature():
    for feature in (False, True):
        verdict = evaluate(facts(national_market=True, traditional_feature=feature), T)
        market = verdict.criteria[2]
        assert market.status == OFFICE_DECISION and "全国拥有较大市场空间" in market.message


def test_a_fully_met_town_is_eligible_whether_or_not_it_has_the_feature():
    met = {"annual_output_wan": Decimal("50000"), "provincial_share_pct": Decimal("50"), "local_jobs": 2000}
    assert evaluate(facts(**met), T).outcome == engine.ELIGIBLE
    assert evaluate(facts(**met, traditional_feature=False), T).outcome == engine.ELIGIBLE


def test_a_policy_moves_the_relaxed_floor():
    lower = Thresholds(code="LOW", relaxed_floor_wan=Decimal("5000"))
    assert statuses(evaluate(facts(annual_output_wan=Decimal("5000")), lower))["scale"] == OFFICE_DECISION
    assert statuses(evaluate(facts(annual_output_wan=Decimal("4999.99")), lower))["scale"] == FAIL


money = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
any_facts = st.builds(
    TownFacts,
    sector=st.sampled_from(engine.SECTORS),
    annual_output_wan=money,
    anchor_enterprises=st.integers(0, 3),
    supporting_enterprises=st.integers(0, 15),
    provincial_share_pct=st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)),
    local_jobs=st.integers(0, 5000),
    national_market=st.booleans(),
    traditional_feature=st.just(True),
)


@settings(max_examples=300, deadline=None)
@given(any_facts)
def test_with_the_feature_the_only_fail_is_output_below_the_relaxed_floor(f):
    verdict = evaluate(f, T)
    fails = [c.code for c in verdict.criteria if c.status == FAIL]
    if f.annual_output_wan < T.relaxed_floor_wan:
        assert fails == ["scale"] and verdict.outcome == engine.INELIGIBLE
    else:
        assert fails == [] and verdict.outcome in (engine.ELIGIBLE, engine.NEEDS_OFFICE_DECISION)


# --- "10家左右": this policy's reading, not the plan's words ----------------------------------------------


def test_supporting_firm_messages_say_the_minimum_is_this_policys_reading():
    low = evaluate(facts(supporting_enterprises=7, traditional_feature=False), T).criteria[0]
    assert low.message.startswith("关联配套企业7家，少于本认定标准对“10家左右”（三、一）的取值下限8家")
    ok = evaluate(facts(supporting_enterprises=8), T).criteria[0]
    assert "本认定标准对“10家左右”的取值下限为8家" in ok.message
    # The plan is cited for what it says; the number 8 is never given as the plan's.
    for message in (low.message, ok.message):
        assert "“10家左右”的下限" not in message and "“8家" not in message


def test_another_policys_reading_is_shown_as_that_policys():
    verdict = evaluate(facts(supporting_enterprises=8), Thresholds(code="X", min_supporting=9))
    assert "本认定标准对“10家左右”（三、一）的取值下限9家" in verdict.criteria[0].message


def test_pages_present_the_minimum_as_this_policys_reading(world, cert, client_for):
    app = cert.make("draft")
    page = client_for("county").get(reverse("application-step", kwargs={"pk": app.pk, "step": "firms"}))
    html = page.content.decode()
    assert "关联配套企业在10家左右（三、一）" in html and "本认定标准对“10家左右”的取值下限为8家" in html
    policies = client_for("office").get(reverse("policy-list")).content.decode()
    assert "取值下限" in policies and "不是文件原文" in policies


# --- the precheck API keeps its shape ----------------------------------------------------------------------

URL = "/api/v1/certification/precheck/"


def test_precheck_api_answers_the_example_in_the_same_shape(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['api'])}")
    body = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in EXAMPLE.items()}
    data = client.post(URL, body, format="json").json()
    assert set(data) == {"outcome", "outcome_label", "policy", "criteria"}
    assert data["outcome"] == "needs_office_decision"
    assert {c["code"]: c["status"] for c in data["criteria"]} == {
        "concentration": "pass",
        "scale": "office_decision",
        "market_share": "office_decision",
        "employment": "office_decision",
    }
    assert all(set(c) == {"code", "label", "status", "status_label", "message"} for c in data["criteria"])
    below = client.post(URL, body | {"annual_output_wan": "9999.99"}, format="json").json()
    assert below["outcome"] == "ineligible"


# --- the office's rationale, one per relaxed criterion -----------------------------------------------------


def relaxed_application(cert, world):
    app = cert.make("public_notice", town=town_with_firms(world, "万荣县传统镇", supporting=10))
    Application.objects.filter(pk=app.pk).update(
        annual_output_wan=Decimal("15000"),
        provincial_share_pct=Decimal("10"),
        local_jobs=1500,
        traditional_feature=True,
        traditional_feature_kind=Application.Feature.choices[0][0],
        traditional_feature_evidence="历史发源地，见县志",
    )
    app.refresh_from_db()
    return app


def test_each_relaxed_criterion_needs_its_own_rationale(world, cert):
    app = relaxed_application(cert, world)
    with pytest.raises(ValidationError) as exc:
        services.application_certify(
            user=cert.office, application=app, rationales={"scale": "发展前景好", "market_share": "地理标志产品"}
        )
    assert "就业带动性强" in str(exc.value.message_dict["rationale"])
    assert not Certificate.objects.exists()
    with pytest.raises(ValidationError):
        services.application_certify(user=cert.office, application=app)  # nothing written at all
    certificate = services.application_certify(
        user=cert.office,
        application=app,
        rationales={"scale": "发展前景好", "market_share": "地理标志产品", "employment": "季节性用工多"},
        rationale="同意认定",
    )
    app.refresh_from_db()
    assert app.office_rationale.splitlines() == [
        "规模相对较大：发展前景好",
        "市场占有率较高：地理标志产品",
        "就业带动性强：季节性用工多",
        "同意认定",
    ]
    note = Transition.objects.filter(application=app, to_status="certified").get().note
    assert certificate.number in note and "规模相对较大、市场占有率较高、就业带动性强" in note
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.STATE, object_id=str(app.pk)).first()
    assert "就业带动性强" in entry.note


def test_the_certify_form_asks_for_each_relaxed_criterion(world, cert, client_for):
    app = relaxed_application(cert, world)
    office = client_for("office")
    html = office.get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    for label in ("规模相对较大", "市场占有率较高", "就业带动性强"):
        assert f"“{label}”的研究意见（放宽理由）" in html
    assert 'name="rationale_scale"' in html and 'name="rationale_concentration"' not in html
    url = reverse("application-transition", kwargs={"pk": app.pk, "action": "certify"})
    office.post(url, {"expected": app.status, "rationale_scale": "前景好", "rationale_market_share": "地理标志"})
    assert not Certificate.objects.exists()  # employment's rationale missing
    response = office.post(
        url,
        {
            "expected": app.status,
            "rationale_scale": "前景好",
            "rationale_market_share": "地理标志",
            "rationale_employment": "用工季节性强",
        },
    )
    certificate = Certificate.objects.get()
    assert response.status_code == 302 and response.url == reverse("certificate-detail", kwargs={"pk": certificate.pk})


def test_an_application_below_the_relaxed_floor_cannot_be_certified(world, cert):
    app = relaxed_application(cert, world)
    Application.objects.filter(pk=app.pk).update(annual_output_wan=Decimal("9999.99"))
    with pytest.raises(services.TransitionError):
        services.application_certify(
            user=cert.office,
            application=app,
            rationales={"scale": "x", "market_share": "x", "employment": "x"},
        )


# --- a 推荐省级 certificate is a city certificate plus a recommendation ----------------------------------


def recommended_certificate(world, cert):
    town = town_with_firms(world, "万荣县推荐镇", tier="city")
    app = cert.make("draft", town=town)
    Application.objects.filter(pk=app.pk).update(target_tier="provincial")
    app.refresh_from_db()
    services.application_submit(user=cert.county, application=app)
    services.screening_start(user=cert.office, application=app)
    services.experts_assign(user=cert.office, applications=[app], experts=[cert.expert])
    services.expert_review_submit(
        user=cert.expert,
        assignment=app.assignments.get(),
        scores={i.pk: Decimal("10") for i in cert.cycle.rubric.all()},
        comment="",
        recommendation="certify",
    )
    notice = services.notice_publish(
        user=cert.office, cycle=cert.cycle, applications=[app], starts_on=timezone.localdate()
    )
    move_notice_back(notice, 10)
    return services.application_certify(user=cert.office, application=app), town


def test_a_recommended_certificate_is_city_level_everywhere(world, cert, client):
    certificate, town = recommended_certificate(world, cert)
    assert certificate.tier == "city" and certificate.recommended_provincial
    town.refresh_from_db()
    assert town.tier == "city"
    listing = client.get(reverse("certificate-list")).content.decode()
    assert "市级专业镇（推荐省级）" in listing and "省级专业镇</td>" not in listing
    page = client.get(reverse("certificate-detail", kwargs={"pk": certificate.pk})).content.decode()
    assert "认定为市级专业镇，并推荐申报省级专业镇" in page and "认定为推荐省级专业镇" not in page
    api = client.get("/api/v1/certificates/").json()
    row = next(r for r in (api["results"] if isinstance(api, dict) else api) if r["number"] == certificate.number)
    assert row["tier"] == "city" and row["recommended_provincial"] is True
    assert row["tier_label"] == "市级专业镇（推荐省级）"


def test_a_certificate_stored_as_provincial_before_the_fix_still_reads_as_city(world, cert, client):
    certificate, _town = recommended_certificate(world, cert)
    Certificate.objects.filter(pk=certificate.pk).update(tier="provincial")  # as the old code stored it
    api = client.get("/api/v1/certificates/").json()
    row = next(r for r in (api["results"] if isinstance(api, dict) else api) if r["number"] == certificate.number)
    assert row["tier"] == "city" and row["tier_label"] == "市级专业镇（推荐省级）"
    assert "市级专业镇（推荐省级）" in client.get(reverse("certificate-list")).content.decode()


def test_an_ordinary_certificate_says_city_without_a_recommendation(world, cert, client):
    certificate = services.application_certify(
        user=cert.office, application=cert.make("public_notice", town=town_with_firms(world, "万荣县普通镇"))
    )
    assert not certificate.recommended_provincial and certificate.tier_label == "市级专业镇"
    page = client.get(reverse("certificate-detail", kwargs={"pk": certificate.pk})).content.decode()
    assert "认定为市级专业镇。" in page and "推荐" not in page.split("有效期")[0].split("认定为")[-1]

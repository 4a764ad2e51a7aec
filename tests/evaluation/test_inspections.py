"""Special inspections (专项检查, 五、（四）): the plan, the team's findings, the rectification they lead to, who sees
what, and the annual re-check's part (every flagged town gets an inspection; none is commended unconfirmed)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionNotAllowed
from evaluation import inspections, services, workflow
from evaluation.models import (
    Commendation,
    EvaluationConfig,
    Finding,
    Inspection,
    SupervisionNotice,
)
from towns.models import Role

from ..factories import (
    BureauFactory,
    EvaluationRunFactory,
    ObjectionFactory,
    TownEvaluationFactory,
    TownFactory,
    make_user,
    pdf_bytes,
    png_bytes,
)
from ..helpers import client_of, other_county_user

TODAY = timezone.localdate()


@pytest.fixture
def team(world):
    """The team: 市工信局 (the world's bureau user) and one expert; a second expert and a bureau outside it."""
    return {
        "expert": world.users["expert"],
        "outsider_expert": make_user(Role.EXPERT, username="expert-out"),
        "bureau": world.users["bureau"],
        "outsider_bureau": make_user(Role.BUREAU, bureau=BureauFactory(name="市商务局"), username="shangwu"),
        "unit": world.users["bureau"].membership.bureau,
    }


def plan(world, team, towns=None, **extra):
    data = {
        "title": "2026年专项检查",
        "towns": towns or [world.home_town],
        "units": [team["unit"]],
        "experts": [team["expert"]],
        "starts_on": TODAY,
        "ends_on": TODAY + datetime.timedelta(days=5),
        "items": inspections.default_checklist(),
    } | extra
    return inspections.inspection_plan(user=world.users["office"], data=data)


def record_all(inspection, user, result="ok", note=""):
    for town in inspection.towns.all():
        for item in inspection.items.all():
            inspections.finding_record(user=user, inspection=inspection, item=item, town=town, result=result, note=note)


# --- the whole way, through the pages ------------------------------------------------------------------------


def test_plan_findings_notice_reply_acceptance_closes_the_inspection(world, team, settings):
    office = client_of(None, world.users["office"])
    page = office.get(reverse("inspection-create"))
    assert page.status_code == 200
    assert "产业相对集中\n规模相对较大\n市场占有率较高\n就业带动性强" in page.context["form"].initial["items"]
    response = office.post(
        reverse("inspection-create"),
        {
            "title": "万荣县外加剂专项检查",
            "towns": [world.home_town.pk],
            "units": [team["unit"].pk],
            "experts": [team["expert"].pk],
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
            "items": "产业相对集中\n安全生产情况",
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response.url == reverse("inspection-detail", kwargs={"pk": inspection.pk})
    assert inspection.number == f"运专镇查〔{TODAY.year}〕001号" and inspection.status == "planned"
    assert [i.title for i in inspection.items.all()] == ["产业相对集中", "安全生产情况"]

    detail = office.get(reverse("inspection-detail", kwargs={"pk": inspection.pk})).content.decode()
    assert "开始检查" in detail and "结束检查" not in detail and "下发督办通知书" not in detail
    office.post(
        reverse("inspection-transition", kwargs={"pk": inspection.pk, "action": "start"}), {"expected": "planned"}
    )
    inspection.refresh_from_db()
    assert inspection.status == "in_progress"

    # the expert records one item on site with a photo; the unit the other, nothing to act on
    concentration, safety = inspection.items.all()
    expert = client_of(None, team["expert"])
    url = reverse(
        "inspection-finding", kwargs={"pk": inspection.pk, "town_pk": world.home_town.pk, "item_pk": concentration.pk}
    )
    assert expert.get(url).status_code == 200
    photo = SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")
    response = expert.post(url, {"result": "rectify", "note": "关联配套企业仅5家", "files": [photo]})
    assert response.status_code == 302
    finding = Finding.objects.get(item=concentration)
    assert finding.recorded_by == team["expert"] and finding.attachments.get().content_type == "image/png"
    bureau = client_of(None, team["bureau"])
    bureau.post(
        reverse(
            "inspection-finding", kwargs={"pk": inspection.pk, "town_pk": world.home_town.pk, "item_pk": safety.pk}
        ),
        {"result": "ok", "note": ""},
    )
    attachment = reverse("inspection-attachment", kwargs={"pk": finding.attachments.get().pk})
    assert _get(client_of(None, world.users["county"]), attachment).status_code == 200

    office.post(
        reverse("inspection-transition", kwargs={"pk": inspection.pk, "action": "finish"}),
        {"expected": "in_progress", "conclusion": "总体良好，配套不足"},
    )
    deadline = TODAY + datetime.timedelta(days=30)
    office.post(
        reverse("inspection-transition", kwargs={"pk": inspection.pk, "action": "issue"}),
        {"expected": "findings_recorded", "deadline": deadline.isoformat()},
    )
    inspection.refresh_from_db()
    assert inspection.status == "rectifying"
    notice = SupervisionNotice.objects.get()
    assert (notice.inspection, notice.run, notice.town, notice.deadline) == (
        inspection,
        None,
        world.home_town,
        deadline,
    )
    assert notice.problems == ["产业相对集中：关联配套企业仅5家"]
    letter = client_of(None, world.users["county"]).get(reverse("supervision-notice", kwargs={"pk": notice.pk}))
    assert f"根据专项检查（{inspection.number}）发现的问题" in letter.content.decode()

    county = client_of(None, world.users["county"])
    county.post(
        reverse("supervision-notice", kwargs={"pk": notice.pk}),
        {"action": "answer", "text": "已新引进配套企业4家", "attachment": SimpleUploadedFile("整改.pdf", pdf_bytes())},
    )
    notice.refresh_from_db()
    assert notice.status == "answered"
    office.post(
        reverse("supervision-notice", kwargs={"pk": notice.pk}), {"action": "review", "accept": "1", "note": "同意"}
    )
    notice.refresh_from_db()
    inspection.refresh_from_db()
    assert notice.status == "accepted" and inspection.status == "closed" and inspection.closed_at

    report = office.get(reverse("inspection-report", kwargs={"pk": inspection.pk}))
    text = report.content.decode()
    assert "专项检查报告" in text and "产业相对集中：有问题，限期整改。关联配套企业仅5家" in text
    assert notice.number in text and "总体良好，配套不足" in text
    pdf = office.get(reverse("inspection-report", kwargs={"pk": inspection.pk}) + "?format=pdf")
    assert (
        pdf["Content-Type"] == "application/pdf"
        and b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])[:5] == b"%PDF-"
    )


def test_nothing_to_rectify_is_closed_by_the_office(world, team):
    inspection = plan(world, team)
    inspections.inspection_start(user=world.users["office"], inspection=inspection)
    record_all(inspection, team["expert"], result="observation", note="台账不全")
    inspections.inspection_finish(user=world.users["office"], inspection=inspection)
    inspection.refresh_from_db()
    assert workflow.inspection_actions_for(world.users["office"], inspection) == {"reopen", "close"}
    with pytest.raises(ActionNotAllowed):
        inspections.inspection_issue(
            user=world.users["office"], inspection=inspection, deadline=TODAY + datetime.timedelta(days=9)
        )
    inspections.inspection_close(user=world.users["office"], inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == "closed" and not SupervisionNotice.objects.exists()


# --- the transition table --------------------------------------------------------------------------------------


def test_each_move_is_checked_against_the_table(world, team):
    office = world.users["office"]
    inspection = plan(world, team, starts_on=None, ends_on=None)
    with pytest.raises(ActionNotAllowed, match="检查日期"):
        inspections.inspection_start(user=office, inspection=inspection)
    inspection = inspections.inspection_update(
        user=office,
        inspection=inspection,
        data={
            "title": inspection.title,
            "towns": [world.home_town],
            "units": [],
            "experts": [],
            "starts_on": TODAY,
            "ends_on": TODAY,
            "items": ["产业相对集中"],
        },
    )
    with pytest.raises(ActionNotAllowed, match="检查组"):
        inspections.inspection_start(user=office, inspection=inspection)
    inspection.experts.set([team["expert"]])
    item = inspection.items.get()
    with pytest.raises(ActionNotAllowed):  # not started: nobody records
        inspections.finding_record(
            user=team["expert"], inspection=inspection, item=item, town=world.home_town, result="ok", note=""
        )
    with pytest.raises(ActionNotAllowed, match="他人处理"):  # the page showed another state
        inspections.inspection_start(user=office, inspection=inspection, expected="in_progress")
    inspections.inspection_start(user=office, inspection=inspection)
    with pytest.raises(ActionNotAllowed, match="未记录"):
        inspections.inspection_finish(user=office, inspection=inspection)
    with pytest.raises(ActionNotAllowed):  # the plan is fixed once started
        inspections.inspection_update(user=office, inspection=inspection, data={})
    with pytest.raises(ActionNotAllowed):  # only the team records
        inspections.finding_record(
            user=team["outsider_expert"], inspection=inspection, item=item, town=world.home_town, result="ok", note=""
        )
    with pytest.raises(ValidationError) as error:
        inspections.finding_record(
            user=team["expert"], inspection=inspection, item=item, town=world.home_town, result="rectify", note=" "
        )
    assert "note" in error.value.error_dict and not Finding.objects.exists()
    with pytest.raises(PermissionDenied):
        inspections.inspection_finish(user=team["expert"], inspection=inspection)


def test_pages_offer_only_the_allowed_actions(world, team):
    inspection = plan(world, team)
    inspections.inspection_start(user=world.users["office"], inspection=inspection)
    url = reverse("inspection-detail", kwargs={"pk": inspection.pk})
    record_link = reverse(
        "inspection-finding",
        kwargs={"pk": inspection.pk, "town_pk": world.home_town.pk, "item_pk": inspection.items.first().pk},
    )
    for role, record, finish in (("office", True, True), ("expert", True, False), ("county", False, False)):
        html = client_of(None, world.users[role]).get(url).content.decode()
        assert (record_link in html) is record, role
        assert ("结束检查" in html) is finish, role
        assert "开始检查" not in html and "修改计划" not in html
    # the county sees the inspection of its town, but records nothing and moves nothing
    county = client_of(None, world.users["county"])
    assert county.get(record_link).status_code == 403
    response = county.post(reverse("inspection-transition", kwargs={"pk": inspection.pk, "action": "finish"}), {})
    assert response.status_code == 403


def test_bad_plans_are_refused_with_nothing_saved(world, team):
    office = client_of(None, world.users["office"])
    response = office.post(
        reverse("inspection-create"),
        {
            "title": "检查",
            "towns": [world.home_town.pk],
            "experts": [],
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
            "items": "产业相对集中",
        },
    )
    assert response.status_code == 400 and not Inspection.objects.exists()
    assert response.context["form"].errors["ends_on"] == ["检查结束日期不能早于开始日期。"]
    with pytest.raises(ValidationError) as error:
        plan(world, team, items=["  ", ""])
    assert error.value.message_dict["items"] == ["检查清单至少要有一项。"]
    with pytest.raises(ValidationError) as error:
        plan(world, team, experts=[world.users["county"]])
    assert error.value.message_dict["experts"] == ["检查组专家只能从评审专家中选择。"]
    assert not Inspection.objects.exists()


def test_an_objection_to_a_public_notice_opens_an_inspection(world, team):
    objection = ObjectionFactory(application__town=world.home_town, content="关联配套企业数量不实")
    office = client_of(None, world.users["office"])
    page = office.get(reverse("inspection-create") + f"?objection={objection.pk}")
    assert page.context["form"].initial["objection"] == objection
    assert page.context["form"].initial["towns"] == [world.home_town]
    with pytest.raises(ValidationError, match="应列入检查对象"):
        plan(world, team, towns=[world.other_town], objection=objection)
    inspection = plan(world, team, objection=objection)
    assert inspection.origin == "objection" and inspection.objection == objection
    html = office.get(reverse("inspection-detail", kwargs={"pk": inspection.pk})).content.decode()
    assert "公示异议" in html and "关联配套企业数量不实" in html


# --- scope --------------------------------------------------------------------------------------------------------


def test_a_county_sees_only_its_towns_inspections_and_findings(world, team):
    office = world.users["office"]
    both = plan(world, team, towns=[world.home_town, world.other_town])
    theirs = plan(world, team, towns=[world.other_town])
    inspections.inspection_start(user=office, inspection=both)
    record_all(both, team["expert"], result="rectify", note="问题X")
    Finding.objects.filter(town=world.other_town).update(note="盐湖区的问题")
    inspections.inspection_finish(user=office, inspection=both)
    inspections.inspection_issue(user=office, inspection=both, deadline=TODAY + datetime.timedelta(days=10))
    assert SupervisionNotice.objects.filter(inspection=both).count() == 2  # one per town

    county = client_of(None, world.users["county"])
    listing = county.get(reverse("inspection-list")).content.decode()
    assert both.number in listing and theirs.number not in listing
    assert county.get(reverse("inspection-detail", kwargs={"pk": theirs.pk})).status_code == 404
    assert county.get(reverse("inspection-report", kwargs={"pk": theirs.pk})).status_code == 404
    for name in ("inspection-detail", "inspection-report"):
        html = county.get(reverse(name, kwargs={"pk": both.pk})).content.decode()
        assert world.home_town.name in html and "盐湖区的问题" not in html and world.other_town.name not in html
    yanhu = client_of(None, other_county_user(world))
    assert yanhu.get(reverse("inspection-detail", kwargs={"pk": both.pk})).status_code == 200
    assert world.home_town.name not in yanhu.get(reverse("inspection-report", kwargs={"pk": both.pk})).content.decode()


def test_the_team_sees_its_inspections_and_nobody_else_outside_the_office(world, team):
    inspection = plan(world, team)
    inspections.inspection_start(user=world.users["office"], inspection=inspection)
    finding = inspections.finding_record(
        user=team["expert"],
        inspection=inspection,
        item=inspection.items.first(),
        town=world.home_town,
        result="ok",
        note="",
        attachments=[SimpleUploadedFile("现场.jpg", _jpeg())],
    )
    attachment = reverse("inspection-attachment", kwargs={"pk": finding.attachments.get().pk})
    detail = reverse("inspection-detail", kwargs={"pk": inspection.pk})
    for user, status in (
        (team["expert"], 200),
        (team["bureau"], 200),
        (world.users["leader"], 200),
        (team["outsider_expert"], 404),
        (team["outsider_bureau"], 404),
        (other_county_user(world), 404),
        (world.users["api"], 403),
        (world.users["norole"], 403),
    ):
        client = client_of(None, user)
        assert client.get(detail).status_code == status, user
        assert _get(client, attachment).status_code == status, user


def _get(client, url):
    """GET a download and close its file (not response.close(): that would close the test database too)."""
    response = client.get(url)
    for close in response._resource_closers:
        close()
    return response


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


# --- the annual re-check --------------------------------------------------------------------------------------------


@pytest.fixture
def draft(world):
    """A draft 2025 run: home town first but no longer meeting the criteria, other town second and fine, a third
    town flagged that is neither bottom nor slow, and a last-ranked town."""
    EvaluationConfig.objects.create(year=2025, top_n=1, bottom_n=1)
    run = EvaluationRunFactory(status="draft", year=2025)
    middle = TownFactory(name="万荣县中间镇", county=world.home_county, tier="city")
    last = TownFactory(name="盐湖区末位镇", county=world.other_county, tier="city")
    TownEvaluationFactory(run=run, town=world.home_town, rank=1, score=Decimal("95.0"), inspection=True)
    TownEvaluationFactory(run=run, town=world.other_town, rank=2, score=Decimal("80.0"))
    TownEvaluationFactory(run=run, town=middle, rank=3, score=Decimal("60.0"), inspection=True)
    TownEvaluationFactory(run=run, town=last, rank=4, score=Decimal("20.0"))
    return run


def test_every_flagged_town_gets_an_inspection_and_is_not_commended_unconfirmed(world, draft):
    services.evaluation_publish(user=world.users["office"], run=draft)
    flagged = set(draft.results.filter(inspection=True).values_list("town", flat=True))
    proposed = Inspection.objects.filter(run=draft)
    inspected = {t for i in proposed for t in i.towns.values_list("pk", flat=True)}
    assert inspected == flagged  # the middle town is neither bottom nor slow: no notice, but an inspection
    assert all(i.origin == "recheck" and i.status == "planned" and i.items.count() == 5 for i in proposed)
    noticed = set(SupervisionNotice.objects.values_list("town", flat=True))
    assert all(town in noticed or town in inspected for town in flagged)  # never only a flag
    # the first-ranked town is flagged: the next one is commended in its place
    assert list(Commendation.objects.values_list("town", flat=True)) == [world.other_town.pk]
    assert world.users["office"].notifications.filter(message__contains="已提出专项检查").count() == 2


def test_the_office_may_confirm_commending_a_flagged_town(world, draft):
    office = client_of(None, world.users["office"])
    page = office.get(reverse("evaluation-detail", kwargs={"pk": draft.pk})).content.decode()
    assert 'name="commend_flagged"' in page
    office.post(reverse("evaluation-publish", kwargs={"pk": draft.pk}), {"commend_flagged": "1"})
    assert list(Commendation.objects.values_list("town", flat=True)) == [world.home_town.pk]
    assert Inspection.objects.filter(run=draft).count() == 2  # confirmed or not, the inspection is proposed


def test_an_open_inspection_is_not_proposed_twice_and_notices_name_it(world, team, draft):
    existing = plan(world, team)
    EvaluationConfig.objects.filter(year=2025).update(bottom_n=4)  # everyone but the commended gets a notice
    services.evaluation_publish(user=world.users["office"], run=draft)
    assert not Inspection.objects.filter(run=draft, towns=world.home_town).exists()
    notice = SupervisionNotice.objects.get(town=world.home_town)
    assert any(f"列入专项检查{existing.number}（五、（四）" in line for line in notice.problems)
    assert re.fullmatch(r"运专镇督〔\d{4}〕\d{3}号", notice.number)


def test_an_inspection_notice_in_the_api_has_the_year_it_was_issued(world, team, api_for):
    inspection = plan(world, team)
    inspections.inspection_start(user=world.users["office"], inspection=inspection)
    record_all(inspection, team["expert"], result="rectify", note="问题")
    inspections.inspection_finish(user=world.users["office"], inspection=inspection)
    inspections.inspection_issue(
        user=world.users["office"], inspection=inspection, deadline=TODAY + datetime.timedelta(days=9)
    )
    rows = api_for("office").get(reverse("api:supervision-notice-list")).json()
    rows = rows.get("results", rows)
    assert [(r["year"], r["inspection"]) for r in rows] == [(TODAY.year, inspection.number)]

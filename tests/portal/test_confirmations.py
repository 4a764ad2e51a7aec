"""Every irreversible or outward-facing action asks first (core.confirm), without JavaScript.

For each action: the first POST (what a click on the button sends) answers the confirmation page, which says what
will happen in the people's words and changes nothing in the database; its form posts the same fields again with the
confirmation; its cancel link leads back to a page that opens; only the confirmed POST does the action.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from html import unescape

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certification import services as cert_services
from certification.models import Attachment
from core.confirm import CONFIRM_FIELD
from evaluation import inspections
from evaluation import services as evaluation
from evaluation.models import EvaluationConfig, SupervisionNotice
from tasks_registry import services as task_services
from tasks_registry.models import Task
from towns import evidence as town_evidence
from towns import services as town_services
from towns.models import Role

from ..factories import (
    EnterpriseFactory,
    EvaluationRunFactory,
    TownEvaluationFactory,
    TownEvidenceFactory,
    TownFactory,
    api_key,
    make_user,
    pdf_bytes,
)
from ..helpers import client_of, reexamination_of, town_with_firms

TODAY = timezone.localdate()


@dataclass
class Case:
    user: object
    url: str
    data: dict
    says: str  # a sentence of the consequences the page must show
    done: object  # () -> bool, true once the action has been taken


def _snapshot():
    return {
        m._meta.label: list(m.objects.order_by("pk").values())
        for m in apps.get_models()
        if m._meta.app_label not in ("sessions", "axes")
    }


# --- the actions, each set up in the state that allows it -------------------------------------------------------


def enterprise_delete(w):
    firm = EnterpriseFactory(town=w.world.home_town, name="待删企业")
    return Case(
        w.county,
        reverse("enterprise-delete", kwargs={"pk": firm.pk}),
        {},
        "从万荣县外加剂的企业名录中删除“待删企业”",
        lambda: not EnterpriseFactory._meta.model.objects.filter(pk=firm.pk).exists(),
    )


def tier_change(w):
    later = TODAY + datetime.timedelta(days=30)
    town = w.world.other_town
    return Case(
        w.office,
        reverse("town-tier-change", kwargs={"pk": town.pk}),
        {"to_tier": "provincial", "effective_date": later.isoformat(), "source": "晋政办函〔2026〕9号"},
        f"登记一项计划变更：盐湖区水泵计划于{later.isoformat()}由市级专业镇变更为省级专业镇",
        lambda: town.tier_changes.scheduled().exists(),
    )


def tier_withdraw(w):
    change = town_services.town_change_tier(
        user=w.office, town=w.world.other_town, to_tier="provincial", effective_date=TODAY, source="x", direct=True
    )
    return Case(
        w.office,
        reverse("tier-change-withdraw", kwargs={"pk": change.pk}),
        {"reason": "录入错误"},
        "盐湖区水泵恢复为市级专业镇",
        lambda: type(change).objects.get(pk=change.pk).status == "withdrawn",
    )


def evidence_withdraw(w):
    record = TownEvidenceFactory(town=w.world.other_town)
    return Case(
        w.office,
        reverse("town-evidence-withdraw", kwargs={"pk": record.pk}),
        {"reason": "证明过期"},
        "撤回盐湖区水泵的“全国拥有较大市场空间”证明",
        lambda: town_evidence.TownEvidence.objects.get(pk=record.pk).withdrawn_at is not None,
    )


def token_reissue(w):
    api_key(w.world.users["api"])
    return Case(
        w.office,
        reverse("api-tokens"),
        {"holder": w.world.users["api"].pk, "action": "issue"},
        "现有的令牌",
        lambda: w.world.users["api"].api_tokens.count() == 2,
    )


def token_revoke(w):
    api_key(w.world.users["api"])
    return Case(
        w.office,
        reverse("api-tokens"),
        {"holder": w.world.users["api"].pk, "action": "revoke"},
        "使用它的系统立即无法调用接口",
        lambda: not w.world.users["api"].api_tokens.filter(revoked_at__isnull=True).exists(),
    )


def submit(w):
    app = w.cert.make("draft")
    return Case(
        w.county,
        reverse("application-submit", kwargs={"pk": app.pk}),
        {},
        f"提交申请{app.number}（万荣县外加剂，申报市级专业镇），作为第1次提交的版本存档",
        lambda: type(app).objects.get(pk=app.pk).status == "submitted",
    )


def _transition(state, action, says, data=None):
    def build(w):
        app = w.cert.make(state)
        prefix = f"{action}-" if action in ("return", "reject") else ""
        return Case(
            w.office,
            reverse("application-transition", kwargs={"pk": app.pk, "action": action}),
            {prefix + k: v for k, v in {"expected": state, **(data or {})}.items()},
            says.format(number=app.number),
            lambda: type(app).objects.get(pk=app.pk).status != state,
        )

    return build


def experts_assign(w):
    app = w.cert.make("screening")
    return Case(
        w.office,
        reverse("experts-assign"),
        {"applications": [app.pk], "experts": [w.cert.expert.pk]},
        "为1项申请",
        lambda: app.assignments.exists(),
    )


def notice_publish(w):
    app = w.cert.make("expert_review")
    assignment = app.assignments.get()
    cert_services.expert_review_submit(
        user=w.cert.expert,
        assignment=assignment,
        scores={i.pk: Decimal("10") for i in w.cert.cycle.rubric.all()},
        comment="同意",
        recommendation="certify",
    )
    end = TODAY + datetime.timedelta(days=6)
    return Case(
        w.office,
        reverse("notice-publish"),
        {"cycle": w.cert.cycle.pk, "applications": [app.pk], "starts_on": TODAY.isoformat(), "body": ""},
        f"公示期{TODAY.isoformat()}至{end.isoformat()}（7天）；公示页面对公众开放，无需登录。",
        lambda: app.notices.exists(),
    )


def certificate_revoke(w):
    town = town_with_firms(w.world, "万荣县撤证镇")
    certificate = cert_services.application_certify(user=w.office, application=w.cert.make("public_notice", town=town))
    return Case(
        w.office,
        reverse("certificate-revoke", kwargs={"pk": certificate.pk}),
        {"reason": "数据不实"},
        "万荣县撤证镇的梯次由市级专业镇降为潜力专业镇",
        lambda: type(certificate).objects.get(pk=certificate.pk).revoked_on is not None,
    )


def recommend(w):
    return Case(
        w.office,
        reverse("provincial-recommend"),
        {"town": w.world.other_town.pk, "recommended_on": TODAY.isoformat(), "note": ""},
        "记录向省推荐盐湖区水泵为省级专业镇",
        lambda: w.world.other_town.provincial_recommendations.exists(),
    )


def designate(w):
    rec = cert_services.province_recommend(user=w.office, town=w.world.other_town, recommended_on=TODAY, note="")
    return Case(
        w.office,
        reverse("provincial-designate", kwargs={"pk": rec.pk}),
        {"designated_on": TODAY.isoformat(), "source": "晋专镇〔2026〕3号"},
        "盐湖区水泵的梯次由市级专业镇变更为省级专业镇",
        lambda: type(rec).objects.get(pk=rec.pk).designated_on is not None,
    )


def attachment_delete(w):
    app = w.cert.make("draft")
    attachment = cert_services.attachment_add(
        user=w.county, application=app, kind="figures", upload=SimpleUploadedFile("统计证明.pdf", pdf_bytes())
    )
    return Case(
        w.county,
        reverse("attachment-delete", kwargs={"pk": attachment.pk}),
        {},
        "删除申报材料“统计证明.pdf”",
        lambda: not Attachment.objects.filter(pk=attachment.pk).exists(),
    )


def _reexam(w):
    town = town_with_firms(w.world, "万荣县复核镇")
    certificate = cert_services.application_certify(user=w.office, application=w.cert.make("public_notice", town=town))
    return reexamination_of(certificate)


def reexam_submit(w):
    reexam = _reexam(w)
    data = {
        "figures_year": 2025,
        "annual_output_wan": "65000",
        "local_jobs": 2600,
        "provincial_share_pct": "56",
        "anchor_count": 1,
        "supporting_count": 9,
        "evidence": "统计年报",
        "submit": "1",
    }
    return Case(
        w.county,
        reverse("reexamination-detail", kwargs={"pk": reexam.pk}),
        data,
        "报送后不能修改",
        lambda: type(reexam).objects.get(pk=reexam.pk).status == "submitted",
    )


def reexam_revoke(w):
    reexam = _reexam(w)
    return Case(
        w.office,
        reverse("reexamination-decide", kwargs={"pk": reexam.pk, "action": "revoke"}),
        {"revoke-reason": "不再符合", "revoke-document": "运专镇办〔2026〕1号", "expected": "open"},
        "万荣县复核镇的梯次由市级专业镇降为潜力专业镇",
        lambda: type(reexam).objects.get(pk=reexam.pk).status == "revoked",
    )


def evaluation_publish(w):
    EvaluationConfig.objects.create(year=2025, top_n=1, bottom_n=2)
    run = EvaluationRunFactory(status="draft", year=2025)
    third = TownFactory(name="闻喜县玻璃器皿", county=TownFactory(name="x").county, tier="city")
    third.county.name = "闻喜县"
    third.county.save()
    TownEvaluationFactory(run=run, town=w.world.home_town, rank=1, score=Decimal("90"))
    TownEvaluationFactory(run=run, town=w.world.other_town, rank=2, score=Decimal("50"))
    TownEvaluationFactory(run=run, town=third, rank=3, score=Decimal("30"))
    deadline = TODAY + datetime.timedelta(days=60)
    return Case(
        w.office,
        reverse("evaluation-publish", kwargs={"pk": run.pk}),
        {},
        f"生成2份督办通知书（整改期限{deadline.isoformat()}）并通知盐湖区、闻喜县。",
        lambda: type(run).objects.get(pk=run.pk).status == "published",
    )


def evaluation_restart(w):
    run = EvaluationRunFactory(status="draft", year=2025)
    return Case(
        w.office,
        reverse("evaluation-list"),
        {"year": 2025},
        "删除2025年度现有的待审核评估结果",
        lambda: not type(run).objects.filter(pk=run.pk).exists(),
    )


def rectification_review(w):
    run = EvaluationRunFactory(status="published", year=2025)
    notice = SupervisionNotice.objects.create(
        number="运专镇督〔2026〕009号",
        run=run,
        town=w.world.home_town,
        county=w.world.home_county,
        problems=["排名靠后"],
        issued_on=TODAY,
        deadline=TODAY + datetime.timedelta(days=30),
    )
    evaluation.rectification_submit(user=w.county, notice=notice, text="已整改")
    return Case(
        w.office,
        reverse("supervision-notice", kwargs={"pk": notice.pk}),
        {"action": "review", "accept": "1", "note": "同意"},
        "督办通知书运专镇督〔2026〕009号（万荣县外加剂）整改完成，办结，并通知万荣县人民政府。",
        lambda: SupervisionNotice.objects.get(pk=notice.pk).status == "accepted",
    )


def _inspection(w, *, start=False, rectify=False):
    inspection = inspections.inspection_plan(
        user=w.office,
        data={
            "title": "专项检查",
            "towns": [w.world.home_town, w.world.other_town],
            "units": [w.world.users["bureau"].membership.bureau],
            "experts": [],
            "starts_on": TODAY,
            "ends_on": TODAY + datetime.timedelta(days=3),
            "items": ["产业相对集中"],
        },
    )
    if start:
        inspections.inspection_start(user=w.office, inspection=inspection)
        for town in (w.world.home_town, w.world.other_town):
            inspections.finding_record(
                user=w.office,
                inspection=inspection,
                item=inspection.items.get(),
                town=town,
                result="rectify" if rectify else "ok",
                note="配套不足" if rectify else "",
            )
        inspections.inspection_finish(user=w.office, inspection=inspection)
    return inspection


def inspection_start(w):
    inspection = _inspection(w)
    return Case(
        w.office,
        reverse("inspection-transition", kwargs={"pk": inspection.pk, "action": "start"}),
        {"expected": "planned"},
        "开始后检查计划（对象、检查组、清单）不能再修改。",
        lambda: type(inspection).objects.get(pk=inspection.pk).status == "in_progress",
    )


def inspection_issue(w):
    inspection = _inspection(w, start=True, rectify=True)
    deadline = TODAY + datetime.timedelta(days=20)
    return Case(
        w.office,
        reverse("inspection-transition", kwargs={"pk": inspection.pk, "action": "issue"}),
        {"expected": "findings_recorded", "deadline": deadline.isoformat()},
        f"生成2份督办通知书（整改期限{deadline.isoformat()}）并通知万荣县、盐湖区。",
        lambda: SupervisionNotice.objects.filter(inspection=inspection).count() == 2,
    )


def inspection_close(w):
    inspection = _inspection(w, start=True)
    return Case(
        w.office,
        reverse("inspection-transition", kwargs={"pk": inspection.pk, "action": "close"}),
        {"expected": "findings_recorded", "note": "未发现问题"},
        "办结后不能重新打开。",
        lambda: type(inspection).objects.get(pk=inspection.pk).status == "closed",
    )


def _problem(w):
    return task_services.problem_record(
        user=w.county, data={"title": "用地紧张", "description": "x", "town": w.world.home_town, "found_on": TODAY}
    )


def problem_assign(w):
    problem = _problem(w)
    deadline = TODAY + datetime.timedelta(days=15)
    return Case(
        w.office,
        reverse("problem-detail", kwargs={"pk": problem.pk}),
        {"action": "assign", "bureau": w.world.users["bureau"].membership.bureau_id, "deadline": deadline.isoformat()},
        f"交市工信局办理，{deadline.isoformat()}前办结；市工信局将收到通知。",
        lambda: type(problem).objects.get(pk=problem.pk).status == "assigned",
    )


def problem_verify(w):
    problem = _problem(w)
    bureau_user = w.world.users["bureau"]
    task_services.problem_assign(
        user=w.office, problem=problem, bureau=bureau_user.membership.bureau, deadline=TODAY + datetime.timedelta(1)
    )
    task_services.problem_respond(user=bureau_user, problem=problem, text="已协调")
    return Case(
        w.office,
        reverse("problem-detail", kwargs={"pk": problem.pk}),
        {"action": "verify", "accept": "1", "text": "属实"},
        "核实销号",
        lambda: type(problem).objects.get(pk=problem.pk).status == "closed",
    )


def measure_delete(w):
    measure = Task.objects.get(number=4).measures.first()
    return Case(
        w.office,
        reverse("measure-edit", kwargs={"number": 4, "pk": measure.pk}),
        {"delete": "1"},
        f"从任务4的{measure.year}年度行动计划中删除措施“{measure.title}”",
        lambda: not type(measure).objects.filter(pk=measure.pk).exists(),
    )


CASES = {
    "enterprise-delete": enterprise_delete,
    "tier-change": tier_change,
    "tier-change-withdraw": tier_withdraw,
    "evidence-withdraw": evidence_withdraw,
    "api-token-reissue": token_reissue,
    "api-token-revoke": token_revoke,
    "application-submit": submit,
    "screen": _transition(
        "submitted", "screen", "申请{number}（万荣县外加剂）进入形式审查，万荣县人民政府将收到通知。"
    ),
    "return": _transition("screening", "return", "退回原因（对方可见）：缺证明", {"reason": "缺证明"}),
    "reject": _transition("expert_review", "reject", "决定书写明的理由：不符合", {"reason": "不符合"}),
    "certify": _transition("public_notice", "certify", "签发编号的认定证书", {"rationale": ""}),
    "experts-assign": experts_assign,
    "notice-publish": notice_publish,
    "certificate-revoke": certificate_revoke,
    "provincial-recommend": recommend,
    "provincial-designate": designate,
    "attachment-delete": attachment_delete,
    "reexamination-submit": reexam_submit,
    "reexamination-revoke": reexam_revoke,
    "evaluation-publish": evaluation_publish,
    "evaluation-restart": evaluation_restart,
    "rectification-review": rectification_review,
    "inspection-start": inspection_start,
    "inspection-issue": inspection_issue,
    "inspection-close": inspection_close,
    "problem-assign": problem_assign,
    "problem-verify": problem_verify,
    "measure-delete": measure_delete,
}


@dataclass
class W:
    world: object
    cert: object
    office: object
    county: object


@pytest.mark.parametrize("name", CASES)
def test_the_action_asks_first_and_does_it_only_when_confirmed(world, cert, tasks_world, name, settings):
    case = CASES[name](W(world, cert, world.users["office"], world.users["county"]))
    client = client_of(None, case.user)
    before = _snapshot()
    page = client.post(case.url, case.data)
    html = page.content.decode()
    assert page.status_code == 200, (name, page.status_code)
    assert "请确认" in html and 'id="confirm-action"' in html, name
    assert case.says in unescape(re.sub(r"<[^>]+>", "", html)), (name, case.says)
    assert _snapshot() == before, f"{name}: the first click changed the database"
    # the confirmation form posts every field again, to the same address, with the confirmation
    form = re.search(r'<form method="post" action="([^"]*)" class="confirm-form">(.*?)</form>', html, re.S)
    assert unescape(form.group(1)) == case.url
    reposted = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    assert reposted.pop(CONFIRM_FIELD) == "1"
    for key, value in case.data.items():
        assert unescape(reposted[key]) == str(value[0] if isinstance(value, list) else value), (name, key)
    # cancelling leads back to a page that opens, and changes nothing
    cancel = unescape(re.search(r'id="confirm-cancel" href="([^"]+)"', html).group(1))
    assert client.get(cancel).status_code == 200
    assert _snapshot() == before
    assert not case.done()
    client.post(case.url, {**case.data, CONFIRM_FIELD: "1"})
    assert case.done(), f"{name}: the confirmed post did not act"


def test_a_refused_action_is_told_before_any_confirmation(world, cert, client_for):
    """An enterprise named in an application cannot be deleted: the county is told at once, not asked first."""
    cert.make("draft")  # names the home town's firms
    response = client_for("county").post(
        reverse("enterprise-delete", kwargs={"pk": world.home_enterprise.pk}), follow=True
    )
    assert "请确认" not in response.content.decode()
    assert "该企业已列入认定申请，不能删除" in response.content.decode()


def test_the_rectification_report_confirms_with_a_check_box(world, client_for):
    """A form with a file cannot travel through a confirmation page: it carries its own confirmation."""
    run = EvaluationRunFactory(status="published", year=2025)
    notice = SupervisionNotice.objects.create(
        number="运专镇督〔2026〕010号",
        run=run,
        town=world.home_town,
        county=world.home_county,
        problems=["排名靠后"],
        issued_on=TODAY,
        deadline=TODAY + datetime.timedelta(days=30),
    )
    county = client_for("county")
    url = reverse("supervision-notice", kwargs={"pk": notice.pk})
    assert "确认报送：整改报告报送后不能修改" in county.get(url).content.decode()
    unconfirmed = county.post(url, {"action": "answer", "text": "已整改"})
    assert unconfirmed.status_code == 400 and "请勾选确认后再提交" in unconfirmed.content.decode()
    assert SupervisionNotice.objects.get(pk=notice.pk).status == "issued"
    county.post(url, {"action": "answer", "text": "已整改", "confirm": "on"})
    assert SupervisionNotice.objects.get(pk=notice.pk).status == "answered"


def test_an_expert_is_not_offered_a_confirmation_for_what_they_may_not_do(world, cert):
    """Permissions come before the question: a role that may not act gets 403/404, never a confirmation page."""
    app = cert.make("submitted")
    expert = client_of(None, make_user(Role.EXPERT, username="outsider"))
    url = reverse("application-transition", kwargs={"pk": app.pk, "action": "screen"})
    assert expert.post(url, {"expected": "submitted"}).status_code in (403, 404)
    assert client_of(None, world.users["leader"]).post(url, {"expected": "submitted"}).status_code == 403

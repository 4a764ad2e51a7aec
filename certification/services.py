"""Every write of the certification workflow: one function per transition, each checking the
current state under a row lock, recording who/when/why, and notifying after commit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, numbering, uploads
from core.errors import ActionNotAllowed
from core.models import AuditEntry
from core.notify import notify
from towns import services as town_services
from towns.models import Enterprise, Role, Tier, Town
from towns.permissions import county_scope, county_users, office_users, require_office, require_town_in_scope, role_of

from . import decision, engine, permissions, town_evidence, workflow
from .models import (
    Application,
    ApplicationFirm,
    ApplicationVersion,
    Attachment,
    Certificate,
    Cycle,
    ExpertAssignment,
    Objection,
    ProvincialRecommendation,
    PublicNotice,
    Transition,
)

Status = Application.Status
Action = AuditEntry.Action


class TransitionError(ActionNotAllowed):
    """A move the workflow does not allow from the application's current state."""


class StaleState(TransitionError):
    """Someone else changed the application since the user loaded it."""


# --- helpers -------------------------------------------------------------------------------------


def _require_county_of(user, application: Application) -> None:
    permissions.require_applicant(user)
    require_town_in_scope(user, application.town)


def _locked(application: Application, *, expected: str | None, action: str) -> Application:
    """The application under a row lock, in a state the workflow table allows ``action`` from (and, when the user
    acted on a page showing ``expected``, still in that state: a concurrent decision wins, this one is refused)."""
    app = (
        Application.objects.select_for_update().select_related("town", "cycle__policy", "county").get(pk=application.pk)
    )
    if expected is not None and app.status != expected:
        raise StaleState(
            _("该申请已被他人处理（当前状态：%(status)s），请刷新页面后再操作。") % {"status": app.get_status_display()}
        )
    if app.status not in workflow.sources(action):
        raise TransitionError(_("当前状态“%(status)s”下不能执行此操作。") % {"status": app.get_status_display()})
    return app


def _move(app: Application, to: str, *, user, note: str = "", fields: tuple[str, ...] = ()) -> Application:
    before = audit.snapshot(app)
    from_status = app.status
    app.status = to
    app.save(update_fields=["status", "updated_at", *fields])
    Transition.objects.create(application=app, from_status=from_status, to_status=to, by=user, note=note)
    audit.record(action=Action.STATE, obj=app, user=user, before=before, note=note[:300])
    url = reverse("application-detail", kwargs={"pk": app.pk})
    message = _("申请%(number)s（%(town)s）：%(from)s → %(to)s。") % {
        "number": app.number,
        "town": app.town.name,
        "from": Status(from_status).label,
        "to": Status(to).label,
    }
    if note:
        message += " " + note[:150]
    notify(county_users(app.county), message, url)
    return app


def check_target_tier(target_tier: str, town: Town) -> None:
    """推荐省级 only for a town already at city level. Checked on start, on every save, at submission and at
    certification: the town's tier may change while the application is open."""
    if target_tier == Tier.PROVINCIAL and town.tier != Tier.CITY:
        raise ValidationError({"target_tier": _("推荐省级专业镇须已是市级专业镇。")})


def _next_number(prefix: str, model, field: str, year: int) -> str:
    """ "<prefix>NNN": the series' next number in the year, whatever the cycle (core.numbering)."""
    n = numbering.draw(series=prefix, year=year, existing=lambda: numbering.highest(model.objects, field, prefix))
    return f"{prefix}{n:03d}"


# --- the county's application --------------------------------------------------------------------


@transaction.atomic
def application_start(
    *, user, cycle: Cycle, target_tier: str, town: Town | None = None, new_town: dict[str, Any] | None = None
) -> Application:
    """Open a draft for an existing town of the user's county, or register a new (potential) town."""
    permissions.require_can_start_application(user)
    today = timezone.localdate()
    if not (cycle.opens_on <= today <= cycle.closes_on):
        raise ValidationError(
            {"cycle": _("该批次申报时间为%(a)s至%(b)s。") % {"a": cycle.opens_on, "b": cycle.closes_on}}
        )
    if town is None:
        town = town_services.town_register(
            user=user, county_id=county_scope(user), data=new_town or {}, source=_("县（市、区）申报认定时登记")
        )
    require_town_in_scope(user, town)
    check_target_tier(target_tier, town)
    prefix = f"SQ{cycle.year}-"
    app = Application(
        number=_next_number(prefix, Application, "number", cycle.year),
        cycle=cycle,
        town=town,
        county=town.county,
        target_tier=target_tier,
        sector=town.sector,
        leading_industry=town.leading_industry,
        created_by=user,
    )
    town_services.validate(app)
    app.save()
    # Start from what the registry knows: its anchor and supporting firms, its latest figures.
    ApplicationFirm.objects.bulk_create(
        ApplicationFirm(application=app, enterprise=e, role=e.role)
        for e in town.enterprises.filter(role__in=[Enterprise.Role.ANCHOR, Enterprise.Role.SUPPORTING])
    )
    latest = town.figures.order_by("-year").first()
    if latest:
        app.figures_year, app.annual_output_wan = latest.year, latest.output_wan
        app.local_jobs, app.provincial_share_pct = latest.local_jobs, latest.provincial_share_pct
        app.save(update_fields=["figures_year", "annual_output_wan", "local_jobs", "provincial_share_pct"])
    if prefilled := town_evidence.prefill(app):  # and what the town has shown once (已认可的证明)
        app.save(update_fields=prefilled)
    audit.record(action=Action.CREATE, obj=app, user=user)
    return app


APPLICANT_FIELDS = ("target_tier", "sector", "leading_industry", *Application.FIGURE_FIELDS, "summary")


@transaction.atomic
def application_update(*, user, application: Application, data: dict[str, Any]) -> Application:
    _require_county_of(user, application)
    app = _locked(application, expected=None, action="edit")
    before = audit.snapshot(app)
    unknown = set(data) - set(APPLICANT_FIELDS)
    if unknown:
        raise ValueError(f"not applicant fields: {unknown}")
    for key, value in data.items():
        setattr(app, key, value)
    if not app.national_market:
        app.national_market_evidence = app.national_market_evidence if "national_market_evidence" in data else ""
    check_target_tier(app.target_tier, app.town)
    town_services.validate(app)
    app.save()
    audit.record(action=Action.UPDATE, obj=app, user=user, before=before)
    return app


@transaction.atomic
def application_set_firms(*, user, application: Application, firms: dict[int, str]) -> Application:
    """Set the named firms: {enterprise id: role}. Firms must be registered in the applying town."""
    _require_county_of(user, application)
    app = _locked(application, expected=None, action="edit")
    enterprises = {e.pk: e for e in app.town.enterprises.filter(pk__in=firms)}
    missing = set(firms) - set(enterprises)
    if missing:
        raise ValidationError({"firms": _("所选企业不属于该专业镇。")})
    bad_roles = {r for r in firms.values() if r not in (Enterprise.Role.ANCHOR, Enterprise.Role.SUPPORTING)}
    if bad_roles:
        raise ValidationError({"firms": _("企业角色只能是龙头企业或关联配套企业。")})
    before = {
        "firms": sorted(f"{f.enterprise.name}:{f.role}" for f in app.application_firms.select_related("enterprise"))
    }
    app.application_firms.all().delete()
    ApplicationFirm.objects.bulk_create(
        ApplicationFirm(application=app, enterprise=enterprises[pk], role=role) for pk, role in firms.items()
    )
    after = {"firms": sorted(f"{enterprises[pk].name}:{role}" for pk, role in firms.items())}
    audit.record(action=Action.UPDATE, obj=app, user=user, before=before, after=after)
    return app


@transaction.atomic
def attachment_add(*, user, application: Application, upload, kind: str) -> Attachment:
    _require_county_of(user, application)
    app = _locked(application, expected=None, action="edit")
    attachment = uploads.store(Attachment, upload=upload, application=app, kind=kind, uploaded_by=user)
    audit.record(action=Action.CREATE, obj=attachment, user=user)
    return attachment


@transaction.atomic
def attachment_delete(*, user, attachment: Attachment) -> None:
    _require_county_of(user, attachment.application)
    _locked(attachment.application, expected=None, action="edit")
    audit.record(action=Action.DELETE, obj=attachment, user=user, before=audit.snapshot(attachment), after={})
    attachment.file.delete(save=False)
    attachment.delete()


def application_snapshot(app: Application) -> dict[str, Any]:
    """What was submitted, as plain data: the fields, the firms, the attachments and the verdict."""
    data = {f: audit.snapshot(app).get(f) for f in APPLICANT_FIELDS}
    data["firms"] = sorted(
        f"{f.enterprise.name}（{f.get_role_display()}，{f.enterprise.credit_code or '—'}）"
        for f in app.application_firms.select_related("enterprise")
    )
    data["attachments"] = sorted(f"{a.get_kind_display()}：{a.original_name}" for a in app.attachments.all())
    verdict = app.verdict()
    data["verdict"] = verdict.as_dict() if verdict else None
    return data


def completeness_errors(app: Application) -> list[str]:
    errors = []
    if app.annual_output_wan is None or app.local_jobs is None or app.figures_year is None:
        errors.append(_("请填写数据年度、年产值和带动当地就业人数。"))
    if not app.application_firms.exists():
        errors.append(_("请填写龙头企业和关联配套企业。"))
    if app.national_market and not app.national_market_evidence.strip():
        errors.append(_("申报全国拥有较大市场空间的，请填写说明。"))
    if app.traditional_feature and not (app.traditional_feature_kind and app.traditional_feature_evidence.strip()):
        errors.append(_("申报传统特色的，请选择类别并填写说明。"))
    return errors


@transaction.atomic
def application_submit(*, user, application: Application) -> Application:
    _require_county_of(user, application)
    app = _locked(application, expected=None, action="submit")
    check_target_tier(app.target_tier, app.town)
    errors = completeness_errors(app)
    if errors:
        raise ValidationError(errors)
    app.version += 1
    app.submitted_at = timezone.now()
    ApplicationVersion.objects.create(
        application=app, number=app.version, submitted_by=user, data=application_snapshot(app)
    )
    note = _("第%(n)d次提交") % {"n": app.version}
    _move(app, Status.SUBMITTED, user=user, note=note, fields=("version", "submitted_at"))
    notify(
        office_users(),
        _("收到认定申请%(number)s（%(town)s，%(note)s）。")
        % {"number": app.number, "town": app.town.name, "note": note},
        reverse("application-detail", kwargs={"pk": app.pk}),
    )
    return app


# --- the office's review -------------------------------------------------------------------------


@transaction.atomic
def screening_start(*, user, application: Application, expected: str | None = None) -> Application:
    require_office(user)
    app = _locked(application, expected=expected, action="screen")
    return _move(app, Status.SCREENING, user=user, note=_("开始形式审查"))


@transaction.atomic
def application_return(*, user, application: Application, reason: str, expected: str | None = None) -> Application:
    require_office(user)
    if not reason.strip():
        raise ValidationError({"reason": _("退回须写明原因。")})
    app = _locked(application, expected=expected, action="return")
    app.return_reason = reason
    return _move(app, Status.RETURNED, user=user, note=reason, fields=("return_reason",))


@transaction.atomic
def experts_assign(*, user, applications: list[Application], experts: list) -> int:
    """Batch assignment: every expert to every application; screening ones move to expert review."""
    require_office(user)
    if not experts:
        raise ValidationError({"experts": _("请选择专家。")})
    for expert in experts:
        if role_of(expert) != Role.EXPERT:
            raise ValidationError({"experts": _("%(name)s 不是评审专家。") % {"name": expert}})
    created = 0
    for application in applications:
        app = _locked(application, expected=None, action="assign_experts")
        for expert in experts:
            _assignment, was_created = ExpertAssignment.objects.get_or_create(
                application=app, expert=expert, defaults={"assigned_by": user}
            )
            if was_created:
                created += 1
                notify(
                    [expert],
                    _("请评审认定申请%(number)s（%(town)s）。") % {"number": app.number, "town": app.town.name},
                    reverse("application-detail", kwargs={"pk": app.pk}),
                )
        if app.status == Status.SCREENING:
            names = "、".join(e.get_full_name() or e.username for e in experts)
            _move(app, Status.EXPERT_REVIEW, user=user, note=_("送专家评审：%(names)s") % {"names": names})
    return created


@transaction.atomic
def expert_review_submit(
    *, user, assignment: ExpertAssignment, scores: dict[int, Decimal], comment: str, recommendation: str
) -> ExpertAssignment:
    if assignment.expert_id != user.pk:
        raise PermissionDenied(_("只能填写分配给自己的评审。"))
    app = _locked(assignment.application, expected=None, action="review")
    rubric = {item.pk: item for item in app.cycle.rubric.all()}
    errors = {}
    if set(scores) != set(rubric):
        errors["scores"] = _("请为每个评分项打分。")
    for pk, score in scores.items():
        item = rubric.get(pk)
        if item and not (0 <= score <= item.max_score):
            errors[f"score_{pk}"] = _("%(name)s的得分应在0到%(max)d之间。") % {"name": item.name, "max": item.max_score}
    if recommendation not in ExpertAssignment.Recommendation.values:
        errors["recommendation"] = _("请选择评审建议。")
    if errors:
        raise ValidationError(errors)
    assignment = ExpertAssignment.objects.select_for_update().get(pk=assignment.pk)
    before = audit.snapshot(assignment)
    assignment.scores = {str(pk): str(score) for pk, score in scores.items()}
    assignment.total = sum(scores.values(), Decimal("0"))
    assignment.comment, assignment.recommendation = comment, recommendation
    assignment.reviewed_at = timezone.now()
    assignment.save()
    audit.record(action=Action.UPDATE, obj=assignment, user=user, before=before)
    notify(
        office_users(),
        _("专家%(expert)s已提交对%(number)s的评审。")
        % {"expert": user.get_full_name() or user.username, "number": app.number},
        reverse("application-detail", kwargs={"pk": app.pk}),
    )
    return assignment


@transaction.atomic
def notice_publish(
    *, user, cycle: Cycle, applications: list[Application], starts_on: datetime.date, body: str = ""
) -> PublicNotice:
    """Publish the list of towns the office intends to certify; each moves to public notice."""
    require_office(user)
    if not applications:
        raise ValidationError({"applications": _("请选择拟认定的专业镇。")})
    today = timezone.localdate()
    if starts_on < today:
        # A backdated notice would have "run" before anyone could see it, and certification could follow at once.
        raise ValidationError(
            {"starts_on": _("公示开始日期不能早于发布当日（%(today)s）。") % {"today": today.isoformat()}}
        )
    locked = []
    for application in applications:
        app = _locked(application, expected=None, action="publish_notice")
        if app.cycle_id != cycle.pk:
            raise ValidationError({"applications": _("%(number)s不属于本批次。") % {"number": app.number}})
        if not app.assignments.filter(reviewed_at__isnull=False).exists():
            raise ValidationError({"applications": _("%(number)s尚无专家评审意见。") % {"number": app.number}})
        locked.append(app)
    ends_on = starts_on + datetime.timedelta(days=cycle.notice_days - 1)
    number = _next_number(f"运专镇公示〔{cycle.year}〕", PublicNotice, "number", cycle.year) + "号"
    notice = PublicNotice.objects.create(
        number=number,
        cycle=cycle,
        starts_on=starts_on,
        ends_on=ends_on,
        published_by=user,
        title=_("%(cycle)s拟认定名单公示") % {"cycle": cycle.name},
        body=body,
    )
    notice.applications.set(locked)
    audit.record(action=Action.CREATE, obj=notice, user=user)
    for app in locked:
        _move(
            app,
            Status.PUBLIC_NOTICE,
            user=user,
            note=_("列入公示%(number)s（%(a)s至%(b)s）") % {"number": number, "a": starts_on, "b": ends_on},
        )
    return notice


def notice_real_end(notice: PublicNotice, cycle: Cycle) -> datetime.date:
    """The last day of the notice as it really ran: never before the day it was published, and never shorter
    than the cycle's notice days (whatever dates were stored)."""
    start = max(notice.starts_on, timezone.localdate(notice.published_at))
    return max(notice.ends_on, start + datetime.timedelta(days=cycle.notice_days - 1))


@transaction.atomic
def objection_record(*, user, notice: PublicNotice, application: Application, data: dict[str, Any]) -> Objection:
    require_office(user)
    if not notice.applications.filter(pk=application.pk).exists():
        raise ValidationError({"application": _("该申请不在本次公示名单中。")})
    objection = Objection(notice=notice, application=application, recorded_by=user, **data)
    town_services.validate(objection)
    objection.save()
    audit.record(action=Action.CREATE, obj=objection, user=user)
    return objection


@transaction.atomic
def application_certify(
    *,
    user,
    application: Application,
    rationale: str = "",
    rationales: dict[str, str] | None = None,
    expected: str | None = None,
) -> Certificate:
    """认定: after the notice period, for an eligible application or one the office has reasoned about (a written
    rationale for each criterion it decides, see :func:`decision.office_rationale`). The application's figures
    become the town's for their year unless the town already has that year."""
    require_office(user)
    app = _locked(application, expected=expected, action="certify")
    today = timezone.localdate()
    notice = app.notices.order_by("-published_at").first()
    if notice is None:
        raise TransitionError(_("该申请尚未公示，不能认定。"))
    ends_on = notice_real_end(notice, app.cycle)
    if today <= ends_on:
        raise TransitionError(_("公示期至%(date)s，期满后方可认定。") % {"date": ends_on})
    check_target_tier(app.target_tier, Town.objects.select_for_update().get(pk=app.town_id))
    verdict = app.verdict()
    if verdict is None or verdict.outcome == engine.INELIGIBLE:
        raise TransitionError(_("该申请不符合认定条件，不能认定。"))
    app.office_rationale = decision.office_rationale(verdict, rationale=rationale, rationales=rationales)
    app.decided_at, app.decided_by = timezone.now(), user
    cycle = app.cycle
    number = _next_number(f"运专镇认〔{cycle.year}〕", Certificate, "number", cycle.year) + "号"
    certificate = Certificate.objects.create(
        number=number,
        application=app,
        town=app.town,
        tier=Tier.CITY,  # a 推荐省级 application is certified city-level and recommended (see ProvincialRecommendation)
        cycle=cycle,
        issued_on=today,
        valid_until=today.replace(year=today.year + cycle.certificate_years) - datetime.timedelta(days=1),
    )
    audit.record(action=Action.CREATE, obj=certificate, user=user)
    town_evidence.carry_over(user=user, app=app, certificate_number=number)  # the accepted claims stay with the town
    town = app.town
    if (town.sector, town.leading_industry) != (app.sector, app.leading_industry):
        town_services.town_update(
            user=user,
            town=town,
            data={"sector": app.sector, "leading_industry": app.leading_industry},
            note=_("依认定申请更新"),
        )
    if app.target_tier == Tier.PROVINCIAL:
        ProvincialRecommendation.objects.create(
            town=town, recommended_on=today, recorded_by=user, note=_("认定申请%(number)s") % {"number": app.number}
        )
    elif town.tier == Tier.POTENTIAL:  # certifying never lowers a town already above city level
        town_services.town_change_tier(
            user=user,
            town=town,
            to_tier=Tier.CITY,
            effective_date=today,
            source=_("认定证书%(number)s") % {"number": number},
        )
    decision.carry_figures(user=user, app=app)
    note = _("认定，证书编号%(number)s") % {"number": number}
    _move(
        app,
        Status.CERTIFIED,
        user=user,
        note="；".join(filter(None, [note, decision.decision_note(verdict)])),
        fields=("office_rationale", "decided_at", "decided_by"),
    )
    return certificate


@transaction.atomic
def application_reject(*, user, application: Application, reason: str, expected: str | None = None) -> Application:
    require_office(user)
    if not reason.strip():
        raise ValidationError({"reason": _("不予认定须写明理由（将写入决定书）。")})
    app = _locked(application, expected=expected, action="reject")
    app.decision_reason = reason
    app.decided_at, app.decided_by = timezone.now(), user
    return _move(app, Status.REJECTED, user=user, note=reason, fields=("decision_reason", "decided_at", "decided_by"))


@transaction.atomic
def certificate_revoke(*, user, certificate: Certificate, reason: str, document: str = "") -> Certificate:
    """Revoke a certificate; a city certificate of a city town lowers the town to potential, with the reason and
    the decision ``document`` (文号, when there is one) in the tier history."""
    require_office(user)
    if not reason.strip():
        raise ValidationError({"reason": _("撤销须写明理由。")})
    certificate = Certificate.objects.select_for_update().select_related("town").get(pk=certificate.pk)
    if certificate.revoked_on:
        raise TransitionError(_("该证书已于%(date)s撤销。") % {"date": certificate.revoked_on})
    before = audit.snapshot(certificate)
    certificate.revoked_on, certificate.revoke_reason = timezone.localdate(), reason
    certificate.save(update_fields=["revoked_on", "revoke_reason"])
    audit.record(action=Action.STATE, obj=certificate, user=user, before=before, note=reason[:300])
    town = certificate.town
    if certificate.tier == Tier.CITY and town.tier == Tier.CITY:
        town_services.town_change_tier(
            user=user,
            town=town,
            to_tier=Tier.POTENTIAL,
            effective_date=timezone.localdate(),
            source=_("撤销认定证书%(number)s%(document)s：%(reason)s")
            % {"number": certificate.number, "document": f"（{document}）" if document else "", "reason": reason[:100]},
        )
    notify(
        county_users(town.county),
        _("认定证书%(number)s（%(town)s）已撤销：%(reason)s")
        % {"number": certificate.number, "town": town.name, "reason": reason[:150]},
        reverse("certificate-detail", kwargs={"pk": certificate.pk}),
    )
    return certificate


@transaction.atomic
def province_designation_record(
    *, user, recommendation: ProvincialRecommendation, designated_on: datetime.date, source: str
) -> ProvincialRecommendation:
    require_office(user)
    rec = ProvincialRecommendation.objects.select_for_update().get(pk=recommendation.pk)
    if rec.designated_on:
        raise TransitionError(_("已于%(date)s记录省级认定。") % {"date": rec.designated_on})
    if not source.strip():
        raise ValidationError({"source": _("请填写省级认定文件。")})
    before = audit.snapshot(rec)
    rec.designated_on, rec.designation_source = designated_on, source
    rec.save(update_fields=["designated_on", "designation_source"])
    audit.record(action=Action.STATE, obj=rec, user=user, before=before, note=source)
    town_services.town_change_tier(
        user=user, town=rec.town, to_tier=Tier.PROVINCIAL, effective_date=designated_on, source=source
    )
    return rec


@transaction.atomic
def province_recommend(*, user, town: Town, recommended_on: datetime.date, note: str) -> ProvincialRecommendation:
    """The office recommends a city-level town to the province directly (outside an application)."""
    require_office(user)
    town = Town.objects.select_for_update().get(pk=town.pk)
    if town.tier != Tier.CITY:
        raise ValidationError({"town": _("只有市级专业镇可以推荐为省级专业镇。")})
    if town.provincial_recommendations.filter(designated_on__isnull=True).exists():
        raise ValidationError({"town": _("该专业镇已推荐，尚待省级认定。")})
    rec = ProvincialRecommendation.objects.create(town=town, recommended_on=recommended_on, note=note, recorded_by=user)
    audit.record(action=Action.CREATE, obj=rec, user=user)
    return rec

"""Re-examination (复核, 动态管理): the daily job that opens them, the county's submission, the office's decision,
and the scoped reads. Every write checks :mod:`certification.workflow_reexam` under a row lock and is audited."""

from __future__ import annotations

import collections
import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.models import AuditEntry
from core.notify import notify, notify_once
from towns import services as town_services
from towns.models import Enterprise, Role
from towns.permissions import county_scope, county_users, office_users, require_office, require_town_in_scope, role_of

from . import engine, permissions, services, workflow_reexam
from .models import Application, Certificate, CriteriaPolicy, Cycle
from .models_reexam import ReExamination

Status = ReExamination.Status
Action = AuditEntry.Action
PolicyChoice = ReExamination.PolicyChoice


# --- reads -------------------------------------------------------------------------------------------


def reexamination_list(*, user) -> QuerySet[ReExamination]:
    permissions.require_reexamination_reader(user)
    qs = ReExamination.objects.select_related(
        "certificate__town__county", "certificate__cycle__policy", "new_certificate", "policy"
    ).order_by("due_on", "id")
    scope = county_scope(user)
    return qs.filter(certificate__town__county_id=scope) if scope is not None else qs


def reexamination_get(*, user, pk) -> ReExamination:
    return get_object_or_404(reexamination_list(user=user), pk=pk)


def current_policy() -> CriteriaPolicy | None:
    """The city standard in force: the policy of the cycle open today, else the newest city policy."""
    today = timezone.localdate()
    cycle = Cycle.objects.filter(opens_on__lte=today, closes_on__gte=today, policy__provincial=False).first()
    if cycle:
        return cycle.policy
    return CriteriaPolicy.objects.filter(provincial=False).order_by("-created_at").first()


def policies_for(reexam: ReExamination) -> dict[str, CriteriaPolicy]:
    """The standards the office may judge by: for a city town the one its certificate was issued under and the
    current one; for a provincial town only a provincial standard, and none (the office decides) if none is set."""
    if reexam.is_provincial:
        provincial = CriteriaPolicy.objects.filter(provincial=True).order_by("-created_at").first()
        return {PolicyChoice.CURRENT: provincial} if provincial else {}
    found = {PolicyChoice.ISSUED: reexam.certificate.cycle.policy}
    current = current_policy()
    if current is not None:
        found[PolicyChoice.CURRENT] = current
    return found


def verdicts(reexam: ReExamination) -> list[tuple[str, str, CriteriaPolicy, engine.Verdict | None]]:
    """(choice, its label, the policy, the engine's verdict or None while the figures are incomplete)."""
    facts = reexam.facts()
    return [
        (choice, PolicyChoice(choice).label, policy, engine.evaluate(facts, policy.thresholds()) if facts else None)
        for choice, policy in policies_for(reexam).items()
    ]


# --- helpers -------------------------------------------------------------------------------------------


def _locked(reexam: ReExamination, *, action: str, expected: str | None = None) -> ReExamination:
    locked = (
        ReExamination.objects.select_for_update()
        .select_related("certificate__town__county", "certificate__cycle__policy")
        .get(pk=reexam.pk)
    )
    if expected is not None and locked.status != expected:
        raise services.StaleState(
            _("该复核已被他人处理（当前状态：%(status)s），请刷新页面后再操作。")
            % {"status": locked.get_status_display()}
        )
    if locked.status not in workflow_reexam.sources(action):
        raise services.TransitionError(
            _("当前状态“%(status)s”下不能执行此操作。") % {"status": locked.get_status_display()}
        )
    return locked


def _url(reexam: ReExamination) -> str:
    return reverse("reexamination-detail", kwargs={"pk": reexam.pk})


def _move(reexam: ReExamination, to: str, *, user, note: str, fields: tuple[str, ...] = ()) -> ReExamination:
    before = audit.snapshot(reexam)
    from_label = reexam.get_status_display()
    reexam.status = to
    reexam.save(update_fields=["status", *fields])
    audit.record(action=Action.STATE, obj=reexam, user=user, before=before, note=note[:300])
    message = _("%(town)s认定证书%(number)s复核：%(from)s → %(to)s。") % {
        "town": reexam.certificate.town.name,
        "number": reexam.certificate.number,
        "from": from_label,
        "to": Status(to).label,
    }
    notify(county_users(reexam.certificate.town.county), (message + " " + note)[:300], _url(reexam))
    return reexam


def _original_application(certificate: Certificate) -> Application | None:
    seen = 0
    while certificate.application_id is None and certificate.renews_id is not None and seen < 50:
        certificate, seen = certificate.renews, seen + 1
    return certificate.application


def _prefill(certificate: Certificate) -> dict[str, Any]:
    """What the registry knows today: the latest yearly figures and the town's anchor and supporting firms; the
    market and feature claims the certificate was issued on."""
    town = certificate.town
    roles = list(town.enterprises.values_list("role", flat=True))
    data: dict[str, Any] = {
        "anchor_count": roles.count(Enterprise.Role.ANCHOR),
        "supporting_count": roles.count(Enterprise.Role.SUPPORTING),
    }
    latest = town.figures.order_by("-year").first()
    if latest:
        data |= {
            "figures_year": latest.year,
            "annual_output_wan": latest.output_wan,
            "local_jobs": latest.local_jobs,
            "provincial_share_pct": latest.provincial_share_pct,
        }
    app = _original_application(certificate)
    if app is not None:
        data |= {"national_market": app.national_market, "traditional_feature": app.traditional_feature}
    return data


# --- the daily job ------------------------------------------------------------------------------------


def reexaminations_open(today: datetime.date) -> dict[str, int]:
    """Daily (portal.tasks.send_daily_reminders): open a re-examination for every valid certificate that expires
    within REEXAMINATION_DAYS_BEFORE days, and remind the county and the office when one opens and while one is
    overdue. Idempotent: one re-examination per certificate and validity period (a unique constraint), one
    reminder per person and key (core.notify.notify_once)."""
    horizon = today + datetime.timedelta(days=settings.REEXAMINATION_DAYS_BEFORE)
    due = (
        Certificate.objects.filter(revoked_on__isnull=True, superseded_on__isnull=True, valid_until__lte=horizon)
        .exclude(reexaminations__due_on=F("valid_until"))  # this period's is open
        .select_related("town__county", "application", "renews")
        .order_by("valid_until", "pk")
    )
    opened = reminders = 0
    office = list(office_users())
    for certificate in due:
        try:
            with transaction.atomic():
                reexam = ReExamination.objects.create(
                    certificate=certificate, opened_on=today, due_on=certificate.valid_until, **_prefill(certificate)
                )
                audit.record(action=Action.CREATE, obj=reexam, user=None, note=_("证书到期前自动开启复核"))
        except IntegrityError:  # a concurrent run opened it
            continue
        opened += 1
        message = _("%(town)s认定证书%(number)s将于%(date)s到期，已开启复核，请县（市、区）报送复核材料。") % {
            "town": certificate.town.name,
            "number": certificate.number,
            "date": certificate.valid_until.isoformat(),
        }
        for user in [*county_users(certificate.town.county), *office]:
            reminders += notify_once(
                key=f"reexam-open:{reexam.pk}:{user.pk}", user=user, message=message, url=_url(reexam), today=today
            )
    reminders += _overdue_reminders(today, office)
    return {"reexaminations_opened": opened, "reexamination_reminders": reminders}


def _overdue_reminders(today: datetime.date, office: list) -> int:
    overdue = list(
        ReExamination.objects.filter(due_on__lt=today, certificate__revoked_on__isnull=True)
        .exclude(status__in=ReExamination.DECIDED)
        .select_related("certificate__town")
        .order_by("due_on", "pk")
    )
    by_county: dict[int, list[str]] = collections.defaultdict(list)
    for reexam in overdue:
        by_county[reexam.certificate.town.county_id].append(reexam.certificate.town.name)
    sent = 0
    url = reverse("reexamination-list")
    for county_id, names in by_county.items():
        message = _("复核超期提醒：%(towns)s 的认定证书已过有效期，尚未完成复核（待复核）。") % {
            "towns": "、".join(names)
        }
        for user in county_users(county_id):
            sent += notify_once(
                key=f"reexam-overdue:{user.pk}:{today}", user=user, message=message, url=url, today=today
            )
    if overdue:
        names = "、".join(r.certificate.town.name for r in overdue)
        message = _("复核超期提醒：%(towns)s 的认定证书已过有效期，尚未作出复核决定（待复核）。") % {"towns": names}
        for user in office:
            sent += notify_once(
                key=f"reexam-overdue:{user.pk}:{today}", user=user, message=message, url=url, today=today
            )
    return sent


# --- the county -----------------------------------------------------------------------------------------


def _require_county_of(user, reexam: ReExamination) -> None:
    if role_of(user) != Role.COUNTY:
        raise PermissionDenied(_("复核材料由专业镇所在县（市、区）报送。"))
    require_town_in_scope(user, reexam.certificate.town)


@transaction.atomic
def reexamination_save(*, user, reexam: ReExamination, data: dict[str, Any]) -> ReExamination:
    _require_county_of(user, reexam)
    locked = _locked(reexam, action="edit")
    unknown = set(data) - set(ReExamination.SUBMISSION_FIELDS)
    if unknown:
        raise ValueError(f"not submission fields: {unknown}")
    before = audit.snapshot(locked)
    for key, value in data.items():
        setattr(locked, key, value)
    town_services.validate(locked)
    locked.save()
    audit.record(action=Action.UPDATE, obj=locked, user=user, before=before)
    return locked


@transaction.atomic
def reexamination_submit(*, user, reexam: ReExamination) -> ReExamination:
    _require_county_of(user, reexam)
    locked = _locked(reexam, action="submit")
    if locked.annual_output_wan is None or locked.local_jobs is None or locked.figures_year is None:
        raise ValidationError(_("请填写数据年度、年产值和带动当地就业人数。"))
    if not locked.evidence.strip():
        raise ValidationError({"evidence": _("请填写复核说明及证明材料。")})
    locked.submissions += 1
    locked.submitted_at = timezone.now()
    note = _("第%(n)d次报送") % {"n": locked.submissions}
    _move(locked, Status.SUBMITTED, user=user, note=note, fields=("submissions", "submitted_at"))
    notify(
        office_users(),
        _("%(town)s报送了认定证书%(number)s的复核材料（%(note)s）。")
        % {"town": locked.certificate.town.name, "number": locked.certificate.number, "note": note},
        _url(locked),
    )
    return locked


# --- the office -----------------------------------------------------------------------------------------


def _judge(reexam: ReExamination, policy_choice: str) -> engine.Verdict | None:
    """Record the chosen standard and the engine's verdict under it (None: a provincial town with no provincial
    standard, which the office decides on its own)."""
    policies = policies_for(reexam)
    if not policies:
        reexam.policy_choice, reexam.policy, reexam.verdict = "", None, None
        return None
    if policy_choice not in policies:
        raise ValidationError({"policy_choice": _("请选择复核依据的认定标准。")})
    policy = policies[policy_choice]
    facts = reexam.facts()
    verdict = engine.evaluate(facts, policy.thresholds()) if facts else None
    reexam.policy_choice, reexam.policy = policy_choice, policy
    reexam.verdict = verdict.as_dict() if verdict else None
    return verdict


def _decide(reexam: ReExamination, *, user, reason: str, document: str = "") -> None:
    reexam.decision_reason, reexam.decision_document = reason, document
    reexam.decided_on, reexam.decided_by = timezone.localdate(), user


DECISION_FIELDS = (
    "policy_choice",
    "policy",
    "verdict",
    "decision_reason",
    "decision_document",
    "decided_on",
    "decided_by",
)


@transaction.atomic
def reexamination_renew(
    *, user, reexam: ReExamination, policy_choice: str, reason: str = "", expected: str | None = None
) -> Certificate:
    """延续认定: a new certificate with a new number and validity period; the old one is superseded."""
    require_office(user)
    locked = _locked(reexam, action="renew", expected=expected)
    verdict = _judge(locked, policy_choice)
    if verdict is not None and verdict.outcome == engine.INELIGIBLE:
        raise ValidationError(_("按所选认定标准不符合条件，不能延续认定；可责令整改或撤销认定。"))
    if (verdict is None or verdict.outcome == engine.NEEDS_OFFICE_DECISION) and not reason.strip():
        raise ValidationError({"reason": _("该复核需办公室研究决定，延续认定须写明研究意见。")})
    old = Certificate.objects.select_for_update().select_related("cycle", "town").get(pk=locked.certificate_id)
    if not old.is_valid:
        raise services.TransitionError(_("证书%(number)s已撤销或已被取代。") % {"number": old.number})
    today = timezone.localdate()
    # The new period follows the old one without a gap (or starts today if the old one has lapsed).
    start = max(today, old.valid_until + datetime.timedelta(days=1))
    years = old.cycle.certificate_years
    try:
        valid_until = start.replace(year=start.year + years) - datetime.timedelta(days=1)
    except ValueError:  # a period starting on 29 February ends on the last day of February
        valid_until = datetime.date(start.year + years, 3, 1) - datetime.timedelta(days=1)
    number = services._next_number(f"运专镇认〔{today.year}〕", Certificate, "number", today.year) + "号"
    new = Certificate.objects.create(
        number=number,
        town=old.town,
        tier=old.tier,
        cycle=old.cycle,
        issued_on=today,
        valid_until=valid_until,
        renews=old,
    )
    audit.record(action=Action.CREATE, obj=new, user=user, note=_("复核延续认定，取代%(old)s") % {"old": old.number})
    before = audit.snapshot(old)
    old.superseded_on = today
    old.save(update_fields=["superseded_on"])
    audit.record(action=Action.STATE, obj=old, user=user, before=before, note=_("由%(new)s取代") % {"new": number})
    _decide(locked, user=user, reason=reason)
    locked.new_certificate = new
    _move(
        locked,
        Status.RENEWED,
        user=user,
        note=_("延续认定，新证书%(number)s，有效期至%(date)s") % {"number": number, "date": valid_until.isoformat()},
        fields=(*DECISION_FIELDS, "new_certificate"),
    )
    return new


@transaction.atomic
def reexamination_rectify(
    *,
    user,
    reexam: ReExamination,
    policy_choice: str,
    reason: str,
    deadline: datetime.date | None,
    expected: str | None = None,
) -> ReExamination:
    """责令整改: the county answers again by the deadline."""
    require_office(user)
    if not reason.strip():
        raise ValidationError({"reason": _("责令整改须写明整改要求。")})
    if deadline is None or deadline <= timezone.localdate():
        raise ValidationError({"deadline": _("整改期限须晚于今天。")})
    locked = _locked(reexam, action="rectify", expected=expected)
    _judge(locked, policy_choice)
    _decide(locked, user=user, reason=reason)
    locked.rectification_deadline = deadline
    return _move(
        locked,
        Status.RECTIFYING,
        user=user,
        note=_("责令整改，期限%(date)s：%(reason)s") % {"date": deadline.isoformat(), "reason": reason},
        fields=(*DECISION_FIELDS, "rectification_deadline"),
    )


@transaction.atomic
def reexamination_revoke(
    *,
    user,
    reexam: ReExamination,
    reason: str,
    document: str,
    policy_choice: str = "",
    expected: str | None = None,
) -> ReExamination:
    """撤销认定: the certificate is revoked and the town's tier lowered, with the reason and the decision document
    in the tier history (services.certificate_revoke)."""
    require_office(user)
    if not reason.strip():
        raise ValidationError({"reason": _("撤销认定须写明理由。")})
    if not document.strip():
        raise ValidationError({"document": _("请填写撤销认定的决定文件（文号）。")})
    locked = _locked(reexam, action="revoke", expected=expected)
    if policy_choice:
        _judge(locked, policy_choice)
    _decide(locked, user=user, reason=reason, document=document)
    services.certificate_revoke(user=user, certificate=locked.certificate, reason=reason, document=document)
    return _move(
        locked, Status.REVOKED, user=user, note=_("撤销认定：%(reason)s") % {"reason": reason}, fields=DECISION_FIELDS
    )

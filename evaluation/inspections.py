"""Special inspections (专项检查, 五、（四）): every write, each transition checked against
:data:`evaluation.workflow.INSPECTION_ACTIONS`.

An inspection is opened by the office's plan, by an objection received during a public notice (the office opens
it referencing the objection), or proposed by the annual re-check for a town that no longer meets the criteria
(:func:`inspection_propose`, called on publication). Findings to rectify become 督办通知书 — the evaluation's own
notices, linked to the inspection — which the county answers and the office accepts; the last acceptance closes
the inspection (:func:`close_if_rectified`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.engine import CRITERIA, CRITERION_LABELS
from certification.models import Objection
from core import audit, numbering, uploads
from core.errors import ActionNotAllowed
from core.models import AuditEntry
from core.notify import notify
from towns.models import Role, Town
from towns.permissions import county_users, office_users, require_office, role_of

from . import workflow
from .models import (
    EvaluationRun,
    Finding,
    FindingAttachment,
    Inspection,
    InspectionItem,
    SupervisionNotice,
)
from .services import notice_number

Action = AuditEntry.Action
Stage = Inspection.Status

# The checklist an inspection starts from: the four criteria as the plan words them (三、（一）–（四）) and the
# town's work on its annual plan; the office adds, removes or rewords lines.
DEFAULT_ITEMS = (
    *(CRITERION_LABELS[code] for code in CRITERIA),
    "年度培育方案重点任务落实情况",
)


def default_checklist() -> list[str]:
    return list(DEFAULT_ITEMS)


def inspection_number(year: int) -> str:
    prefix = f"运专镇查〔{year}〕"
    n = numbering.draw(
        series=prefix, year=year, existing=lambda: numbering.highest(Inspection.objects, "number", prefix)
    )
    return f"{prefix}{n:03d}号"


def _locked(inspection: Inspection, action: str, expected: str | None = None) -> Inspection:
    """The inspection under a row lock, in a state the action starts from and (``expected``: the state the user's
    page showed) not changed meanwhile by someone else."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if expected is not None and inspection.status != expected:
        raise ActionNotAllowed(_("该专项检查已被他人处理，请刷新后重试。"))
    if inspection.status not in workflow.INSPECTION_ACTIONS[action][0]:
        raise ActionNotAllowed(_("当前状态（%(state)s）不允许此操作。") % {"state": inspection.get_status_display()})
    return inspection


def _move(inspection: Inspection, action: str, *, user, note: str = "") -> Inspection:
    before = audit.snapshot(inspection)
    inspection.status = workflow.INSPECTION_ACTIONS[action][2]
    fields = ["status"]
    if inspection.status == Stage.CLOSED:
        inspection.closed_at = timezone.now()
        fields.append("closed_at")
    inspection.save(update_fields=fields)
    audit.record(action=Action.STATE, obj=inspection, user=user, before=before, note=note[:300])
    return inspection


# --- the plan -------------------------------------------------------------------------------------------------


def _clean_plan(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    towns = list(data.get("towns") or [])
    items = [line.strip() for line in data.get("items") or [] if line and line.strip()]
    experts = list(data.get("experts") or [])
    if not (data.get("title") or "").strip():
        errors["title"] = _("请填写检查名称。")
    if not towns:
        errors["towns"] = _("请至少选择一个被检查的专业镇。")
    if not items:
        errors["items"] = _("检查清单至少要有一项。")
    if any(len(line) > 200 for line in items):
        errors["items"] = _("每个检查事项不超过200字。")
    if any(role_of(user) != Role.EXPERT for user in experts):
        errors["experts"] = _("检查组专家只能从评审专家中选择。")
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = _("检查结束日期不能早于开始日期。")
    if errors:
        raise ValidationError(errors)
    return {**data, "towns": towns, "items": items, "experts": experts, "units": list(data.get("units") or [])}


def _set_team_and_items(inspection: Inspection, data: dict[str, Any]) -> None:
    inspection.towns.set(data["towns"])
    inspection.units.set(data["units"])
    inspection.experts.set(data["experts"])
    inspection.items.all().delete()  # only while planned: no finding refers to an item yet
    InspectionItem.objects.bulk_create(
        InspectionItem(inspection=inspection, title=title, sort_order=i) for i, title in enumerate(data["items"])
    )


@transaction.atomic
def inspection_plan(*, user, data: dict[str, Any]) -> Inspection:
    """The office plans an inspection: ``data`` holds title, towns, units, experts, starts_on, ends_on, items
    (the checklist lines) and, for one opened on an objection to a public notice, ``objection``."""
    require_office(user)
    data = _clean_plan(data)
    objection: Objection | None = data.get("objection")
    if objection is not None and objection.application.town_id not in {t.pk for t in data["towns"]}:
        raise ValidationError(
            {"towns": _("异议所涉的专业镇（%(town)s）应列入检查对象。") % {"town": objection.application.town.name}}
        )
    inspection = Inspection(
        number=inspection_number(timezone.localdate().year),
        title=data["title"].strip(),
        origin=Inspection.Origin.OBJECTION if objection else Inspection.Origin.PLAN,
        objection=objection,
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
        planned_by=user,
    )
    inspection.full_clean()
    inspection.save()
    _set_team_and_items(inspection, data)
    audit.record(action=Action.CREATE, obj=inspection, user=user)
    return inspection


@transaction.atomic
def inspection_update(*, user, inspection: Inspection, data: dict[str, Any]) -> Inspection:
    """Change the plan (towns, team, dates, checklist) while it is still planned."""
    require_office(user)
    inspection = _locked(inspection, "edit")
    data = _clean_plan(data)
    before = audit.snapshot(inspection)
    inspection.title, inspection.starts_on, inspection.ends_on = (
        data["title"].strip(),
        data.get("starts_on"),
        data.get("ends_on"),
    )
    inspection.full_clean()
    inspection.save()
    _set_team_and_items(inspection, data)
    audit.record(action=Action.UPDATE, obj=inspection, user=user, before=before)
    return inspection


def inspection_propose(*, user, town: Town, run: EvaluationRun) -> Inspection:
    """The annual re-check found ``town`` no longer meeting the criteria: a planned inspection for it (the office
    adds the team and dates), unless one of the town's inspections is still open. Called inside publication."""
    open_one = town.inspections.exclude(status=Stage.CLOSED).first()
    if open_one is not None:
        return open_one
    inspection = Inspection.objects.create(
        number=inspection_number(timezone.localdate().year),
        title=_("%(town)s认定标准专项检查") % {"town": town.name},
        origin=Inspection.Origin.RECHECK,
        run=run,
        planned_by=user,
    )
    inspection.towns.set([town])
    InspectionItem.objects.bulk_create(
        InspectionItem(inspection=inspection, title=title, sort_order=i) for i, title in enumerate(DEFAULT_ITEMS)
    )
    audit.record(action=Action.CREATE, obj=inspection, user=user, note=_("年度评估复核提出"))
    notify(
        office_users(),
        _("%(year)d年度评估复核：%(town)s不再符合认定条件，已提出专项检查%(number)s，请安排检查组和时间。")
        % {"year": run.year, "town": town.name, "number": inspection.number},
        reverse("inspection-detail", kwargs={"pk": inspection.pk}),
    )
    return inspection


# --- transitions ------------------------------------------------------------------------------------------------


def _team_users(inspection: Inspection):
    users = get_user_model().objects.filter(is_active=True)
    experts = users.filter(pk__in=inspection.experts.values("pk"))
    unit_users = users.filter(membership__role=Role.BUREAU, membership__bureau__in=inspection.units.all())
    return list(experts) + list(unit_users)


@transaction.atomic
def inspection_start(*, user, inspection: Inspection, expected: str | None = None) -> Inspection:
    require_office(user)
    inspection = _locked(inspection, "start", expected)
    if not (inspection.starts_on and inspection.ends_on):
        raise ActionNotAllowed(_("请先确定检查日期。"))
    if not (inspection.units.exists() or inspection.experts.exists()):
        raise ActionNotAllowed(_("请先组成检查组（成员单位或专家）。"))
    _move(inspection, "start", user=user)
    notify(
        _team_users(inspection),
        _("专项检查%(number)s已开始，请记录检查发现。") % {"number": inspection.number},
        reverse("inspection-detail", kwargs={"pk": inspection.pk}),
    )
    for county in {t.county for t in inspection.towns.select_related("county")}:
        notify(
            county_users(county),
            _("专项检查%(number)s（%(start)s至%(end)s）将检查你县（市、区）的专业镇，请做好准备。")
            % {"number": inspection.number, "start": inspection.starts_on, "end": inspection.ends_on},
            reverse("inspection-detail", kwargs={"pk": inspection.pk}),
        )
    return inspection


@transaction.atomic
def finding_record(
    *,
    user,
    inspection: Inspection,
    item: InspectionItem,
    town: Town,
    result: str,
    note: str,
    attachments: Iterable = (),
) -> Finding:
    """A team member records (or corrects) the finding for one item in one town, with photos or documents."""
    inspection = _locked(inspection, "record")
    if not workflow.on_inspection_team(user, inspection):
        raise ActionNotAllowed(_("只有检查组成员可以记录检查发现。"))
    if item.inspection_id != inspection.pk or not inspection.towns.filter(pk=town.pk).exists():
        raise ValidationError(_("检查事项或专业镇不属于该专项检查。"))
    if result not in Finding.Result.values:
        raise ValidationError({"result": _("请选择检查结论。")})
    if result != Finding.Result.OK and not note.strip():
        raise ValidationError({"note": _("发现问题时请写明情况。")})
    finding = Finding.objects.select_for_update().filter(item=item, town=town).first()
    before = audit.snapshot(finding) if finding else None
    if finding is None:
        finding = Finding(inspection=inspection, item=item, town=town)
    finding.result, finding.note, finding.recorded_by = result, note.strip(), user
    finding.full_clean()
    finding.save()
    for upload in attachments:
        uploads.store(FindingAttachment, upload=upload, finding=finding)
    audit.record(action=Action.UPDATE if before else Action.CREATE, obj=finding, user=user, before=before)
    return finding


def missing_findings(inspection: Inspection) -> list[tuple[Town, InspectionItem]]:
    done = set(inspection.findings.values_list("town_id", "item_id"))
    items = list(inspection.items.all())
    return [(t, i) for t in inspection.towns.order_by("name") for i in items if (t.pk, i.pk) not in done]


@transaction.atomic
def inspection_finish(*, user, inspection: Inspection, conclusion: str = "", expected: str | None = None) -> Inspection:
    """The office ends the on-site work once every item of every town has a finding."""
    require_office(user)
    inspection = _locked(inspection, "finish", expected)
    missing = missing_findings(inspection)
    if missing:
        raise ActionNotAllowed(
            _("还有%(n)d项检查发现未记录（如：%(town)s · %(item)s）。")
            % {"n": len(missing), "town": missing[0][0].name, "item": missing[0][1].title}
        )
    inspection.conclusion = conclusion.strip()
    inspection.save(update_fields=["conclusion"])
    return _move(inspection, "finish", user=user)


@transaction.atomic
def inspection_reopen(*, user, inspection: Inspection, expected: str | None = None) -> Inspection:
    require_office(user)
    return _move(_locked(inspection, "reopen", expected), "reopen", user=user)


@transaction.atomic
def inspection_issue(
    *, user, inspection: Inspection, deadline: datetime.date, expected: str | None = None
) -> list[SupervisionNotice]:
    """Findings to rectify become one 督办通知书 per town (numbered in the evaluation's series), with a deadline."""
    require_office(user)
    inspection = _locked(inspection, "issue", expected)
    today = timezone.localdate()
    if deadline is None or deadline <= today:
        raise ValidationError({"deadline": _("整改期限应晚于今天。")})
    by_town: dict[int, list[Finding]] = {}
    for finding in inspection.findings.filter(result=Finding.Result.RECTIFY).select_related("town__county", "item"):
        by_town.setdefault(finding.town_id, []).append(finding)
    if not by_town:
        raise ActionNotAllowed(_("没有需要限期整改的检查发现，可直接办结。"))
    notices = []
    for findings in by_town.values():
        town = findings[0].town
        notice = SupervisionNotice.objects.create(
            number=notice_number(today.year),
            inspection=inspection,
            town=town,
            county=town.county,
            problems=[f"{f.item.title}：{f.note}" for f in findings],
            issued_on=today,
            deadline=deadline,
        )
        audit.record(action=Action.CREATE, obj=notice, user=user)
        notify(
            county_users(town.county),
            _("督办通知书%(number)s（专项检查%(inspection)s）：%(town)s，请于%(date)s前整改并报送整改报告。")
            % {"number": notice.number, "inspection": inspection.number, "town": town.name, "date": deadline},
            reverse("supervision-notice", kwargs={"pk": notice.pk}),
        )
        notices.append(notice)
    _move(inspection, "issue", user=user)
    return notices


@transaction.atomic
def inspection_close(*, user, inspection: Inspection, note: str = "", expected: str | None = None) -> Inspection:
    """The office closes an inspection with nothing to rectify (or once every notice is accepted)."""
    require_office(user)
    inspection = _locked(inspection, "close", expected)
    if not workflow.inspection_action_possible("close", inspection):
        raise ActionNotAllowed(_("还有未完成整改的检查发现，不能办结。"))
    return _move(inspection, "close", user=user, note=note)


def close_if_rectified(*, user, notice: SupervisionNotice) -> Inspection | None:
    """After the office accepts a rectification report: the inspection closes when all its notices are accepted.
    Called inside :func:`evaluation.services.rectification_review`'s transaction."""
    if notice.inspection_id is None:
        return None
    inspection = Inspection.objects.select_for_update().get(pk=notice.inspection_id)
    if inspection.status != Stage.RECTIFYING or not workflow.inspection_action_possible("close", inspection):
        return None
    _move(inspection, "close", user=user, note=_("督办事项全部整改完成"))
    notify(
        office_users(),
        _("专项检查%(number)s的督办事项已全部整改完成，检查办结。") % {"number": inspection.number},
        reverse("inspection-detail", kwargs={"pk": inspection.pk}),
    )
    return inspection

"""Reads of the annual evaluation, scoped to the user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from towns.models import Role, Town
from towns.permissions import county_scope, is_office, membership, require_portal_role, role_of

from . import workflow
from .models import EvaluationRun, FindingAttachment, Inspection, SupervisionNotice
from .workflow import sees_supervision_notices


def evaluation_runs(*, user) -> QuerySet[EvaluationRun]:
    """The office sees drafts; leaders, bureaus and counties see published results."""
    require_portal_role(user)
    runs = EvaluationRun.objects.select_related("started_by")
    return runs if is_office(user) else runs.filter(status=EvaluationRun.Status.PUBLISHED)


def evaluation_run_get(*, user, pk) -> EvaluationRun:
    return get_object_or_404(evaluation_runs(user=user), pk=pk)


def supervision_notices(*, user) -> QuerySet[SupervisionNotice]:
    """A county sees only its own notices; the office and leaders all; other roles none (403)."""
    require_portal_role(user)
    if not sees_supervision_notices(user):
        raise PermissionDenied(_("督办通知书仅对领导小组办公室、领导和被督办的县（市、区）开放。"))
    qs = SupervisionNotice.objects.select_related("town", "county", "run", "inspection")
    scope = county_scope(user)
    return qs if scope is None else qs.filter(county_id=scope)


def supervision_notice_get(*, user, pk) -> SupervisionNotice:
    return get_object_or_404(supervision_notices(user=user), pk=pk)


# --- special inspections ----------------------------------------------------------------------------------------


def inspections(*, user) -> QuerySet[Inspection]:
    """The office and leaders see every inspection; a county those of its towns; an expert or a unit those whose
    team it is in; other roles none (403)."""
    require_portal_role(user)
    if not workflow.sees_inspections(user):
        raise PermissionDenied(_("专项检查仅对领导小组办公室、领导、检查组成员和被检查的县（市、区）开放。"))
    qs = Inspection.objects.all()
    role = role_of(user)
    if role == Role.COUNTY:
        towns = Inspection.towns.through.objects.filter(town__county_id=county_scope(user))
        return qs.filter(pk__in=towns.values("inspection_id"))
    if role == Role.EXPERT:
        return qs.filter(pk__in=Inspection.experts.through.objects.filter(user=user).values("inspection_id"))
    if role == Role.BUREAU:
        units = Inspection.units.through.objects.filter(bureau_id=membership(user).bureau_id)
        return qs.filter(pk__in=units.values("inspection_id"))
    return qs


def inspection_get(*, user, pk) -> Inspection:
    return get_object_or_404(inspections(user=user), pk=pk)


def inspection_towns(*, user, inspection: Inspection) -> QuerySet[Town]:
    """The towns of an inspection the user sees in full: a county only its own (another county's findings and
    notices stay with that county), everyone else who sees the inspection all of them."""
    towns = inspection.towns.select_related("county").order_by("county__name", "name")
    scope = county_scope(user)
    return towns if scope is None else towns.filter(county_id=scope)


def finding_attachments(*, user) -> QuerySet[FindingAttachment]:
    """Attachments of the findings the user sees: inspections in view, and (for a county) its own towns."""
    qs = FindingAttachment.objects.filter(finding__inspection__in=inspections(user=user))
    scope = county_scope(user)
    return qs if scope is None else qs.filter(finding__town__county_id=scope)

"""Reads of the annual evaluation, scoped to the user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from towns.permissions import county_scope, is_office, require_portal_role

from .models import EvaluationRun, SupervisionNotice
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
    qs = SupervisionNotice.objects.select_related("town", "county", "run")
    scope = county_scope(user)
    return qs if scope is None else qs.filter(county_id=scope)


def supervision_notice_get(*, user, pk) -> SupervisionNotice:
    return get_object_or_404(supervision_notices(user=user), pk=pk)

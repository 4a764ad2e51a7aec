"""Reads of the annual assessment, scoped to the user: the office sees drafts and every row; leaders (and API
accounts) every row of a published assessment; a county or a bureau only its own row of a published one.
Anything else answers 404 (403 for roles with no part in the assessment)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from towns.models import Role
from towns.permissions import is_office, membership, require_portal_role, role_of

from .assessment_workflow import sees_assessments, sees_every_row
from .models import Assessment, AssessmentResult


def require_assessment_reader(user) -> None:
    require_portal_role(user)
    if not (sees_assessments(user) or sees_every_row(user)):
        raise PermissionDenied(_("年度考核仅对领导小组办公室、领导、各县（市、区）和市直单位开放。"))


def assessments(*, user) -> QuerySet[Assessment]:
    """The office sees every assessment (drafts too); everyone else who may read them, the published ones."""
    require_assessment_reader(user)
    qs = Assessment.objects.select_related("evaluation", "started_by", "published_by")
    return qs if is_office(user) else qs.filter(status=Assessment.Status.PUBLISHED)


def assessment_get(*, user, pk) -> Assessment:
    return get_object_or_404(assessments(user=user), pk=pk)


def _own(user) -> Q:
    """A county's or a bureau's own rows; nothing for anyone else confined to a row."""
    m = membership(user)
    role = role_of(user)
    if role == Role.COUNTY:
        return Q(county_id=m.county_id)
    if role == Role.BUREAU:
        return Q(bureau_id=m.bureau_id)
    return Q(pk__in=[])


def visible_results(*, user) -> QuerySet[AssessmentResult]:
    """The rows the user may see of any assessment in view (for prefetching, as the API does)."""
    qs = AssessmentResult.objects.select_related("county", "bureau").order_by("kind", "position")
    return qs if sees_every_row(user) else qs.filter(_own(user))


def results(*, user, assessment: Assessment) -> QuerySet[AssessmentResult]:
    """The rows of an assessment the user sees: all for the office, leaders and API accounts; a county's or a
    bureau's own row only."""
    qs = assessment.results.select_related("county", "bureau").order_by("kind", "position")
    return qs if sees_every_row(user) else qs.filter(_own(user))


def all_results(*, user) -> QuerySet[AssessmentResult]:
    """Every row the user may open, across the assessments they see."""
    qs = AssessmentResult.objects.filter(assessment__in=assessments(user=user)).select_related(
        "assessment", "county", "bureau"
    )
    return qs if sees_every_row(user) else qs.filter(_own(user))


def result_get(*, user, pk) -> AssessmentResult:
    return get_object_or_404(all_results(user=user), pk=pk)


def ranked_count(assessment: Assessment, kind: str) -> int:
    """How many units of a kind were ranked: the "共N个" beside a rank (a count, not anyone's row)."""
    return assessment.results.filter(kind=kind, rank__isnull=False).count()

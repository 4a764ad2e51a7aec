"""Reads of the certification workflow, scoped to the user.

County officials see their own county's applications; experts the ones assigned to them; the
office everything; leaders and API consumers read every application that has been submitted.
City bureaus have no part in certification (403). Outside one's scope an application answers 404.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from towns.models import Role
from towns.permissions import county_scope, role_of

from .models import Application, ApplicationFirm, Certificate, CriteriaPolicy, Cycle, ExpertAssignment, PublicNotice
from .permissions import is_expert, require_application_reader


def _assignment_count(**conditions):
    counted = (
        ExpertAssignment.objects.filter(application=OuterRef("pk"), **conditions)
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def application_list(*, user) -> QuerySet[Application]:
    require_application_reader(user)
    role = role_of(user)
    qs = (
        Application.objects.select_related("town", "county", "cycle__policy")
        .prefetch_related(Prefetch("application_firms", queryset=ApplicationFirm.objects.select_related("enterprise")))
        .annotate(
            reviews_done=_assignment_count(reviewed_at__isnull=False),
            reviews_total=_assignment_count(),
        )
        .order_by("-created_at", "-id")
    )
    if role == Role.COUNTY:
        return qs.filter(county_id=county_scope(user))
    if role == Role.EXPERT:
        return qs.filter(assignments__expert=user).exclude(status=Application.Status.DRAFT)
    if role in (Role.LEADER, Role.API):
        return qs.exclude(status=Application.Status.DRAFT)
    return qs


def application_get(*, user, pk) -> Application:
    return get_object_or_404(application_list(user=user), pk=pk)


def assignment_for(*, user, application: Application) -> ExpertAssignment | None:
    if not is_expert(user):
        return None
    return application.assignments.filter(expert=user).first()


def certificate_list() -> QuerySet[Certificate]:
    """Certificates are public (公示 and 认定 are public acts)."""
    return Certificate.objects.select_related("town__county", "cycle", "application", "renews")


def notice_list() -> QuerySet[PublicNotice]:
    return PublicNotice.objects.select_related("cycle").prefetch_related("applications__town__county")


def policy_for_precheck(code: str | None) -> CriteriaPolicy:
    """The named policy, else the policy of the cycle open today, else the newest policy; 404 when there is none
    (the office may delete every policy no application has used)."""
    if code:
        if "\x00" in code:  # PostgreSQL refuses NUL in a string literal: no policy can have such a code
            raise Http404
        return get_object_or_404(CriteriaPolicy, code=code)
    today = timezone.localdate()
    cycle = Cycle.objects.filter(opens_on__lte=today, closes_on__gte=today).select_related("policy").first()
    policy = cycle.policy if cycle else CriteriaPolicy.objects.order_by("-created_at").first()
    if policy is None:
        raise Http404
    return policy


def workflow_summary(*, user) -> list[tuple[str, int, str]]:
    """(label, count, status) for a home page: the applications in each state the user can see."""
    visible = application_list(user=user).values("pk")
    rows = Application.objects.filter(pk__in=visible).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return [(label, counts.get(value, 0), value) for value, label in Application.Status.choices]

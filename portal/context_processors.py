"""What the navigation shows: each link asks the same predicate as the page it opens."""

from django.urls import reverse

from certification.permissions import can_read_applications, can_read_reexaminations
from core.models import Notification
from evaluation.assessment_workflow import sees_assessments
from evaluation.workflow import sees_inspections, sees_supervision_notices
from tasks_registry.county_permissions import sees_every_county
from tasks_registry.permissions import uses_problem_ledger
from towns.models import Role
from towns.permissions import (
    can_browse_enterprises,
    can_edit_registry,
    county_scope,
    is_office,
    is_programme_member,
    membership,
    role_of,
    uses_pages,
)


def _county_mechanisms_url(user) -> str:
    """The nav's 县级机制: a county's own page; the city's units' side-by-side comparison; nothing for others."""
    if role_of(user) == Role.COUNTY:
        pk = county_scope(user)
        return reverse("county-mechanisms", kwargs={"pk": pk}) if pk else ""
    return reverse("county-comparison") if sees_every_county(user) else ""


def role(request):
    user = getattr(request, "user", None)
    portal_role = role_of(user)
    return {
        "portal_role": portal_role,
        "portal_membership": membership(user),
        "can_edit_registry": can_edit_registry(user),
        "can_browse_enterprises": can_browse_enterprises(user),
        "can_read_applications": can_read_applications(user),
        "can_read_reexaminations": can_read_reexaminations(user),
        "uses_problem_ledger": uses_problem_ledger(user),
        "sees_supervision_notices": sees_supervision_notices(user),
        "sees_inspections": sees_inspections(user),
        "sees_assessments": sees_assessments(user),
        "is_office": is_office(user),
        "is_programme_member": is_programme_member(user),
        "uses_pages": uses_pages(user),
        "sees_every_county": sees_every_county(user),
        "county_mechanisms_url": _county_mechanisms_url(user),
        # a callable: evaluated (one query) only where the template shows it
        "unread_notifications": (
            (lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()) if portal_role else 0
        ),
    }

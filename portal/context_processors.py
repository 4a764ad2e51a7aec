"""What the navigation shows: each link asks the same predicate as the page it opens."""

from certification.permissions import can_read_applications, can_read_reexaminations
from core.models import Notification
from evaluation.workflow import sees_inspections, sees_supervision_notices
from funds.permissions import sees_fund
from tasks_registry.permissions import uses_problem_ledger
from towns.permissions import (
    can_browse_enterprises,
    can_edit_registry,
    is_office,
    is_programme_member,
    membership,
    role_of,
    uses_pages,
)


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
        "sees_fund": sees_fund(user),
        "is_office": is_office(user),
        "is_programme_member": is_programme_member(user),
        "uses_pages": uses_pages(user),
        # a callable: evaluated (one query) only where the template shows it
        "unread_notifications": (
            (lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()) if portal_role else 0
        ),
    }

"""What the navigation shows: each link asks the same predicate as the page it opens; the link of the section the
page belongs to is marked current (aria-current)."""

from django.urls import NoReverseMatch, reverse

from certification.permissions import can_read_applications, can_read_reexaminations
from core.models import Notification
from evaluation.workflow import sees_inspections, sees_supervision_notices
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

# The navigation's links by URL name; a page belongs to the link whose URL is the longest prefix of its path.
NAV_NAMES = (
    "home",
    "county-list",
    "town-list",
    "enterprise-list",
    "application-list",
    "reexamination-list",
    "task-board",
    "problem-list",
    "project-list",
    "evaluation-list",
    "targets",
    "inspection-list",
    "supervision-notices",
    "enterprise-import",
    "audit-trail",
    "api-docs",
    "guide",
)
# Pages outside their section's URL: a progress report belongs to the task board.
NAV_ALIASES = {"/reports/": "task-board"}


def active_nav(path: str) -> str | None:
    """The URL name of the navigation link for ``path`` (None: none fits, e.g. the notifications page)."""
    best, best_len = None, 0
    for name in NAV_NAMES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if (path == url if url == "/" else path.startswith(url)) and len(url) > best_len:
            best, best_len = name, len(url)
    for prefix, name in NAV_ALIASES.items():
        if path.startswith(prefix) and len(prefix) > best_len:
            best, best_len = name, len(prefix)
    return best


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
        "is_office": is_office(user),
        "is_programme_member": is_programme_member(user),
        "uses_pages": uses_pages(user),
        "nav_active": active_nav(getattr(request, "path", "")) if portal_role else None,
        # a callable: evaluated (one query) only where the template shows it
        "unread_notifications": (
            (lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()) if portal_role else 0
        ),
    }

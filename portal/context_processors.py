"""What the navigation shows: each link asks the same predicate as the page it opens; the link of the section the
page belongs to is marked current (aria-current)."""

import re

from django.urls import NoReverseMatch, reverse

from certification.permissions import can_read_applications, can_read_reexaminations
from core.models import Notification
from evaluation.assessment_workflow import sees_assessments
from evaluation.workflow import sees_inspections, sees_supervision_notices
from funds.permissions import sees_fund
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
    "assessment-list",
    "funds",
    "targets",
    "inspection-list",
    "supervision-notices",
    "enterprise-import",
    "audit-trail",
    "api-docs",
    "guide",
)
# Pages outside their section's URL: a progress report belongs to the task board.
NAV_ALIASES = {
    "/reports/": "task-board",
    "/county-documents/": "county-mechanisms",
    "/county-tasks/": "county-mechanisms",
}
# A county's own pages under /counties/<id>/ belong to 县级机制, not to the county list.
COUNTY_MECHANISMS_PAGE = re.compile(r"^/counties/(mechanisms|\d+/(mechanisms|targets))/")


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
    if COUNTY_MECHANISMS_PAGE.match(path):
        return "county-mechanisms"
    return best


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
        "sees_fund": sees_fund(user),
        "is_office": is_office(user),
        "is_programme_member": is_programme_member(user),
        "uses_pages": uses_pages(user),
        "sees_every_county": sees_every_county(user),
        "county_mechanisms_url": _county_mechanisms_url(user),
        "nav_active": active_nav(getattr(request, "path", "")) if portal_role else None,
        # a callable: evaluated (one query) only where the template shows it
        "unread_notifications": (
            (lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()) if portal_role else 0
        ),
    }

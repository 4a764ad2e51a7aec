"""Who may start, fill in and read applications (the one implementation). Selectors, views and the navigation
ask these functions; the workflow's state-by-state rules are in :mod:`certification.workflow`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from towns.models import Role
from towns.permissions import require_portal_role, role_of

# City bureaus have no part in certification.
READERS = (Role.COUNTY, Role.OFFICE, Role.EXPERT, Role.LEADER, Role.API)


def can_read_applications(user) -> bool:
    """Counties (their own), experts (those assigned), the office, leaders and API accounts (past the draft)."""
    return role_of(user) in READERS


def require_application_reader(user) -> None:
    require_portal_role(user)
    if not can_read_applications(user):
        raise PermissionDenied(_("市直单位不参与专业镇认定。"))


def is_applicant(user) -> bool:
    """Applications are made and filled in by the county governments (for their own towns)."""
    return role_of(user) == Role.COUNTY


def can_start_application(user) -> bool:
    return is_applicant(user)


def require_can_start_application(user) -> None:
    if not can_start_application(user):
        raise PermissionDenied(_("认定申请由县（市、区）政府提出。"))


def require_applicant(user) -> None:
    if not is_applicant(user):
        raise PermissionDenied(_("只有申报县（市、区）可以填写申请。"))


def sees_reviews(user) -> bool:
    """The office and leaders see who reviews an application and the rubric; counties and experts do not."""
    return role_of(user) in (Role.OFFICE, Role.LEADER)


def is_expert(user) -> bool:
    return role_of(user) == Role.EXPERT


def can_read_reexaminations(user) -> bool:
    """Re-examination (复核): the town's county (its own towns) answers, the office decides."""
    return role_of(user) in (Role.COUNTY, Role.OFFICE)


def require_reexamination_reader(user) -> None:
    require_portal_role(user)
    if not can_read_reexaminations(user):
        raise PermissionDenied(_("复核由县（市、区）报送、领导小组办公室决定。"))

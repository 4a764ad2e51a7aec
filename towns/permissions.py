"""Who may do what: the one implementation of the role and scope rules.

Pages, the API, exports and services all ask these functions. Reading the registry entry of
any town is open to every role; enterprise-level data and every edit are scoped: a county
official reaches only their own county (anything else answers 404), the office reaches all,
and read-only roles get 403 on edits.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Membership, Role


class OutOfScope(Http404):
    """The object exists but lies outside the user's scope; answered as 404 so nothing leaks."""


def membership(user) -> Membership | None:
    if not user or not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def role_of(user) -> str | None:
    if user and user.is_authenticated and user.is_superuser:
        return Role.OFFICE
    m = membership(user)
    return m.role if m else None


def has_portal_role(user) -> bool:
    return role_of(user) is not None


def county_scope(user) -> int | None:
    """The id of the county a county official is confined to; None means no county restriction."""
    if role_of(user) == Role.COUNTY:
        return membership(user).county_id
    return None


def is_office(user) -> bool:
    return role_of(user) == Role.OFFICE


def is_programme_member(user) -> bool:
    """The leading group and the units doing the plan's work: counties, the office, city bureaus and leaders.

    They see the plan's pages (the task board, the project library, the annual evaluation, the targets
    dashboard); experts (their assigned applications only) and API accounts do not. The navigation asks
    this same function, so what it shows and what the pages let in cannot drift apart.
    """
    return role_of(user) in (Role.COUNTY, Role.OFFICE, Role.BUREAU, Role.LEADER)


def uses_pages(user) -> bool:
    """Every role but API accounts works in the pages; an API account has its home page and the API."""
    return has_portal_role(user) and role_of(user) != Role.API


def can_edit_registry(user) -> bool:
    """County officials (own county) and the office keep enterprises and figures."""
    return role_of(user) in (Role.COUNTY, Role.OFFICE)


def require_portal_role(user) -> None:
    if not has_portal_role(user):
        raise PermissionDenied(_("账号尚未分配角色，请联系领导小组办公室。"))


def require_programme_member(user) -> None:
    require_portal_role(user)
    if not is_programme_member(user):
        raise PermissionDenied(_("该页面仅对领导小组成员单位和县（市、区）开放。"))


def require_registry_editor(user) -> None:
    if not can_edit_registry(user):
        raise PermissionDenied(_("您的角色只能查看，不能修改登记数据。"))


def require_office(user) -> None:
    if not is_office(user):
        raise PermissionDenied(_("只有领导小组办公室可以执行此操作。"))


def can_browse_enterprises(user) -> bool:
    """Whether the user reads enterprise-level data at all (the list, an enterprise, its figures).

    Experts do not: they reach the firms only through the applications assigned to them (the application page
    lists its firms), never the registry of every county's enterprises.
    """
    return has_portal_role(user) and role_of(user) != Role.EXPERT


def can_see_enterprises_of(user, town) -> bool:
    scope = county_scope(user)
    return can_browse_enterprises(user) and (scope is None or town.county_id == scope)


def require_enterprise_reader(user) -> None:
    require_portal_role(user)
    if not can_browse_enterprises(user):
        raise PermissionDenied(_("评审专家通过分配给您的申请查看相关企业，不能浏览企业名录。"))


def require_town_in_scope(user, town) -> None:
    if not can_see_enterprises_of(user, town):
        raise OutOfScope()


def can_edit_county_targets(user, county) -> bool:
    """A county sets its own job and tax targets (任务12, "鼓励各县自加压力"); the office may correct them."""
    return is_office(user) or (role_of(user) == Role.COUNTY and county_scope(user) == county.pk)


def require_county_target_editor(user, county) -> None:
    if is_office(user):
        return
    if role_of(user) != Role.COUNTY:
        raise PermissionDenied(_("县级目标由各县（市、区）填报。"))
    if county_scope(user) != county.pk:
        raise OutOfScope()


# Holders of a role, e.g. the recipients of a notification.
def county_users(county):
    return get_user_model().objects.filter(membership__role=Role.COUNTY, membership__county=county, is_active=True)


def bureau_users(bureau):
    return get_user_model().objects.filter(membership__role=Role.BUREAU, membership__bureau=bureau, is_active=True)


def office_users():
    return get_user_model().objects.filter(membership__role=Role.OFFICE, is_active=True)

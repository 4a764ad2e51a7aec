from rest_framework.permissions import BasePermission

from towns.permissions import has_portal_role


class HasPortalRole(BasePermission):
    """Authenticated and holding a role. Finer rules (edit rights, county scope) live in the
    selectors and services, so the API and the pages answer alike."""

    message = "账号尚未分配角色。"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and has_portal_role(request.user))

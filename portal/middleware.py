"""API accounts work through the API: of the pages they reach only their home page, notifications and what is public."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from towns.permissions import has_portal_role, uses_pages

# The pages an API account may open: its home page (which points to the API documentation), its
# notifications, the public pages and the login/logout pair. /api/ and /admin/ do their own checks.
API_ACCOUNT_PAGES = frozenset(
    {
        "home",
        "notifications",
        "login",
        "logout",
        "healthz",
        "readyz",
        "api-schema",
        "api-docs",
        "public-notices",
        "public-notice",
        "certificate-list",
        "certificate-detail",
        "certificate-pdf",
    }
)


class ApiAccountPagesMiddleware:
    """Refuses (403) every other page to a user whose role is the API account's.

    The API hands such a user the data its token is for; the pages would show the same data and more
    (forms, exports, other units' work), so they are closed to it by default, new pages included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.app_name in ("api", "admin") or request.path.startswith(("/api/", "/admin/")):
            return None
        if match.url_name in API_ACCOUNT_PAGES:
            return None
        user = getattr(request, "user", None)
        try:
            api_account = user is not None and user.is_authenticated and has_portal_role(user) and not uses_pages(user)
        except (OperationalError, InterfaceError):
            # The database is down: the view meets it too and answers 503 (DatabaseUnavailableMiddleware only
            # handles what a view raises).
            return None
        if api_account:
            raise PermissionDenied(_("接口用户请通过数据接口获取数据，不能使用该页面。"))
        return None

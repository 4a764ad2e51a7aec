"""Who may write through the API, decided before anything of the request body is read."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


class WritesNeedPermission(BasePermission):
    """A request that writes (POST, PUT, PATCH, DELETE) needs the view's ``may_write(user)``; a view with none takes no
    writes. DRF checks permissions before the handler parses the body, so a caller who may not write gets 403
    whatever it sends: a read-only token is told it may not write, never how its body would have been wrong (400).
    Finer rules (the county's scope: 404, an object's state: 409) stay in the selectors and services.

    A method the view does not take at all is left to DRF's 405."""

    message = "您的角色只能查看，不能通过接口修改数据。"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        method = request.method.lower()
        action_map = getattr(view, "action_map", None)
        supported = method in action_map if action_map is not None else hasattr(view, method)
        if not supported:
            return True  # 405 follows
        may_write = getattr(view, "may_write", None)
        return bool(may_write is not None and may_write(request.user))

"""Request-scoped context that core's helpers read without every caller passing it."""

from __future__ import annotations

from .notify import acting_as


class ActingUserMiddleware:
    """Records the request as the source of the acting user for :func:`core.notify.notify`, so that nobody is
    notified of their own action, whichever service sends the notification. The user is read when a notification
    is sent: for the API, DRF sets it on this request once it has checked the token."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(lambda: getattr(request, "user", None)):
            return self.get_response(request)

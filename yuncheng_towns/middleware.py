"""Guards around the views: a request body larger than any upload is refused at once (413), authenticated responses
are not stored by caches, and a database that is down or restarting gets 503 "try again shortly" instead of a 500
error page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class BodySizeLimitMiddleware:
    """Answers 413 when the declared body is larger than ``MAX_REQUEST_BODY_BYTES`` (the largest legitimate upload
    plus a margin), before anything reads or spools it; anonymous requests included.

    Django reads no more than ``Content-Length`` bytes of a body, so the declared length bounds what is read. The
    reverse proxy enforces the same limit (``client_max_body_size``, see the README) so a body never reaches
    gunicorn in the first place.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django treats an unreadable length as no body
        if length > settings.MAX_REQUEST_BODY_BYTES:
            logger.warning("request body of %d bytes refused: %s %s", length, request.method, request.path)
            message = _("请求内容过大（上限 %(mb)d MB）。") % {"mb": settings.MAX_REQUEST_BODY_BYTES // 2**20}
            if request.path.startswith("/api/"):
                response = JsonResponse({"detail": message}, status=413)
            else:
                response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            return response
        return self.get_response(request)


class NoStoreForAuthenticatedMiddleware:
    """Responses to requests that carry a login (the session cookie, or an API token) get ``Cache-Control: no-store``
    unless the view chose its own caching: a shared or browser cache must not keep what one user was shown (a new
    API key, a county's figures).

    Decided by the credentials the request carries rather than by loading the user: the response may be the 503 of
    a database that is down, and asking who the user is would query it again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        logged_in = settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
        if logged_in and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection in a view (pages and the API alike) into a 503 with Retry-After.

    Nothing was saved: the request's transaction died with the connection. The next request reconnects by itself
    (``CONN_HEALTH_CHECKS``), so the portal recovers when the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        message = _("数据库暂时不可用，您的操作没有保存，请稍后重试。")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            # Rendered without the request: the page must not touch the session or the user (the database).
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

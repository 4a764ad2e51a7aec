"""A database that is down or restarting: answer 503 "try again shortly" instead of a 500 error page."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


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

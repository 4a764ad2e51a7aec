"""The client behind the reverse proxies: one rule for the login lockout (axes) and the API's throttling."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address behind ``TRUSTED_PROXY_COUNT`` reverse proxies (``AXES_CLIENT_IP_CALLABLE``).

    Each proxy appends the address it received the request from to X-Forwarded-For; the last one's own address is
    ``REMOTE_ADDR``. With N proxies the client is therefore the N-th entry from the right, and anything left of it
    was written by the client and is ignored. A request with fewer entries (it did not pass the proxies) or an
    entry that is not an address falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(entries) < count:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return remote

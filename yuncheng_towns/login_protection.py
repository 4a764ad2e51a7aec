"""Login lockout behind the reverse proxy: which address a request comes from, and the page a locked-out pair sees.

django-axes locks an (account, client address) pair after ``AXES_FAILURE_LIMIT`` failures. Behind the proxy every
request arrives from the proxy's address, so the client's address must come from ``X-Forwarded-For`` — trusting
exactly ``TRUSTED_PROXY_COUNT`` proxies, never what the client itself wrote into the header.
"""

from __future__ import annotations

import ipaddress
import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone


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


def lockout_response(request, original_response=None, credentials=None):
    """The locked-out page (``AXES_LOCKOUT_CALLABLE``), with the minutes left until the pair may try again."""
    username = get_client_username(request, credentials) or ""
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    cool_off = get_cool_off(request)
    latest = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(t=Max("attempt_time"))["t"]
    until = (latest or timezone.now()) + cool_off
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    context = {"username": username, "minutes": minutes, "until": timezone.localtime(until)}
    return render(request, "registration/locked.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)

"""Login lockout behind the reverse proxy: which address a request comes from, and the page a locked-out pair sees.

django-axes locks an (account, client address) pair after ``AXES_FAILURE_LIMIT`` failures. Behind the proxy every
request arrives from the proxy's address, so the client's address must come from ``X-Forwarded-For`` — trusting
exactly ``TRUSTED_PROXY_COUNT`` proxies, never what the client itself wrote into the header.
"""

from __future__ import annotations

import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone

from core.http import client_ip  # AXES_CLIENT_IP_CALLABLE points here


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

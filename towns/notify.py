"""In-portal notifications, mailed too where email is configured. Sent after the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction

from .models import Notification, Role

logger = logging.getLogger(__name__)


def notify(users: Iterable, message: str, url: str = "") -> None:
    users = [u for u in users if u is not None]
    Notification.objects.bulk_create([Notification(recipient=u, message=message[:300], url=url) for u in users])
    recipients = [u.email for u in users if u.email]
    if recipients and settings.EMAIL_NOTIFICATIONS:
        mails = [
            (
                f"[运城市专业镇服务平台] {message[:60]}",
                f"{message}\n\n{settings.PORTAL_URL}{url}",
                settings.DEFAULT_FROM_EMAIL,
                [to],
            )
            for to in recipients
        ]
        transaction.on_commit(lambda: _send(mails))


def _send(mails) -> None:
    try:
        send_mass_mail(mails, fail_silently=False)
    except Exception:  # mail trouble must not undo the decision that caused it
        logger.exception("notification mail failed")


def county_users(county):
    return get_user_model().objects.filter(membership__role=Role.COUNTY, membership__county=county, is_active=True)


def office_users():
    return get_user_model().objects.filter(membership__role=Role.OFFICE, is_active=True)

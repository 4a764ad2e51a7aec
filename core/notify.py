"""In-portal notifications, mailed too where email is configured. Sent after the transaction commits."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction

from .models import Notification, ReminderLog

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


def notify_once(*, key: str, user, message: str, url: str, today: datetime.date) -> bool:
    """Notify unless this reminder was already sent; the unique key makes a daily job idempotent."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(key=key, recipient=user, sent_on=today)
    except IntegrityError:
        return False
    notify([user], message, url)
    return True

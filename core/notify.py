"""In-portal notifications, mailed too where email is configured. Sent after the transaction commits.

Nobody is told of their own action: :func:`notify` leaves out the user acting, whom the sender may name
(``actor=``) and who is otherwise the user of the request being served (:class:`core.middleware.ActingUserMiddleware`
records it). So every sender gets the rule without passing anything; a daily job has no actor and tells everyone.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction

from .models import Notification, ReminderLog

logger = logging.getLogger(__name__)

# Who is acting now: a callable, so that a request's user is read when a notification is sent (DRF authenticates
# a token inside the view, after the middleware ran, and sets the underlying request's user then).
_acting: contextvars.ContextVar[Callable[[], object] | None] = contextvars.ContextVar("acting_user", default=None)
_UNSET = object()


@contextlib.contextmanager
def acting_as(source: Callable[[], object]):
    """While the block runs, ``source()`` is the user acting (the middleware wraps each request in it)."""
    token = _acting.set(source)
    try:
        yield
    finally:
        _acting.reset(token)


def acting_user():
    """The user acting now (the request's), or None (a daily job, a shell)."""
    source = _acting.get()
    user = source() if source is not None else None
    return user if getattr(user, "is_authenticated", False) else None


def notify(users: Iterable, message: str, url: str = "", *, actor=_UNSET) -> None:
    """Tell ``users`` (in the portal, and by mail where configured), except the one acting."""
    actor = acting_user() if actor is _UNSET else actor
    actor_id = getattr(actor, "pk", None)
    users = [u for u in users if u is not None and (actor_id is None or u.pk != actor_id)]
    if not users:
        return
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

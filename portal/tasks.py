"""The daily reminders, composed from each workflow's own rules: one job, one run per morning, idempotent."""

import datetime

from celery import shared_task
from django.utils import timezone

from certification.reexamination import reexaminations_open
from evaluation.services import notice_reminders_send
from tasks_registry.services import reminders_send


@shared_task(name="portal.send_daily_reminders")
def send_daily_reminders(day: str | None = None) -> dict[str, int]:
    """Run by beat every morning; ``day`` (ISO date) lets a run be repeated for a given day."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return {
        **reminders_send(today=today),
        **notice_reminders_send(today=today),
        **reexaminations_open(today),
    }

"""Celery jobs of the task board: a few lines each, calling a service; idempotent."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="tasks_registry.send_daily_reminders")
def send_daily_reminders(day: str | None = None) -> dict[str, int]:
    """Run by beat every morning; ``day`` (ISO date) lets a run be repeated for a given day."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return services.reminders_send(today=today)

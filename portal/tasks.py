"""The daily job, composed from each workflow's own rules: one run per morning, idempotent. It applies the tier
changes scheduled for the day first (so the reminders and re-examinations that follow see the day's tiers), then
sends the reminders."""

import datetime

from celery import shared_task
from django.utils import timezone

from certification.reexamination import reexaminations_open
from evaluation.services import notice_reminders_send
from tasks_registry.services import reminders_send
from towns.services import tier_changes_apply_due


@shared_task(name="portal.send_daily_reminders")
def send_daily_reminders(day: str | None = None) -> dict[str, int]:
    """Run by beat every morning; ``day`` (ISO date) lets a run be repeated for a given day."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return {
        **tier_changes_apply_due(today=today),
        **reminders_send(today=today),
        **notice_reminders_send(today=today),
        **reexaminations_open(today),
    }

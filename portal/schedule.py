"""The scheduled jobs (django-celery-beat rows): the annual evaluation and the daily reminders."""

from __future__ import annotations

from django_celery_beat.models import CrontabSchedule, PeriodicTask

from evaluation.schedule import ANNUAL_EVALUATION, ANNUAL_EVALUATION_DEFAULT, ANNUAL_EVALUATION_TASK, TIME_ZONE

DAILY_REMINDERS = "每日报送与督办提醒"
DAILY_REMINDERS_TASK = "portal.send_daily_reminders"
JOBS = (
    (ANNUAL_EVALUATION, ANNUAL_EVALUATION_TASK, ANNUAL_EVALUATION_DEFAULT),
    (DAILY_REMINDERS, DAILY_REMINDERS_TASK, {"minute": "0", "hour": "8", "day_of_month": "*", "month_of_year": "*"}),
)


def ensure_schedule() -> None:
    """Idempotent: creates the periodic tasks if missing; never overwrites what the office changed.

    The migrations create them in a new database; this restores them after a flush (tests) or a partial restore.
    """
    for name, task, when in JOBS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(day_of_week="*", timezone=TIME_ZONE, **when)
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, enabled=True)

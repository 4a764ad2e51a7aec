"""The scheduled jobs (django-celery-beat rows): the annual evaluation and the daily reminders."""

from __future__ import annotations

ANNUAL_EVALUATION = "年度评估（评估上一年度）"
DAILY_REMINDERS = "每日报送与督办提醒"
TIME_ZONE = "Asia/Shanghai"


def ensure_schedule(crontab_model=None, task_model=None) -> None:
    """Idempotent: creates the two periodic tasks if missing; never overwrites what the office changed.

    Default: the evaluation on 31 January at 02:00 for the previous year, reminders daily at 08:00.
    """
    if crontab_model is None:
        from django_celery_beat.models import CrontabSchedule as crontab_model
        from django_celery_beat.models import PeriodicTask as task_model
    jobs = [
        (
            ANNUAL_EVALUATION,
            "certification.scheduled_evaluation",
            {"minute": "0", "hour": "2", "day_of_month": "31", "month_of_year": "1"},
        ),
        (
            DAILY_REMINDERS,
            "tasks_registry.send_daily_reminders",
            {"minute": "0", "hour": "8", "day_of_month": "*", "month_of_year": "*"},
        ),
    ]
    for name, task, when in jobs:
        if task_model.objects.filter(name=name).exists():
            continue
        crontab, _ = crontab_model.objects.get_or_create(day_of_week="*", timezone=TIME_ZONE, **when)
        task_model.objects.create(name=name, task=task, crontab=crontab, enabled=True)

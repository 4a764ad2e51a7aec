"""The beat schedule lives in the database (django-celery-beat), where the office sees and edits it.

Frozen as it was written: the task names are renamed by later migrations (evaluation 0001, portal 0001)."""

from django.db import migrations

TIME_ZONE = "Asia/Shanghai"
JOBS = [
    (
        "年度评估（评估上一年度）",
        "certification.scheduled_evaluation",
        {"minute": "0", "hour": "2", "day_of_month": "31", "month_of_year": "1"},
    ),
    (
        "每日报送与督办提醒",
        "tasks_registry.send_daily_reminders",
        {"minute": "0", "hour": "8", "day_of_month": "*", "month_of_year": "*"},
    ),
]


def create_schedule(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, when in JOBS:
        if task_model.objects.filter(name=name).exists():
            continue
        crontab, _ = crontab_model.objects.get_or_create(day_of_week="*", timezone=TIME_ZONE, **when)
        task_model.objects.create(name=name, task=task, crontab=crontab, enabled=True)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0003_evaluationconfig_evaluationrun_commendation_and_more"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]

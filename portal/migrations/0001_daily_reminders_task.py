"""The daily reminders job is composed in the portal (the task board's reports and problems, the evaluation's
supervision notices), so its beat row names the portal's task."""

from django.db import migrations


def _rename(apps, old, new):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=old).update(task=new)


def forwards(apps, schema_editor):
    _rename(apps, "tasks_registry.send_daily_reminders", "portal.send_daily_reminders")


def backwards(apps, schema_editor):
    _rename(apps, "portal.send_daily_reminders", "tasks_registry.send_daily_reminders")


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0004_beat_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]

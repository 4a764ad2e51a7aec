"""The beat schedule lives in the database (django-celery-beat), where the office sees and edits it."""

from django.db import migrations

from certification.schedule import ensure_schedule


def create_schedule(apps, schema_editor):
    ensure_schedule(apps.get_model("django_celery_beat", "CrontabSchedule"),
                    apps.get_model("django_celery_beat", "PeriodicTask"))


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0003_evaluationconfig_evaluationrun_commendation_and_more"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]

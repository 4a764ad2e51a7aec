from django.db import migrations

from certification.reference import ensure_default_policy


def create_default_policy(apps, schema_editor):
    ensure_default_policy(apps.get_model("certification", "CriteriaPolicy"))


class Migration(migrations.Migration):
    dependencies = [("certification", "0001_initial")]
    operations = [migrations.RunPython(create_default_policy, migrations.RunPython.noop)]

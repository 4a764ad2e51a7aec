"""The default policy row, as the 2023 document sets it. Frozen here (a migration must not follow later code);
today's source of these numbers is certification.engine.YC_2023."""

from decimal import Decimal

from django.db import migrations

YC_2023 = {
    "name": "运城市重点专业镇认定标准（2023）",
    "source": "运政办发〔2023〕8号 三、市级专业镇认定标准",
    "min_anchor": 1,
    "nominal_supporting": 10,
    "min_supporting": 8,
    "output_manufacturing_wan": Decimal("50000"),
    "output_agriculture_wan": Decimal("20000"),
    "output_light_industry_wan": Decimal("20000"),
    "relaxed_floor_wan": Decimal("10000"),
    "share_pct": Decimal("50"),
    "min_jobs": 2000,
}


def create_default_policy(apps, schema_editor):
    apps.get_model("certification", "CriteriaPolicy").objects.get_or_create(code="YC-2023", defaults=YC_2023)


class Migration(migrations.Migration):
    dependencies = [("certification", "0001_initial")]
    operations = [migrations.RunPython(create_default_policy, migrations.RunPython.noop)]

"""Enterprises, figures and standing evidence already in the audit trail get their owner (core.AuditEntry.parent_*), so the
town's (and an enterprise's) history list them too (models' ``audit_parent``). Rows since deleted keep none."""

from django.db import migrations

CHILDREN = (  # (model, the foreign key to its owner, the owner's model)
    ("enterprise", "town_id", "town"),
    ("enterpriseyearfigures", "enterprise_id", "enterprise"),
    ("townyearfigures", "town_id", "town"),
    ("townevidence", "town_id", "town"),
)


def backfill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry = apps.get_model("core", "AuditEntry")
    for child, fk, owner in CHILDREN:
        child_type = ContentType.objects.filter(app_label="towns", model=child).first()
        owner_type = ContentType.objects.filter(app_label="towns", model=owner).first()
        if child_type is None or owner_type is None:
            continue  # a new database: nothing recorded yet
        owners = dict(apps.get_model("towns", child).objects.values_list("pk", fk))
        entries = AuditEntry.objects.filter(content_type=child_type, parent_type__isnull=True)
        batch = []
        for entry in entries.only("pk", "object_id").iterator(chunk_size=2000):
            owner_id = owners.get(int(entry.object_id)) if entry.object_id.isdigit() else None
            if owner_id is not None:
                entry.parent_type_id, entry.parent_id = owner_type.pk, str(owner_id)
                batch.append(entry)
        AuditEntry.objects.bulk_update(batch, ["parent_type", "parent_id"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_audit_entry_parent"),
        ("towns", "0007_scheduled_tier_changes_and_happened_on_dates"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

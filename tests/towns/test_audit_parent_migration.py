"""Entries written before AuditEntry had an owner get one when the database is migrated (towns 0007), so an
enterprise's history lists the figures added to it before the upgrade too; an entry of a row since deleted keeps none.
Existing tier changes stay in force (towns 0006)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("towns", "0007_scheduled_tier_changes_and_happened_on_dates"), ("core", "0002_document_sequence")]
AFTER = [("towns", "0008_audit_parents")]


@pytest.mark.django_db(transaction=True)
def test_old_entries_get_their_owner_and_old_tier_changes_stay_in_force():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        ContentType = apps.get_model("contenttypes", "ContentType")
        County, Town = apps.get_model("towns", "County"), apps.get_model("towns", "Town")
        Enterprise, Figures = apps.get_model("towns", "Enterprise"), apps.get_model("towns", "EnterpriseYearFigures")
        county = County.objects.create(name="万荣县", kind="county")
        town = Town.objects.create(
            name="万荣县外加剂", county=county, leading_industry="外加剂", sector="manufacturing"
        )
        firm = Enterprise.objects.create(town=town, name="康特尔")
        kept = Figures.objects.create(enterprise=firm, year=2024, output_wan=1, local_jobs=1)
        gone = Figures.objects.create(enterprise=firm, year=2023, output_wan=1, local_jobs=1)
        figures_type, _ = ContentType.objects.get_or_create(app_label="towns", model="enterpriseyearfigures")
        AuditEntry = apps.get_model("core", "AuditEntry")
        for row in (kept, gone):
            AuditEntry.objects.create(
                action="create", content_type=figures_type, object_id=str(row.pk), object_repr="x"
            )
        gone_pk = gone.pk
        gone.delete()
        apps.get_model("towns", "TownTierChange").objects.create(
            town=town, to_tier="city", effective_date=datetime.date(2022, 9, 28), source="附件2"
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        entries = {e.object_id: e for e in apps.get_model("core", "AuditEntry").objects.all()}
        enterprise_type = apps.get_model("contenttypes", "ContentType").objects.get(
            app_label="towns", model="enterprise"
        )
        assert (entries[str(kept.pk)].parent_type_id, entries[str(kept.pk)].parent_id) == (
            enterprise_type.pk,
            str(firm.pk),
        )
        assert entries[str(gone_pk)].parent_type_id is None
        assert apps.get_model("towns", "TownTierChange").objects.get().status == "in_force"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

"""The layout move keeps every row: towns' audit entries, notifications and API tokens and tasks_registry's reminder
log went to core, certification's evaluation models to evaluation. Data written in the old layout, through the
historical models, is read back through today's models with the same keys and values; content types, the
permissions hanging on them and the beat schedule's task names follow; new rows still get fresh keys."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as current_apps
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.models import ApiToken, AuditEntry, Notification, ReminderLog
from evaluation.models import EvaluationRun, RectificationAttachment, RectificationReport, SupervisionNotice
from towns.models import County, Town

OLD_NODES = [
    ("towns", "0003_apitoken"),
    ("certification", "0005_alter_townevaluation_options"),
    ("tasks_registry", "0001_initial"),
]
NEW_APPS = ("core", "evaluation", "portal")
EVALUATION_MODELS = (
    "EvaluationConfig",
    "EvaluationRun",
    "TownEvaluation",
    "Commendation",
    "SupervisionNotice",
    "RectificationReport",
    "RectificationAttachment",
)
# (old app, model) -> new app
MOVED = {
    ("towns", "AuditEntry"): "core",
    ("towns", "Notification"): "core",
    ("towns", "ApiToken"): "core",
    ("tasks_registry", "ReminderLog"): "core",
    **{("certification", name): "evaluation" for name in EVALUATION_MODELS},
}
TASKS = {  # beat row name -> (old task, new task)
    "年度评估（评估上一年度）": ("certification.scheduled_evaluation", "evaluation.scheduled_evaluation"),
    "每日报送与督办提醒": ("tasks_registry.send_daily_reminders", "portal.send_daily_reminders"),
}
NOW = timezone.now()


def _migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader, which sees what is applied now


def _fill_old_layout(apps) -> None:
    """A representative data set, written through the models as they were before the move."""
    model = apps.get_model
    content_type = model("contenttypes", "ContentType")
    # The moved models' content types, and permissions on them.
    for app_label, name in MOVED:
        ct, _ = content_type.objects.get_or_create(app_label=app_label, model=name.lower())
        model("auth", "Permission").objects.get_or_create(
            content_type=ct, codename=f"view_{name.lower()}", defaults={"name": f"Can view {name}"}
        )
    user = model("auth", "User").objects.create(username="office", password="!")
    county = model("towns", "County").objects.create(name="万荣县", division_code="140822", kind="county")
    town = model("towns", "Town").objects.create(
        name="万荣县外加剂", county=county, leading_industry="混凝土外加剂", sector="manufacturing"
    )
    model("towns", "Enterprise").objects.create(town=town, name="康特尔", role="anchor")
    token = model("towns", "ApiToken").objects.create(
        user=user, issued_by=user, prefix="ab12cd34", key_hash="f" * 64, expires_at=NOW + datetime.timedelta(days=90)
    )
    audit = model("towns", "AuditEntry").objects
    audit.create(
        user=user,
        username="office",
        action="update",
        content_type=content_type.objects.get_or_create(app_label="towns", model="town")[0],
        object_id=str(town.pk),
        object_repr="万荣县外加剂",
        changes={"tier": ["potential", "provincial"], "description": ["", "外加剂产业集群"]},
    )
    audit.create(
        user=user,
        username="office",
        action="create",
        content_type=content_type.objects.get(app_label="towns", model="apitoken"),
        object_id=str(token.pk),
        object_repr="ab12cd34",
        note="签发接口令牌",
    )
    notification = model("towns", "Notification").objects
    notification.create(recipient=user, message="2025年度评估结果已发布", url="/evaluation/", read_at=NOW)
    notification.create(recipient=user, message="督办通知书待整改", url="/evaluation/notices/")
    model("tasks_registry", "ReminderLog").objects.create(
        key="notice:1:office:2026-03-25", sent_on=datetime.date(2026, 3, 25), recipient=user
    )

    weights = {"output_growth": 40, "anchor": 30, "innovation": 30}
    model("certification", "EvaluationConfig").objects.create(year=2025, weights=weights, top_n=3, bottom_n=2)
    run = model("certification", "EvaluationRun").objects.create(
        year=2025,
        status="published",
        weights=weights,
        started_by=user,
        published_at=NOW,
        published_by=user,
    )
    model("certification", "TownEvaluation").objects.create(
        run=run,
        town=town,
        group="certified",
        indicators={"output_growth": 12.5},
        breakdown={"output_growth": 38.0},
        score=Decimal("87.5"),
        rank=1,
    )
    model("certification", "Commendation").objects.create(run=run, county=county, town=town, rank=1, text="通报表扬")
    notice = model("certification", "SupervisionNotice").objects.create(
        number="运专镇督〔2026〕1号",
        run=run,
        town=town,
        county=county,
        problems=["产值增速低于全市平均"],
        issued_on=datetime.date(2026, 2, 1),
        deadline=datetime.date(2026, 4, 2),
        status="answered",
    )
    report = model("certification", "RectificationReport").objects.create(
        notice=notice, text="已完成整改", submitted_by=user
    )
    model("certification", "RectificationAttachment").objects.create(
        report=report,
        file=f"rectification/{notice.pk}/整改报告.pdf",
        original_name="整改报告.pdf",
        size=2048,
        content_type="application/pdf",
    )
    # The beat rows certification 0004 wrote (gone if an earlier transactional test flushed the database).
    importlib.import_module("certification.migrations.0004_beat_schedule").create_schedule(apps, None)


def _snapshot(apps) -> dict:
    """Every row of every moved model, and its content type's id, keyed by the model's (old app, name)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    return {
        (app_label, name): (
            list(apps.get_model(app_label, name).objects.order_by("pk").values()),
            content_type.objects.get(app_label=app_label, model=name.lower()).pk,
        )
        for app_label, name in MOVED
    }


def _insert_new_rows(old_rows) -> None:
    """Each moved table takes a new row, with a key above the old ones (on PostgreSQL, the identity sequence
    came along with the renamed table)."""
    user = User.objects.get(username="office")
    town = Town.objects.get()
    run = EvaluationRun.objects.create(year=2026, status="draft")
    notice = SupervisionNotice.objects.create(
        number="运专镇督〔2027〕1号",
        run=run,
        town=town,
        county=County.objects.get(),
        issued_on=datetime.date(2027, 2, 1),
        deadline=datetime.date(2027, 4, 2),
    )
    report = RectificationReport.objects.create(notice=notice, text="新报告", submitted_by=user)
    new = {
        "ApiToken": ApiToken.objects.create(user=user, prefix="zz99", key_hash="e" * 64, expires_at=NOW),
        "AuditEntry": AuditEntry.objects.create(
            action="state", content_type=ContentType.objects.get_for_model(Town), object_id="1", object_repr="x"
        ),
        "Notification": Notification.objects.create(recipient=user, message="新通知"),
        "ReminderLog": ReminderLog.objects.create(key="new", sent_on=NOW.date(), recipient=user),
        "EvaluationConfig": current_apps.get_model("evaluation", "EvaluationConfig").objects.create(year=2026),
        "EvaluationRun": run,
        "TownEvaluation": run.results.create(town=town, group="potential"),
        "Commendation": run.commendations.create(town=town, county=town.county, rank=1, text="新表扬"),
        "SupervisionNotice": notice,
        "RectificationReport": report,
        "RectificationAttachment": RectificationAttachment.objects.create(
            report=report, file="rectification/new.pdf", original_name="new.pdf", size=1, content_type="x"
        ),
    }
    for (_, name), (rows, _) in old_rows.items():
        assert new[name].pk > max(row["id"] for row in rows), name


@pytest.mark.django_db(transaction=True)
def test_moving_models_between_apps_keeps_every_row():
    executor = _migrate(OLD_NODES + [(app, None) for app in NEW_APPS])
    try:
        applied = set(executor.loader.applied_migrations)
        assert set(OLD_NODES) <= applied and not {node for node in applied if node[0] in NEW_APPS}
        assert ("towns", "0004_move_shared_models_to_core") not in applied
        old_apps = executor.loader.project_state(OLD_NODES).apps
        _fill_old_layout(old_apps)
        before = _snapshot(old_apps)
        assert {name: len(rows) for (_, name), (rows, _) in before.items()} == {
            **dict.fromkeys(EVALUATION_MODELS + ("ApiToken", "ReminderLog"), 1),
            "AuditEntry": 2,
            "Notification": 2,
        }
        assert dict(PeriodicTask.objects.values_list("name", "task")) == {name: old for name, (old, _) in TASKS.items()}

        executor = _migrate(executor.loader.graph.leaf_nodes())
        assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()

        # Every row, every value, same keys: the current models read exactly what the old ones wrote.
        for (old_app, name), new_app in MOVED.items():
            rows, content_type_id = before[old_app, name]
            model = current_apps.get_model(new_app, name)
            old_fields = list(rows[0]) if rows else ["pk"]  # fields added by later migrations are not compared
            assert list(model.objects.order_by("pk").values(*old_fields)) == rows, name
            # The content type itself moved (same id), none is left under the old app.
            content_type = ContentType.objects.get_for_model(model)
            assert (content_type.app_label, content_type.pk) == (new_app, content_type_id), name
            assert not ContentType.objects.filter(app_label=old_app, model=name.lower()).exists(), name
            permission = Permission.objects.get(codename=f"view_{name.lower()}")
            assert permission.content_type_id == content_type_id, name

        # A sample, spelled out.
        town_entry, token_entry = AuditEntry.objects.order_by("pk")
        assert town_entry.content_type.model_class() is Town
        assert town_entry.object_repr == "万荣县外加剂"
        assert town_entry.changes == {"tier": ["potential", "provincial"], "description": ["", "外加剂产业集群"]}
        assert town_entry.user.username == "office"
        assert token_entry.content_type.model_class() is ApiToken
        assert token_entry.content_type.get_object_for_this_type(pk=token_entry.object_id).prefix == "ab12cd34"
        notice = SupervisionNotice.objects.get()
        assert (notice.number, notice.deadline, notice.problems) == (
            "运专镇督〔2026〕1号",
            datetime.date(2026, 4, 2),
            ["产值增速低于全市平均"],
        )
        assert notice.run.status == EvaluationRun.Status.PUBLISHED and notice.town.name == "万荣县外加剂"
        attachment = RectificationAttachment.objects.get()
        assert attachment.report.notice == notice
        assert attachment.file.name == f"rectification/{notice.pk}/整改报告.pdf"
        assert notice.run.results.get().score == Decimal("87.5")
        assert Notification.objects.filter(read_at__isnull=True).get().message == "督办通知书待整改"

        # The beat schedule names the tasks where they live now.
        assert dict(PeriodicTask.objects.values_list("name", "task")) == {name: new for name, (_, new) in TASKS.items()}

        _insert_new_rows(before)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

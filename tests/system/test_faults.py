"""Faults: Redis down (pages and the API keep serving; a job that cannot be queued says so and keeps the
data; once Redis is back, starting it again runs it on a real worker), and backup/restore of the database and
uploaded files. PostgreSQL restarted under load: tests/system/test_database_restart.py."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from django.urls import reverse

from evaluation.models import EvaluationConfig, EvaluationRun

DEAD_BROKER = "redis://127.0.0.1:1/0"


def _reset_connections(app) -> None:
    """Drop the app's pooled broker connections so the next publish connects afresh (to the new URL)."""
    from kombu import pools

    pools.reset()  # kombu's process-wide pools, keyed by broker URL
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker(settings, url: str):
    """Point the portal's Celery app at ``url`` (a dead port: Redis is down) for the block."""
    from yuncheng_towns.celery import app

    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_RESULT_BACKEND = None
    app.conf.broker_url = url
    _reset_connections(app)
    try:
        yield app
    finally:
        app.conf.broker_url = previous
        _reset_connections(app)


@pytest.fixture
def redis_down(settings):
    with broker(settings, DEAD_BROKER):
        yield


def test_pages_and_api_keep_serving_and_readyz_says_why(world, client_for, api_for, redis_down):
    for name in ("home", "town-list", "enterprise-list", "task-board", "application-list"):
        assert client_for("office").get(reverse(name)).status_code == 200, name
    assert api_for("api").get("/api/v1/towns/").status_code == 200
    ready = client_for("office").get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"] == "ok" and ready.json()["broker"] != "ok"


def test_a_job_that_cannot_be_queued_says_so_and_keeps_the_data(
    world, client_for, redis_down, django_capture_on_commit_callbacks
):
    EvaluationConfig.objects.create(year=2025, top_n=4)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("office").post(reverse("evaluation-list"), {"year": 2025})
    assert response.status_code == 302
    run = EvaluationRun.objects.get(year=2025)
    assert run.status == "failed" and "暂不可用" in run.error
    assert EvaluationConfig.objects.get(year=2025).top_n == 4  # the office's settings are kept
    page = client_for("office").get(reverse("evaluation-detail", kwargs={"pk": run.pk}))
    assert "暂不可用" in page.content.decode()


@pytest.mark.services
def test_a_job_refused_while_redis_is_down_runs_once_it_is_back(transactional_db, world, client_for, settings):
    from towns.models import Town

    from ..services import TEST_REDIS_URL, CeleryWorker, redis_or_skip, worker_database_url

    redis_or_skip(flush=True)
    office = client_for("office")
    with broker(settings, DEAD_BROKER):
        office.post(reverse("evaluation-list"), {"year": 2025})
    assert EvaluationRun.objects.get(year=2025).status == "failed"

    with broker(settings, TEST_REDIS_URL) as app:  # Redis is back: starting again is all it takes
        worker = CeleryWorker(TEST_REDIS_URL, extra_env={"DATABASE_URL": worker_database_url()})
        try:
            worker.wait_ready(app)
            office.post(reverse("evaluation-list"), {"year": 2025})
            deadline = time.monotonic() + 60
            while (
                EvaluationRun.objects.get(year=2025).status not in ("draft", "failed") and time.monotonic() < deadline
            ):
                time.sleep(0.2)
        finally:
            worker.stop()
    run = EvaluationRun.objects.get(year=2025)
    assert run.status == "draft", (run.status, run.error, worker.log.read_text()[-2000:])
    assert run.results.count() == Town.objects.count()


def test_backup_then_restore_into_an_empty_database_finds_everything(transactional_db, world, cert, tmp_path, settings):
    from io import StringIO

    from django.apps import apps
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from certification import services as cert_services

    from ..factories import pdf_bytes

    app = cert.make("draft")
    backup_pdf = pdf_bytes("backup")
    attachment = cert_services.attachment_add(
        user=world.users["county"],
        application=app,
        kind="figures",
        upload=SimpleUploadedFile("证明.pdf", backup_pdf),
    )
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in ("towns", "certification", "tasks_registry", "auth", "django_celery_beat")
    ]
    # Permissions and beat's change marker are rebuilt by Django and beat, not restored.
    models = [m for m in models if m._meta.label not in ("django_celery_beat.PeriodicTasks", "auth.Permission")]
    before = {m._meta.label: sorted(m.objects.values_list("pk", flat=True)) for m in models}
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=StringIO())
    # Disaster: every row and every file is gone.
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(settings.MEDIA_ROOT.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert not apps.get_model("towns", "Town").objects.exists()
    out = StringIO()
    call_command("restore", str(archive), stdout=out)
    after = {m._meta.label: sorted(m.objects.values_list("pk", flat=True)) for m in models}
    assert after == before
    restored = apps.get_model("certification", "Attachment").objects.get(pk=attachment.pk)
    assert restored.file.read() == backup_pdf
    restored.file.close()
    assert "1 files" in out.getvalue()


def test_restore_refuses_a_database_that_is_not_empty(world, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=str(archive), stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("restore", str(archive), stdout=StringIO())

"""Spreadsheet jobs (core.jobs): an upload becomes an import job with progress, errors as found and a cancel
that leaves nothing behind; a large export becomes a job with a download link. Only the job's user and the
office see a job."""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core import jobs
from core.jobs import enqueue as real_enqueue  # before tests/conftest.py runs jobs in-process
from core.models import AuditEntry, ExportJob, ImportJob
from towns.importers import ENTERPRISE_COLUMNS
from towns.models import Enterprise, EnterpriseYearFigures, Role

from ..factories import EnterpriseFactory, make_user, valid_credit_code
from ..services import TEST_REDIS_URL, CeleryWorker, redis_or_skip, worker_database_url

HEADERS = [c.header for c in ENTERPRISE_COLUMNS]


def xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("企业.xlsx", buffer.getvalue())


def row(name="新企业", code=None, output=100, town="万荣县外加剂"):
    return [town, name, code or valid_credit_code(), "其他", "否", "", 2024, output, 10, None, None]


def counts():
    return Enterprise.objects.count(), EnterpriseYearFigures.objects.count(), AuditEntry.objects.count()


def upload(client, file) -> ImportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("enterprise-import"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


@pytest.fixture
def held(monkeypatch):
    """Jobs stay queued (no worker picks them up), as when the workers are busy."""
    monkeypatch.setattr(jobs, "enqueue", lambda job: None)


@pytest.fixture
def small_batches(monkeypatch):
    from towns import services

    monkeypatch.setattr(services, "IMPORT_BATCH_ROWS", 2)


# --- the progress page -----------------------------------------------------------------------------------


def test_upload_leads_to_the_job_page_with_counts_and_a_link_to_the_list(world, client_for):
    client = client_for("county")
    job = upload(client, xlsx([row(name=f"企业{i}") for i in range(3)]))
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "已完成" in page and "导入成功：共3行；新增企业3家" in page
    assert 'value="100"' in page  # the bar is full
    assert reverse("enterprise-list") in page
    state = client.get(reverse("import-job-progress", args=[job.pk])).json()
    assert state | {"errors": []} == state and state["status"] == "done" and state["percent"] == 100
    assert (state["rows_total"], state["rows_read"], state["rows_checked"], state["rows_written"]) == (3, 3, 3, 3)


def test_errors_are_listed_by_row_and_column_and_nothing_is_saved(world, client_for):
    client = client_for("county")
    before = counts()
    job = upload(client, xlsx([row(), row(output=-1), row(town="盐湖区水泵")]))
    assert job.status == "failed" and job.rows_written == 0
    assert [(r, c.split("（")[0]) for r, c, _ in job.errors] == [(3, "H列"), (4, "A列")]
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "发现 2 处错误，未导入任何数据" in page and "H列（产值（万元））" in page
    assert counts() == before


def test_errors_reach_the_page_while_the_file_is_still_being_read(world, client_for, small_batches, monkeypatch):
    """What the progress endpoint serves mid-run: the row of the first batch's error, before the last batch."""
    client = client_for("county")
    seen = []
    original = jobs.Progress.advance

    def watching(self, **kw):
        original(self, **kw)
        if kw.get("read") and self.state["rows_read"] == 6:  # the third batch was just read
            seen.append(client.get(reverse("import-job-progress", args=[self.job.pk])).json())

    monkeypatch.setattr(jobs.Progress, "advance", watching)
    upload(client, xlsx([row(name=f"企业{i}", output=-1 if i == 1 else 5) for i in range(7)]))
    assert seen, "the job never reached its third batch"
    assert seen[0]["status"] == "running" and seen[0]["rows_checked"] == 4 and seen[0]["finished"] is False
    assert [e[0] for e in seen[0]["errors"]] == [3] and seen[0]["error_count"] == 1


def test_file_that_cannot_be_read_fails_with_its_reason(world, client_for):
    wrong = xlsx([])
    job = upload(client_for("county"), SimpleUploadedFile("企业.xlsx", wrong.read()))
    assert job.status == "failed" and job.message == "文件中没有数据行。"
    assert not job.file  # the upload is not kept


# --- cancel -------------------------------------------------------------------------------------------------


def test_cancel_a_queued_job_then_the_worker_does_nothing(world, client_for, held):
    client = client_for("county")
    before = counts()
    job = upload(client, xlsx([row(name="不该出现")]))
    assert job.status == "queued" and job.file
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "取消导入" in page and "排队中" in page
    response = client.post(reverse("import-job-cancel", args=[job.pk]), follow=True)
    assert "已取消导入，未导入任何数据。" in response.content.decode()
    jobs.run_import(job.pk)  # the message arrives at a worker after all
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.file
    assert counts() == before and not Enterprise.objects.filter(name="不该出现").exists()


def test_cancel_while_running_rolls_back_what_was_written(world, client_for, small_batches, monkeypatch):
    client = client_for("county")
    before = counts()
    original = jobs.Progress.advance

    def cancel_after_two_batches_written(self, **kw):
        original(self, **kw)
        if kw.get("written") and self.state["rows_written"] == 4:
            assert Enterprise.objects.filter(name__startswith="企业").count() == 4  # written, not yet committed
            jobs.job_cancel(user=self.job.user, job=ImportJob.objects.get(pk=self.job.pk))

    monkeypatch.setattr(jobs.Progress, "advance", cancel_after_two_batches_written)
    job = upload(client, xlsx([row(name=f"企业{i}") for i in range(7)]))
    assert job.status == "cancelled" and job.rows_written == 0
    assert job.message == "已取消，未导入任何数据。"
    assert counts() == before  # the enterprises, their figures and their audit entries: all gone


def test_a_finished_job_cannot_be_cancelled(world, client_for):
    client = client_for("county")
    job = upload(client, xlsx([row(name="留下")]))
    client.post(reverse("import-job-cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and Enterprise.objects.filter(name="留下").exists()


def test_broker_down_fails_the_job_with_a_message_and_nothing_saved(world, client_for, monkeypatch):
    from core import tasks

    def unreachable(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(jobs, "enqueue", real_enqueue)
    monkeypatch.setattr(tasks.run_import_job, "delay", unreachable)
    job = upload(client_for("county"), xlsx([row(name="队列不可用")]))
    assert job.status == "failed" and "任务队列（Redis）暂不可用" in job.message
    assert not Enterprise.objects.filter(name="队列不可用").exists()


# --- who sees a job -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["import-job", "import-job-progress"])
def test_only_the_uploader_and_the_office_see_an_import_job(world, client_for, client_of_user, name):
    job = upload(client_for("county"), xlsx([row(name="机密企业")]))
    url = reverse(name, args=[job.pk])
    assert client_for("county").get(url).status_code == 200
    assert client_for("office").get(url).status_code == 200
    neighbour = make_user(Role.COUNTY, county=world.other_county, username="yanhu")
    assert client_of_user(neighbour).get(url).status_code == 404
    colleague = make_user(Role.COUNTY, county=world.home_county, username="wanrong2")  # same county, not theirs
    assert client_of_user(colleague).get(url).status_code == 404
    assert client_for("leader").get(url).status_code == 404


def test_someone_else_cannot_cancel_a_job(world, client_for, client_of_user, held):
    job = upload(client_for("county"), xlsx([row()]))
    neighbour = make_user(Role.COUNTY, county=world.other_county, username="yanhu")
    assert client_of_user(neighbour).post(reverse("import-job-cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == "queued" and not job.cancel_requested


@pytest.fixture
def client_of_user():
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


# --- exports as jobs ----------------------------------------------------------------------------------------


def test_a_large_export_becomes_a_job_with_a_download_link(world, client_for, client_of_user, settings):
    settings.EXPORT_JOB_ROWS = 2
    for i in range(3):
        EnterpriseFactory(town=world.home_town, name=f"导出企业{i}")
    client = client_for("county")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(reverse("enterprise-list"), {"export": "xlsx", "search": "导出企业"})
    assert response.status_code == 302 and response.url.startswith("/jobs/exports/")
    job = ExportJob.objects.get()
    assert job.status == "done" and job.rows_written == 3 and job.query == "search=%E5%AF%BC%E5%87%BA%E4%BC%81%E4%B8%9A"
    page = client.get(response.url).content.decode()
    download = reverse("export-job-download", args=[job.pk])
    assert "下载 Excel 文件" in page and download in page
    answer = client.get(download)
    body = b"".join(answer.streaming_content)
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(body)).worksheets[0].iter_rows()]
    assert sorted(r[1] for r in rows[1:]) == ["导出企业0", "导出企业1", "导出企业2"]
    neighbour = make_user(Role.COUNTY, county=world.other_county, username="yanhu")
    assert client_of_user(neighbour).get(download).status_code == 404


def test_an_export_job_keeps_the_users_scope(world, client_for, settings):
    settings.EXPORT_JOB_ROWS = 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for("county").get(reverse("enterprise-list"), {"export": "xlsx-years"})
    job = ExportJob.objects.get()
    with job.file.open("rb") as f:
        rows = [[c.value for c in r] for r in load_workbook(f).worksheets[0].iter_rows()]
    assert [r[1] for r in rows[1:]] == ["康特尔"]  # not 天海泵业 of the other county


def test_a_small_export_is_answered_at_once(world, client_for):
    response = client_for("county").get(reverse("enterprise-list"), {"export": "xlsx"})
    assert response.content.startswith(b"PK")
    assert response.status_code == 200 and not ExportJob.objects.exists()


# --- on a real worker -------------------------------------------------------------------------------------


def test_an_import_runs_on_a_real_celery_worker(transactional_db, world, settings, tmp_path):
    """The same job through Redis and a worker process, against this test's database and media folder."""
    from celery import Celery

    redis_or_skip(TEST_REDIS_URL, flush=True)
    user = world.users["county"]
    job = jobs.import_job_start(user=user, kind="enterprises", upload=xlsx([row(name="工作进程企业")]))
    client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL, set_as_current=False)
    worker = CeleryWorker(
        TEST_REDIS_URL,
        extra_env={"DATABASE_URL": worker_database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    )
    try:
        worker.wait_ready(client)
        client.send_task("core.run_import_job", args=[job.pk])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.finished:
                break
            time.sleep(0.3)
    finally:
        worker.stop()
        client.close()
    assert job.status == "done", (job.message, worker.log.read_text()[-2000:])
    assert Enterprise.objects.filter(name="工作进程企业").exists()

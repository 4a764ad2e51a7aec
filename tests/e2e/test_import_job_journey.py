"""Journey: a county official uploads a spreadsheet and follows its import job — the progress bar moving as
the worker reads, checks and writes; the errors by row and column for a bad file; cancelling a queued upload.

The worker is a thread of this test process that runs the job as a Celery worker does (core.jobs.run_import),
paced so that the page's polling (static/js/sheetjob.js) has something to show."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.db import connection
from playwright.sync_api import expect

from core import jobs
from core.models import ImportJob
from tests.e2e.helpers import XLSX, xlsx_bytes
from tests.factories import PASSWORD, valid_credit_code
from towns.importers import ENTERPRISE_COLUMNS
from towns.models import Enterprise

HEADERS = [c.header for c in ENTERPRISE_COLUMNS]
TOWN = "万荣县外加剂"


def _row(n: int, *, output=1000) -> list:
    return [TOWN, f"进度企业{n:02d}", valid_credit_code(71000 + n), "其他", "否", "", 2024, output, 12, None, None]


@pytest.fixture
def paced_worker(monkeypatch):
    """Jobs run in a thread, three rows a batch, a third of a second a batch: like a worker on a large file."""
    from towns import services

    monkeypatch.setattr(services, "IMPORT_BATCH_ROWS", 3)
    original = jobs.Progress.advance

    def slow(self, **kw):
        original(self, **kw)
        if kw.get("checked"):
            time.sleep(0.35)

    monkeypatch.setattr(jobs.Progress, "advance", slow)
    threads: list[threading.Thread] = []

    def run(job):
        def work():
            try:
                jobs.run_import(job.pk)
            finally:
                connection.close()  # this thread's own connection

        thread = threading.Thread(target=work, daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(jobs, "enqueue", run)
    yield
    for thread in threads:
        thread.join(timeout=60)


def _upload(session, name: str, rows: list[list]) -> None:
    page = session.page
    session.nav("批量导入").click()
    expect(page.locator("h1")).to_have_text("企业及年度数据批量导入")
    page.get_by_label("表格文件").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": xlsx_bytes([HEADERS, *rows])}
    )
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("h1")).to_have_text(f"企业及年度数据导入：{name}")


def _bar(page) -> int:
    return int(page.locator("#sheet-job progress").evaluate("e => e.value"))


@pytest.mark.e2e
def test_upload_follow_the_progress_see_errors_and_cancel(session, e2e_world, paced_worker, monkeypatch):
    page = session.page
    session.login("county", PASSWORD)

    # --- a good file of 24 rows: the bar moves, the counts follow, then 已完成 ------------------------------
    _upload(session, "进度.xlsx", [_row(n) for n in range(24)])
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if page.locator(".job-message").count():
            break
        with contextlib.suppress(Exception):  # the page is reloading itself at the end
            seen.add(_bar(page))
        time.sleep(0.2)
    assert any(0 < value < 100 for value in seen), f"never saw the bar move: {sorted(seen)}"
    expect(page.locator(".job-message")).to_have_text(
        "导入成功：共24行；新增企业24家，更新0家；新增年度数据24条，更新0条。", timeout=30_000
    )
    expect(page.locator('[data-field="status_label"]')).to_have_text("已完成")
    assert _bar(page) == 100
    counts = page.locator("dl.job-counts")
    for label in ("已读取", "已检查", "已写入"):
        expect(counts.locator("dt", has_text=label).locator("xpath=following-sibling::dd[1]")).to_have_text("24 行")
    session.screenshot("import-job-done")
    page.set_viewport_size({"width": 390, "height": 844})
    session.screenshot("import-job-done-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scroll on a phone
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="查看企业名录").click()
    expect(page.locator("nav.pagination")).to_contain_text("共 25 条")  # 康特尔 and the 24 new ones

    # --- a file with errors in rows 5 and 17: listed as found, by row and column; nothing saved -------------
    rows = [_row(30 + n) for n in range(18)]
    rows[3][7] = -5  # row 5, column H: negative output
    rows[15][0] = "盐湖区水泵"  # row 17, column A: another county's town
    _upload(session, "有错.xlsx", rows)
    errors = page.locator("#job-errors tbody tr")
    expect(errors.first).to_be_visible(timeout=15_000)
    status_when_first_error = page.locator('[data-field="status_label"]').inner_text()
    expect(page.locator("#job-errors h2")).to_have_text("错误（按行、列）：共 2 处，未导入任何数据", timeout=30_000)
    assert status_when_first_error == "进行中", "the first error was only shown at the end"
    assert [r[:2] for r in session.rows("#job-errors table")] == [["5", "H列（产值（万元））"], ["17", "A列（专业镇）"]]
    expect(page.locator('[data-field="status_label"]')).to_have_text("未完成")
    expect(page.locator('[data-field="rows_written"]')).to_have_text("0")
    assert not Enterprise.objects.filter(name__in=["进度企业30", "进度企业31"]).exists()
    session.screenshot("import-job-errors")

    # --- a queued upload is cancelled before a worker takes it: nothing is left --------------------------
    monkeypatch.setattr(jobs, "enqueue", lambda job: None)  # the workers are busy
    _upload(session, "取消.xlsx", [_row(60), _row(61)])
    expect(page.locator('[data-field="status_label"]')).to_have_text("排队中")
    page.get_by_role("button", name="取消导入").click()
    expect(page.locator(".messages")).to_have_text("已取消导入，未导入任何数据。")
    expect(page.locator('[data-field="status_label"]')).to_have_text("已取消")
    expect(page.get_by_role("button", name="取消导入")).to_have_count(0)
    job = ImportJob.objects.get(original_name="取消.xlsx")
    jobs.run_import(job.pk)  # the message reaches a worker after all: it does nothing
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.file
    assert not Enterprise.objects.filter(name__in=["进度企业60", "进度企业61"]).exists()

    # --- the upload page lists the official's recent imports --------------------------------------------
    session.nav("批量导入").click()
    recent = session.rows("section.card:has(h2) table")
    assert [r[0] for r in recent] == ["取消.xlsx", "有错.xlsx", "进度.xlsx"]
    assert [r[2] for r in recent] == ["已取消", "未完成", "已完成"]

"""Spreadsheet jobs: an upload becomes an import job, a large list export an export job; Celery runs both.

Apps register what a kind of job does (``register_import``, ``register_export``, from their AppConfig.ready):
core knows no app. Without a broker the task runs in-process (CELERY_TASK_ALWAYS_EAGER), the same code.

An import is still all rows or nothing: the app's service reads, checks and writes in one transaction that
is rolled back on any error or on cancel. So that the user sees it move, the progress (rows read, checked,
written) and the errors found so far go to the cache while the job runs — the job's own row is not touched
inside that transaction, where its lock would make a cancel wait for the end — and to the row when it ends.
With Redis (any deploy with a worker) every process sees the same cache; the cancel flag is also kept in
the row, which a running import re-reads between batches.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .jobs_models import ExportJob, ImportJob
from .models import AuditEntry
from .sheet_reader import check_upload
from .spreadsheets import Column, ImportReport, RowError, SpreadsheetRejected, attachment_name, write_xlsx

logger = logging.getLogger(__name__)
Status = ImportJob.Status
ERRORS_KEPT = 1000  # per job; the count says how many there were in all
PROGRESS_TTL = 24 * 3600


class ImportCancelled(Exception):
    """The user cancelled the import: the service's transaction is rolled back."""


@dataclass(frozen=True)
class ImportKind:
    title: str
    run: Callable[..., ImportReport]  # run(*, user, upload, progress) -> report; raises SpreadsheetRejected
    allowed: Callable[[Any], None]  # raises PermissionDenied for a user who may not import
    start_url: str  # URL name of the upload page
    done_url: str  # URL name of the list the imported rows appear in
    summary: Callable[[ImportReport], str]


@dataclass(frozen=True)
class ExportKind:
    title: str
    rows: Callable[..., Iterable[Any]]  # rows(*, user, query: QueryDict) -> the filtered rows, scoped
    columns: Sequence[Column]
    sheet_title: str
    list_url: str


IMPORTS: dict[str, ImportKind] = {}
EXPORTS: dict[str, ExportKind] = {}


def register_import(name: str, kind: ImportKind) -> None:
    IMPORTS[name] = kind


def register_export(name: str, kind: ExportKind) -> None:
    EXPORTS[name] = kind


# --- progress ----------------------------------------------------------------------------------------------


def _key(job) -> str:
    return f"sheetjob:{job._meta.model_name}:{job.pk}"


class Progress:
    """What a running job reports: counts and the errors found so far, kept in the cache (see the module)."""

    def __init__(self, job: ImportJob | ExportJob):
        self.job = job
        self.key = _key(job)
        self.state: dict[str, Any] = {
            "rows_total": None,
            "rows_read": 0,
            "rows_checked": 0,
            "rows_written": 0,
            "error_count": 0,
            "errors": [],
        }

    def total(self, rows: int) -> None:
        self.state["rows_total"] = rows
        self._publish()

    def advance(self, *, read: int = 0, checked: int = 0, written: int = 0, errors: Sequence[RowError] = ()) -> None:
        s = self.state
        s["rows_read"] += read
        s["rows_checked"] += checked
        s["rows_written"] += written
        s["error_count"] += len(errors)
        room = ERRORS_KEPT - len(s["errors"])
        s["errors"].extend([e.row, e.column, e.message] for e in errors[: max(room, 0)])
        self._publish()

    def _publish(self) -> None:
        cache.set(self.key, self.state, PROGRESS_TTL)

    def cancelled(self) -> bool:
        if cache.get(self.key + ":cancel"):
            return True
        return type(self.job).objects.filter(pk=self.job.pk, cancel_requested=True).exists()

    def clear(self) -> None:
        cache.delete_many([self.key, self.key + ":cancel"])


class NoProgress(Progress):
    """For a service called directly (tests, the bench): counts kept, nothing published, never cancelled."""

    def __init__(self):
        self.state = {"rows_total": None, "rows_read": 0, "rows_checked": 0, "rows_written": 0, "error_count": 0}
        self.state["errors"] = []

    def _publish(self) -> None:
        pass

    def cancelled(self) -> bool:
        return False


def live_state(job: ImportJob | ExportJob) -> dict[str, Any]:
    """The job as its progress page shows it: the row's values, overlaid with the cache while it runs."""
    state: dict[str, Any] = {
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        "rows_total": job.rows_total,
        "rows_written": job.rows_written,
        "message": job.message,
        "cancel_requested": job.cancel_requested,
    }
    if isinstance(job, ImportJob):
        state.update(
            rows_read=job.rows_read, rows_checked=job.rows_checked, error_count=job.error_count, errors=job.errors
        )
    if not job.finished:
        live = cache.get(_key(job))
        if live:
            state.update({k: v for k, v in live.items() if k in state or k == "errors"})
    total = state["rows_total"]
    done = state.get("rows_checked", state["rows_written"]) if isinstance(job, ImportJob) else state["rows_written"]
    state["percent"] = 100 if job.status == Status.DONE else (min(99, int(done * 100 / total)) if total else 0)
    return state


# --- selectors ---------------------------------------------------------------------------------------------


def job_get(*, user, model: type[ImportJob] | type[ExportJob], pk: int, sees_all: bool):
    """A job is its user's (and, with ``sees_all``, the office's): anyone else gets 404."""
    qs = model.objects.select_related("user")
    if not sees_all:
        qs = qs.filter(user=user)
    try:
        return qs.get(pk=pk)
    except model.DoesNotExist:
        raise Http404 from None


def jobs_of(*, user, model: type[ImportJob] | type[ExportJob], kind: str, limit: int = 10):
    return model.objects.filter(user=user, kind=kind)[:limit]


# --- services ----------------------------------------------------------------------------------------------


@transaction.atomic
def import_job_start(*, user, kind: str, upload) -> ImportJob:
    """Accept an upload for a kind of import: checked at once for what can be told without reading it (type,
    size, structure), stored, and handed to the workers after commit."""
    spec = IMPORTS[kind]
    spec.allowed(user)
    check_upload(upload)
    job = ImportJob(kind=kind, user=user, original_name=os.path.basename(upload.name)[:200])
    job.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{os.path.basename(upload.name)[-80:]}", upload, save=False)
    job.save()
    transaction.on_commit(lambda: enqueue(job))
    return job


@transaction.atomic
def export_job_start(*, user, kind: str, query: QueryDict, filename: str) -> ExportJob:
    EXPORTS[kind].rows(user=user, query=query)  # the user's own scope check, before anything is queued
    params = query.copy()
    params.pop("export", None)
    job = ExportJob.objects.create(kind=kind, user=user, query=params.urlencode()[:2000], filename=filename[:200])
    transaction.on_commit(lambda: enqueue(job))
    return job


def enqueue(job: ImportJob | ExportJob) -> None:
    """Hand a job to the workers (in-process without a broker). If the broker is down the job is marked failed
    with a message the user sees; nothing was written."""
    from . import tasks

    task = tasks.run_import_job if isinstance(job, ImportJob) else tasks.run_export_job
    try:
        task.delay(job.pk)
    except Exception as exc:  # kombu raises OperationalError and friends when Redis is unreachable
        logger.warning("%s %s could not be queued: %r", task.name, job.pk, exc)
        _finish(job, Status.FAILED, message=_("任务队列（Redis）暂不可用，任务未能开始；数据未受影响，请稍后重试。"))
        if isinstance(job, ImportJob):
            _discard_upload(job)


def run_now(job: ImportJob | ExportJob) -> None:
    """What a worker does with a job, in this process (the tests' stand-in for ``enqueue``)."""
    (run_import if isinstance(job, ImportJob) else run_export)(job.pk)


@transaction.atomic
def job_cancel(*, user, job: ImportJob | ExportJob) -> ImportJob | ExportJob:
    """Ask a job to stop. A queued one stops before it starts; a running import is rolled back at its next batch
    (nothing it wrote stays); a finished job cannot be cancelled."""
    if job.finished:
        return job
    type(job).objects.filter(pk=job.pk).update(cancel_requested=True)
    cache.set(_key(job) + ":cancel", True, PROGRESS_TTL)
    job.cancel_requested = True
    if job.status == Status.QUEUED:
        _finish(job, Status.CANCELLED, message=_("已取消，未导入任何数据。") if isinstance(job, ImportJob) else "")
        Progress(job).clear()
        if isinstance(job, ImportJob):
            _discard_upload(job)
    return job


def _finish(job, status: str, *, message: str = "", **fields) -> None:
    """Record a job's end on its row (outside any import transaction), only once."""
    values = {"status": status, "finished_at": timezone.now(), "message": message[:500], **fields}
    type(job).objects.filter(pk=job.pk).exclude(status__in=job.FINISHED).update(**values)
    for name, value in values.items():
        setattr(job, name, value)


# --- the runners (called by core.tasks) --------------------------------------------------------------------


def run_import(job_id: int) -> None:
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:
        return  # a redelivered message for a job that has ended: nothing to do
    progress = Progress(job)
    if job.cancel_requested:
        _finish(job, Status.CANCELLED, message=_("已取消，未导入任何数据。"))
        _discard_upload(job)
        return
    progress.clear()  # the row is the truth at the start; a cancel from now on is seen at the next batch
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=timezone.now())
    spec = IMPORTS[job.kind]
    status, message, report = Status.FAILED, "", None
    try:
        with job.file.open("rb") as stream:
            upload = File(stream, name=job.original_name)
            report = spec.run(user=job.user, upload=upload, progress=progress)
    except SpreadsheetRejected as exc:
        message = str(exc)
    except ImportCancelled:
        status, message = Status.CANCELLED, _("已取消，未导入任何数据。")
    except Exception:  # the user sees that it failed and that nothing was saved; the log has the rest
        logger.exception("import job %s failed", job.pk)
        message = _("导入时发生意外错误，未导入任何数据。请稍后重试或联系管理员。")
    else:
        if report.ok:
            status, message = Status.DONE, spec.summary(report)
        else:
            message = _("发现 %(n)d 处错误，未导入任何数据。") % {"n": len(report.errors)}
    state = progress.state
    errors = [[e.row, e.column, e.message] for e in report.errors[:ERRORS_KEPT]] if report else state["errors"]
    fields = {
        "rows_total": state["rows_total"],
        "rows_read": state["rows_read"],
        "rows_checked": state["rows_checked"],
        "rows_written": state["rows_written"] if status == Status.DONE else 0,
        "error_count": len(report.errors) if report else state["error_count"],
        "errors": errors,
        "summary": _summary(report) if report and report.ok else {},
    }
    _finish(job, status, message=message, **fields)
    if status == Status.DONE:
        audit.record(action=AuditEntry.Action.IMPORT, obj=job, user=job.user, note=message[:300])
    progress.clear()
    _discard_upload(job)


def _summary(report: ImportReport) -> dict[str, int]:
    names = ("rows", "created", "updated", "unchanged", "figures_created", "figures_updated")
    return {name: getattr(report, name) for name in names}


def _discard_upload(job: ImportJob) -> None:
    """The upload is not kept once read: what it held is in the registry (or nowhere)."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def run_export(job_id: int) -> None:
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:
        return
    if job.cancel_requested:
        _finish(job, Status.CANCELLED)
        return
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=timezone.now())
    spec = EXPORTS[job.kind]
    progress = Progress(job)
    progress.clear()
    try:
        rows = spec.rows(user=job.user, query=QueryDict(job.query))
        progress.total(rows.count() if hasattr(rows, "count") else None)
        with tempfile.TemporaryFile() as buffer:
            written = write_xlsx(
                buffer,
                sheet_title=spec.sheet_title,
                columns=spec.columns,
                rows=rows,
                on_row=lambda n: _export_progress(progress, n),
            )
            buffer.seek(0)
            job.file.save(attachment_name(job.filename), File(buffer), save=False)  # copied in chunks
    except ImportCancelled:
        _finish(job, Status.CANCELLED)
        progress.clear()
        return
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _finish(job, Status.FAILED, message=_("导出时发生意外错误，请稍后重试。"))
        progress.clear()
        return
    _finish(job, Status.DONE, rows_total=written, rows_written=written, file=job.file.name)
    progress.clear()


def _export_progress(progress: Progress, rows: int) -> None:
    progress.advance(written=rows - progress.state["rows_written"])
    if progress.cancelled():
        raise ImportCancelled  # the half-written file is dropped with its temporary file

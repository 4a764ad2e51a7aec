"""The pages of spreadsheet jobs (core.jobs): progress, errors as found, cancel, and an export's download.

A job is seen by its user, and by the office (which looks after every import); anyone else gets 404. The pages
poll a small JSON endpoint (static/js/sheetjob.js); without JavaScript they refresh themselves.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import jobs
from core.http import local_next
from core.models import ExportJob, ImportJob
from core.spreadsheets import XLSX_CONTENT_TYPE, _quote
from towns.permissions import is_office


def _job(request, model, pk):
    return jobs.job_get(user=request.user, model=model, pk=pk, sees_all=is_office(request.user))


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_job(request, pk):
    job = _job(request, ImportJob, pk)
    spec = jobs.IMPORTS.get(job.kind)
    context = {
        "job": job,
        "state": jobs.live_state(job),
        "spec": spec,
        "own": job.user_id == request.user.pk,
        "next": local_next(request),  # e.g. back to the application wizard that sent the clerk to import firms
    }
    return _no_store(render(request, "jobs/import_job.html", context))


@login_required
def import_job_progress(request, pk):
    return _no_store(JsonResponse(jobs.live_state(_job(request, ImportJob, pk))))


@login_required
@require_POST
def import_job_cancel(request, pk):
    job = jobs.job_cancel(user=request.user, job=_job(request, ImportJob, pk))
    if job.status == ImportJob.Status.CANCELLED:
        messages.success(request, _("已取消导入，未导入任何数据。"))
    elif not job.finished:
        messages.info(request, _("正在取消：当前这一批处理完即停止，已处理的数据全部撤销。"))
    return redirect("import-job", pk=job.pk)


@login_required
def export_job(request, pk):
    job = _job(request, ExportJob, pk)
    spec = jobs.EXPORTS.get(job.kind)
    context = {"job": job, "state": jobs.live_state(job), "spec": spec}
    if job.status == ExportJob.Status.DONE and job.file:
        context["download_url"] = reverse("export-job-download", args=[job.pk])
    return _no_store(render(request, "jobs/export_job.html", context))


@login_required
def export_job_progress(request, pk):
    job = _job(request, ExportJob, pk)
    state = jobs.live_state(job)
    if job.status == ExportJob.Status.DONE and job.file:
        state["download_url"] = reverse("export-job-download", args=[job.pk])
    return _no_store(JsonResponse(state))


@login_required
@require_POST
def export_job_cancel(request, pk):
    job = jobs.job_cancel(user=request.user, job=_job(request, ExportJob, pk))
    return redirect("export-job", pk=job.pk)


@login_required
def export_job_download(request, pk):
    job = _job(request, ExportJob, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    response = FileResponse(job.file.open("rb"), content_type=XLSX_CONTENT_TYPE)
    name = job.file.name.rsplit("/", 1)[-1]
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response

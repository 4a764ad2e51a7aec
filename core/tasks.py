"""Celery jobs of core: the spreadsheet jobs (core.jobs). Each is idempotent: a job that has ended is left alone."""

from __future__ import annotations

from celery import shared_task

from . import jobs


# The job's state is in the database (and the cache while it runs); nobody reads these tasks' results.
@shared_task(name="core.run_import_job", ignore_result=True)
def run_import_job(job_id: int) -> None:
    jobs.run_import(job_id)


@shared_task(name="core.run_export_job", ignore_result=True)
def run_export_job(job_id: int) -> None:
    jobs.run_export(job_id)

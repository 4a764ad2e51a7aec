"""Pagination helpers shared by the list pages of every app."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@dataclass(frozen=True)
class ListExport:
    """A list page's spreadsheet: ``rows`` turns the filtered queryset into the rows ``columns`` read (the
    queryset itself by default); with ``job_kind`` (registered in core.jobs) a list longer than
    EXPORT_JOB_ROWS is written by a background job instead, with a download link when it is ready."""

    filename: str
    sheet_title: str
    columns: Sequence[Any]
    rows: Callable[[Any], Iterable[Any]] | None = None
    job_kind: str = ""


def list_page(request, *, filterset, template: str, export=None, context: dict | None = None):
    """A filtered, paginated list page; with ``?export=xlsx`` the same filtered rows as a spreadsheet.

    ``export`` is a :class:`ListExport`, a (file name, sheet title, columns) tuple, or a dict of them by the
    value of ``?export=`` (a list with more than one kind of export).
    """
    from django.shortcuts import redirect, render

    from .spreadsheets import xlsx_response

    rows = filterset.qs
    wanted = request.GET.get("export")
    if export and wanted:
        exports = export if isinstance(export, dict) else {"xlsx": export}
        spec = exports.get(wanted)
        if spec is not None:
            spec = spec if isinstance(spec, ListExport) else ListExport(*spec)
            if spec.job_kind and rows.count() > settings.EXPORT_JOB_ROWS:
                from .jobs import export_job_start

                job = export_job_start(user=request.user, kind=spec.job_kind, query=request.GET, filename=spec.filename)
                return redirect("export-job", pk=job.pk)
            return xlsx_response(
                filename=spec.filename,
                sheet_title=spec.sheet_title,
                columns=spec.columns,
                rows=spec.rows(rows) if spec.rows else rows,
            )
    return render(
        request,
        template,
        {"filter": filterset, "page": page_of(request, rows), "query": query_without_page(request), **(context or {})},
    )

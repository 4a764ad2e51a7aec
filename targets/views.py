"""The plan's targets dashboard (二、总体目标) and the rows behind each figure."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from core.spreadsheets import xlsx_response
from towns.permissions import require_programme_member

from . import rows, selectors


@login_required
def targets_overview(request):
    require_programme_member(request.user)
    dashboard, data = selectors.dashboard(user=request.user)
    return render(
        request,
        "targets/overview.html",
        {"dashboard": dashboard, "doubling_charts": dashboard.doubling_charts(data.outputs)},
    )


@login_required
def target_rows(request, key):
    """The rows one dashboard figure was computed from, as a page or an .xlsx export."""
    require_programme_member(request.user)
    data = selectors.dashboard_input(user=request.user)
    page = rows.rows_page(key, data, timezone.localdate(), band=request.GET.get("band", ""))
    if page is None:
        raise Http404
    if request.GET.get("export") == "xlsx":
        return xlsx_response(filename=page.title, sheet_title=page.title, columns=page.columns, rows=page.rows)
    cells = [(rows.link_pk(row), [rows.display_cell(c.value(row)) for c in page.columns]) for row in page.rows]
    return render(request, "targets/rows.html", {"page": page, "rows": cells, "query": request.GET.urlencode()})

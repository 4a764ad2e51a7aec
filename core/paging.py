"""Pagination helpers shared by the list pages of every app."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def list_page(request, *, filterset, template: str, export=None, context: dict | None = None):
    """A filtered, paginated list page; with ``?export=xlsx`` the same filtered rows as a spreadsheet.

    ``export`` is (file name, sheet title, columns) for :func:`core.spreadsheets.xlsx_response`.
    """
    from django.shortcuts import render

    from .spreadsheets import xlsx_response

    rows = filterset.qs
    if export and request.GET.get("export") == "xlsx":
        filename, sheet_title, columns = export
        return xlsx_response(filename=filename, sheet_title=sheet_title, columns=columns, rows=rows)
    return render(
        request,
        template,
        {"filter": filterset, "page": page_of(request, rows), "query": query_without_page(request), **(context or {})},
    )

"""Spreadsheet helpers for the browser journeys."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(rows: list[list]) -> bytes:
    """A one-sheet .xlsx holding ``rows`` (header included), as an upload payload."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def open_download(download):
    """A downloaded .xlsx as an openpyxl workbook (Playwright stores downloads without a suffix)."""
    return load_workbook(io.BytesIO(Path(download.path()).read_bytes()))


def sheet_rows(worksheet) -> list[list]:
    return [list(row) for row in worksheet.iter_rows(values_only=True)]

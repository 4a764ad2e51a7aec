"""Spreadsheets: the styled import template (openpyxl), fast streamed .xlsx exports (rustpy-xlsxwriter), and the
import report. Reading uploads of every format is core.sheet_reader."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetRejected(Exception):
    """The file as a whole cannot be read (wrong type, too large, wrong header)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    figures_created: int = 0
    figures_updated: int = 0
    unchanged: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# --- export -------------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A value as the writer takes it. Text is always written as a text cell (never a formula, whatever it
    starts with: the writer has no formula path for data), so "=HYPERLINK(...)" stays inert text."""
    if isinstance(value, Promise):  # lazy translations (choice labels)
        return str(value)
    return value


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Any]


def xlsx_sheets_response(*, filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """One workbook of several sheets (e.g. the assessment's counties and bureaus: a few dozen rows), written with
    openpyxl's write-only mode; single-sheet lists go through :func:`xlsx_response` (the Rust writer)."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(title=spec.title[:31])
        for index, column in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.append([column.header for column in spec.columns])
        rows = spec.rows
        if hasattr(rows, "iterator"):  # a queryset: fetched in chunks (prefetches too), so memory stays flat
            rows = rows.iterator(chunk_size=2000)
        for row in rows:
            sheet.append([safe_cell(column.value(row)) for column in spec.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(attachment_name(filename))}"
    return response


def write_xlsx(target, *, sheet_title: str, columns: Sequence[Column], rows: Iterable[Any], on_row=None) -> int:
    """Write rows to ``target`` (a path or a binary file) with the Rust writer (rustpy-xlsxwriter, constant-memory
    mode: each row is written as it comes, so memory stays flat). Returns the number of rows written.

    ``on_row(n)`` is called every 2,000 rows (an export job's progress)."""
    from rustpy_xlsxwriter import FastExcel

    headers = [column.header for column in columns]
    if hasattr(rows, "iterator"):  # a queryset: fetched in chunks (prefetches too), so memory stays flat
        rows = rows.iterator(chunk_size=2000)
    written = 0

    def records():
        nonlocal written
        for row in rows:
            yield dict(zip(headers, [safe_cell(column.value(row)) for column in columns], strict=True))
            written += 1
            if on_row and written % 2000 == 0:
                on_row(written)

    stream = records()
    first = next(stream, None)
    if first is None:  # the writer takes its header from the first record: an empty list gets openpyxl's
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=sheet_title[:31])
        sheet.append(headers)
        workbook.save(target)
        return 0
    (
        FastExcel(target, output_format="xlsx")
        .format(datetime_format="yyyy-mm-dd", bold_headers=True)
        .freeze(row=1)
        .sheet(sheet_title[:31], itertools.chain([first], stream), column_widths=[c.width for c in columns])
        .save()
    )
    return written


def attachment_name(filename: str, *, stamped: bool = True) -> str:
    stamp = "-" + timezone.localtime().strftime("%Y%m%d-%H%M") if stamped else ""
    return f"{filename}{stamp}.xlsx"


def xlsx_response(*, filename: str, sheet_title: str, columns: Sequence[Column], rows: Iterable[Any]) -> HttpResponse:
    """The rows as an .xlsx attachment. The writer streams the rows (memory flat in their number); the file itself,
    about 60 bytes a row, is answered from memory: a list longer than EXPORT_JOB_ROWS goes to an export job
    (core.paging.ListExport), which writes to disk."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_title=sheet_title, columns=columns, rows=rows)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(attachment_name(filename))}"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


# --- template -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    key: str
    required: bool
    help: str
    choices: tuple[str, ...] = ()
    width: int = 16


def template_response(*, filename: str, columns: Sequence[TemplateColumn], example: Sequence[Any]) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("数据")
    sheet.append([c.header for c in columns])
    sheet.append(list(example))
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
            validation.error = _("请从下拉列表中选择")
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}100000")
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填表说明"))
    notes.append([_("列名"), _("是否必填"), _("说明")])
    for column in columns:
        notes.append([column.header, _("必填") if column.required else _("选填"), column.help])
    notes.append([])
    notes.append([_("第1行为表头，请勿修改；第2行为示例，可直接覆盖。任何一行有错，整个文件都不会导入。")])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}.xlsx"
    return response


# --- import: see core.sheet_reader (every format, the header check, the row cap) ----------------------------

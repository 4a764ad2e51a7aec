"""Reading and writing .xlsx safely: upload checks, template, streamed export with formula escaping."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
    """Text that a spreadsheet would run as a formula is written with a leading apostrophe."""
    if isinstance(value, Promise):  # lazy translations (choice labels)
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
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


def xlsx_response(*, filename: str, sheet_title: str, columns: Sequence[Column], rows: Iterable[Any]) -> HttpResponse:
    """Stream rows through openpyxl's write-only mode into an attachment."""
    return xlsx_sheets_response(filename=filename, sheets=[Sheet(sheet_title, columns, rows)])


def xlsx_sheets_response(*, filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """One workbook of several sheets (e.g. the assessment's counties and bureaus), each written as above."""
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
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}-{stamp}.xlsx"
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


# --- import -------------------------------------------------------------------------------------


def check_upload(upload) -> None:
    """Refuse anything that is not a plausible .xlsx before openpyxl parses it."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise SpreadsheetRejected(_("只接受 .xlsx 格式的 Excel 文件（请用下载的模板填写后上传）。"))
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise SpreadsheetRejected(
            _("文件过大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": upload.size / 2**20, "limit": limit / 2**20}
        )
    upload.seek(0)
    if not zipfile.is_zipfile(upload):
        raise SpreadsheetRejected(_("文件不是有效的 .xlsx（无法按 Excel 格式打开）。"))
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise SpreadsheetRejected(_("文件已损坏，无法读取。")) from exc
    if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise SpreadsheetRejected(
            _("文件解压后过大（%(size)d MB），疑似异常文件，已拒绝。") % {"size": unpacked // 2**20}
        )
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise SpreadsheetRejected(_("文件不是有效的 .xlsx（缺少工作表）。"))
    upload.seek(0)


def read_rows(upload, columns: Sequence[TemplateColumn]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, {key: value}) for every non-empty data row, after checking the header.

    The sheet's declared dimension is not trusted: a file of a few KB may claim the whole grid
    (A1:XFD1048576), and openpyxl pads every row it yields to the declared width and walks every blank
    row up to the declared last row. So rows are read only as wide as the template (plus one column,
    to tell an extra header apart), and blank rows count against the row limit like any other.
    """
    check_upload(upload)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for malformed files
        raise SpreadsheetRejected(
            _("文件无法按 Excel 格式读取：%(error)s") % {"error": exc.__class__.__name__}
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=len(columns) + 1, values_only=True)
        header = next(rows, None)
        expected = [c.header for c in columns]
        found = [str(v).strip() if v is not None else "" for v in (header or ())]
        while found and found[-1] == "":
            found.pop()
        if found != expected:
            raise SpreadsheetRejected(
                _("表头与模板不一致。应为：%(expected)s；实际为：%(found)s。请下载最新模板。")
                % {"expected": "、".join(expected), "found": "、".join(found) or _("（空）")}
            )
        keys = [c.key for c in columns]
        for number, values in enumerate(rows, start=2):
            blank = values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
            if number - 1 > settings.IMPORT_MAX_ROWS:  # blank rows count too: the reader walks them as well
                if blank:
                    raise SpreadsheetRejected(
                        _("行数超过上限 %(n)d 行（空行也计入，请删除表格末尾多余的行），请分批导入。")
                        % {"n": settings.IMPORT_MAX_ROWS}
                    )
                raise SpreadsheetRejected(_("行数超过上限 %(n)d 行，请分批导入。") % {"n": settings.IMPORT_MAX_ROWS})
            if blank:
                continue
            values = tuple(values[: len(keys)]) + (None,) * (len(keys) - len(values))
            yield number, {k: (v.strip() if isinstance(v, str) else v) for k, v in zip(keys, values, strict=True)}
    finally:
        workbook.close()

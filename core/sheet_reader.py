"""Reading an uploaded table: .xlsx, .xls, .ods (python-calamine, Rust) and .csv (UTF-8 or GB18030).

Every importer reads through :func:`read_rows`, so every format is accepted alike and the header is matched
the same way. Nothing a file declares about itself is trusted: the row cap is checked against the cells that
actually hold data, and an .xlsx is scanned for where its cells really are before calamine builds its grid
(which it sizes from the first to the last cell present: a far cell would cost width × height in memory).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .spreadsheets import SpreadsheetRejected, TemplateColumn

FORMATS = (".xlsx", ".xls", ".ods", ".csv")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file header of every .xls
READ_ONLY_MARK = "【只读】"  # an export's extra columns: shown to people, ignored on import


class FormulaCell:
    """A cell holding a formula whose result the file does not carry (openpyxl and some generators write
    formulas without computing them): the importer reports it instead of reading it as empty."""

    def __init__(self, text: str = ""):
        self.text = text

    def __repr__(self) -> str:
        return f"FormulaCell({self.text!r})"


def upload_format(upload) -> str:
    name = (getattr(upload, "name", "") or "").lower()
    for ext in FORMATS:
        if name.endswith(ext):
            return ext
    return ""


def check_upload(upload) -> str:
    """Refuse anything that is not a plausible table before a parser sees it; returns its format (".xlsx", ...)."""
    fmt = upload_format(upload)
    if not fmt:
        raise SpreadsheetRejected(
            _("只接受 .xlsx、.xls、.ods 或 .csv 格式的表格文件（WPS、Excel、LibreOffice 均可另存为这些格式）。")
        )
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise SpreadsheetRejected(
            _("文件过大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": upload.size / 2**20, "limit": limit / 2**20}
        )
    upload.seek(0)
    if fmt in (".xlsx", ".ods"):
        _check_zip(upload, fmt)
    elif fmt == ".xls" and upload.read(8) != OLE2_MAGIC:
        raise SpreadsheetRejected(_("文件不是有效的 .xls（无法按 Excel 97-2003 格式打开）。"))
    upload.seek(0)
    return fmt


def _check_zip(upload, fmt: str) -> None:
    invalid = _("文件不是有效的 %(fmt)s（无法按表格格式打开）。") % {"fmt": fmt}
    if fmt == ".xlsx":
        invalid = _("文件不是有效的 .xlsx（无法按 Excel 格式打开）。")
    if not zipfile.is_zipfile(upload):
        raise SpreadsheetRejected(invalid)
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
    if fmt == ".xlsx" and (
        "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names)
    ):
        raise SpreadsheetRejected(_("文件不是有效的 .xlsx（缺少工作表）。"))
    if fmt == ".ods" and "content.xml" not in names:
        raise SpreadsheetRejected(_("文件不是有效的 .ods（缺少内容）。"))


# --- where the cells really are (.xlsx) ------------------------------------------------------------------

_WIDE_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{2,3})\d')  # cells beyond column Z: rare, so cheap to find
_FORMULA_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>]*>\s*<f\b(?:(?!</c>).)*?</c>', re.S)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _Extent:
    """The last row and column that hold a cell, and the formula cells without a result."""

    def __init__(self):
        self.rows = 0
        self.columns = 0
        self.formulas: dict[tuple[int, int], str] = {}


def _scan_xlsx(data: bytes, *, max_rows: int) -> _Extent:
    """Stream every worksheet's XML once (a few % of the read) for the largest row and column numbers of its
    cells and rows. Only numbers that could pass the limit are parsed: ``\\d{D,7}`` with D the digits of the
    limit, columns of two or three letters. Rows and cells without a position are counted as following on."""
    extent = _Extent()
    digits = len(str(max_rows + 1))
    far_row = re.compile(rb'<(?:row|c)\b[^>]*?\br="[A-Z]{0,3}(\d{%d,7})"' % digits)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        for name in sheets:
            unnumbered_rows = unnumbered_cells = 0
            with archive.open(name) as stream:
                tail = b""
                while chunk := stream.read(1 << 22):
                    data_ = tail + chunk
                    cut = data_.rfind(b"</row>")  # whole rows per pass, so no cell is cut in two
                    cut = cut + 6 if cut >= 0 else data_.rfind(b"<")
                    body, tail = data_[:cut], data_[cut:]
                    for number in far_row.findall(body):
                        extent.rows = max(extent.rows, int(number))
                    for letters in _WIDE_REF.findall(body):
                        extent.columns = max(extent.columns, _column_number(letters))
                    unnumbered_rows += body.count(b"<row>")
                    unnumbered_cells += body.count(b"<c>")
                    if b"<f" in body:
                        for letters, number, cell in ((m[1], m[2], m[0]) for m in _cells_with_formula(body)):
                            if b"<v>" not in cell or b"<v></v>" in cell:
                                extent.formulas[(int(number), _column_number(letters))] = _formula_text(cell)
                for number in far_row.findall(tail):
                    extent.rows = max(extent.rows, int(number))
            extent.rows += unnumbered_rows
            extent.columns += unnumbered_cells
    return extent


def _cells_with_formula(body: bytes):
    for match in _FORMULA_CELL.finditer(body):
        yield match.group(0), match.group(1), match.group(2)


def _formula_text(cell: bytes) -> str:
    found = re.search(rb"<f\b[^>]*>(.*?)</f>", cell, re.S)
    return "=" + found.group(1).decode("utf-8", "replace")[:60] if found else "="


_ODS_REPEATED_ROW = re.compile(
    rb'<table:table-row\b[^>]*?number-rows-repeated="(\d+)"[^>]*>(.*?)</table:table-row>', re.S
)
_ODS_REPEATED_CELL = re.compile(rb"<table:table-cell\b([^>]*?)/?>")


def _scan_ods(data: bytes, *, max_rows: int, max_columns: int) -> None:
    """An .ods may repeat a row or a cell any number of times (``number-rows-repeated``): harmless for the empty
    rows LibreOffice writes to the sheet's end, but a repeated cell that holds a value makes calamine build that
    many cells. Refuse a repeated row or cell with content past the limits before calamine reads the file."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as stream:
        tail = b""
        while chunk := stream.read(1 << 22):
            data_ = tail + chunk
            cut = data_.rfind(b"</table:table-row>")
            cut = cut + 18 if cut >= 0 else 0
            body, tail = data_[:cut], data_[cut:]
            for repeat, inner in _ODS_REPEATED_ROW.findall(body):
                if int(repeat) > max_rows and b"office:value-type" in inner:
                    raise SpreadsheetRejected(
                        _("行数超过上限 %(n)d 行：表格中有一行内容被重复了%(r)s次。")
                        % {"n": max_rows, "r": int(repeat)}
                    )
            if b"number-columns-repeated" in body:
                for attributes in _ODS_REPEATED_CELL.findall(body):
                    found = re.search(rb'number-columns-repeated="(\d+)"', attributes)
                    if found and int(found.group(1)) > max_columns and b"office:value-type" in attributes:
                        raise SpreadsheetRejected(
                            _("表格列数过多（一个有内容的单元格被重复了%(r)s列，上限%(limit)d列），请使用下载的模板。")
                            % {"r": int(found.group(1)), "limit": max_columns}
                        )


# --- rows ------------------------------------------------------------------------------------------------


class SheetRows:
    """The data rows of an upload, as ``(row number, {key: value})`` for every non-empty row, after the header
    was checked. ``total`` is the number of rows below the header that the file holds (blank ones included), for
    a progress bar. Columns past the template's are ignored if their header is marked 【只读】 (an export's)."""

    def __init__(self, upload, columns: Sequence[TemplateColumn]):
        self.columns = columns
        self.format = check_upload(upload)
        self.max_rows = settings.IMPORT_MAX_ROWS
        self.formulas: dict[tuple[int, int], str] = {}
        data = upload.read()
        if self.format == ".csv":
            self._rows, self.total = self._csv(data)
        else:
            self._rows, self.total = self._calamine(data)
        self._check_header(next(self._rows, None))

    def _too_many(self, last_row: int) -> SpreadsheetRejected:
        return SpreadsheetRejected(
            _("行数超过上限 %(n)d 行：表格第%(row)d行仍有内容（请删除末尾多余的内容，或分批导入）。")
            % {"n": self.max_rows, "row": last_row}
        )

    def _calamine(self, data: bytes) -> tuple[Iterator[list], int]:
        from python_calamine import CalamineError, CalamineWorkbook

        max_columns = settings.IMPORT_MAX_COLUMNS
        if self.format == ".xlsx":
            try:
                extent = _scan_xlsx(data, max_rows=self.max_rows)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise SpreadsheetRejected(_("文件已损坏，无法读取。")) from exc
            if extent.rows > self.max_rows + 1:
                raise self._too_many(extent.rows)
            if extent.columns > max_columns:
                raise SpreadsheetRejected(
                    _("表格列数过多（有内容的列达到第%(n)d列，上限%(limit)d列），请使用下载的模板。")
                    % {"n": extent.columns, "limit": max_columns}
                )
            self.formulas = extent.formulas
        elif self.format == ".ods":
            try:
                _scan_ods(data, max_rows=self.max_rows, max_columns=max_columns)
            except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
                raise SpreadsheetRejected(_("文件已损坏，无法读取。")) from exc
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = workbook.get_sheet_by_index(0)
        except (CalamineError, ValueError, OSError, IndexError) as exc:
            raise SpreadsheetRejected(
                _("文件无法按表格格式读取（%(fmt)s）：%(error)s")
                % {"fmt": self.format, "error": exc.__class__.__name__}
            ) from exc
        except Exception as exc:  # the binding raises its own types for malformed files
            raise SpreadsheetRejected(
                _("文件无法按表格格式读取（%(fmt)s）：%(error)s")
                % {"fmt": self.format, "error": exc.__class__.__name__}
            ) from exc
        end = sheet.end
        last_row = (end[0] + 1) if end else 0
        if last_row > self.max_rows + 1:
            raise self._too_many(last_row)
        if end and end[1] + 1 > max_columns:
            raise SpreadsheetRejected(
                _("表格列数过多（有内容的列达到第%(n)d列，上限%(limit)d列），请使用下载的模板。")
                % {"n": end[1] + 1, "limit": max_columns}
            )
        offset = sheet.start[1] if sheet.start else 0
        rows = sheet.iter_rows()
        if offset:  # calamine drops the empty columns left of the first cell; put them back so letters match
            rows = ([""] * offset + list(r) for r in rows)
        return rows, max(last_row - 1, 0)

    def _csv(self, data: bytes) -> tuple[Iterator[list], int]:
        text = _decode(data)
        # The total is for the progress bar (a quoted line break counts twice); the cap is checked row by row.
        return csv.reader(io.StringIO(text, newline="")), text.rstrip("\r\n").count("\n")

    def _check_header(self, header) -> None:
        expected = [c.header for c in self.columns]
        found = [_text(v) for v in (header or ())]
        while found and found[-1] == "":
            found.pop()
        extra = found[len(expected) :]
        if found[: len(expected)] != expected or any(h and not h.startswith(READ_ONLY_MARK) for h in extra):
            shown = [h for h in found if not h.startswith(READ_ONLY_MARK)]
            raise SpreadsheetRejected(
                _("表头与模板不一致。应为：%(expected)s；实际为：%(found)s。请下载最新模板。")
                % {"expected": "、".join(expected), "found": "、".join(shown) or _("（空）")}
            )

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        keys = [c.key for c in self.columns]
        width = len(keys)
        formulas = self.formulas
        for number, values in enumerate(self._rows, start=2):
            values = values[:width]
            if len(values) < width:
                values = list(values) + [""] * (width - len(values))
            if all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if number - 1 > self.max_rows:  # .csv only: a grid's last row was checked before reading
                raise self._too_many(number)
            # text stripped (blank is None), a whole number stored as a float (every .xlsx number) as an int;
            # inlined, as this runs for every cell of the file
            row = {
                k: (v.strip() or None) if type(v) is str else (int(v) if type(v) is float and v.is_integer() else v)
                for k, v in zip(keys, values, strict=True)
            }
            if formulas:
                for index, key in enumerate(keys, start=1):
                    if row[key] is None and (number, index) in formulas:
                        row[key] = FormulaCell(formulas[(number, index)])
            yield number, row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes) or GB18030 (what WPS and Excel save as "CSV" on Chinese
    Windows); anything else is refused rather than guessed."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetRejected(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GB18030（GBK）编码的 CSV。"))


def read_rows(upload, columns: Sequence[TemplateColumn]) -> SheetRows:
    """The upload's data rows after its header was checked against ``columns`` (see :class:`SheetRows`)."""
    return SheetRows(upload, columns)

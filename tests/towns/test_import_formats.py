"""Every format a county clerk's spreadsheet program saves (.xlsx, .xls, .ods, .csv in UTF-8 with and without
BOM and in GB18030) goes through the same import, header matched the same way; and an export edited in another
program comes back in. The files are written by LibreOffice (``soffice --headless --convert-to``) from a file
made here with openpyxl, so nothing binary is committed. Without soffice these tests are skipped (in CI,
REQUIRE_SERVICES=1, they fail)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook

from core.models import ImportJob
from towns.importers import ENTERPRISE_COLUMNS
from towns.models import Enterprise
from towns.validators import credit_code_check_char

from ..services import unavailable

HEADERS = [c.header for c in ENTERPRISE_COLUMNS]
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


def code(n: int) -> str:
    """A credit code with letters in it: a spreadsheet program keeps it as text even through a .csv."""
    body = f"91140822MA0K{n:05d}"
    return body + credit_code_check_char(body)


ROWS = [
    ["万荣县外加剂", "格式企业甲", code(1), "龙头企业", "是", "减水剂", 2023, 1200.5, 80, 12.5, 30],
    ["万荣县外加剂", "格式企业甲", code(1), "龙头企业", "是", "减水剂", 2024, 1500, 85, None, 31.25],
    ["万荣县外加剂", "格式企业乙", code(2), "其他", "否", None, None, None, None, None, None],
]


def soffice(source: Path, target: str, outdir: Path, profile: Path, infilter: str | None = None) -> Path:
    """Convert with LibreOffice, with a private profile (parallel runs do not share a lock)."""
    if not Path(SOFFICE).exists():
        unavailable("LibreOffice (soffice) not found: apt-get install libreoffice-calc-nogui")
    argv = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
    if infilter:
        argv.append(f"--infilter={infilter}")
    argv += ["--convert-to", target, "--outdir", str(outdir), str(source)]
    result = subprocess.run(argv, capture_output=True, timeout=180, check=False)  # noqa: S603 - fixed argv
    made = outdir / (source.stem + "." + target.split(":")[0])
    assert made.exists(), result.stdout.decode() + result.stderr.decode()
    return made


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, bytes]:
    """The same rows as .xlsx (openpyxl) and as LibreOffice saves them in every other format."""
    root = tmp_path_factory.mktemp("formats")
    profile = root / "profile"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for r in ROWS:
        sheet.append(r)
    source = root / "企业.xlsx"
    workbook.save(source)
    made = {".xlsx": source.read_bytes()}
    for target in ("ods", "xls", "xlsx"):
        out = root / target
        made["." + target + ("-lo" if target == "xlsx" else "")] = soffice(source, target, out, profile).read_bytes()
    # CSV as LibreOffice writes it: comma, double quote, UTF-8 (76)
    utf8 = soffice(source, "csv:Text - txt - csv (StarCalc):44,34,76", root / "csv", profile).read_bytes()
    text = utf8.decode("utf-8")
    made[".csv-utf8"] = utf8
    made[".csv-bom"] = b"\xef\xbb\xbf" + utf8
    made[".csv-gb18030"] = text.encode("gb18030")
    return made


FORMATS = {
    ".xlsx": "企业.xlsx",
    ".xlsx-lo": "企业.xlsx",
    ".ods": "企业.ods",
    ".xls": "企业.xls",
    ".csv-utf8": "企业.csv",
    ".csv-bom": "企业.csv",
    ".csv-gb18030": "企业.csv",
}


def run_import(client, name: str, content: bytes) -> ImportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("enterprise-import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[-3000:]
    return ImportJob.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_imports_the_same_rows(world, client_for, files, fmt):
    job = run_import(client_for("county"), FORMATS[fmt], files[fmt])
    assert job.status == "done", (job.message, job.errors)
    assert job.summary["created"] == 2 and job.summary["figures_created"] == 2
    first = Enterprise.objects.get(credit_code=code(1))
    assert first.name == "格式企业甲" and first.role == "anchor" and first.above_designated_size
    figures = {f.year: f for f in first.figures.all()}
    assert set(figures) == {2023, 2024}
    assert str(figures[2023].output_wan) == "1200.50" and figures[2023].local_jobs == 80
    assert str(figures[2023].provincial_share_pct) == "12.50" and str(figures[2024].tax_wan) == "31.25"
    assert figures[2024].provincial_share_pct is None
    second = Enterprise.objects.get(credit_code=code(2))
    assert second.main_products == "" and not second.figures.exists()


@pytest.mark.parametrize("fmt", [".ods", ".xls", ".csv-gb18030"])
def test_a_wrong_header_is_refused_alike_in_every_format(world, client_for, files, fmt, tmp_path):
    """The header check is the reader's, not the format's: a renamed column is named in the message."""
    content = files[fmt]
    if fmt.startswith(".csv"):
        content = content.decode("gb18030").replace("税收（万元）", "利润").encode("gb18030")
    else:
        wrong = Workbook()
        wrong.active.append([*HEADERS[:-1], "利润"])
        wrong.active.append(ROWS[0])
        source = tmp_path / "错表头.xlsx"
        wrong.save(source)
        content = soffice(source, fmt[1:], tmp_path / "out", tmp_path / "profile").read_bytes()
    job = run_import(client_for("county"), FORMATS[fmt], content)
    assert job.status == "failed" and "表头与模板不一致" in job.message and "利润" in job.message
    assert not Enterprise.objects.filter(credit_code=code(1)).exists()


def test_an_undecodable_csv_is_refused_with_a_clear_message(world, client_for):
    content = "专业镇,企业名称\n".encode("utf-16")
    job = run_import(client_for("county"), "企业.csv", content)
    assert job.status == "failed" and "无法识别 CSV 文件的编码" in job.message


def test_export_edited_in_libreoffice_and_imported_back(world, client_for, tmp_path):
    """The clerk's round trip: export the list, open and change it in another program, save, import."""
    client = client_for("county")
    response = client.get(reverse("enterprise-list"), {"export": "xlsx-years"})
    exported = tmp_path / "企业名录.xlsx"
    exported.write_bytes(response.content)
    profile = tmp_path / "profile"
    # LibreOffice reads the portal's file and writes it as text, where the clerk changes a figure ...
    as_csv = soffice(exported, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path / "csv", profile)
    rows = list(csv.reader(io.StringIO(as_csv.read_text("utf-8"))))
    assert rows[0][: len(HEADERS)] == HEADERS and rows[0][-1] == "【只读】所在县（市、区）"
    line = next(r for r in rows if r[1] == "康特尔" and r[6] == "2024")
    line[HEADERS.index("产值（万元）")] = "7654.5"
    line[HEADERS.index("主要产品")] = "高性能减水剂"
    line[-1] = "随便改的县名"  # read-only: ignored on import
    edited = tmp_path / "edited" / "企业名录.csv"
    edited.parent.mkdir()
    with edited.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    # ... and saves it again as a workbook, which is what is uploaded.
    for target in ("xlsx", "ods"):
        saved = soffice(
            edited, target, tmp_path / target, profile, infilter="CSV:44,34,76,1,3/2"
        )  # column C (the code) as text
        job = run_import(client, saved.name, saved.read_bytes())
        assert job.status == "done", (target, job.message, job.errors)
    enterprise = Enterprise.objects.get(pk=world.home_enterprise.pk)
    assert enterprise.main_products == "高性能减水剂"
    assert str(enterprise.figures.get(year=2024).output_wan) == "7654.50"
    assert enterprise.town.county.name == "万荣县"


def _with_rows(ods: bytes, extra: str) -> bytes:
    """The .ods with ``extra`` rows added to the end of its first sheet."""
    import zipfile

    source, target = io.BytesIO(ods), io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as patched:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "content.xml":
                data = data.decode().replace("</table:table>", extra + "</table:table>", 1).encode()
            patched.writestr(info, data, compress_type=zipfile.ZIP_STORED if info.filename == "mimetype" else 8)
    return target.getvalue()


CELL = '<table:table-cell {repeat} office:value-type="string"><text:p>x</text:p></table:table-cell>'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # a row with a value repeated a million and one times: calamine would build every row
        (
            '<table:table-row table:number-rows-repeated="1000001">' + CELL.format(repeat="") + "</table:table-row>",
            "行数超过上限 1000000 行",
        ),
        # a value repeated over the sheet's 16,384 columns, in rows repeated 5,000 times: 82 million cells
        (
            '<table:table-row table:number-rows-repeated="5000">'
            + CELL.format(repeat='table:number-columns-repeated="16384"')
            + "</table:table-row>",
            "表格列数过多",
        ),
    ],
)
def test_repeated_cells_of_an_ods_are_refused_before_reading(world, client_for, files, extra, message):
    import resource
    import time

    content = _with_rows(files[".ods"], extra)
    assert len(content) < 50_000
    started, rss = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job = run_import(client_for("county"), "企业.ods", content)
    assert job.status == "failed" and message in job.message
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 100_000  # KiB
    assert not Enterprise.objects.filter(credit_code=code(1)).exists()

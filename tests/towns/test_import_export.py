"""The .xlsx import (all rows or nothing, errors by row and column, hostile files refused) and export."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import AuditEntry, ImportJob
from towns.importers import ENTERPRISE_COLUMNS
from towns.models import Enterprise, EnterpriseYearFigures

from ..factories import EnterpriseFactory, valid_credit_code

HEADERS = [c.header for c in ENTERPRISE_COLUMNS]


def xlsx(rows, headers=HEADERS, name="企业.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def row(
    name="新材料公司",
    code=None,
    town="万荣县外加剂",
    role="关联配套企业",
    size="是",
    year=2024,
    output=1200.5,
    jobs=80,
    share=None,
    tax=30,
):
    return [town, name, code or valid_credit_code(), role, size, "减水剂", year, output, jobs, share, tax]


def post(client, upload):
    """Upload through the page; the import job runs on commit (in-process here), and the answer is the job's
    page (``.job`` on it), or the upload page again (400) for a file refused before it was queued."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("enterprise-import"), {"file": upload})
    if response.status_code != 302:
        return response
    assert response.url.startswith("/jobs/imports/"), response.url
    page = client.get(response.url)
    page.job = ImportJob.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    return page


def errors_of(response) -> list[tuple[int, str]]:
    return [(r, c.split("（")[0]) for r, c, _ in response.job.errors]


def counts():
    return Enterprise.objects.count(), EnterpriseYearFigures.objects.count(), AuditEntry.objects.count()


def test_template_download_has_the_import_header(world, client_for):
    response = client_for("county").get(reverse("enterprise-import-template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS


def test_good_file_imports_enterprises_and_figures(world, client_for):
    code = valid_credit_code()
    upload = xlsx([row(code=code, year=2023), row(code=code, year=2024, output=1500), row(name="第二家")])
    response = post(client_for("county"), upload)
    assert response.job.status == "done", response.job.message
    assert "导入成功：共3行；新增企业2家" in response.content.decode()
    enterprise = Enterprise.objects.get(credit_code=code)
    assert enterprise.town == world.home_town and enterprise.role == "supporting" and enterprise.above_designated_size
    assert sorted(enterprise.figures.values_list("year", flat=True)) == [2023, 2024]
    assert str(enterprise.figures.get(year=2024).output_wan) == "1500.00"
    assert AuditEntry.objects.filter(action="create", note="Excel 批量导入").count() == 2 + 3
    assert AuditEntry.objects.filter(action="import", object_id=str(response.job.pk)).count() == 1  # the job's own
    # Importing the same file again changes nothing (but the job's own entry).
    before = counts()
    upload.seek(0)
    assert post(client_for("county"), upload).job.status == "done"
    assert counts()[:2] == before[:2]
    assert AuditEntry.objects.exclude(action="import").count() == before[2] - 1


def test_reimport_updates_and_is_audited(world, client_for):
    code = world.home_enterprise.credit_code
    post(client_for("county"), xlsx([row(name="康特尔", code=code, role="龙头企业", year=2024, output=9999)]))
    figures = world.home_enterprise.figures.get(year=2024)
    assert str(figures.output_wan) == "9999.00"
    entry = AuditEntry.objects.get(action="update", content_type__model="enterpriseyearfigures")
    assert entry.changes["output_wan"] == ["5000", "9999"]


def test_named_enterprise_without_code_gets_its_code(world, client_for):
    named = EnterpriseFactory(town=world.home_town, name="佳维新材料", credit_code="", role="other")
    code = valid_credit_code()
    post(
        client_for("county"),
        xlsx([row(name="佳维新材料", code=code, role="其他", year=None, output=None, jobs=None, tax=None)]),
    )
    named.refresh_from_db()
    assert named.credit_code == code


def test_wrong_header_is_refused(world, client_for):
    before = counts()
    response = post(client_for("county"), xlsx([row()], headers=[*HEADERS[:-1], "利润"]))
    assert response.job.status == "failed"
    assert "表头与模板不一致" in response.content.decode()
    assert counts() == before


def test_bad_rows_are_listed_and_nothing_is_saved(world, client_for):
    before = counts()
    upload = xlsx(
        [
            row(name="好企业"),  # row 2 is fine, but must not be saved either
            row(code="91350100M000100Y44"),  # row 3: check character
            row(town="盐湖区水泵"),  # row 4: another county's town
            row(output=-5),  # row 5: negative output
            row(year=2999),  # row 6: future year
            row(role="老板"),  # row 7: unknown role
            row(share=150),  # row 8: share out of range
            row(jobs=2.5),  # row 9: fractional jobs
        ]
    )
    response = post(client_for("county"), upload)
    assert response.job.status == "failed"
    errors = set(errors_of(response))
    assert errors == {(3, "C列"), (4, "A列"), (5, "H列"), (6, "G列"), (7, "D列"), (8, "J列"), (9, "I列")}
    body = response.content.decode()
    assert "未导入任何数据" in body and "校验位错误" in body
    assert counts() == before


def test_duplicates_within_file_and_against_database(world, client_for):
    code = valid_credit_code()
    upload = xlsx(
        [
            row(code=code, year=2024),
            row(code=code, year=2024),  # same enterprise and year twice
            row(name="康特尔"),  # name taken in this town by another code
            row(name="别家", code=world.other_enterprise.credit_code),  # code registered in another county
        ]
    )
    before = counts()
    response = post(client_for("county"), upload)
    assert {r for r, _ in errors_of(response)} == {3, 4, 5}
    assert counts() == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("企业.txt", "专业镇,企业名称\n".encode()), "只接受 .xlsx、.xls、.ods 或 .csv"),
        (SimpleUploadedFile("企业.xls", b"PK\x03\x04 not an old Excel file"), "不是有效的 .xls"),
        (SimpleUploadedFile("企业.ods", b"not a zip"), "不是有效的 .ods"),
        (SimpleUploadedFile("企业.xlsx", b"this is not a spreadsheet"), "不是有效的 .xlsx"),
        (SimpleUploadedFile("企业.xlsx", b""), "提交的是空文件"),
    ],
)
def test_non_tables_are_refused_at_upload(world, client_for, upload, message):
    before = counts()
    response = post(client_for("county"), upload)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert counts() == before


def test_oversize_file_is_refused(world, client_for, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    response = post(client_for("county"), xlsx([row() for _ in range(50)]))
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()


def test_more_rows_than_the_limit_are_refused_with_nothing_saved(world, client_for, settings, small_batches):
    settings.IMPORT_MAX_ROWS = 5
    before = counts()
    response = post(client_for("county"), xlsx([row(name=f"企业{n}") for n in range(6)]))
    assert response.job.status == "failed"
    assert "行数超过上限 5 行：表格第7行仍有内容" in response.content.decode()
    assert counts() == before
    settings.IMPORT_MAX_ROWS = 6
    assert post(client_for("county"), xlsx([row(name=f"企业{n}") for n in range(6)])).job.status == "done"


def test_the_row_cap_is_a_million_by_default(settings):
    from django.conf import settings as live

    assert live.IMPORT_MAX_ROWS == 1_000_000


def test_csv_over_the_limit_is_refused_while_read_and_nothing_is_saved(world, client_for, settings, small_batches):
    settings.IMPORT_MAX_ROWS = 5  # a .csv has no grid to measure first: the limit is met after a batch was written
    lines = [",".join(HEADERS)] + [",".join(str(v or "") for v in row(name=f"企业{n}")) for n in range(6)]
    before = counts()
    response = post(client_for("county"), SimpleUploadedFile("企业.csv", "\n".join(lines).encode()))
    assert response.job.status == "failed" and "行数超过上限 5 行" in response.job.message
    assert counts() == before


def test_zip_bomb_is_refused(world, client_for, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000  # small on the wire, huge unpacked
    response = post(client_for("county"), SimpleUploadedFile("炸弹.xlsx", buffer.getvalue()))
    assert response.status_code == 400  # refused at the upload, before any job
    assert "解压后过大" in response.content.decode()


def test_read_only_roles_cannot_import(world, client_for):
    for role in ("bureau", "leader", "api"):
        assert post(client_for(role), xlsx([row()])).status_code == 403
    assert Enterprise.objects.count() == 2
    assert not ImportJob.objects.exists()


# --- export --------------------------------------------------------------------------------------


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    response.body = body
    return [[c.value for c in r] for r in load_workbook(io.BytesIO(body)).worksheets[0].iter_rows()]


def test_export_writes_formula_like_text_as_inert_text(world, client_for):
    EnterpriseFactory(town=world.home_town, name='=HYPERLINK("http://evil","点我")', main_products="@SUM(A1)")
    EnterpriseFactory(town=world.home_town, name="+86 企业", main_products="-1+1")
    response = client_for("county").get(reverse("enterprise-list"), {"export": "xlsx"})
    rows = _sheet(response)
    cells = [c for r in rows[1:] for c in r if isinstance(c, str)]
    # Exactly the names as registered (an export edited and imported back must not change them) ...
    assert '=HYPERLINK("http://evil","点我")' in cells and "@SUM(A1)" in cells and "+86 企业" in cells
    # ... as text cells: the file holds no formula at all, so no spreadsheet program runs one.
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    assert b"HYPERLINK" in sheet_xml


def test_town_export_has_exactly_the_filtered_rows(world, client_for):
    rows = _sheet(client_for("leader").get(reverse("town-list"), {"county": world.other_county.pk, "export": "xlsx"}))
    assert rows[0][0] == "专业镇"
    assert [r[0] for r in rows[1:]] == ["盐湖区水泵"]
    all_rows = _sheet(client_for("leader").get(reverse("town-list"), {"export": "xlsx"}))
    assert len(all_rows) == 3


def test_enterprise_export_of_county_is_scoped(world, client_for):
    rows = _sheet(client_for("county").get(reverse("enterprise-list"), {"export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["康特尔"]


def test_enterprise_export_has_the_import_columns_then_read_only_ones(world, client_for):
    rows = _sheet(client_for("office").get(reverse("enterprise-list"), {"export": "xlsx"}))
    assert rows[0][: len(HEADERS)] == HEADERS
    assert rows[0][len(HEADERS) :] == ["【只读】所在县（市、区）"]
    kangteer = next(r for r in rows[1:] if r[1] == "康特尔")
    assert kangteer[0] == "万荣县外加剂" and kangteer[3] == "龙头企业" and kangteer[6] == 2024
    assert kangteer[-1] == "万荣县"


def test_empty_export_still_has_its_header(world, client_for):
    rows = _sheet(client_for("office").get(reverse("enterprise-list"), {"search": "没有这家", "export": "xlsx"}))
    assert rows == [[*HEADERS, "【只读】所在县（市、区）"]]


def test_every_year_export_has_a_row_per_enterprise_and_year(world, client_for):
    from ..factories import EnterpriseFiguresFactory

    EnterpriseFiguresFactory(enterprise=world.home_enterprise, year=2023)
    EnterpriseFactory(town=world.home_town, name="无数据企业")
    rows = _sheet(client_for("county").get(reverse("enterprise-list"), {"export": "xlsx-years"}))
    assert sorted((r[1], r[6]) for r in rows[1:]) == [("康特尔", 2023), ("康特尔", 2024), ("无数据企业", None)]


def test_export_back_into_the_import_changes_nothing(world, client_for):
    """The round trip in one program: the export's file goes back in unchanged (read-only column ignored)."""
    client = client_for("county")
    response = client.get(reverse("enterprise-list"), {"export": "xlsx-years"})
    _sheet(response)
    before = counts()
    job = post(client, SimpleUploadedFile("导出.xlsx", response.body)).job
    assert job.status == "done", (job.message, job.errors)
    assert job.summary["unchanged"] == 1 and job.summary["created"] == job.summary["figures_created"] == 0
    assert counts()[:2] == before[:2]


# --- large files stream through in batches (towns.services.IMPORT_BATCH_ROWS) --------------------------------


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 3 rows, so a few rows exercise everything that spans batches."""
    from towns import services

    monkeypatch.setattr(services, "IMPORT_BATCH_ROWS", 3)


def test_bad_row_in_a_later_batch_leaves_nothing_saved(world, client_for, small_batches):
    before = counts()
    upload = xlsx([row(name=f"企业{n}") for n in range(7)] + [row(output=-1)])  # rows 2-8 fine, row 9 bad
    response = post(client_for("county"), upload)
    assert response.job.status == "failed"
    assert errors_of(response) == [(9, "H列")]
    assert response.job.rows_written == 0  # the first two batches were written, then rolled back
    assert counts() == before


def test_enterprise_spanning_batches_gets_every_year(world, client_for, small_batches):
    code = valid_credit_code()
    rows = [row(code=code, year=2020)] + [row(name=f"企业{n}") for n in range(4)]
    rows += [row(code=code, year=2021), row(code=code, year=2022, output=99)]
    assert post(client_for("county"), xlsx(rows)).job.status == "done"
    enterprise = Enterprise.objects.get(credit_code=code)
    assert sorted(enterprise.figures.values_list("year", flat=True)) == [2020, 2021, 2022]
    assert str(enterprise.figures.get(year=2022).output_wan) == "99.00"
    assert Enterprise.objects.filter(name__startswith="企业").count() == 4


def test_duplicates_across_batches_are_found(world, client_for, small_batches):
    code = valid_credit_code()
    upload = xlsx(
        [
            row(code=code, year=2024),
            row(name="甲"),
            row(name="乙"),
            row(name="丙"),
            row(code=code, year=2024),  # row 6: same enterprise and year as row 2
            row(code=code, year=2023, name="改名"),  # row 7: the code's name differs from row 2
            row(name="甲"),  # row 8: the name of row 3 with another code
        ]
    )
    before = counts()
    job = post(client_for("county"), upload).job
    assert [e[0] for e in job.errors] == [6, 7, 8]
    assert "第2行" in job.errors[1][2]
    assert job.summary == {}  # nothing was saved, and the job says so
    assert counts() == before


def test_reimport_costs_a_few_queries_per_batch_not_per_row(world, client_for, small_batches):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.jobs import NoProgress
    from towns.services import enterprise_import

    upload = xlsx([row(name=f"企业{n}", code=valid_credit_code()) for n in range(12)])  # 4 batches
    assert post(client_for("county"), upload).job.status == "done"
    upload.seek(0)
    with CaptureQueriesContext(connection) as queries:
        report = enterprise_import(user=world.users["county"], upload=upload, progress=NoProgress())
    assert report.ok and report.updated == 0 and report.unchanged == 12
    # Membership, towns, then per batch: codes, names, figures. Two queries per row before the fix.
    assert len(queries) <= 6 + 3 * 4, [q["sql"][:80] for q in queries]


# --- hostile files: the declared dimension is never trusted ----------------------------------------------


def _whole_grid(
    upload: SimpleUploadedFile, *, far_cell: str | None = "A", dimension="A1:XFD1048576"
) -> SimpleUploadedFile:
    """The file declaring the whole grid as its dimension, with (``far_cell``) one cell in the sheet's last row."""
    import re

    source = io.BytesIO(upload.read())
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as patched:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', text)
                if far_cell:
                    far = f'<row r="1048576"><c r="{far_cell}1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                    text = text.replace("</sheetData>", far + "</sheetData>")
                data = text.encode()
            patched.writestr(info, data)
    return SimpleUploadedFile(upload.name, target.getvalue(), content_type="application/octet-stream")


@pytest.mark.parametrize("far_cell", ["A", "XFD"])  # XFD1048576: 17 billion cells if the grid were built
def test_sheet_with_a_cell_in_the_last_row_is_refused_before_reading(world, client_for, far_cell):
    import resource
    import time

    upload = _whole_grid(xlsx([row()]), far_cell=far_cell)
    assert len(upload) < 10_000  # a few KB on the wire
    before = counts()
    started, rss = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = post(client_for("county"), upload)
    assert response.job.status == "failed"
    assert "行数超过上限 1000000 行：表格第1048576行仍有内容" in response.content.decode()
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 100_000  # KiB: no grid was built
    assert counts() == before


def test_wide_dimension_alone_does_not_slow_a_good_file(world, client_for, settings):
    import time

    settings.IMPORT_MAX_ROWS = 100
    started = time.monotonic()
    response = post(client_for("county"), _whole_grid(xlsx([row(name="宽表企业")]), far_cell=None))
    assert response.job.status == "done", response.job.message
    assert Enterprise.objects.filter(name="宽表企业").exists()
    assert time.monotonic() - started < 5


def test_far_column_is_refused_before_the_grid_is_built(world, client_for):
    upload = xlsx([[*row(), *([None] * 30), "远处的单元格"]])  # a cell in column AQ
    response = post(client_for("county"), upload)
    assert response.job.status == "failed"
    assert "表格列数过多（有内容的列达到第42列，上限20列）" in response.job.message


def test_the_imports_audit_entries_are_what_the_audit_trail_takes_of_the_saved_rows(world, client_for):
    """New rows are written in bulk (COPY on PostgreSQL) with entries built from plain values: they must read
    exactly as audit.snapshot of the saved objects, Decimal places, labels and names included."""
    from core import audit

    code = valid_credit_code()
    job = post(client_for("county"), xlsx([row(code=code, output=1200.5, share=12.25, tax=None), row(name="二号")]))
    assert job.job.status == "done"
    enterprise = Enterprise.objects.get(credit_code=code)
    figures = enterprise.figures.get()
    for obj in (enterprise, figures):
        entry = AuditEntry.objects.get(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
        fresh = type(obj).objects.get(pk=obj.pk)
        assert entry.changes == audit.diff({}, audit.snapshot(fresh)), obj
        assert entry.object_repr == str(fresh) and entry.user == world.users["county"] and entry.action == "create"

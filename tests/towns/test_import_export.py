"""The .xlsx import (all rows or nothing, errors by row and column, hostile files refused) and export."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import AuditEntry
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
    return client.post(reverse("enterprise-import"), {"file": upload})


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
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(credit_code=code)
    assert enterprise.town == world.home_town and enterprise.role == "supporting" and enterprise.above_designated_size
    assert sorted(enterprise.figures.values_list("year", flat=True)) == [2023, 2024]
    assert str(enterprise.figures.get(year=2024).output_wan) == "1500.00"
    assert AuditEntry.objects.filter(action="create", note="Excel 批量导入").count() == 2 + 3
    # Importing the same file again changes nothing.
    before = counts()
    upload.seek(0)
    assert post(client_for("county"), upload).status_code == 302
    assert counts() == before


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
    assert response.status_code == 400
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
    assert response.status_code == 400
    errors = {(e.row, e.column.split("（")[0]) for e in response.context["report"].errors}
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
    report = post(client_for("county"), upload).context["report"]
    assert {e.row for e in report.errors} == {3, 4, 5}
    assert counts() == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("企业.csv", "专业镇,企业名称\n".encode()), "只接受 .xlsx"),
        (SimpleUploadedFile("企业.xlsx", b"this is not a spreadsheet"), "不是有效的 .xlsx"),
        (SimpleUploadedFile("企业.xlsx", b""), "提交的是空文件"),
    ],
)
def test_non_xlsx_is_refused(world, client_for, upload, message):
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
    settings.IMPORT_MAX_ROWS = 5  # the limit is met after a batch was already written: it is rolled back
    before = counts()
    response = post(client_for("county"), xlsx([row(name=f"企业{n}") for n in range(6)]))
    assert response.status_code == 400
    assert "行数超过上限 5 行，请分批导入。" in response.content.decode()
    assert counts() == before
    settings.IMPORT_MAX_ROWS = 6
    assert post(client_for("county"), xlsx([row(name=f"企业{n}") for n in range(6)])).status_code == 302


def test_zip_bomb_is_refused(world, client_for, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000  # small on the wire, huge unpacked
    response = post(client_for("county"), SimpleUploadedFile("炸弹.xlsx", buffer.getvalue()))
    assert response.status_code == 400
    assert "解压后过大" in response.content.decode()


def test_read_only_roles_cannot_import(world, client_for):
    for role in ("bureau", "leader", "api"):
        assert post(client_for(role), xlsx([row()])).status_code == 403
    assert Enterprise.objects.count() == 2


# --- export --------------------------------------------------------------------------------------


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return [[c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows()]


def test_export_escapes_formula_cells(world, client_for):
    EnterpriseFactory(town=world.home_town, name='=HYPERLINK("http://evil","点我")', main_products="@SUM(A1)")
    EnterpriseFactory(town=world.home_town, name="+86 企业", main_products="-1+1")
    rows = _sheet(client_for("county").get(reverse("enterprise-list"), {"export": "xlsx"}))
    cells = [c for r in rows[1:] for c in r if isinstance(c, str)]
    assert '\'=HYPERLINK("http://evil","点我")' in cells
    assert "'@SUM(A1)" in cells and "'+86 企业" in cells and "'-1+1" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_town_export_has_exactly_the_filtered_rows(world, client_for):
    rows = _sheet(client_for("leader").get(reverse("town-list"), {"county": world.other_county.pk, "export": "xlsx"}))
    assert rows[0][0] == "专业镇"
    assert [r[0] for r in rows[1:]] == ["盐湖区水泵"]
    all_rows = _sheet(client_for("leader").get(reverse("town-list"), {"export": "xlsx"}))
    assert len(all_rows) == 3


def test_enterprise_export_of_county_is_scoped(world, client_for):
    rows = _sheet(client_for("county").get(reverse("enterprise-list"), {"export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["康特尔"]


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
    assert response.status_code == 400
    assert [(e.row, e.column.split("（")[0]) for e in response.context["report"].errors] == [(9, "H列")]
    assert counts() == before  # the first two batches were written and rolled back


def test_enterprise_spanning_batches_gets_every_year(world, client_for, small_batches):
    code = valid_credit_code()
    rows = [row(code=code, year=2020)] + [row(name=f"企业{n}") for n in range(4)]
    rows += [row(code=code, year=2021), row(code=code, year=2022, output=99)]
    assert post(client_for("county"), xlsx(rows)).status_code == 302
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
    report = post(client_for("county"), upload).context["report"]
    assert [e.row for e in report.errors] == [6, 7, 8]
    assert "第2行" in report.errors[1].message
    assert report.created == report.figures_created == 0  # nothing was saved, and the report says so
    assert counts() == before


def test_reimport_costs_a_few_queries_per_batch_not_per_row(world, client_for, small_batches):
    upload = xlsx([row(name=f"企业{n}", code=valid_credit_code()) for n in range(12)])  # 4 batches
    client = client_for("county")
    assert post(client, upload).status_code == 302
    upload.seek(0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = post(client, upload)
    assert response.status_code == 302
    assert "更新0家" in " ".join(str(m) for m in response.wsgi_request._messages)
    # Session, user, towns, then per batch: codes, names, figures. Two queries per row before the fix.
    assert len(queries) <= 10 + 3 * 4, [q["sql"][:80] for q in queries]


def _whole_grid(upload: SimpleUploadedFile, *, far_cell: bool = True, dimension="A1:XFD1048576") -> SimpleUploadedFile:
    """The file declaring the whole grid as its dimension, with one cell in the sheet's last row."""
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
                    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                    text = text.replace("</sheetData>", far + "</sheetData>")
                data = text.encode()
            patched.writestr(info, data)
    return SimpleUploadedFile(upload.name, target.getvalue(), content_type="application/octet-stream")


@pytest.fixture
def rows_read(monkeypatch):
    """Counts the rows openpyxl hands to the importer, and fails at once on a row padded to the declared width."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    seen = {"rows": 0}
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for values in original(self, *args, **kwargs):
            seen["rows"] += 1
            assert len(values) <= len(HEADERS) + 1, f"row padded to {len(values)} columns"
            assert seen["rows"] <= 10_000, "reader walked far past the row limit"
            yield values

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return seen


def test_sheet_declaring_the_whole_grid_is_refused_quickly(world, client_for, settings, rows_read):
    settings.IMPORT_MAX_ROWS = 100
    upload = _whole_grid(xlsx([]))
    assert len(upload) < 10_000  # a few KB on the wire
    before = counts()
    response = post(client_for("county"), upload)
    assert response.status_code == 400
    assert "行数超过上限 100 行" in response.content.decode()
    assert rows_read["rows"] <= 100 + 2  # the header, the limit, and the one row that passes it
    assert counts() == before


def test_wide_dimension_alone_does_not_slow_a_good_file(world, client_for, settings, rows_read):
    settings.IMPORT_MAX_ROWS = 100
    response = post(client_for("county"), _whole_grid(xlsx([row(name="宽表企业")]), far_cell=False))
    assert response.status_code == 302
    assert Enterprise.objects.filter(name="宽表企业").exists()
    assert rows_read["rows"] <= 100 + 2  # blank rows up to the declared last row are not walked through

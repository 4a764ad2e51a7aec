"""The import template and the form tell the same truth (issue 15, item 7): the template's own sample row
imports as it is; the credit code is required in the form as in the template; a formula cell and a too-long code
each get one clear Chinese message."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import ImportJob
from towns.importers import ENTERPRISE_COLUMNS
from towns.models import Enterprise

from ..factories import EnterpriseFactory, valid_credit_code

HEADERS = [c.header for c in ENTERPRISE_COLUMNS]


def run_import(client, content: bytes, name="企业.xlsx") -> ImportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("enterprise-import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return ImportJob.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for r in rows:
        workbook.active.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(**changes):
    values = dict(
        zip(
            [c.key for c in ENTERPRISE_COLUMNS],
            ["万荣县外加剂", "公式企业", valid_credit_code(), "其他", "否", "", 2024, 100, 10, None, None],
            strict=True,
        )
    )
    values.update(changes)
    return list(values.values())


def test_the_templates_sample_row_imports_as_it_is(world, client_for):
    client = client_for("county")
    template = client.get(reverse("enterprise-import-template")).content
    sheet = load_workbook(io.BytesIO(template)).worksheets[0]
    notes = load_workbook(io.BytesIO(template)).worksheets[1]
    assert [c.value for c in sheet[1]] == HEADERS
    code_note = next(r for r in notes.iter_rows(values_only=True) if r[0] == "统一社会信用代码")
    assert code_note[1] == "必填"
    job = run_import(client, template)
    assert job.status == "done", job.errors
    assert Enterprise.objects.get(name="示例外加剂有限公司").credit_code == sheet["C2"].value


def test_the_form_requires_the_credit_code_as_the_template_does(world, client_for):
    client = client_for("county")
    page = client.get(reverse("enterprise-create")).content.decode()
    assert 'for="id_credit_code">统一社会信用代码<span class="req">*</span>' in page
    response = client.post(
        reverse("enterprise-create"), {"town": world.home_town.pk, "name": "无代码企业", "role": "other"}
    )
    assert response.status_code == 200 and "credit_code" in response.context["form"].errors
    assert not Enterprise.objects.filter(name="无代码企业").exists()


def test_a_plan_named_enterprise_without_a_code_may_stay_so_until_known(world, client_for):
    named = EnterpriseFactory(town=world.home_town, name="规划点名企业", credit_code="")
    client = client_for("county")
    page = client.get(reverse("enterprise-edit", args=[named.pk])).content.decode()
    assert "规划点名的企业取得代码前可暂不填写" in page
    response = client.post(
        reverse("enterprise-edit", args=[named.pk]),
        {"town": world.home_town.pk, "name": "规划点名企业", "role": "other", "main_products": "新产品"},
    )
    assert response.status_code == 302
    named.refresh_from_db()
    assert named.main_products == "新产品" and named.credit_code == ""


def test_a_too_long_code_gets_one_clear_message_in_the_form(world, client_for):
    response = client_for("county").post(
        reverse("enterprise-create"),
        {"town": world.home_town.pk, "name": "长代码", "credit_code": valid_credit_code() + "1", "role": "other"},
    )
    assert response.context["form"].errors["credit_code"] == ["统一社会信用代码应为18位，当前为19位。"]


def test_a_too_long_code_gets_one_clear_message_in_the_import(world, client_for):
    job = run_import(client_for("county"), workbook_bytes([row(credit_code=valid_credit_code() + "1")]))
    assert job.errors == [[2, "C列（统一社会信用代码）", "统一社会信用代码应为18位，当前为19位。"]]


def test_a_formula_without_its_result_gets_a_clear_message(world, client_for):
    job = run_import(
        client_for("county"), workbook_bytes([row(output_wan="=100*2"), row(name="空产值", output_wan=None)])
    )
    assert job.status == "failed"
    assert job.errors[0][:2] == [2, "H列（产值（万元））"]
    assert "该单元格是公式（=100*2），文件中没有它的计算结果" in job.errors[0][2]
    assert job.errors[1] == [3, "H列（产值（万元））", "填报年度数据时必填。"]  # an empty cell: its own message
    assert not any("null" in e[2] for e in job.errors)


def test_a_formula_with_its_result_saved_is_read_as_its_value(world, client_for):
    """What Excel, WPS and LibreOffice save: the formula and its last result; the result is imported."""
    content = workbook_bytes([row(name="有结果的公式", output_wan="=100*2")])
    source, target = io.BytesIO(content), io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as patched:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>100*2</f><v />", b"<f>100*2</f><v>200</v>")
            patched.writestr(info, data)
    job = run_import(client_for("county"), target.getvalue())
    assert job.status == "done", job.errors
    assert str(Enterprise.objects.get(name="有结果的公式").figures.get().output_wan) == "200.00"


def test_an_empty_required_cell_says_required_not_null(world, client_for):
    job = run_import(client_for("county"), workbook_bytes([row(name=None)]))
    assert job.errors == [[2, "B列（企业名称）", "必填。"]]

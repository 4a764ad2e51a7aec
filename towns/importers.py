"""The enterprise .xlsx import: the template, and row-by-row validation without per-row queries.

Field rules come from the model fields themselves (their validators), so a row is judged by the
same rules as the form and the API; uniqueness is checked once for the whole file against the
database, and the database constraints stand behind both.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from core.spreadsheets import ImportReport, RowError, TemplateColumn

from .models import Enterprise, EnterpriseYearFigures, Town

ROLE_BY_LABEL = {str(label): value for value, label in Enterprise.Role.choices}
YES, NO = "是", "否"

ENTERPRISE_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn("专业镇", "town", True, "填写本县（市、区）专业镇的完整名称，如“万荣县外加剂”。", width=18),
    TemplateColumn("企业名称", "name", True, "企业全称。", width=28),
    TemplateColumn(
        "统一社会信用代码", "credit_code", True, "18位，按GB 32100-2015校验；已登记的代码将更新该企业。", width=22
    ),
    TemplateColumn("在镇中的角色", "role", True, "龙头企业 / 关联配套企业 / 其他。", tuple(ROLE_BY_LABEL), width=14),
    TemplateColumn("规上企业", "above_designated_size", True, "是 / 否。", (YES, NO), width=10),
    TemplateColumn("主要产品", "main_products", False, "选填。", width=20),
    TemplateColumn("年份", "year", False, "填报年度数据时必填，不能晚于今年；不填则只登记企业。", width=8),
    TemplateColumn("产值（万元）", "output_wan", False, "填写年份时必填，≥0。", width=14),
    TemplateColumn("带动当地就业（人）", "local_jobs", False, "填写年份时必填，≥0的整数。", width=16),
    TemplateColumn("全省市场占有率（%）", "provincial_share_pct", False, "选填，0–100。", width=16),
    TemplateColumn("税收（万元）", "tax_wan", False, "选填，≥0。", width=12),
)
_LETTER = {c.key: f"{get_column_letter(i)}列（{c.header}）" for i, c in enumerate(ENTERPRISE_COLUMNS, start=1)}
ENTERPRISE_EXAMPLE = (
    "万荣县外加剂",
    "示例外加剂有限公司",
    "91140822MA0K1234X0",
    "关联配套企业",
    "是",
    "聚羧酸减水剂",
    2025,
    12345.6,
    230,
    None,
    456.7,
)


@dataclass
class ParsedRow:
    number: int
    enterprise: dict[str, Any]
    figures: dict[str, Any] | None
    first: bool = True  # the file's first row of this credit code (later rows add years to it)
    existing: Enterprise | None = None  # the registered enterprise this row updates, if any


def _field_value(model, key: str, raw: Any, errors: list[RowError], number: int) -> Any:
    field = model._meta.get_field(key)
    try:
        if field.get_internal_type() == "DecimalField" and isinstance(raw, (int, float)):
            raw = Decimal(str(raw))
        if field.get_internal_type() in ("PositiveIntegerField", "PositiveSmallIntegerField") and isinstance(
            raw, float
        ):
            if not raw.is_integer():
                raise ValidationError(_("应为整数。"))
            raw = int(raw)
        if raw in (None, "") and field.blank:
            return None if field.null else ""
        return field.clean(raw, None)
    except (ValidationError, InvalidOperation) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [_("不是有效的数字。")]
        errors.append(RowError(number, _LETTER[key], "；".join(messages)))
        return None


def parse_enterprise_row(
    number: int, raw: dict[str, Any], towns: dict[str, Town]
) -> tuple[ParsedRow | None, list[RowError]]:
    errors: list[RowError] = []
    town_name = str(raw["town"] or "")
    town = towns.get(town_name)
    if town is None:
        errors.append(
            RowError(
                number, _LETTER["town"], _("“%(name)s”不是您可以维护的专业镇。") % {"name": town_name or _("（空）")}
            )
        )
    role_label = str(raw["role"] or "")
    if role_label not in ROLE_BY_LABEL:
        errors.append(
            RowError(number, _LETTER["role"], _("应为：%(choices)s。") % {"choices": " / ".join(ROLE_BY_LABEL)})
        )
    flag = str(raw["above_designated_size"] or "")
    if flag not in (YES, NO):
        errors.append(RowError(number, _LETTER["above_designated_size"], _("应为“是”或“否”。")))
    credit_code = str(raw["credit_code"] or "").strip().upper()
    enterprise = {
        "town": town,
        "name": _field_value(Enterprise, "name", raw["name"], errors, number),
        "credit_code": credit_code,
        "role": ROLE_BY_LABEL.get(role_label),
        "above_designated_size": flag == YES,
        "main_products": _field_value(Enterprise, "main_products", raw["main_products"], errors, number) or "",
    }
    if not credit_code:
        errors.append(RowError(number, _LETTER["credit_code"], _("必填。")))
    else:
        _field_value(Enterprise, "credit_code", credit_code, errors, number)
    figures = None
    figure_keys = ("year", *EnterpriseYearFigures.FIGURE_FIELDS)
    if any(raw[k] not in (None, "") for k in figure_keys):
        figures = {k: _field_value(EnterpriseYearFigures, k, raw[k], errors, number) for k in figure_keys}
        for key in ("year", "output_wan", "local_jobs"):
            if raw[key] in (None, ""):
                errors.append(RowError(number, _LETTER[key], _("填报年度数据时必填。")))
    if errors:
        return None, errors
    return ParsedRow(number, enterprise, figures), []


class ImportChecks:
    """The rules that span rows, applied as the file streams in, batch by batch.

    Within the file: one enterprise per code, one name per town, one row per code and year. Against the
    database: a code registered in another county's town cannot be changed here, and a town cannot
    get two enterprises of the same name. Only small keys are kept per row (a 100,000-row file costs
    a few tens of MB), never the rows themselves.
    """

    def __init__(self, *, towns: dict[str, Town]):
        self.towns = towns
        self.editable_town_ids = {t.pk for t in towns.values()}
        self.first_row: dict[str, tuple[int, int, str]] = {}  # code -> (row number, town pk, name)
        self.name_owner: dict[tuple[int, str], str] = {}  # (town pk, name) -> code
        self.years: set[tuple[str, int]] = set()

    def check_batch(self, raw_rows: list[tuple[int, dict[str, Any]]], report: ImportReport) -> list[ParsedRow]:
        """Every check on a batch of rows; errors go to the report, the rows that pass are returned."""
        rows: list[ParsedRow] = []
        for number, raw in raw_rows:
            parsed, errors = parse_enterprise_row(number, raw, self.towns)
            if parsed is not None:
                errors = self._within_file(parsed)
            if errors:
                report.errors.extend(errors)
            else:
                rows.append(parsed)
        return self._against_database(rows, report)

    def _within_file(self, row: ParsedRow) -> list[RowError]:
        errors: list[RowError] = []
        e = row.enterprise
        code, town_pk = e["credit_code"], e["town"].pk
        first = self.first_row.setdefault(code, (row.number, town_pk, e["name"]))
        row.first = first[0] == row.number
        if not row.first and first[1:] != (town_pk, e["name"]):
            errors.append(
                RowError(
                    row.number,
                    _LETTER["credit_code"],
                    _("同一信用代码在第%(first)d行对应的企业名称或专业镇不同。") % {"first": first[0]},
                )
            )
        owner = self.name_owner.setdefault((town_pk, e["name"]), code)
        if owner != code:
            errors.append(RowError(row.number, _LETTER["name"], _("同一专业镇内企业名称重复（信用代码不同）。")))
        if row.figures:
            key = (code, row.figures["year"])
            if key in self.years:
                errors.append(RowError(row.number, _LETTER["year"], _("该企业这一年的数据在文件中重复。")))
            self.years.add(key)
        return errors

    def _against_database(self, rows: list[ParsedRow], report: ImportReport) -> list[ParsedRow]:
        """Match each enterprise's first row to an existing enterprise (by code, or by name where the
        code is still blank): two queries per batch. Later rows of the same code follow their first row."""
        firsts = [row for row in rows if row.first]
        if not firsts:
            return rows
        existing = {
            e.credit_code: e
            for e in Enterprise.objects.filter(
                credit_code__in={r.enterprise["credit_code"] for r in firsts}
            ).select_related("town")
        }
        by_name = {
            (e.town_id, e.name): e
            for e in Enterprise.objects.filter(
                town_id__in={r.enterprise["town"].pk for r in firsts}, name__in={r.enterprise["name"] for r in firsts}
            ).select_related("town")
        }
        passed: list[ParsedRow] = []
        for row in rows:
            if not row.first:
                passed.append(row)
                continue
            e = row.enterprise
            current = existing.get(e["credit_code"])
            if current is not None and current.town_id not in self.editable_town_ids:
                report.errors.append(
                    RowError(
                        row.number,
                        _LETTER["credit_code"],
                        _("该信用代码已登记在其他县（市、区）的专业镇，不能在此修改。"),
                    )
                )
                continue
            same_name = by_name.get((e["town"].pk, e["name"]))
            if current is None and same_name is not None:
                if same_name.credit_code:
                    report.errors.append(
                        RowError(row.number, _LETTER["name"], _("该专业镇已有同名企业（信用代码不同）。"))
                    )
                    continue
                current = same_name  # a named enterprise whose code is entered now
            elif current is not None and same_name is not None and same_name.pk != current.pk:
                report.errors.append(RowError(row.number, _LETTER["name"], _("该专业镇已有同名企业（信用代码不同）。")))
                continue
            row.existing = current
            passed.append(row)
        return passed

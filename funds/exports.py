"""The allocations as a spreadsheet: one row per allocation, in the list's filter."""

from __future__ import annotations

from core.labels import display
from core.spreadsheets import Column

from .models import FundAllocation


def _commendation(a: FundAllocation) -> str:
    c = a.commendation
    return f"{c.run.year}年度评估第{c.rank}名 {c.town.name}" if c else ""


ALLOCATION_COLUMNS = [
    Column("年度", lambda a: a.budget.year, 8),
    Column("类别", display(FundAllocation, "kind"), 12),
    Column("县（市、区）", lambda a: a.county.name, 12),
    Column("专业镇", lambda a: a.town.name if a.town_id else "", 18),
    Column("重点项目", lambda a: a.project.name if a.project_id else "", 24),
    Column("表扬", _commendation, 28),
    Column("用途", display(FundAllocation, "purpose"), 14),
    Column("具体用途", lambda a: a.description, 30),
    Column("成效突出情况", lambda a: a.merit, 30),
    Column("金额（万元）", lambda a: a.amount_wan, 12),
    Column("状态", display(FundAllocation, "status"), 8),
    Column("批准文号", lambda a: a.document_number, 20),
    Column("批准日期", lambda a: a.document_date, 12),
    Column("拨付日期", lambda a: a.paid_on, 12),
    Column("拨付凭证号", lambda a: a.payment_reference, 16),
    Column("撤销原因", lambda a: a.cancel_reason, 24),
]

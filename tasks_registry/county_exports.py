"""Column layout of the counties' side-by-side comparison (county_selectors.CountyRow), one row per county."""

from __future__ import annotations

from core.spreadsheets import Column

from .county_models import CountyDocument

Kind = CountyDocument.Kind


def _target(row, attr):
    return getattr(row.target, attr) if row.target else None


def _met(value) -> str:
    return {True: "完成", False: "未完成", None: ""}[value]


COMPARISON_COLUMNS = [
    Column("县（市、区）", lambda r: r.county.name, 12),
    Column("专业镇数", lambda r: r.town_count, 8),
    Column("一镇一策（件）", lambda r: r.policies[Kind.TOWN_POLICY], 10),
    Column("一镇一策覆盖专业镇", lambda r: r.towns_with_policy, 10),
    Column("培育方案（件）", lambda r: r.policies[Kind.CULTIVATION_PLAN], 10),
    Column("中长期规划（件）", lambda r: r.policies[Kind.LONG_TERM_PLAN], 10),
    Column("任务（项）", lambda r: r.tasks_total, 8),
    Column("未完成", lambda r: r.tasks_open, 8),
    Column("其中逾期", lambda r: r.tasks_overdue, 8),
    Column("已完成", lambda r: r.tasks_done, 8),
    Column("重点项目", lambda r: r.projects["total"], 8),
    Column("签约", lambda r: r.projects["signed"], 6),
    Column("开工", lambda r: r.projects["started"], 6),
    Column("投产", lambda r: r.projects["in_production"], 6),
    Column("就业目标（人）", lambda r: _target(r, "jobs_target"), 10),
    Column("就业实际（人）", lambda r: _target(r, "jobs_actual"), 10),
    Column("就业目标", lambda r: _met(_target(r, "jobs_met")), 8),
    Column("税收目标（万元）", lambda r: _target(r, "tax_target_wan"), 12),
    Column("税收实际（万元）", lambda r: _target(r, "tax_actual_wan"), 12),
    Column("税收目标", lambda r: _met(_target(r, "tax_met")), 8),
]

"""Column layouts of the task exports: the responsibility list (责任清单), a period's progress, the
problem ledger and the project library."""

from __future__ import annotations

from dataclasses import dataclass

from core.spreadsheets import Column

from .models import Theme
from .reference import COUNTIES_ENTRY


def _units(row, role: str) -> str:
    names = [b.name for b in (row.leads if role == "lead" else row.supports)]
    if role == "support" and row.task.counties_support:
        names.append(COUNTIES_ENTRY)
    return "、".join(names)


RESPONSIBILITY_COLUMNS = [
    Column("序号", lambda r: r.task.number, 6),
    Column("重点任务", lambda r: Theme(r.task.theme).label, 30),
    Column("任务名称", lambda r: r.task.title, 26),
    Column("推进措施", lambda r: "\n".join(f"{i}. {m.title}" for i, m in enumerate(r.measures, start=1)), 50),
    Column("牵头单位", lambda r: _units(r, "lead"), 30),
    Column("责任单位", lambda r: _units(r, "support"), 50),
    Column("完成时限", lambda r: max((m.deadline for m in r.measures), default=None), 12),
    Column("进度（%）", lambda r: r.progress_pct, 10),
    Column("状态", lambda r: r.status_label, 10),
]


@dataclass
class ProgressRow:
    report: object
    measure: object
    progress: object


def progress_rows(reports):
    for report in reports:
        items = list(report.measure_progress.all()) or [None]
        for item in items:
            yield ProgressRow(report, item.measure if item else None, item)


PROGRESS_COLUMNS = [
    Column("任务", lambda r: f"{r.report.task.number}. {r.report.task.title}", 28),
    Column("报送期", lambda r: r.report.period, 10),
    Column("报送单位", lambda r: r.report.unit_name, 20),
    Column("类别", lambda r: r.report.get_kind_display(), 12),
    Column("措施", lambda r: r.measure.title if r.measure else "", 30),
    Column("进度（%）", lambda r: r.progress.progress_pct if r.progress else None, 10),
    Column("说明", lambda r: r.progress.note if r.progress else "", 30),
    Column("工作进展", lambda r: r.report.narrative, 60),
    Column("涉及专业镇", lambda r: "、".join(t.name for t in r.report.towns.all()), 24),
    Column("报送时间", lambda r: r.report.submitted_at.strftime("%Y-%m-%d %H:%M"), 16),
]

PROBLEM_COLUMNS = [
    Column("编号", lambda p: p.number, 14),
    Column("问题", lambda p: p.title, 30),
    Column("问题描述", lambda p: p.description, 50),
    Column("专业镇", lambda p: p.town.name if p.town else "", 18),
    Column("相关任务", lambda p: p.task.number if p.task else "", 8),
    Column("来源", lambda p: p.get_source_display(), 14),
    Column("发现日期", lambda p: p.found_on, 12),
    Column("责任单位", lambda p: p.responsible_name, 20),
    Column("办结时限", lambda p: p.deadline, 12),
    Column("状态", lambda p: p.get_status_display(), 12),
    Column("核实意见", lambda p: p.verification, 30),
]

PROJECT_COLUMNS = [
    Column("项目名称", lambda p: p.name, 30),
    Column("专业镇", lambda p: p.town.name, 18),
    Column("所在县（市、区）", lambda p: p.town.county.name, 14),
    Column("项目单位", lambda p: p.enterprise.name if p.enterprise else "", 24),
    Column("总投资（万元）", lambda p: p.investment_wan, 14),
    Column("阶段", lambda p: p.get_stage_display(), 8),
    Column("计划签约", lambda p: p.planned_sign_on, 12),
    Column("实际签约", lambda p: p.signed_on, 12),
    Column("计划开工", lambda p: p.planned_start_on, 12),
    Column("实际开工", lambda p: p.started_on, 12),
    Column("计划投产", lambda p: p.planned_production_on, 12),
    Column("实际投产", lambda p: p.in_production_on, 12),
]

"""What the task board's and the problem ledger's irreversible or outward-facing moves will do, said before they are
done (core.confirm): assigning and verifying a problem, deleting a measure of the year's plan."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from core.confirm import Confirmation

from .models import Measure, Problem


def problem_assign(problem: Problem, *, bureau=None, county=None, deadline: datetime.date) -> Confirmation:
    unit = str(bureau) if bureau else (county.government_name if county else "—")
    lines = [
        _("将问题%(number)s（%(title)s）交%(unit)s办理，%(date)s前办结；%(unit)s将收到通知。")
        % {"number": problem.number, "title": problem.title, "unit": unit, "date": deadline.isoformat()}
    ]
    if problem.responsible_name and problem.responsible_name != unit:
        lines.append(_("原责任单位%(old)s不再负责办理。") % {"old": problem.responsible_name})
    return Confirmation(
        title=_("交办问题%(number)s") % {"number": problem.number},
        consequences=lines,
        action_label=_("确认交办"),
        cancel_url=reverse("problem-detail", kwargs={"pk": problem.pk}),
        undo=_("交办后可改派，但通知已发出。"),
    )


def problem_verify(problem: Problem, *, accept: bool, text: str) -> Confirmation:
    values = {"number": problem.number, "title": problem.title, "unit": problem.responsible_name or "—"}
    if accept:
        lines = [_("问题%(number)s（%(title)s）核实销号，从台账的在办问题中移出；通知%(unit)s。") % values]
        title, label, undo = _("销号"), _("确认销号"), _("销号后不能恢复。")
    else:
        lines = [_("问题%(number)s核实未通过，退回%(unit)s继续办理；通知对方。") % values]
        title, label, undo = _("退回继续办理"), _("确认退回"), _("退回后由责任单位再次反馈。")
    lines.append(_("核实意见：%(text)s") % {"text": text})
    return Confirmation(
        title=title,
        consequences=lines,
        action_label=label,
        cancel_url=reverse("problem-detail", kwargs={"pk": problem.pk}),
        danger=accept,
        undo=undo,
    )


def measure_delete(measure: Measure) -> Confirmation:
    return Confirmation(
        title=_("删除推进措施"),
        consequences=[
            _("从任务%(n)d的%(year)d年度行动计划中删除措施“%(title)s”（完成时限%(date)s）。")
            % {
                "n": measure.task.number,
                "year": measure.year,
                "title": measure.title,
                "date": measure.deadline.isoformat(),
            }
        ],
        action_label=_("确认删除"),
        cancel_url=reverse("measure-edit", kwargs={"number": measure.task.number, "pk": measure.pk}),
        danger=True,
        undo=_("删除后不能恢复；删除前的信息保留在操作记录中。"),
    )

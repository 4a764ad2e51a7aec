"""The 待办 panel of every home page: what waits for the user, from one selector per role.

Each workflow says what waits in it (its own selectors: applications, reviews, reports due, problems, 督办通知书,
special inspections, re-examinations); this module, the composition root, picks those of the user's role and puts
them in people's words, each with its deadline and the page where it is done. Cheap by construction: a fixed
number of queries whatever the amount of data (each list is cut at ``LIMIT``), measured in tests/portal/test_todo.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Application
from certification.reexamination import reexaminations_pending
from certification.selectors import applications_awaiting_office, applications_to_complete, reviews_pending
from evaluation.models import Inspection, SupervisionNotice
from evaluation.selectors import inspections_waiting, notices_waiting, supervision_notices
from tasks_registry.models import Problem, TaskUnit
from tasks_registry.selectors import TaskRow, problems_waiting, reports_due
from towns.models import Role
from towns.permissions import role_of

LIMIT = 50  # items of one kind at most; a longer list is the workflow's own page (linked from the group)


@dataclass(frozen=True)
class TodoItem:
    kind: str
    title: str
    url: str
    action: str  # what the link does: "修改后再次提交", "评审打分", "报送进展" …
    deadline: datetime.date | None = None
    deadline_label: str = ""  # what the date is: "申报截止", "应报送", "整改期限" …
    detail: str = ""
    overdue: bool = False


@dataclass
class TodoGroup:
    kind: str
    label: str
    list_url: str
    items: list[TodoItem] = field(default_factory=list)


# The groups in the order a panel shows them: the ones with an official deadline first.
KINDS: dict[str, tuple[str, str]] = {
    "notice": (gettext_lazy("督办通知书"), "supervision-notices"),
    "reexamination": (gettext_lazy("认定复核"), "reexamination-list"),
    "application": (gettext_lazy("认定申请"), "application-list"),
    "review": (gettext_lazy("专家评审"), "application-list"),
    "report": (gettext_lazy("进展报送"), "task-board"),
    "problem": (gettext_lazy("问题台账"), "problem-list"),
    "inspection": (gettext_lazy("专项检查"), "inspection-list"),
    "task": (gettext_lazy("重点任务滞后"), "task-board"),
}


def _date(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


# --- items, per workflow --------------------------------------------------------------------------------------


def _county_applications(user, today) -> list[TodoItem]:
    items = []
    for app in applications_to_complete(user=user)[:LIMIT]:
        returned = app.status == Application.Status.RETURNED
        items.append(
            TodoItem(
                kind="application",
                title=f"{app.number} {app.town.name}",
                detail=(_("退回修改：%(reason)s") % {"reason": app.return_reason}) if returned else _("草稿，尚未提交"),
                url=reverse("application-detail", args=[app.pk]),
                action=_("修改后再次提交") if returned else _("继续填写"),
                deadline=app.cycle.closes_on,
                deadline_label=_("申报截止"),
                overdue=today > app.cycle.closes_on,
            )
        )
    return items


def _office_applications(user, today) -> list[TodoItem]:
    S = Application.Status
    steps = {
        S.SUBMITTED: (_("已提交，待形式审查"), _("形式审查")),
        S.SCREENING: (_("形式审查中：送专家评审或退回修改"), _("审查")),
        S.EXPERT_REVIEW: (_("专家评审已完成：列入公示"), _("查看评分")),
        S.PUBLIC_NOTICE: (_("公示期满：认定或不予认定"), _("作出决定")),
    }
    items = []
    for app in applications_awaiting_office(user=user, today=today)[:LIMIT]:
        detail, action = steps[app.status]
        if app.status == S.EXPERT_REVIEW:
            detail += _("（%(n)d位专家）") % {"n": app.reviews_total}
        items.append(
            TodoItem(
                kind="application",
                title=f"{app.number} {app.town.name}",
                detail=detail,
                url=reverse("application-detail", args=[app.pk]),
                action=action,
                deadline=app.notice_ends if app.status == S.PUBLIC_NOTICE else None,
                deadline_label=_("公示结束") if app.status == S.PUBLIC_NOTICE else "",
            )
        )
    return items


def _reviews(user, today) -> list[TodoItem]:
    return [
        TodoItem(
            kind="review",
            title=f"{a.application.number} {a.application.town.name}",
            detail=_("%(cycle)s，%(day)s分配")
            % {"cycle": a.application.cycle.name, "day": _date(a.assigned_at.date())},
            url=reverse("expert-review", args=[a.application_id]),
            action=_("评审打分"),
        )
        for a in reviews_pending(user=user)[:LIMIT]
    ]


def _reexaminations(user, today) -> list[TodoItem]:
    items = []
    for r in reexaminations_pending(user=user)[:LIMIT]:
        rectifying = r.status == r.Status.RECTIFYING
        deadline = r.rectification_deadline if rectifying and r.rectification_deadline else r.due_on
        if role_of(user) == Role.OFFICE:
            detail, action = _("县（市、区）已报送，待办公室决定"), _("作出决定")
        elif rectifying:
            detail, action = _("整改中：整改后重新报送"), _("报送整改情况")
        else:
            detail, action = _("证书到期前复核：报送当前数据和证明"), _("报送复核材料")
        items.append(
            TodoItem(
                kind="reexamination",
                title=f"{r.certificate.town.name}（{r.certificate.number}）",
                detail=detail,
                url=reverse("reexamination-detail", args=[r.pk]),
                action=action,
                deadline=deadline,
                deadline_label=_("整改期限") if rectifying else _("复核期限"),
                overdue=today > deadline,
            )
        )
    return items


def _reports(user, today) -> list[TodoItem]:
    items = []
    for due in reports_due(user=user, today=today)[:LIMIT]:
        part = _("牵头") if due.unit_role == TaskUnit.Role.LEAD else _("配合")
        items.append(
            TodoItem(
                kind="report",
                title=_("任务%(n)d %(title)s") % {"n": due.task.number, "title": due.task.title},
                detail=_("%(period)s进展（%(part)s）") % {"period": due.period.label, "part": part},
                url=reverse("report-create", args=[due.task.number]) + f"?period={due.period.code}",
                action=_("报送进展"),
                deadline=due.due_on,
                deadline_label=_("应报送"),
                overdue=due.overdue,
            )
        )
    return items


def _problems(user, today) -> list[TodoItem]:
    office = role_of(user) == Role.OFFICE
    items = []
    for p in problems_waiting(user=user)[:LIMIT]:
        if not office:
            detail, action = _("已分派本单位办理：反馈办理情况"), _("反馈")
        elif p.status == Problem.Status.OPEN:
            detail, action = _("待分派责任单位"), _("分派")
        else:
            detail, action = _("责任单位已反馈：核实销号或退回"), _("核实")
        items.append(
            TodoItem(
                kind="problem",
                title=f"{p.number} {p.title}",
                detail=detail + (f" · {p.town.name}" if p.town_id else ""),
                url=reverse("problem-detail", args=[p.pk]),
                action=action,
                deadline=p.deadline,
                deadline_label=_("办结时限") if p.deadline else "",
                overdue=p.is_overdue(today),
            )
        )
    return items


def _notices(user, today) -> list[TodoItem]:
    office = role_of(user) == Role.OFFICE
    items = []
    for n in notices_waiting(user=user)[:LIMIT]:
        source = _("专项检查") if n.inspection_id else _("年度评估")
        if office:
            detail, action = _("%(source)s督办：整改报告待审核") % {"source": source}, _("审核")
        elif n.status == SupervisionNotice.Status.RETURNED:
            detail, action = _("%(source)s督办：整改报告被退回，请重新报送") % {"source": source}, _("重新报送")
        else:
            detail, action = _("%(source)s督办：限期整改并报送整改报告") % {"source": source}, _("报送整改报告")
        items.append(
            TodoItem(
                kind="notice",
                title=f"{n.number} {n.town.name}",
                detail=detail,
                url=reverse("supervision-notice", args=[n.pk]),
                action=action,
                deadline=n.deadline,
                deadline_label=_("整改期限"),
                overdue=not office and n.deadline < today,
            )
        )
    return items


def _inspections(user, today) -> list[TodoItem]:
    S = Inspection.Status
    role = role_of(user)
    items = []
    for i in inspections_waiting(user=user)[:LIMIT]:
        if role == Role.COUNTY:
            detail = _("本县专业镇接受专项检查（%(state)s）") % {"state": i.get_status_display()}
            action, deadline, label = _("查看"), i.starts_on or i.ends_on, _("检查开始")
        elif role == Role.OFFICE and i.status == S.PLANNED:
            detail, action, deadline, label = (
                _("计划中：确定检查组后开始检查"),
                _("开始检查"),
                i.starts_on,
                _("检查开始"),
            )
        elif role == Role.OFFICE:
            detail, action, deadline, label = _("检查结束：下发督办通知书或办结"), _("处理"), None, ""
        else:
            detail, action, deadline, label = (
                _("检查组成员：逐项记录检查结果"),
                _("记录检查结果"),
                i.ends_on,
                _("检查结束"),
            )
        items.append(
            TodoItem(
                kind="inspection",
                title=f"{i.number} {i.title}",
                detail=detail,
                url=reverse("inspection-detail", args=[i.pk]),
                action=action,
                deadline=deadline,
                deadline_label=label if deadline else "",
                overdue=bool(role != Role.COUNTY and deadline and deadline < today),
            )
        )
    return items


def _tasks_behind(rows: list[TaskRow], today) -> list[TodoItem]:
    """For leaders: the tasks 滞后, each with why (the period whose report is overdue, the measures behind)."""
    items = []
    for row in rows:
        if row.status != "behind":
            continue
        reasons = []
        if row.overdue_units:
            reasons.append(
                _("%(units)s %(period)s报告逾期")
                % {"units": "、".join(b.name for b in row.overdue_units), "period": row.closed_period.label}
            )
        if row.behind_measures:
            reasons.append(_("%(n)d项措施落后于时间进度") % {"n": row.behind_measures})
        items.append(
            TodoItem(
                kind="task",
                title=_("任务%(n)d %(title)s") % {"n": row.task.number, "title": row.task.title},
                detail="；".join(reasons) or _("办公室设定为滞后"),
                url=reverse("task-detail", args=[row.task.number]),
                action=_("查看"),
                deadline=row.report_due_on if row.overdue_units else None,
                deadline_label=_("应报送") if row.overdue_units else "",
                overdue=bool(row.overdue_units),
            )
        )
    return items


def _overdue_notices(user, today) -> list[TodoItem]:
    """For leaders: 督办通知书 past their deadline without an accepted report."""
    return [
        TodoItem(
            kind="notice",
            title=f"{n.number} {n.town.name}",
            detail=_("%(county)s逾期未完成整改") % {"county": n.county.name},
            url=reverse("supervision-notice", args=[n.pk]),
            action=_("查看"),
            deadline=n.deadline,
            deadline_label=_("整改期限"),
            overdue=True,
        )
        for n in supervision_notices(user=user).filter(SupervisionNotice.overdue_q(today)).order_by("deadline")[:LIMIT]
    ]


Source = Callable[..., list[TodoItem]]

BY_ROLE: dict[str, tuple[Source, ...]] = {
    Role.COUNTY: (_county_applications, _reexaminations, _reports, _problems, _notices, _inspections),
    Role.OFFICE: (_office_applications, _reexaminations, _problems, _notices, _inspections),
    Role.BUREAU: (_reports, _problems, _inspections),
    Role.EXPERT: (_reviews, _inspections),
    Role.LEADER: (_overdue_notices,),
    Role.API: (),
}


def _order(item: TodoItem):
    # A stable sort: items of the same date keep their workflow's order (task number, submission time …).
    return (not item.overdue, item.deadline or datetime.date.max)


def todo_for(user, *, today: datetime.date | None = None, board: list[TaskRow] | None = None) -> list[TodoGroup]:
    """The user's 待办, grouped by kind (only kinds with items), each group overdue first, then by deadline.

    ``board``: the task board's rows when the page has them already (a leader's 滞后 tasks come from them).
    """
    today = today or timezone.localdate()
    role = role_of(user)
    items = [item for source in BY_ROLE.get(role, ()) for item in source(user, today)]
    if role == Role.LEADER and board is not None:
        items += _tasks_behind(board, today)
    groups = {kind: TodoGroup(kind, str(label), reverse(url)) for kind, (label, url) in KINDS.items()}
    for item in items:
        groups[item.kind].items.append(item)
    for group in groups.values():
        group.items.sort(key=_order)
    return [g for g in groups.values() if g.items]

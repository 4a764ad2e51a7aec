"""What the evaluation's irreversible or outward-facing moves will do, said before they are done (core.confirm):
publishing a year's results, restarting a year, reviewing a rectification report, and the special inspection's
moves (above all issuing its 督办通知书)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.confirm import Confirmation

from .models import EvaluationRun, Finding, Inspection, SupervisionNotice
from .services import PublicationPlan


def _list(items: Iterable[str], limit: int = 10) -> str:
    items = list(dict.fromkeys(items))
    text = "、".join(items[:limit])
    return text + (_("等%(n)d个") % {"n": len(items)} if len(items) > limit else "")


def _counties(rows) -> str:
    """The counties notified, by name (盐湖区、闻喜县), in the order their towns come."""
    return _list((r.town.county.name for r in rows), 20)


def notices_line(count: int, counties: str, deadline: datetime.date) -> str:
    return _("生成%(n)d份督办通知书（整改期限%(date)s）并通知%(counties)s。") % {
        "n": count,
        "counties": counties,
        "date": deadline.isoformat(),
    }


def evaluation_publish(run: EvaluationRun, plan: PublicationPlan) -> Confirmation:
    lines = [
        _("发布%(year)d年度专业镇评估结果（%(n)d个专业镇的得分和排名），发布后为最终结果，该年度不能再重新评估。")
        % {"year": run.year, "n": run.results.count()}
    ]
    if plan.top:
        lines.append(
            _("表扬%(n)d个专业镇：%(towns)s，并通知%(counties)s。")
            % {
                "n": len(plan.top),
                "towns": _list(f"{r.town.name}（第{r.rank}名）" for r in plan.top),
                "counties": _counties(plan.top),
            }
        )
    if plan.noticed:
        lines.append(notices_line(len(plan.noticed), _counties(plan.noticed), plan.deadline))
        lines.append(
            _("被督办的专业镇：%(towns)s。")
            % {"towns": _list(f"{r.town.name}（{r.town.county.name}）" for r in plan.noticed)}
        )
    else:
        lines.append(_("不下发督办通知书。"))
    if plan.flagged:
        lines.append(
            _("为按认定标准复核不再符合条件的%(n)d个专业镇提出专项检查：%(towns)s（已有未办结检查的沿用）。")
            % {"n": len(plan.flagged), "towns": _list(r.town.name for r in plan.flagged)}
        )
    return Confirmation(
        title=_("发布%(year)d年度评估结果") % {"year": run.year},
        consequences=lines,
        action_label=_("确认发布"),
        cancel_url=reverse("evaluation-detail", kwargs={"pk": run.pk}),
        danger=True,
        undo=_("发布后不能撤回：督办通知书已编号下发。"),
    )


def evaluation_restart(year: int, current: EvaluationRun) -> Confirmation:
    started = timezone.localtime(current.started_at).strftime("%Y-%m-%d %H:%M") if current.started_at else "—"
    return Confirmation(
        title=_("重新开始%(year)d年度评估") % {"year": year},
        consequences=[
            _("删除%(year)d年度现有的%(status)s评估结果（%(date)s开始），按当前数据和设置重新计算。")
            % {
                "year": year,
                "status": current.get_status_display(),
                "date": started,
            },
        ],
        action_label=_("确认重新评估"),
        cancel_url=reverse("evaluation-list"),
        undo=_("原结果删除后不能恢复。"),
    )


def rectification_review(notice: SupervisionNotice, accept: bool, note: str) -> Confirmation:
    county = notice.county.government_name
    if accept:
        lines = [
            _("督办通知书%(number)s（%(town)s）整改完成，办结，并通知%(county)s。")
            % {"number": notice.number, "town": notice.town.name, "county": county}
        ]
        if notice.inspection_id:
            lines.append(
                _("专项检查%(number)s的督办通知书全部整改完成时，检查随之办结。") % {"number": notice.inspection.number}
            )
        title, label = _("审核通过整改报告"), _("确认整改完成")
    else:
        lines = [
            _("退回督办通知书%(number)s的整改报告，%(county)s须继续整改并重新报送；通知对方。")
            % {"number": notice.number, "county": county}
        ]
        title, label = _("退回整改报告"), _("确认退回")
    lines.append(_("审核意见（对方可见）：%(note)s") % {"note": note})
    return Confirmation(
        title=title,
        consequences=lines,
        action_label=label,
        cancel_url=reverse("supervision-notice", kwargs={"pk": notice.pk}),
    )


# --- special inspections ---------------------------------------------------------------------------------------


def inspection_issue(inspection: Inspection, deadline: datetime.date) -> Confirmation:
    rows = (
        inspection.findings.filter(result=Finding.Result.RECTIFY)
        .select_related("town__county")
        .order_by("town__county__sort_order", "town__name")
    )
    towns = list({f.town_id: f.town for f in rows}.values())
    return Confirmation(
        title=_("下发督办通知书（专项检查%(number)s）") % {"number": inspection.number},
        consequences=[
            notices_line(len(towns), _list(t.county.name for t in towns), deadline),
            _("被督办的专业镇：%(towns)s；检查进入整改阶段。")
            % {"towns": _list(f"{t.name}（{t.county.name}）" for t in towns)},
        ],
        action_label=_("确认下发"),
        cancel_url=reverse("inspection-detail", kwargs={"pk": inspection.pk}),
        danger=True,
        undo=_("督办通知书编号下发后不能撤回。"),
    )


def inspection_start(inspection: Inspection) -> Confirmation:
    towns = list(inspection.towns.select_related("county"))
    team = [u.name for u in inspection.units.all()]
    team += [e.get_full_name() or e.username for e in inspection.experts.all()]
    return Confirmation(
        title=_("开始专项检查%(number)s") % {"number": inspection.number},
        consequences=[
            _("检查组（%(team)s）收到通知，开始记录检查发现。") % {"team": _list(team) or "—"},
            _("%(counties)s收到检查通知（%(towns)s）。")
            % {"counties": _list(t.county.name for t in towns), "towns": _list(t.name for t in towns)},
            _("开始后检查计划（对象、检查组、清单）不能再修改。"),
        ],
        action_label=_("确认开始"),
        cancel_url=reverse("inspection-detail", kwargs={"pk": inspection.pk}),
    )


def inspection_close(inspection: Inspection, note: str) -> Confirmation:
    lines = [_("办结专项检查%(number)s（%(title)s）。") % {"number": inspection.number, "title": inspection.title}]
    if note:
        lines.append(_("办结说明：%(note)s") % {"note": note})
    return Confirmation(
        title=_("办结专项检查"),
        consequences=lines,
        action_label=_("确认办结"),
        cancel_url=reverse("inspection-detail", kwargs={"pk": inspection.pk}),
        undo=_("办结后不能重新打开。"),
    )

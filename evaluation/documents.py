"""The evaluation's official documents: the supervision notice (督办通知书, 五、（四）) and the special
inspection's report (专项检查报告)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import Block, Document, chinese_date
from towns.reference import ISSUER

from .models import Finding, Inspection, SupervisionNotice


def supervision_notice(notice: SupervisionNotice) -> Document:
    if notice.inspection_id:
        opening = _("根据专项检查（%(number)s）发现的问题，你县（市、区）%(town)s存在以下问题，现予督办：") % {
            "number": notice.inspection.number,
            "town": notice.town.name,
        }
    else:
        opening = _("根据%(year)s年度专业镇评估结果，你县（市、区）%(town)s存在以下问题，现予督办：") % {
            "year": notice.run.year,
            "town": notice.town.name,
        }
    return Document(
        title=_("督办通知书"),
        number=notice.number,
        issuer=ISSUER,
        issued_on=notice.issued_on,
        filename=f"{notice.number}.pdf",
        addressee=notice.county.government_name,
        body=(
            Block(opening),
            Block(items=tuple(notice.problems)),
            Block(
                _("请于%(date)s前完成整改，并通过运城市专业镇服务平台报送整改报告。")
                % {"date": chinese_date(notice.deadline)}
            ),
            Block(_basis(notice)),
        ),
    )


def _basis(notice: SupervisionNotice) -> str:
    """五、（四） grounds the notice (年度评估, 督办通知书, 专项检查); a criteria failure found by the re-check rests
    on 三 (the certification criteria), which the notice then cites for it."""
    plan = _("《运城市促进专业镇高质量发展三年行动计划》（运政办发〔2023〕8号）")
    if notice.run_id and notice.run.results.filter(town_id=notice.town_id, inspection=True).exists():
        return _("依据：%(plan)s五、（四）；认定标准复核依据同一文件三、市级专业镇认定标准。") % {"plan": plan}
    return _("依据：%(plan)s五、（四）。") % {"plan": plan}


def inspection_report(
    inspection: Inspection, towns: Iterable, findings: Iterable[Finding], notices: Iterable[SupervisionNotice]
) -> Document:
    """专项检查报告: the plan, the findings per town and item, the rectification required. ``towns``, ``findings``
    and ``notices`` are those the reader may see (a county reads its own towns' part)."""
    team = [u.name for u in inspection.units.all()] + [
        e.get_full_name() or e.username for e in inspection.experts.all()
    ]
    period = (
        _("%(start)s至%(end)s") % {"start": chinese_date(inspection.starts_on), "end": chinese_date(inspection.ends_on)}
        if inspection.starts_on
        else _("待定")
    )
    towns = list(towns)
    body = [
        Block(
            _("检查名称：%(title)s。检查时间：%(period)s。检查组：%(team)s。检查对象：%(towns)s。")
            % {
                "title": inspection.title,
                "period": period,
                "team": "、".join(team) or _("领导小组办公室"),
                "towns": "、".join(t.name for t in towns),
            }
        ),
    ]
    by_town: dict[int, list[Finding]] = {}
    for finding in findings:
        by_town.setdefault(finding.town_id, []).append(finding)
    for town in towns:
        rows = by_town.get(town.pk, [])
        body.append(Block(_("%(town)s检查情况：") % {"town": town.name}))
        body.append(
            Block(
                items=tuple(
                    f"{f.item.title}：{f.get_result_display()}" + (f"。{f.note}" if f.note else "") for f in rows
                )
                or (_("尚未记录检查发现。"),)
            )
        )
    notices = list(notices)
    if notices:
        body.append(
            Block(
                _("对需要整改的问题，已下发督办通知书：%(list)s。")
                % {
                    "list": "；".join(
                        _("%(number)s（%(town)s，整改期限%(date)s，%(status)s）")
                        % {
                            "number": n.number,
                            "town": n.town.name,
                            "date": chinese_date(n.deadline),
                            "status": n.get_status_display(),
                        }
                        for n in notices
                    )
                }
            )
        )
    if inspection.conclusion:
        body.append(Block(_("检查结论：%(text)s") % {"text": inspection.conclusion}))
    body.append(Block(_("依据：《运城市促进专业镇高质量发展三年行动计划》（运政办发〔2023〕8号）五、（四）。")))
    return Document(
        title=_("专项检查报告"),
        number=inspection.number,
        issuer=ISSUER,
        issued_on=timezone.localdate(inspection.closed_at) if inspection.closed_at else inspection.ends_on,
        filename=f"{inspection.number}.pdf",
        body=tuple(body),
    )

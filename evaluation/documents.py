"""The evaluation's official document: the supervision notice (督办通知书, 五、（四）)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.documents import Block, Document, chinese_date
from towns.reference import ISSUER

from .models import SupervisionNotice


def supervision_notice(notice: SupervisionNotice) -> Document:
    return Document(
        title=_("督办通知书"),
        number=notice.number,
        issuer=ISSUER,
        issued_on=notice.issued_on,
        filename=f"{notice.number}.pdf",
        addressee=notice.county.government_name,
        body=(
            Block(
                _("根据%(year)s年度专业镇评估结果，你县（市、区）%(town)s存在以下问题，现予督办：")
                % {"year": notice.run.year, "town": notice.town.name}
            ),
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
    if notice.run.results.filter(town_id=notice.town_id, inspection=True).exists():
        return _("依据：%(plan)s五、（四）；认定标准复核依据同一文件三、市级专业镇认定标准。") % {"plan": plan}
    return _("依据：%(plan)s五、（四）。") % {"plan": plan}

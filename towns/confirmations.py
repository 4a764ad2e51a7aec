"""What the registry's irreversible or outward-facing actions will do, said before they are done (core.confirm)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.confirm import Confirmation

from .models import Enterprise, Tier, Town, TownEvidence, TownTierChange


def enterprise_delete(enterprise: Enterprise) -> Confirmation:
    years = sorted(enterprise.figures.values_list("year", flat=True))
    lines = [
        _("从%(town)s的企业名录中删除“%(name)s”（%(role)s，统一社会信用代码%(code)s）。")
        % {
            "town": enterprise.town.name,
            "name": enterprise.name,
            "role": enterprise.get_role_display(),
            "code": enterprise.credit_code or _("待补录"),
        }
    ]
    if years:
        lines.append(
            _("该企业%(n)d个年度的数据（%(first)d—%(last)d年）一并删除，本镇的企业数和规上企业数随之减少。")
            % {"n": len(years), "first": years[0], "last": years[-1]}
        )
    else:
        lines.append(_("本镇的企业数随之减少。"))
    return Confirmation(
        title=_("删除企业“%(name)s”") % {"name": enterprise.name},
        consequences=lines,
        action_label=_("确认删除"),
        cancel_url=reverse("enterprise-detail", kwargs={"pk": enterprise.pk}),
        danger=True,
        undo=_("删除后不能恢复；删除前的信息保留在操作记录中。"),
    )


def tier_change(town: Town, *, to_tier: str, effective_date: datetime.date, source: str) -> Confirmation:
    today = timezone.localdate()
    values = {
        "town": town.name,
        "from": Tier(town.tier).label,
        "to": Tier(to_tier).label,
        "date": effective_date.isoformat(),
        "source": source,
    }
    if effective_date > today:
        lines = [
            _("登记一项计划变更：%(town)s计划于%(date)s由%(from)s变更为%(to)s（依据：%(source)s）。") % values,
            _("在此之前%(town)s仍按%(from)s统计（领导看板、名录筛选、数据接口）；到期由系统每日任务自动生效。")
            % values,
        ]
        undo = _("生效前可在专业镇页面撤回。")
    else:
        lines = [
            _("%(town)s的梯次由%(from)s变更为%(to)s，自%(date)s起生效（依据：%(source)s）。") % values,
            _("领导看板、名录筛选和数据接口立即按%(to)s统计。") % values,
        ]
        undo = _("当日内可在专业镇页面撤回（恢复为%(from)s）。") % values
        pending = town.tier_changes.scheduled().first()
        if pending:
            lines.append(
                _("该镇另有计划于%(date)s生效的变更（→%(to)s），届时仍将生效，如不再需要请撤回。")
                % {"date": pending.effective_date.isoformat(), "to": pending.get_to_tier_display()}
            )
    return Confirmation(
        title=_("变更%(town)s的梯次") % values,
        consequences=lines,
        action_label=_("确认登记") if effective_date > today else _("确认变更"),
        cancel_url=reverse("town-detail", kwargs={"pk": town.pk}),
        undo=undo,
    )


def tier_change_withdraw(change: TownTierChange, reason: str) -> Confirmation:
    values = {
        "town": change.town.name,
        "from": change.get_from_tier_display() or "—",
        "to": change.get_to_tier_display(),
        "date": change.effective_date.isoformat(),
        "reason": reason,
    }
    if change.status == TownTierChange.Status.SCHEDULED:
        lines = [
            _("撤回计划于%(date)s生效的变更（%(town)s：%(from)s → %(to)s），到期不再生效。") % values,
        ]
    else:
        since = change.from_since.isoformat() if change.from_since else "—"
        lines = [
            _("撤回%(town)s今日登记的梯次变更（%(from)s → %(to)s，%(date)s生效）。") % values,
            _("%(town)s恢复为%(from)s（认定日期%(since)s），各项统计随之恢复。") % {**values, "since": since},
        ]
    lines.append(_("撤回理由：%(reason)s；该变更保留在梯次变更记录中，标为已撤回。") % values)
    return Confirmation(
        title=_("撤回梯次变更"),
        consequences=lines,
        action_label=_("确认撤回"),
        cancel_url=reverse("town-detail", kwargs={"pk": change.town_id}),
    )


def evidence_withdraw(evidence: TownEvidence, reason: str) -> Confirmation:
    label = evidence.get_feature_kind_display() if evidence.feature_kind else evidence.get_kind_display()
    return Confirmation(
        title=_("撤回认可证明"),
        consequences=[
            _("撤回%(town)s的“%(label)s”证明（%(statement)s）。")
            % {"town": evidence.town.name, "label": label, "statement": evidence.statement[:80]},
            _("此后的年度复核和认定申请不再据此认可该项；撤回理由：%(reason)s。") % {"reason": reason},
        ],
        action_label=_("确认撤回"),
        cancel_url=reverse("town-detail", kwargs={"pk": evidence.town_id}) + "#evidence",
        undo=_("撤回后记录保留；如需恢复，请重新登记认可证明。"),
    )


def api_token_issue(holder, active) -> Confirmation:
    lines = [_("为接口用户%(name)s签发新令牌；令牌只在签发后显示一次，请立即转交对方。") % {"name": holder.username}]
    if active:
        lines.insert(
            0,
            _("%(name)s现有的令牌（%(prefix)s…）立即失效：使用它的系统将无法调用接口，直到换上新令牌。")
            % {"name": holder.username, "prefix": active.prefix},
        )
    return Confirmation(
        title=_("重新签发接口令牌") if active else _("签发接口令牌"),
        consequences=lines,
        action_label=_("确认签发"),
        cancel_url=reverse("api-tokens"),
        danger=bool(active),
        undo=_("旧令牌失效后不能恢复。") if active else _("可随时吊销。"),
    )


def api_token_revoke(holder, active) -> Confirmation:
    return Confirmation(
        title=_("吊销接口令牌"),
        consequences=[
            _("吊销%(name)s的令牌（%(prefix)s…）：使用它的系统立即无法调用接口。")
            % {"name": holder.username, "prefix": active.prefix if active else "—"},
        ],
        action_label=_("确认吊销"),
        cancel_url=reverse("api-tokens"),
        danger=True,
        undo=_("吊销后不能恢复；可另行签发新令牌。"),
    )

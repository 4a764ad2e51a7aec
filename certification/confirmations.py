"""What the certification workflow's irreversible or outward-facing moves will do, said before they are done
(core.confirm): each function returns the confirmation page's text for one move."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.confirm import Confirmation
from towns.models import Tier

from . import decision, engine
from .models import Application, Attachment, Certificate, Cycle, ProvincialRecommendation
from .models_reexam import ReExamination

Status = Application.Status


def _app_url(app: Application) -> str:
    return reverse("application-detail", kwargs={"pk": app.pk})


def _names(items, limit: int = 8) -> str:
    items = list(items)
    text = "、".join(items[:limit])
    return text + (_("等%(n)d个") % {"n": len(items)} if len(items) > limit else "")


def submit(app: Application) -> Confirmation:
    values = {
        "number": app.number,
        "town": app.town.name,
        "tier": app.get_target_tier_display(),
        "n": app.version + 1,
    }
    lines = [
        _("提交申请%(number)s（%(town)s，申报%(tier)s），作为第%(n)d次提交的版本存档。") % values,
        _("提交后不能再修改；领导小组办公室将收到通知并进行形式审查。") % values,
    ]
    verdict = app.verdict()
    if verdict is not None and verdict.outcome != engine.ELIGIBLE:
        lines.append(_("当前自检结论：%(outcome)s（仍可提交，由办公室审查）。") % {"outcome": verdict.outcome_label})
    return Confirmation(
        title=_("提交认定申请%(number)s") % values,
        consequences=lines,
        action_label=_("确认提交"),
        cancel_url=_app_url(app),
        undo=_("提交后只有被退回才能修改再提交。"),
    )


def screen(app: Application) -> Confirmation:
    return Confirmation(
        title=_("开始形式审查"),
        consequences=[
            _("申请%(number)s（%(town)s）进入形式审查，%(county)s将收到通知。")
            % {"number": app.number, "town": app.town.name, "county": app.county.government_name},
        ],
        action_label=_("确认开始"),
        cancel_url=_app_url(app),
        undo=_("开始后不能恢复为“已提交”；审查中可退回修改、送专家评审或不予认定。"),
    )


def return_(app: Application, reason: str) -> Confirmation:
    return Confirmation(
        title=_("退回申请%(number)s") % {"number": app.number},
        consequences=[
            _("将申请%(number)s（%(town)s）退回%(county)s修改，并通知对方。")
            % {"number": app.number, "town": app.town.name, "county": app.county.government_name},
            _("退回原因（对方可见）：%(reason)s") % {"reason": reason},
        ],
        action_label=_("确认退回"),
        cancel_url=_app_url(app),
        undo=_("退回后由县（市、区）修改再次提交，办公室不能收回退回。"),
    )


def certificate_valid_until(cycle: Cycle, today: datetime.date) -> datetime.date:
    return today.replace(year=today.year + cycle.certificate_years) - datetime.timedelta(days=1)


def certify(app: Application, rationales: dict[str, str] | None = None) -> Confirmation:
    """``rationales``: the office's written opinions as the form sends them, by the criterion's label."""
    today = timezone.localdate()
    town = app.town
    values = {
        "town": town.name,
        "number": app.number,
        "years": app.cycle.certificate_years,
        "until": certificate_valid_until(app.cycle, today).isoformat(),
        "county": app.county.government_name,
    }
    if app.target_tier == Tier.PROVINCIAL:
        lines = [
            _(
                "认定%(town)s为市级专业镇（推荐省级），签发编号的认定证书，有效期%(years)d年（至%(until)s），"
                "并推荐省级专业镇；省级认定后另行记录。"
            )
            % values
        ]
    else:
        lines = [_("认定%(town)s为市级专业镇，签发编号的认定证书，有效期%(years)d年（至%(until)s）。") % values]
    if app.target_tier != Tier.PROVINCIAL and town.tier == Tier.POTENTIAL:
        lines.append(_("%(town)s的梯次由潜力专业镇变更为市级专业镇（今日起），领导看板和名录随之统计。") % values)
    if app.figures_year:
        differences = decision.figures_differences(app)
        if differences is None:
            lines.append(_("申请填报的%(year)d年数据记入本镇年度数据。") % {"year": app.figures_year})
        elif differences:
            lines.append(_("本镇已有%(year)d年数据且与申请填报不一致：保留本镇已有数据。") % {"year": app.figures_year})
    claims = [
        label
        for flag, label in ((app.national_market, _("全国市场空间")), (app.traditional_feature, _("传统特色")))
        if flag
    ]
    if claims:
        lines.append(_("申报的%(claims)s证明记入本镇已认可的证明。") % {"claims": "、".join(claims)})
    for label, text in (rationales or {}).items():
        lines.append(_("办公室研究意见（%(label)s）：%(text)s") % {"label": label, "text": text})
    lines.append(_("通知%(county)s；申请%(number)s办结。") % values)
    return Confirmation(
        title=_("认定%(town)s") % values,
        consequences=lines,
        action_label=_("确认认定"),
        cancel_url=_app_url(app),
        undo=_("认定后不能撤回；如需纠正，只能撤销证书（梯次随之调整）。"),
    )


def reject(app: Application, reason: str) -> Confirmation:
    return Confirmation(
        title=_("不予认定%(town)s") % {"town": app.town.name},
        consequences=[
            _("对申请%(number)s（%(town)s）作出不予认定的决定，生成决定书并通知%(county)s。")
            % {"number": app.number, "town": app.town.name, "county": app.county.government_name},
            _("决定书写明的理由：%(reason)s") % {"reason": reason},
        ],
        action_label=_("确认不予认定"),
        cancel_url=_app_url(app),
        danger=True,
    )


def experts_assign(applications: list[Application], experts: list) -> Confirmation:
    names = _names(e.get_full_name() or e.username for e in experts)
    lines = [
        _("为%(n)d项申请（%(apps)s）分配评审专家：%(experts)s；专家将收到评审通知。")
        % {"n": len(applications), "apps": _names(f"{a.number} {a.town.name}" for a in applications), "experts": names}
    ]
    screening = [a for a in applications if a.status == Status.SCREENING]
    if screening:
        lines.append(
            _("形式审查中的申请（%(apps)s）转入专家评审，%(counties)s将收到通知。")
            % {
                "apps": _names(a.number for a in screening),
                "counties": _names(dict.fromkeys(a.county.government_name for a in screening)),
            }
        )
    return Confirmation(
        title=_("分配评审专家"),
        consequences=lines,
        action_label=_("确认分配"),
        cancel_url=reverse("application-list"),
        undo=_("分配后不能取消；可再增派专家。"),
    )


def notice_publish(cycle: Cycle, applications: list[Application], starts_on: datetime.date) -> Confirmation:
    ends_on = starts_on + datetime.timedelta(days=cycle.notice_days - 1)
    return Confirmation(
        title=_("发布公示：%(cycle)s拟认定名单") % {"cycle": cycle.name},
        consequences=[
            _("发布编号的公示（运专镇公示〔%(year)d〕号序列），拟认定名单%(n)d个专业镇：%(towns)s。")
            % {"year": cycle.year, "n": len(applications), "towns": _names((a.town.name for a in applications), 20)},
            _("公示期%(a)s至%(b)s（%(days)d天）；公示页面对公众开放，无需登录。")
            % {"a": starts_on.isoformat(), "b": ends_on.isoformat(), "days": cycle.notice_days},
            _("列入名单的申请进入公示，公示期满后方可认定。"),
        ],
        action_label=_("确认发布"),
        cancel_url=reverse("notice-list"),
        undo=_("公示发布后不能撤回。"),
    )


def certificate_revoke(certificate: Certificate, reason: str, document: str = "") -> Confirmation:
    town = certificate.town
    lines = [
        _("撤销认定证书%(number)s（%(town)s，%(tier)s），证书页面和PDF标注已撤销。")
        % {"number": certificate.number, "town": town.name, "tier": certificate.tier_label},
    ]
    if certificate.tier == Tier.CITY and town.tier == Tier.CITY:
        lines.append(_("%(town)s的梯次由市级专业镇降为潜力专业镇（今日起），各项统计随之调整。") % {"town": town.name})
    lines.append(
        _("撤销理由%(document)s：%(reason)s；通知%(county)s。")
        % {"reason": reason, "document": f"（{document}）" if document else "", "county": town.county.government_name}
    )
    return Confirmation(
        title=_("撤销认定证书%(number)s") % {"number": certificate.number},
        consequences=lines,
        action_label=_("确认撤销"),
        cancel_url=reverse("certificate-detail", kwargs={"pk": certificate.pk}),
        danger=True,
    )


def province_recommend(town, recommended_on: datetime.date) -> Confirmation:
    return Confirmation(
        title=_("推荐%(town)s为省级专业镇") % {"town": town.name},
        consequences=[
            _("记录向省推荐%(town)s为省级专业镇（推荐日期%(date)s）；省级认定后在本页记录，梯次随之变更。")
            % {"town": town.name, "date": recommended_on.isoformat()},
        ],
        action_label=_("确认推荐"),
        cancel_url=reverse("provincial"),
        undo=_("推荐记录不能撤回。"),
    )


def province_designate(rec: ProvincialRecommendation, designated_on: datetime.date, source: str) -> Confirmation:
    return Confirmation(
        title=_("记录省级认定：%(town)s") % {"town": rec.town.name},
        consequences=[
            _("%(town)s的梯次由%(from)s变更为省级专业镇，自%(date)s起生效（依据：%(source)s）。")
            % {
                "town": rec.town.name,
                "from": Tier(rec.town.tier).label,
                "date": designated_on.isoformat(),
                "source": source,
            },
            _("领导看板、名录筛选和数据接口随之按省级专业镇统计。"),
        ],
        action_label=_("确认记录"),
        cancel_url=reverse("provincial"),
    )


def attachment_delete(attachment: Attachment) -> Confirmation:
    return Confirmation(
        title=_("删除申报材料"),
        consequences=[
            _("从申请%(number)s中删除申报材料“%(name)s”（%(kind)s）。")
            % {
                "number": attachment.application.number,
                "name": attachment.original_name,
                "kind": attachment.get_kind_display(),
            }
        ],
        action_label=_("确认删除"),
        cancel_url=reverse("application-step", kwargs={"pk": attachment.application_id, "step": "attachments"}),
        danger=True,
        undo=_("删除后不能恢复，可重新上传。"),
    )


# --- re-examination (复核) ---------------------------------------------------------------------------------------


def _reexam_url(reexam: ReExamination) -> str:
    return reverse("reexamination-detail", kwargs={"pk": reexam.pk})


def reexamination_submit(reexam: ReExamination) -> Confirmation:
    certificate = reexam.certificate
    return Confirmation(
        title=_("报送复核材料"),
        consequences=[
            _("报送%(town)s（证书%(number)s）的复核材料；报送后不能修改，领导小组办公室将收到通知并作出复核决定。")
            % {"town": certificate.town.name, "number": certificate.number}
        ],
        action_label=_("确认报送"),
        cancel_url=_reexam_url(reexam),
        undo=_("办公室责令整改时可再次修改报送。"),
    )


def reexamination_decide(reexam: ReExamination, action: str, data: dict) -> Confirmation:
    certificate = reexam.certificate
    town = certificate.town
    values = {
        "town": town.name,
        "number": certificate.number,
        "county": town.county.government_name,
        "reason": data.get("reason") or "—",
    }
    if action == "renew":
        title = _("延续认定%(town)s") % values
        lines = [
            _("签发新的编号认定证书，有效期%(years)d年，原证书%(number)s由新证书取代。")
            % {**values, "years": certificate.cycle.certificate_years},
            _("办公室研究意见：%(reason)s") % values,
        ]
        label, danger = _("确认延续认定"), False
    elif action == "rectify":
        title = _("责令整改：%(town)s") % values
        lines = [
            _("责令%(county)s于%(date)s前整改并重新报送复核材料，并通知对方。")
            % {**values, "date": data["deadline"].isoformat() if data.get("deadline") else "—"},
            _("整改要求：%(reason)s") % values,
        ]
        label, danger = _("确认责令整改"), False
    else:
        title = _("撤销认定：%(town)s") % values
        lines = [
            _("撤销认定证书%(number)s（决定文件：%(document)s），证书标注已撤销。")
            % {**values, "document": data.get("document") or "—"},
        ]
        if certificate.tier == Tier.CITY and town.tier == Tier.CITY:
            lines.append(_("%(town)s的梯次由市级专业镇降为潜力专业镇（今日起）。") % values)
        lines.append(_("撤销理由：%(reason)s；通知%(county)s。") % values)
        label, danger = _("确认撤销认定"), True
    return Confirmation(
        title=title, consequences=lines, action_label=label, cancel_url=_reexam_url(reexam), danger=danger
    )

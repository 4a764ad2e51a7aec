"""The certification's official documents: the certificate (认定证书) and the decision letter (认定决定书)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import Block, Document, chinese_date
from towns.models import Tier
from towns.reference import ISSUER

from .models import Application, Certificate


def certificate(cert: Certificate) -> Document:
    tier = cert.tier_label
    if cert.renews_id:  # a renewal after re-examination (复核, 动态管理)
        first = _("%(town)s专业镇，经复核，延续认定为%(tier)s（原证书%(old)s）。") % {
            "town": cert.town.name,
            "tier": tier,
            "old": cert.renews.number,
        }
    elif cert.recommended_provincial:
        # The city recommends; only the province designates a provincial town.
        first = _("%(town)s专业镇，经%(cycle)s评审、公示，认定为%(tier)s，并推荐申报省级专业镇。") % {
            "town": cert.town.name,
            "cycle": cert.cycle.name,
            "tier": Tier.CITY.label,
        }
    else:
        first = _("%(town)s专业镇，经%(cycle)s评审、公示，认定为%(tier)s。") % {
            "town": cert.town.name,
            "cycle": cert.cycle.name,
            "tier": tier,
        }
    body = [
        Block(first),
        Block(
            _("有效期：%(start)s至%(end)s")
            % {"start": chinese_date(cert.issued_on), "end": chinese_date(cert.valid_until)}
        ),
    ]
    if cert.superseded_on:
        body.append(Block(_("本证书已于%(date)s经复核由新证书取代。") % {"date": chinese_date(cert.superseded_on)}))
    elif cert.awaiting_reexamination:
        body.append(Block(_("本证书已过有效期，待复核。"), warning=True))
    if cert.revoked_on:
        body.append(
            Block(
                _("本证书已于%(date)s撤销：%(reason)s")
                % {"date": chinese_date(cert.revoked_on), "reason": cert.revoke_reason},
                warning=True,
            )
        )
    return Document(
        title=_("运城市专业镇认定证书（已撤销）") if cert.revoked_on else _("运城市专业镇认定证书"),
        number=_("证书编号：%(number)s") % {"number": cert.number},
        issuer=ISSUER,
        issued_on=cert.issued_on,
        filename=f"{cert.number}.pdf",
        body=tuple(body),
        certificate=True,
    )


def decision_letter(app: Application) -> Document:
    return Document(
        title=_("专业镇认定决定书"),
        number=_("（申报编号 %(number)s）") % {"number": app.number},
        issuer=ISSUER,
        issued_on=timezone.localtime(app.decided_at).date() if app.decided_at else None,
        filename=f"{app.number}-决定书.pdf",
        addressee=app.county.government_name,
        body=(
            Block(
                _("你单位申报的“%(town)s”（%(cycle)s），经形式审查和评审，决定不予认定。")
                % {"town": app.town.name, "cycle": app.cycle.name}
            ),
            Block(_("理由：%(reason)s") % {"reason": app.decision_reason}),
            Block(_("如对本决定有异议，可在收到本决定之日起三十日内向市专业镇发展领导小组办公室提出。")),
        ),
    )

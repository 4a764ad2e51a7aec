"""Between an application and the town's standing evidence (towns.evidence): what the office accepts in a
certification stays with the town; what the town has shown once prefills its next application."""

from __future__ import annotations

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from towns import evidence as town_evidence
from towns.models import TownEvidence

from .models import Application, Attachment

Kind = TownEvidence.Kind


def _claims(app: Application) -> list[tuple[str, str, str, str]]:
    """(kind, feature kind, statement, attachment kind) of each claim the application makes."""
    claims = []
    if app.national_market and app.national_market_evidence.strip():
        claims.append((Kind.NATIONAL_MARKET, "", app.national_market_evidence, Attachment.Kind.MARKET))
    if app.traditional_feature and app.traditional_feature_kind and app.traditional_feature_evidence.strip():
        claims.append(
            (
                Kind.TRADITIONAL_FEATURE,
                app.traditional_feature_kind,
                app.traditional_feature_evidence,
                Attachment.Kind.FEATURE,
            )
        )
    return claims


def carry_over(*, user, app: Application, certificate_number: str) -> list[TownEvidence]:
    """On certification: the application's national-market and traditional-feature claims, accepted by the
    office, become the town's evidence, with copies of the attachments that prove them. A claim that repeats
    the town's current evidence word for word (a prefilled one left as it was) adds no record."""
    current = town_evidence.current_evidence(app.town)
    source = _("认定申请%(number)s（认定证书%(certificate)s）") % {
        "number": app.number,
        "certificate": certificate_number,
    }
    recorded = []
    for kind, feature_kind, statement, attachment_kind in _claims(app):
        existing = current.get(kind)
        if (
            existing
            and existing.feature_kind == feature_kind
            and statement.strip() in (existing.statement, _described(existing))
        ):
            continue
        attachments = list(app.attachments.filter(kind=attachment_kind))
        files = [File(a.file.open("rb"), name=a.original_name) for a in attachments]
        try:
            recorded.append(
                town_evidence.evidence_record(
                    user=user,
                    town=app.town,
                    kind=kind,
                    feature_kind=feature_kind,
                    statement=statement,
                    document=_("认定申请%(number)s申报材料") % {"number": app.number},
                    accepted_on=timezone.localdate(),
                    source=source,
                    attachments=files,
                )
            )
        finally:
            for f in files:
                f.close()
    return recorded


def prefill(app: Application) -> list[str]:
    """A new application starts from the town's current evidence: the claims are set and their statements say
    what the office accepted, when, and on what document. Returns the fields set."""
    current = town_evidence.current_evidence(app.town)
    fields = []
    market = current.get(Kind.NATIONAL_MARKET)
    if market:
        app.national_market, app.national_market_evidence = True, _described(market)
        fields += ["national_market", "national_market_evidence"]
    feature = current.get(Kind.TRADITIONAL_FEATURE)
    if feature:
        app.traditional_feature, app.traditional_feature_kind = True, feature.feature_kind
        app.traditional_feature_evidence = _described(feature)
        fields += ["traditional_feature", "traditional_feature_kind", "traditional_feature_evidence"]
    return fields


def _described(evidence: TownEvidence) -> str:
    return _("%(statement)s（已认可的证明：%(document)s；%(source)s，%(date)s认可）") % {
        "statement": evidence.statement,
        "document": evidence.document or _("见附件"),
        "source": evidence.source,
        "date": evidence.accepted_on.isoformat(),
    }

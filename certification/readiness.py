"""What an application still lacks before it can be submitted: the submit checklist.

One list, read by the submission service (which refuses while it is not empty), the wizard's pages (the checklist
beside the form, the submit button) and the API (the live check of a page not yet saved). The rules themselves
are the engine's (:func:`engine.target_tier_refusal`, :func:`engine.evidence_gaps`); this module gathers their
input from the application, its attachments and the town's accepted evidence.
"""

from __future__ import annotations

import copy

from django.utils.translation import gettext as _

from towns import evidence as town_evidence
from towns.models import TownEvidence

from . import engine
from .models import Application, Attachment

# The attachment category that proves each claim (the upload form's own label is shown in the message).
PROOF_KIND = {engine.NATIONAL_MARKET: Attachment.Kind.MARKET, engine.TRADITIONAL_FEATURE: Attachment.Kind.FEATURE}


def claimed(app: Application) -> tuple[str, ...]:
    return tuple(code for code in engine.CLAIM_LABELS if getattr(app, code))


def claim_support(app: Application) -> dict[str, engine.ClaimSupport]:
    """How each claim the application makes is backed: its statement, and a proof document — an attachment of the
    claim's category, or the town's evidence of that kind the office has already accepted (for a traditional
    feature, of the same kind). Two queries, and none when the application makes no claim."""
    claims = claimed(app)
    if not claims:
        return {}
    kinds = set(app.attachments.values_list("kind", flat=True)) if app.pk else set()
    standing = town_evidence.current_evidence(app.town)
    market = standing.get(TownEvidence.Kind.NATIONAL_MARKET)
    feature = standing.get(TownEvidence.Kind.TRADITIONAL_FEATURE)
    accepted = {
        engine.NATIONAL_MARKET: market is not None,
        engine.TRADITIONAL_FEATURE: feature is not None and feature.feature_kind == app.traditional_feature_kind,
    }
    stated = {
        engine.NATIONAL_MARKET: bool(app.national_market_evidence.strip()),
        engine.TRADITIONAL_FEATURE: bool(app.traditional_feature_kind and app.traditional_feature_evidence.strip()),
    }
    return {
        code: engine.ClaimSupport(
            stated=stated[code],
            proven=PROOF_KIND[code] in kinds or accepted[code],
            document_label=str(PROOF_KIND[code].label),
        )
        for code in claims
    }


def unproven_kinds(app: Application) -> list[str]:
    """The attachment categories still needed to prove the application's claims (the upload form preselects the
    first)."""
    return [PROOF_KIND[code] for code, backing in claim_support(app).items() if not backing.proven]


def missing(app: Application, *, counts: tuple[int, int] | None = None) -> list[str]:
    """Every reason the application cannot be submitted yet, in the order of the wizard's steps (empty: it can).
    ``counts`` (anchor, supporting) stands in for the saved firms, as :meth:`Application.facts` does."""
    errors = []
    refusal = engine.target_tier_refusal(target_tier=app.target_tier, town_tier=app.town.tier)
    if refusal:
        errors.append(refusal)
    anchor, supporting = counts if counts is not None else app.firm_counts()
    if not (anchor or supporting):
        errors.append(_("请在“龙头和配套企业”中列入龙头企业和关联配套企业。"))
    if app.annual_output_wan is None or app.local_jobs is None or app.figures_year is None:
        errors.append(_("请填写数据年度、年产值和带动当地就业人数。"))
    errors += engine.evidence_gaps(claimed(app), claim_support(app))
    return errors


def preview(
    app: Application, *, data: dict, counts: tuple[int, int] | None = None
) -> tuple[engine.Verdict | None, list[str]]:
    """The self-check and the checklist of the application as the county's page shows it before saving: ``data``
    (applicant fields as typed) and ``counts`` (anchor, supporting) stand in for what is saved. Nothing is written."""
    draft = copy.copy(app)
    for key, value in data.items():
        setattr(draft, key, value)
    return draft.verdict(counts=counts), missing(draft, counts=counts)

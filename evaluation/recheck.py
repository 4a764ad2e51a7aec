"""The annual re-check of certified towns against the certification criteria (三、市级专业镇认定标准), part of the
annual evaluation: does a city-level town still meet the four criteria with the year's figures?

The engine (certification.engine) judges; this module feeds it: the year's figures, the registry's firms and the
town's standing evidence (towns.evidence: "全国拥有较大市场空间", "传统特色"), which the office accepted once —
in a certification or, for the first batch that never applied, on the town's page.
"""

from __future__ import annotations

import collections

from django.db.models import Count
from django.utils.translation import gettext as _

from certification import engine
from certification.models import Certificate
from certification.reference import ensure_default_policy
from towns.evidence import current_evidence_by_town
from towns.models import Enterprise, Tier, Town, TownEvidence, TownYearFigures

PROVINCIAL_REVIEW = "provincial_review"


def provincial_result() -> dict:
    """A provincial town is not judged by the city's criteria (三 sets the city's; the province designates its
    own): it is listed for the office's decision, never flagged for inspection by this re-check."""
    return {
        "outcome": PROVINCIAL_REVIEW,
        "outcome_label": _("省级专业镇：由办公室按省级标准研究，不按市级标准复核"),
        "policy": "",
        "criteria": [],
    }


def recheck_all(towns: list[Town], figures: dict[int, dict[int, TownYearFigures]], year: int) -> dict[int, dict]:
    """Re-apply the four criteria (the policy of each town's certification, else the default) to the year's
    figures of certified towns, by town id. Provincial towns are listed for the office's decision instead."""
    if not towns:
        return {}
    out = {t.pk: provincial_result() for t in towns if t.tier == Tier.PROVINCIAL}
    towns = [t for t in towns if t.tier != Tier.PROVINCIAL]
    if not towns:
        return out
    ids = [t.pk for t in towns]
    roles: dict[int, dict[str, int]] = collections.defaultdict(dict)
    for town_id, role, n in (
        Enterprise.objects.filter(town_id__in=ids).values_list("town_id", "role").annotate(n=Count("pk")).order_by()
    ):
        roles[town_id][role] = n
    evidence = current_evidence_by_town(ids)
    policies = {}
    for certificate in (
        Certificate.objects.filter(town_id__in=ids, revoked_on__isnull=True)
        .select_related("cycle__policy")
        .order_by("town_id", "-issued_on")
    ):
        policies.setdefault(certificate.town_id, certificate.cycle.policy)  # the latest certificate's
    default = ensure_default_policy() if len(policies) < len(ids) else None
    for town in towns:
        current, shown = figures[town.pk][year], evidence.get(town.pk, {})
        market = shown.get(TownEvidence.Kind.NATIONAL_MARKET)
        facts = engine.TownFacts(
            sector=town.sector,
            annual_output_wan=current.output_wan,
            anchor_enterprises=roles[town.pk].get(Enterprise.Role.ANCHOR, 0),
            supporting_enterprises=roles[town.pk].get(Enterprise.Role.SUPPORTING, 0),
            provincial_share_pct=current.provincial_share_pct,
            local_jobs=current.local_jobs,
            national_market=market is not None,
            traditional_feature=TownEvidence.Kind.TRADITIONAL_FEATURE in shown,
        )
        verdict = engine.evaluate(facts, policies.get(town.pk, default).thresholds()).as_dict()
        out[town.pk] = _accepted_market(verdict, market) if market else verdict
    return out


def _accepted_market(verdict: dict, market: TownEvidence) -> dict:
    """The engine leaves "全国拥有较大市场空间" to the office (office_decision): in the re-check that decision has
    been taken — the office accepted the town's evidence — so the market criterion is met on it (三、三 "或全国拥有
    较大市场空间"), and the outcome is what the other criteria make it."""
    criteria = []
    for c in verdict["criteria"]:
        if c["code"] == "market_share" and c["status"] == engine.OFFICE_DECISION:
            c = c | {
                "status": engine.PASS,
                "status_label": engine.STATUS_LABELS[engine.PASS],
                "message": _(
                    "全省占有率未达标准，但全国拥有较大市场空间已经办公室认可（%(statement)s；%(source)s，"
                    "%(date)s认可），符合“或全国拥有较大市场空间”（三、三）。"
                )
                % {
                    "statement": market.statement,
                    "source": market.source,
                    "date": market.accepted_on.isoformat(),
                },
            }
        criteria.append(c)
    outcome = engine.outcome_of(c["status"] for c in criteria)
    return verdict | {"outcome": outcome, "outcome_label": engine.OUTCOME_LABELS[outcome], "criteria": criteria}


def failure_problem(criteria: dict, year: int, inspection: str = "") -> str:
    """The supervision notice's line for a town the re-check found no longer meeting the criteria: which criteria,
    in the engine's words (each citing its own paragraph of 三), and the special inspection the plan orders after
    certification (五、（四）"专业镇评定后，要组织开展专项检查"). The criteria themselves are not 五、（四）'s."""
    failed = "；".join(
        f"{c['label']}：{c['message'].rstrip('。')}"
        for c in (criteria or {}).get("criteria", [])
        if c["status"] == engine.FAIL
    )
    return _(
        "按市级专业镇认定标准（运政办发〔2023〕8号 三）以%(year)d年数据复核，不再符合%(failed)s。"
        "列入专项检查%(inspection)s（五、（四）“专业镇评定后，要组织开展专项检查”）。"
    ) % {"year": year, "failed": f"：{failed}" if failed else "", "inspection": inspection}

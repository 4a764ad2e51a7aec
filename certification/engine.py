"""The four criteria of a city-level key town (三、市级专业镇认定标准), as pure functions.

No ORM and no request: input is a town's facts and a policy's thresholds (plain data), output is
one result per criterion and an overall outcome, each with a short Chinese explanation citing the
document. Pages, the API, the county's self-check and the annual re-check all call :func:`evaluate`.

The relaxation is read as the plan words it: a town whose leading product has a traditional feature
"可适当放宽认定条件，但年产值不少于1亿元" -- the certification *conditions* in general, so any criterion the town
does not meet becomes the office's decision (with a written rationale), and the one hard floor is output:
below ``relaxed_floor_wan`` the scale criterion fails whatever the feature.

Citations name the plan only for what the plan says; the supporting-firm minimum (``min_supporting``) is this
policy's reading of "10家左右" and every message says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.formats import format_wan

MANUFACTURING, AGRICULTURE, LIGHT_INDUSTRY = "manufacturing", "agriculture", "light_industry"
SECTORS = (MANUFACTURING, AGRICULTURE, LIGHT_INDUSTRY)

PASS, FAIL, OFFICE_DECISION = "pass", "fail", "office_decision"
ELIGIBLE, NEEDS_OFFICE_DECISION, INELIGIBLE = "eligible", "needs_office_decision", "ineligible"

CRITERIA = ("concentration", "scale", "market_share", "employment")
CRITERION_LABELS = {
    "concentration": "产业相对集中",
    "scale": "规模相对较大",
    "market_share": "市场占有率较高",
    "employment": "就业带动性强",
}
OUTCOME_LABELS = {ELIGIBLE: "符合认定条件", NEEDS_OFFICE_DECISION: "需办公室研究决定", INELIGIBLE: "不符合认定条件"}
STATUS_LABELS = {PASS: "符合", FAIL: "不符合", OFFICE_DECISION: "需办公室决定"}


@dataclass(frozen=True)
class Thresholds:
    """A policy's numbers. Defaults are the 2023 document's (运政办发〔2023〕8号 三)."""

    code: str = "YC-2023"
    min_anchor: int = 1
    nominal_supporting: int = 10  # "关联配套企业在10家左右"
    min_supporting: int = 8  # how far "左右" stretches: the office's reading, set per policy
    output_floor_wan: dict[str, Decimal] = field(
        default_factory=lambda: {
            MANUFACTURING: Decimal("50000"),  # 制造业类 5亿元
            AGRICULTURE: Decimal("20000"),  # 特优农业 2亿元
            LIGHT_INDUSTRY: Decimal("20000"),  # 特色轻工（工艺美术）2亿元
        }
    )
    relaxed_floor_wan: Decimal = Decimal("10000")  # 放宽后"年产值不少于1亿元"
    share_pct: Decimal = Decimal("50")  # "在全省占有率50%以上"
    min_jobs: int = 2000  # "解决当地就业2000人以上"


# The 2023 document's numbers: the one place they are written (the policy model's defaults and the default policy
# row are read from here).
YC_2023 = Thresholds()


@dataclass(frozen=True)
class TownFacts:
    sector: str
    annual_output_wan: Decimal
    anchor_enterprises: int
    supporting_enterprises: int
    provincial_share_pct: Decimal | None
    local_jobs: int
    national_market: bool = False
    traditional_feature: bool = False


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: str
    message: str

    @property
    def label(self) -> str:
        return CRITERION_LABELS[self.code]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Verdict:
    outcome: str
    policy: str
    criteria: tuple[CriterionResult, ...]

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def office_decisions(self) -> tuple[CriterionResult, ...]:
        """The criteria the office decides (and must give a written rationale for)."""
        return tuple(c for c in self.criteria if c.status == OFFICE_DECISION)

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "policy": self.policy,
            "criteria": [
                {
                    "code": c.code,
                    "label": c.label,
                    "status": c.status,
                    "status_label": c.status_label,
                    "message": c.message,
                }
                for c in self.criteria
            ],
        }


def _relaxed(facts: TownFacts, result: CriterionResult) -> CriterionResult:
    """A criterion not met by a town with a traditional feature: the office may relax it (三、二)."""
    if result.status != FAIL or not facts.traditional_feature:
        return result
    relaxation = _(
        "主导产品具有传统特色，可在充分考虑发展前景后适当放宽认定条件，由办公室研究决定并写明放宽理由（三、二）。"
    )
    return CriterionResult(result.code, OFFICE_DECISION, result.message + relaxation)


def concentration(facts: TownFacts, t: Thresholds) -> CriterionResult:
    ok = facts.anchor_enterprises >= t.min_anchor and facts.supporting_enterprises >= t.min_supporting
    if ok:
        message = _(
            "龙头企业%(a)d家、关联配套企业%(s)d家，达到“至少拥有%(min_a)d家龙头企业、关联配套企业在%(nominal)d家左右”"
            "（三、一；本认定标准对“%(nominal)d家左右”的取值下限为%(min_s)d家）。"
        )
    elif facts.anchor_enterprises < t.min_anchor:
        message = _("龙头企业%(a)d家，未达到“至少拥有%(min_a)d家实力较强、行业知名的龙头企业”（三、一）。")
    else:
        message = _("关联配套企业%(s)d家，少于本认定标准对“%(nominal)d家左右”（三、一）的取值下限%(min_s)d家。")
    result = CriterionResult(
        "concentration",
        PASS if ok else FAIL,
        message
        % {
            "a": facts.anchor_enterprises,
            "s": facts.supporting_enterprises,
            "min_a": t.min_anchor,
            "nominal": t.nominal_supporting,
            "min_s": t.min_supporting,
        },
    )
    return _relaxed(facts, result)


def scale(facts: TownFacts, t: Thresholds) -> CriterionResult:
    floor = t.output_floor_wan[facts.sector]
    params = {
        "output": format_wan(facts.annual_output_wan),
        "floor": format_wan(floor),
        "relaxed": format_wan(t.relaxed_floor_wan),
    }
    if facts.annual_output_wan >= floor:
        return CriterionResult("scale", PASS, _("年产值%(output)s，达到本领域%(floor)s的标准（三、二）。") % params)
    if facts.traditional_feature and facts.annual_output_wan >= t.relaxed_floor_wan:
        return CriterionResult(
            "scale",
            OFFICE_DECISION,
            _(
                "年产值%(output)s，低于本领域%(floor)s，但主导产品具有传统特色；可在充分考虑发展前景后适当放宽，"
                "年产值不少于%(relaxed)s，由办公室研究决定（三、二）。"
            )
            % params,
        )
    if facts.traditional_feature:
        message = _("年产值%(output)s，即使按传统特色放宽认定条件，年产值也不得少于%(relaxed)s（三、二）。")
    else:
        message = _("年产值%(output)s，低于本领域%(floor)s的标准（三、二）。")
    return CriterionResult("scale", FAIL, message % params)


def market_share(facts: TownFacts, t: Thresholds) -> CriterionResult:
    share = facts.provincial_share_pct
    params = {
        "share": f"{share.normalize():f}%" if share is not None else _("未填报"),
        "min": f"{t.share_pct.normalize():f}%",
    }
    if share is not None and share >= t.share_pct:
        return CriterionResult(
            "market_share", PASS, _("主导产品全省占有率%(share)s，达到%(min)s以上（三、三）。") % params
        )
    if facts.national_market:
        return CriterionResult(
            "market_share",
            OFFICE_DECISION,
            _("全省占有率%(share)s，未达%(min)s；申报全国拥有较大市场空间，由办公室依据证明材料研究决定（三、三）。")
            % params,
        )
    return _relaxed(
        facts,
        CriterionResult(
            "market_share",
            FAIL,
            _("全省占有率%(share)s，未达%(min)s，且未申报全国拥有较大市场空间（三、三）。") % params,
        ),
    )


def employment(facts: TownFacts, t: Thresholds) -> CriterionResult:
    ok = facts.local_jobs >= t.min_jobs
    message = _("带动当地就业%(jobs)s人，%(verb)s“%(min)s人以上”（三、四）。") % {
        "jobs": f"{facts.local_jobs:,}",
        "min": f"{t.min_jobs:,}",
        "verb": _("达到") if ok else _("未达到"),
    }
    return _relaxed(facts, CriterionResult("employment", PASS if ok else FAIL, message))


def evaluate(facts: TownFacts, thresholds: Thresholds) -> Verdict:
    """Any fail -> ineligible; else any office decision -> needs_office_decision; else eligible.

    With a traditional feature every criterion the town does not meet is the office's decision, except output
    below the relaxed floor, which always fails.
    """
    if facts.sector not in SECTORS:
        raise ValueError(f"unknown sector {facts.sector!r}")
    results = tuple(rule(facts, thresholds) for rule in (concentration, scale, market_share, employment))
    return Verdict(outcome_of(r.status for r in results), thresholds.code, results)


def outcome_of(statuses) -> str:
    """The outcome of the criteria's statuses: any fail -> ineligible; else any office decision; else eligible."""
    statuses = set(statuses)
    return INELIGIBLE if FAIL in statuses else NEEDS_OFFICE_DECISION if OFFICE_DECISION in statuses else ELIGIBLE

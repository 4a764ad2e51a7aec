"""The annual assessment's one table (计算 → 待审核 → 发布) and who sees what of it.

The services check the table; the pages show the buttons :func:`assessment_actions_for` returns and the rows
:func:`sees_every_row` allows (the selectors scope the queries with the same predicates)."""

from __future__ import annotations

from towns.models import Role
from towns.permissions import role_of

from .assessment_models import Assessment

Status = Assessment.Status
NEW = None  # no assessment of the year yet

# action: (the states it starts from, the role that may take it, the state it leads to)
ASSESSMENT_ACTIONS: dict[str, tuple[tuple[str | None, ...], str, str]] = {
    # (re)compute: a draft is replaced; a run stuck in 计算中 (a lost worker) may be started again
    "compute": ((NEW, Status.COMPUTING, Status.DRAFT, Status.FAILED), Role.OFFICE, Status.COMPUTING),
    # publish after review: final, the counties and bureaus are told their result
    "publish": ((Status.DRAFT,), Role.OFFICE, Status.PUBLISHED),
}


def allowed(action: str, status: str | None) -> bool:
    return status in ASSESSMENT_ACTIONS[action][0]


def assessment_actions_for(user, assessment: Assessment | None) -> frozenset[str]:
    role = role_of(user)
    status = assessment.status if assessment is not None else NEW
    return frozenset(
        name for name, (sources, who, _to) in ASSESSMENT_ACTIONS.items() if status in sources and role == who
    )


def sees_assessments(user) -> bool:
    """The assessment pages: the office and leaders (every row), counties and bureaus (their own row)."""
    return role_of(user) in (Role.COUNTY, Role.OFFICE, Role.BUREAU, Role.LEADER)


def sees_every_row(user) -> bool:
    """Whose view is not confined to one unit's row: the office, leaders, and API accounts (the assessment office's
    system pulls published results; 评估结果作为县域经济考核评价的重要内容)."""
    return role_of(user) in (Role.OFFICE, Role.LEADER, Role.API)

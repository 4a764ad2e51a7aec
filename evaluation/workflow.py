"""The supervision notice's one table (督办通知书 → 整改报告 → 审核): who may act in which state.

The services check it; the notice page shows the forms :func:`notice_actions_for` returns."""

from __future__ import annotations

from towns.models import Role
from towns.permissions import can_see_enterprises_of, role_of

from .models import EvaluationRun, SupervisionNotice

Status = SupervisionNotice.Status

# An evaluation run: the office publishes a draft (final: it issues the numbered 督办通知书).
RUN_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": ((EvaluationRun.Status.DRAFT,), Role.OFFICE),
}


def run_actions_for(user, run: EvaluationRun) -> frozenset[str]:
    role = role_of(user)
    return frozenset(name for name, (sources, who) in RUN_ACTIONS.items() if run.status in sources and role == who)


# action: (states it starts from, the role that may take it)
NOTICE_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "answer": ((Status.ISSUED, Status.RETURNED), Role.COUNTY),  # the county named in the notice reports
    "review": ((Status.ANSWERED,), Role.OFFICE),  # the office accepts or returns the report
}


def sees_supervision_notices(user) -> bool:
    """The office and leaders see every notice, a county its own (the selector scopes); other roles none."""
    return role_of(user) in (Role.COUNTY, Role.OFFICE, Role.LEADER)


def notice_actions_for(user, notice: SupervisionNotice) -> frozenset[str]:
    role = role_of(user)
    return frozenset(
        name
        for name, (sources, who) in NOTICE_ACTIONS.items()
        if notice.status in sources
        and role == who
        and (role != Role.COUNTY or can_see_enterprises_of(user, notice.town))
    )

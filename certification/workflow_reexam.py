"""The re-examination's one transition table (复核, 动态管理): each action, its from-states, where it leads, who may.

open -> submitted -> renewed | rectifying -> submitted -> ... | revoked. The office may also revoke a
re-examination the county never answered. Services check it; pages ask :func:`actions_for` for the buttons.
"""

from __future__ import annotations

from dataclasses import dataclass

from towns.models import Role
from towns.permissions import can_see_enterprises_of, role_of

from .models_reexam import ReExamination

Status = ReExamination.Status


@dataclass(frozen=True)
class Action:
    sources: tuple[str, ...]
    target: str | None  # None: the re-examination changes, not its state
    role: str


ANSWERABLE = (Status.OPEN, Status.RECTIFYING)

ACTIONS: dict[str, Action] = {
    # the town's county
    "edit": Action(ANSWERABLE, None, Role.COUNTY),
    "submit": Action(ANSWERABLE, Status.SUBMITTED, Role.COUNTY),
    # the office
    "renew": Action((Status.SUBMITTED,), Status.RENEWED, Role.OFFICE),
    "rectify": Action((Status.SUBMITTED,), Status.RECTIFYING, Role.OFFICE),
    "revoke": Action((Status.OPEN, Status.SUBMITTED, Status.RECTIFYING), Status.REVOKED, Role.OFFICE),
}


def sources(action: str) -> tuple[str, ...]:
    return ACTIONS[action].sources


def actions_for(user, reexam: ReExamination) -> frozenset[str]:
    """The actions ``user`` has on ``reexam`` now (a county only for its own towns)."""
    role = role_of(user)
    allowed = set()
    for name, action in ACTIONS.items():
        if reexam.status not in action.sources or role != action.role:
            continue
        if role == Role.COUNTY and not can_see_enterprises_of(user, reexam.certificate.town):
            continue
        allowed.add(name)
    return frozenset(allowed)

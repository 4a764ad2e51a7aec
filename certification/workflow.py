"""The application workflow's one table: each action, the states it starts from, where it leads and who may.

Services check it (``services._locked(..., action=)``); pages ask :func:`actions_for` which buttons to show, so
a template never re-decides a state rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from towns.models import Role
from towns.permissions import can_see_enterprises_of, role_of

from .models import Application

Status = Application.Status


@dataclass(frozen=True)
class Action:
    sources: tuple[str, ...]
    target: str | None  # None: the action changes the application, not its state
    role: str


ACTIONS: dict[str, Action] = {
    # the applying county, while the application is a draft or returned
    "edit": Action(Application.EDITABLE, None, Role.COUNTY),
    "submit": Action(Application.EDITABLE, Status.SUBMITTED, Role.COUNTY),
    # the office
    "screen": Action((Status.SUBMITTED,), Status.SCREENING, Role.OFFICE),
    "return": Action((Status.SCREENING, Status.EXPERT_REVIEW), Status.RETURNED, Role.OFFICE),
    "assign_experts": Action((Status.SCREENING, Status.EXPERT_REVIEW), Status.EXPERT_REVIEW, Role.OFFICE),
    "publish_notice": Action((Status.EXPERT_REVIEW,), Status.PUBLIC_NOTICE, Role.OFFICE),
    "certify": Action((Status.PUBLIC_NOTICE,), Status.CERTIFIED, Role.OFFICE),
    "reject": Action((Status.SCREENING, Status.EXPERT_REVIEW, Status.PUBLIC_NOTICE), Status.REJECTED, Role.OFFICE),
    # an assigned expert
    "review": Action((Status.EXPERT_REVIEW,), None, Role.EXPERT),
}


def sources(action: str) -> tuple[str, ...]:
    return ACTIONS[action].sources


def actions_for(user, app: Application) -> frozenset[str]:
    """The actions ``user`` has on ``app`` now: its state allows them and the user holds the role (a county only
    for its own towns, an expert only when assigned)."""
    role = role_of(user)
    allowed = set()
    for name, action in ACTIONS.items():
        if app.status not in action.sources or role != action.role:
            continue
        if role == Role.COUNTY and not can_see_enterprises_of(user, app.town):
            continue
        if role == Role.EXPERT and not app.assignments.filter(expert=user).exists():
            continue
        allowed.add(name)
    return frozenset(allowed)

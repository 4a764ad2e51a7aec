"""An allocation's one table (拟安排 → 已下达 → 已拨付, or 已撤销): which action starts from which state, where it
leads. Only the office acts. The services check it; pages ask :func:`allocation_actions_for` which forms to show."""

from __future__ import annotations

from .models import FundAllocation
from .permissions import can_manage_fund

Status = FundAllocation.Status

# action: (the states it starts from, the state it leads to — None: it stays)
ALLOCATION_ACTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    # the amount, recipient and purpose are the office's proposal until the approving document fixes them
    "edit": ((Status.PLANNED,), None),
    "issue": ((Status.PLANNED,), Status.ISSUED),  # 下达: with the approving document's number and date
    "pay": ((Status.ISSUED,), Status.PAID),  # 拨付: with the payment date
    # an issued allocation withdrawn (the document revoked, the project dropped); paid money is not undone here
    "cancel": ((Status.PLANNED, Status.ISSUED), Status.CANCELLED),
    "delete": ((Status.PLANNED,), None),  # a proposal never issued leaves no official trace to keep
    "attach": ((Status.PLANNED, Status.ISSUED, Status.PAID), None),  # e.g. the payment voucher after paying
}
TRANSITIONS = ("issue", "pay", "cancel")


def sources(action: str) -> tuple[str, ...]:
    return ALLOCATION_ACTIONS[action][0]


def target(action: str) -> str | None:
    return ALLOCATION_ACTIONS[action][1]


def allocation_actions_for(user, allocation: FundAllocation) -> frozenset[str]:
    if not can_manage_fund(user):
        return frozenset()
    return frozenset(name for name, (froms, _to) in ALLOCATION_ACTIONS.items() if allocation.status in froms)

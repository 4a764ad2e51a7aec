"""Who sees and who changes the special fund: the one implementation. Selectors, services, views, the navigation
and the evaluation page's reward line ask these functions.

- The office (领导小组办公室) keeps the fund: budgets and every allocation. Nobody else writes.
- Leaders read everything.
- A county reads its own county's allocations (another county's answer 404) and the city's totals.
- Bureaus with a part in task 1 read everything: task 1's text names the fund ("充分发挥培育特色专业镇发展
  专项资金引领示范作用"), and its lead units (市工信局, 市农业农村局, 市文旅局) and supporting units (市财政局,
  which pays, among them) are the ones who work with it. Other bureaus read the totals only — the budget, what
  is allocated and paid, by purpose (which of the key tasks the money serves) — not who received what.
- Experts and API accounts have no part in the fund (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tasks_registry.models import TaskUnit
from towns.models import Role
from towns.permissions import county_scope, is_office, membership, require_portal_role, role_of

ALL, COUNTY, TOTALS = "all", "county", "totals"
FUND_TASK = 1  # 四、1 推动专业镇市场主体倍增: the task whose text names the fund


def works_on_fund_task(user) -> bool:
    m = membership(user)
    return bool(
        m and m.role == Role.BUREAU and TaskUnit.objects.filter(task__number=FUND_TASK, bureau_id=m.bureau_id).exists()
    )


def fund_access(user) -> str | None:
    """ALL, COUNTY (its own allocations), TOTALS (the figures, no allocation) or None (no part in the fund)."""
    role = role_of(user)
    if role in (Role.OFFICE, Role.LEADER):
        return ALL
    if role == Role.COUNTY:
        return COUNTY
    if role == Role.BUREAU:
        return ALL if works_on_fund_task(user) else TOTALS
    return None


def sees_fund(user) -> bool:
    """Whether the user has the funds page (the navigation asks this too): every role :func:`fund_access` gives some
    access, decided without its query (a bureau reads at least the totals)."""
    return role_of(user) in (Role.OFFICE, Role.LEADER, Role.COUNTY, Role.BUREAU)


def require_fund_reader(user) -> str:
    require_portal_role(user)
    access = fund_access(user)
    if access is None:
        raise PermissionDenied(_("专项资金仅对领导小组成员单位和县（市、区）开放。"))
    return access


def require_allocation_reader(user) -> str:
    """ALL or COUNTY; bureaus that read the totals only get 403 on the allocations themselves."""
    access = require_fund_reader(user)
    if access == TOTALS:
        raise PermissionDenied(
            _(
                "本单位可查看专项资金总体情况；资金安排明细仅对领导小组办公室、领导、任务1责任单位和受助县（市、区）开放。"
            )
        )
    return access


def allocation_scope(user) -> int | None:
    """The county a reader is confined to (None: every county)."""
    return county_scope(user)


def can_manage_fund(user) -> bool:
    return is_office(user)


def require_fund_manager(user) -> None:
    if not can_manage_fund(user):
        raise PermissionDenied(_("专项资金由领导小组办公室登记和安排。"))

"""Who may report on which task, see which report, and act on which problem (the one implementation)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from towns.models import Role
from towns.permissions import membership

from .models import Problem, Task, TaskUnit


def reporting_unit(user) -> tuple[int | None, int | None]:
    """(bureau id, county id) the user reports for; (None, None) if they report for nobody."""
    m = membership(user)
    if m is None:
        return None, None
    if m.role == Role.BUREAU:
        return m.bureau_id, None
    if m.role == Role.COUNTY:
        return None, m.county_id
    return None, None


def unit_role(user, task: Task, units: list[TaskUnit] | None = None) -> str | None:
    """ "lead", "support" or None: the user's unit's part in the task."""
    bureau_id, county_id = reporting_unit(user)
    if county_id is not None:
        return TaskUnit.Role.SUPPORT if task.counties_support else None
    if bureau_id is None:
        return None
    units = units if units is not None else list(task.units.all())
    for unit in units:
        if unit.bureau_id == bureau_id:
            return unit.role
    return None


def require_reporter(user, task: Task) -> str:
    role = unit_role(user, task)
    if role is None:
        raise PermissionDenied(_("本单位不是该任务的牵头或责任单位，不能报送。"))
    return role


def is_responsible_for(user, problem: Problem) -> bool:
    bureau_id, county_id = reporting_unit(user)
    return bool(
        (bureau_id and problem.responsible_bureau_id == bureau_id)
        or (county_id and problem.responsible_county_id == county_id)
    )

"""Who may report on which task, edit which report, use the problem ledger and act on which problem, and edit
which project: the one implementation. Selectors, services, views and the navigation ask these functions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from towns.models import Role
from towns.permissions import (
    can_edit_registry,
    can_see_enterprises_of,
    is_office,
    is_programme_member,
    membership,
    require_portal_role,
    require_town_in_scope,
)

from .models import KeyProject, Problem, ProgressReport, Task, TaskUnit

# --- progress reports -----------------------------------------------------------------------------------


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


def require_reporter(user, task: Task, *, consolidated: bool = False) -> str:
    """The user's unit's part in the task; 403 if it has none, or if it asks for the consolidated report and
    does not lead the task."""
    role = unit_role(user, task)
    if role is None:
        raise PermissionDenied(_("本单位不是该任务的牵头或责任单位，不能报送。"))
    if consolidated and role != TaskUnit.Role.LEAD:
        raise PermissionDenied(_("只有牵头单位可以报送汇总报告。"))
    return role


def can_edit_report(user, report: ProgressReport) -> bool:
    """A unit changes only its own reports (a lead unit its consolidated one); nobody else, the office included."""
    unit = reporting_unit(user)
    return unit != (None, None) and (report.bureau_id, report.county_id) == unit


def require_report_editor(user, report: ProgressReport) -> None:
    if not can_edit_report(user, report):
        raise PermissionDenied(_("不能修改其他单位的报告。"))


# --- the problem ledger ---------------------------------------------------------------------------------


def uses_problem_ledger(user) -> bool:
    """The ledger (its list, its pages, its API) is the programme's: counties, the office, bureaus and leaders;
    experts and API accounts have no part in it."""
    return is_programme_member(user)


def can_record_problem(user) -> bool:
    """Everyone in the ledger records a problem found (a county, for its own towns: the service checks the town)."""
    return uses_problem_ledger(user)


def require_problem_ledger(user) -> None:
    require_portal_role(user)
    if not uses_problem_ledger(user):
        raise PermissionDenied(_("问题台账仅对领导小组成员单位和县（市、区）开放。"))


def is_responsible_for(user, problem: Problem) -> bool:
    bureau_id, county_id = reporting_unit(user)
    return bool(
        (bureau_id and problem.responsible_bureau_id == bureau_id)
        or (county_id and problem.responsible_county_id == county_id)
    )


_S = Problem.Status
OFFICE, RESPONSIBLE = "office", "responsible"
# action: (the states it starts from, who may)
PROBLEM_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": ((_S.OPEN, _S.ASSIGNED, _S.RESPONDED), OFFICE),  # (re)assign to a responsible unit
    "respond": ((_S.ASSIGNED, _S.RESPONDED), RESPONSIBLE),  # the responsible unit reports what it did
    "verify": ((_S.RESPONDED,), OFFICE),  # the office closes it (销号) or sends it back
}


def may_act_on_problem(user, problem: Problem, action: str) -> bool:
    """Whether the user holds the part ``action`` needs (whatever the problem's state)."""
    who = PROBLEM_ACTIONS[action][1]
    return is_office(user) if who == OFFICE else is_responsible_for(user, problem)


def require_problem_action(user, problem: Problem, action: str) -> None:
    if not may_act_on_problem(user, problem, action):
        if PROBLEM_ACTIONS[action][1] == OFFICE:
            raise PermissionDenied(_("只有领导小组办公室可以执行此操作。"))
        raise PermissionDenied(_("只有责任单位可以反馈办理情况。"))


def problem_actions(user, problem: Problem) -> frozenset[str]:
    """The actions the user has on the problem now: its state allows them and the user holds the part."""
    return frozenset(
        name
        for name, (sources, _who) in PROBLEM_ACTIONS.items()
        if problem.status in sources and may_act_on_problem(user, problem, name)
    )


# --- the project library --------------------------------------------------------------------------------


def can_edit_project(user, project: KeyProject | None = None) -> bool:
    """Counties register and update their own towns' projects, the office any; without ``project``: whether
    the user registers projects at all."""
    return can_edit_registry(user) and (project is None or can_see_enterprises_of(user, project.town))


def require_project_editor(user, project: KeyProject | None = None) -> None:
    """403 for roles that keep no projects; 404 for another county's project."""
    if not can_edit_registry(user):
        raise PermissionDenied(_("重点项目由县（市、区）登记维护。"))
    if project is not None:
        require_town_in_scope(user, project.town)

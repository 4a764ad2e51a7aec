"""The supervision notice's one table (督办通知书 → 整改报告 → 审核): who may act in which state.

The services check it; the notice page shows the forms :func:`notice_actions_for` returns."""

from __future__ import annotations

from towns.models import Role
from towns.permissions import can_see_enterprises_of, membership, role_of

from .models import EvaluationRun, Finding, Inspection, SupervisionNotice

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


# --- special inspections (专项检查) --------------------------------------------------------------------------

Stage = Inspection.Status
TEAM = "team"  # the office, the experts named in the team and the users of the team's units

# action: (states it starts from, who may take it, the state it leads to — None: it stays)
INSPECTION_ACTIONS: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "edit": ((Stage.PLANNED,), Role.OFFICE, None),
    "start": ((Stage.PLANNED,), Role.OFFICE, Stage.IN_PROGRESS),
    "record": ((Stage.IN_PROGRESS,), TEAM, None),
    "finish": ((Stage.IN_PROGRESS,), Role.OFFICE, Stage.FINDINGS_RECORDED),
    "reopen": ((Stage.FINDINGS_RECORDED,), Role.OFFICE, Stage.IN_PROGRESS),
    "issue": ((Stage.FINDINGS_RECORDED,), Role.OFFICE, Stage.RECTIFYING),  # findings to rectify: 督办通知书
    # nothing to rectify; or (done by the office's acceptance of the last report) every notice accepted
    "close": ((Stage.FINDINGS_RECORDED, Stage.RECTIFYING), Role.OFFICE, Stage.CLOSED),
}


def on_inspection_team(user, inspection: Inspection) -> bool:
    """The office, an expert named in the team, or a user of one of the team's units."""
    role = role_of(user)
    if role == Role.OFFICE:
        return True
    if role == Role.EXPERT:
        return inspection.experts.filter(pk=user.pk).exists()
    if role == Role.BUREAU:
        return inspection.units.filter(pk=membership(user).bureau_id).exists()
    return False


def sees_inspections(user) -> bool:
    """Who has the inspections page: the office and leaders (all), counties (their towns'), the team's experts
    and units (theirs; the selector scopes); API accounts and users without a role do not."""
    return role_of(user) in (Role.OFFICE, Role.LEADER, Role.COUNTY, Role.BUREAU, Role.EXPERT)


def inspection_action_possible(name: str, inspection: Inspection) -> bool:
    """What the state alone does not say: issue only with findings to rectify, close only with none pending."""
    to_rectify = inspection.findings.filter(result=Finding.Result.RECTIFY).exists()
    if name == "issue":
        return to_rectify
    if name == "close":
        if inspection.status == Stage.FINDINGS_RECORDED:
            return not to_rectify
        notices = inspection.notices.all()
        return notices.exists() and not notices.exclude(status=Status.ACCEPTED).exists()
    return True


def inspection_actions_for(user, inspection: Inspection) -> frozenset[str]:
    role = role_of(user)
    allowed = set()
    for name, (sources, who, _target) in INSPECTION_ACTIONS.items():
        if inspection.status not in sources:
            continue
        permitted = (who == TEAM and on_inspection_team(user, inspection)) or role == who
        if permitted and inspection_action_possible(name, inspection):
            allowed.add(name)
    return frozenset(allowed)

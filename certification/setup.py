"""The office's standing settings of certification: criteria policies (thresholds, never edited once used) and
cycles with their expert-scoring rubric (fixed once an expert has scored)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.models import AuditEntry
from core.services import validate
from towns.permissions import require_office

from .models import CriteriaPolicy, Cycle, RubricItem
from .services import TransitionError

Action = AuditEntry.Action


@transaction.atomic
def policy_save(*, user, data: dict[str, Any], policy: CriteriaPolicy | None = None) -> CriteriaPolicy:
    """Create a policy, or change one no application has used yet (a used one is never edited)."""
    require_office(user)
    if policy is not None and policy.in_use:
        raise TransitionError(_("该标准已用于申报，不能修改；如需调整，请新建一版标准并用于新的批次。"))
    before = audit.snapshot(policy) if policy else None
    policy = policy or CriteriaPolicy()
    for key, value in data.items():
        setattr(policy, key, value)
    validate(policy)
    creating = policy._state.adding
    policy.save()
    audit.record(action=Action.CREATE if creating else Action.UPDATE, obj=policy, user=user, before=before)
    return policy


@transaction.atomic
def cycle_save(*, user, data: dict[str, Any], rubric: list[tuple[str, int]], cycle: Cycle | None = None) -> Cycle:
    """Open a certification cycle (or adjust one) with its expert-scoring rubric."""
    require_office(user)
    if not rubric:
        raise ValidationError({"rubric": _("请至少设置一个评分项。")})
    before = audit.snapshot(cycle) if cycle else None
    cycle = cycle or Cycle()
    for key, value in data.items():
        setattr(cycle, key, value)
    validate(cycle)
    creating = cycle._state.adding
    cycle.save()
    if cycle.rubric.exists() and cycle.rubric_locked:
        current = [(i.name, i.max_score) for i in cycle.rubric.all()]
        if current != list(rubric):
            raise ValidationError({"rubric": _("已有专家按现行评分细则打分，评分细则不能再修改。")})
    else:
        cycle.rubric.all().delete()
        RubricItem.objects.bulk_create(
            RubricItem(cycle=cycle, name=name, max_score=score, sort_order=i) for i, (name, score) in enumerate(rubric)
        )
    audit.record(
        action=Action.CREATE if creating else Action.UPDATE,
        obj=cycle,
        user=user,
        before=before,
        note="；".join(f"{n}{s}分" for n, s in rubric),
    )
    return cycle

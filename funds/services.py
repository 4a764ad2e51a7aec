"""Every write of the special fund: the office's alone, atomic and audited.

The rule that matters: never more allocated in a year than the year's budget. Every write that can raise what is
allocated (a new allocation, a larger amount) or lower the budget takes the budget's row lock first and sums the
year's allocations under it, so two office users allocating at once cannot overshoot together (on PostgreSQL the
second waits for the first to commit, then sees its amount). Lock order: the budget, then the allocation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, uploads
from core.errors import ActionNotAllowed
from core.formats import format_wan
from core.models import AuditEntry
from core.notify import notify
from core.services import apply, validate
from evaluation.models import EvaluationRun
from towns.permissions import county_users

from . import workflow
from .models import ZERO, AllocationAttachment, BudgetAttachment, FundAllocation, FundBudget
from .permissions import require_fund_manager

Action = AuditEntry.Action
Kind, Purpose, Status = FundAllocation.Kind, FundAllocation.Purpose, FundAllocation.Status

BUDGET_FIELDS = ("amount_wan", "document_title", "document_number", "document_date", "note")
ALLOCATION_FIELDS = ("amount_wan", "purpose", "description", "merit", "document_number", "document_date", "note")
# the field naming the recipient, per kind (the kind itself is fixed once the allocation exists)
RECIPIENT_FIELD = {Kind.REWARD: "commendation", Kind.TOWN: "town", Kind.PROJECT: "project"}


def wan(value: Decimal) -> str:
    """An amount as the budget messages give it: 万元 with two decimals (剩余可安排 1,200.00 万元)."""
    return f"{value:,.2f}"


def allocated_in(budget: FundBudget, *, exclude: int | None = None) -> Decimal:
    """What counts against the budget: every allocation not cancelled (拟安排, 已下达, 已拨付)."""
    rows = FundAllocation.objects.filter(budget=budget, status__in=FundAllocation.ACTIVE)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.aggregate(total=Sum("amount_wan"))["total"] or ZERO


def _check_within_budget(budget: FundBudget, amount: Decimal | None, *, exclude: int | None = None) -> None:
    """Under the budget's row lock (the caller's): the year's allocations plus ``amount`` stay within the budget."""
    remaining = budget.amount_wan - allocated_in(budget, exclude=exclude)
    if amount is not None and amount > remaining:
        raise ValidationError(
            {"amount_wan": _("超出年度预算，剩余可安排 %(left)s 万元。") % {"left": wan(max(remaining, ZERO))}}
        )


def _record_attachment(obj, *, user, added: str | None = None, removed: str | None = None) -> None:
    """An attachment added or removed, in the owner's trail (its page shows the owner's history)."""
    audit.record(
        action=Action.UPDATE,
        obj=obj,
        user=user,
        before={"附件": removed} if removed else {},
        after={"附件": added} if added else {},
        note=_("添加附件") if added else _("删除附件"),
    )


def _as_created(obj) -> dict[str, Any]:
    """A new record's values for its first trail entry: what was entered (blank fields and the bookkeeping left out;
    the entry itself says who and when)."""
    return {
        k: v for k, v in audit.snapshot(obj).items() if v not in ("", None) and k not in ("created_by", "created_at")
    }


def _delete_file_after_commit(attachment) -> None:
    file = attachment.file
    transaction.on_commit(lambda: file.delete(save=False))


# --- the year's budget ---------------------------------------------------------------------------------------


@transaction.atomic
def budget_save(
    *, user, data: dict[str, Any], budget: FundBudget | None = None, attachments: Iterable = ()
) -> FundBudget:
    """Record a year's budget (``data["year"]``) or change one. Lowering it below what is allocated is refused."""
    require_fund_manager(user)
    if budget is None:
        before = None
        budget = FundBudget(year=data.get("year"), created_by=user)
    else:
        budget = FundBudget.objects.select_for_update().get(pk=budget.pk)
        before = audit.snapshot(budget)
    apply(budget, data, BUDGET_FIELDS)
    validate(budget)
    if before is not None:
        allocated = allocated_in(budget)
        if budget.amount_wan < allocated:
            raise ValidationError(
                {
                    "amount_wan": _("年度预算不能低于已安排的 %(allocated)s 万元（须先撤销或调减有关资金安排）。")
                    % {"allocated": wan(allocated)}
                }
            )
    try:
        with transaction.atomic():
            budget.save()
    except IntegrityError:  # the same year recorded by someone else a moment ago
        raise ValidationError({"year": _("该年度的专项资金预算已登记，请修改原预算。")}) from None
    if before is None:
        audit.record(action=Action.CREATE, obj=budget, user=user, after=_as_created(budget))
    else:
        audit.record(action=Action.UPDATE, obj=budget, user=user, before=before)
    budget_attach(user=user, budget=budget, files=attachments)
    return budget


@transaction.atomic
def budget_attach(*, user, budget: FundBudget, files: Iterable) -> list[BudgetAttachment]:
    """Attach files to a budget: all of them, or (one refused) none."""
    require_fund_manager(user)
    stored = []
    for upload in files:
        stored.append(uploads.store(BudgetAttachment, upload=upload, budget=budget))
        _record_attachment(budget, user=user, added=stored[-1].original_name)
    return stored


@transaction.atomic
def budget_attachment_remove(*, user, attachment: BudgetAttachment) -> None:
    require_fund_manager(user)
    _record_attachment(attachment.budget, user=user, removed=attachment.original_name)
    _delete_file_after_commit(attachment)
    attachment.delete()


# --- allocations --------------------------------------------------------------------------------------------


def _set_recipient(allocation: FundAllocation, data: dict[str, Any], errors: dict[str, str]) -> None:
    """The recipient from the field the kind names; the county (and town) follow from it, never typed in."""
    if allocation.kind not in RECIPIENT_FIELD:
        errors["kind"] = _("请选择类别：表扬奖励、专业镇扶持或重点项目扶持。")
        return
    field = RECIPIENT_FIELD[allocation.kind]
    chosen = data.get(field)
    if chosen is None:
        errors[field] = {
            Kind.REWARD: _("请选择表扬（表扬奖励对应年度评估的表扬）。"),
            Kind.TOWN: _("请选择专业镇。"),
            Kind.PROJECT: _("请选择重点项目。"),
        }[allocation.kind]
        return
    if allocation.kind == Kind.REWARD:
        if chosen.run.status != EvaluationRun.Status.PUBLISHED:
            errors[field] = _("只有已发布的年度评估的表扬可以安排奖励。")
            return
        allocation.commendation, allocation.town, allocation.project = chosen, chosen.town, None
        allocation.county = chosen.county
        allocation.purpose = Purpose.REWARD  # 五、（四）: the reward's purpose is the reward
    elif allocation.kind == Kind.TOWN:
        allocation.commendation, allocation.town, allocation.project = None, chosen, None
        allocation.county = chosen.county
    else:
        allocation.commendation, allocation.project, allocation.town = None, chosen, chosen.town
        allocation.county = chosen.town.county


def _fill(allocation: FundAllocation, data: dict[str, Any]) -> None:
    """Set what the office entered; check what the model cannot (errors on their fields), then the model."""
    errors: dict[str, str] = {}
    fields = [f for f in ALLOCATION_FIELDS if not (f == "purpose" and allocation.kind == Kind.REWARD)]
    apply(allocation, data, fields)
    _set_recipient(allocation, data, errors)
    if allocation.kind == Kind.REWARD and not (allocation.merit or "").strip():
        errors["merit"] = _(
            "请写明成效突出的情况（五、（四）：对评价排名靠前、成效突出的专业镇所在县（市、区）政府予以表扬奖励）。"
        )
    if allocation.kind != Kind.REWARD and allocation.purpose == Purpose.REWARD:
        errors["purpose"] = _("“表扬奖励”只用于年度评估表扬的县（市、区）；扶持资金请选择其服务的重点任务。")
    if allocation.amount_wan is not None and allocation.amount_wan <= 0:
        errors["amount_wan"] = _("金额须大于0。")
    if errors:
        raise ValidationError(errors)
    validate(allocation)


@transaction.atomic
def allocation_create(*, user, kind: str, data: dict[str, Any], attachments: Iterable = ()) -> FundAllocation:
    """Propose an allocation (拟安排) from ``data["budget"]``: within what the budget has left, under its row lock."""
    require_fund_manager(user)
    if data.get("budget") is None:
        raise ValidationError({"budget": _("请选择预算年度（须先登记该年度专项资金预算）。")})
    budget = FundBudget.objects.select_for_update().get(pk=data["budget"].pk)
    allocation = FundAllocation(budget=budget, kind=kind, created_by=user)
    _fill(allocation, data)
    _check_within_budget(budget, allocation.amount_wan)
    allocation.save()
    audit.record(action=Action.CREATE, obj=allocation, user=user, after=_as_created(allocation))
    allocation_attach(user=user, allocation=allocation, files=attachments)
    return allocation


def _locked(allocation: FundAllocation, *, action: str, expected: str | None) -> FundAllocation:
    """The allocation under a row lock, in a state the table allows ``action`` from (and, when the user acted on a
    page showing ``expected``, still in it: what someone else did meanwhile wins and this is refused)."""
    locked = FundAllocation.objects.select_for_update().filter(pk=allocation.pk).first()
    if locked is None:
        raise ActionNotAllowed(_("该资金安排已被删除。"))
    if expected is not None and locked.status != expected:
        raise ActionNotAllowed(
            _("该资金安排已被他人处理（当前状态：%(status)s），请刷新页面后再操作。")
            % {"status": locked.get_status_display()}
        )
    if locked.status not in workflow.sources(action):
        raise ActionNotAllowed(
            _("资金安排当前状态为“%(status)s”，不能执行此操作。") % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def allocation_update(
    *, user, allocation: FundAllocation, data: dict[str, Any], expected: str | None = None
) -> FundAllocation:
    """Change a proposal (拟安排): recipient, amount, purpose. A larger amount is checked against the budget."""
    require_fund_manager(user)
    budget = FundBudget.objects.select_for_update().get(pk=allocation.budget_id)
    allocation = _locked(allocation, action="edit", expected=expected)
    before = audit.snapshot(allocation)
    _fill(allocation, data)
    _check_within_budget(budget, allocation.amount_wan, exclude=allocation.pk)
    allocation.save()
    audit.record(action=Action.UPDATE, obj=allocation, user=user, before=before)
    return allocation


def _move(allocation: FundAllocation, action: str, *, user, fields: tuple[str, ...], before, note: str) -> None:
    allocation.status = workflow.target(action)
    allocation.save(update_fields=["status", *fields])
    audit.record(action=Action.STATE, obj=allocation, user=user, before=before, note=note[:300])


def _tell_county(allocation: FundAllocation, message: str) -> None:
    notify(county_users(allocation.county), message, reverse("fund-allocation-detail", kwargs={"pk": allocation.pk}))


def _what(allocation: FundAllocation) -> str:
    return _("%(year)d年度专项资金%(kind)s（%(recipient)s）%(amount)s") % {
        "year": allocation.budget.year,
        "kind": allocation.get_kind_display(),
        "recipient": allocation.recipient_name,
        "amount": format_wan(allocation.amount_wan),
    }


def _not_after_today(day: datetime.date | None, field: str, label: str, errors: dict) -> None:
    if day is None:
        errors[field] = _("请填写%(label)s。") % {"label": label}
    elif day > timezone.localdate():
        errors[field] = _("%(label)s不能晚于今天。") % {"label": label}


@transaction.atomic
def allocation_issue(
    *,
    user,
    allocation: FundAllocation,
    document_number: str,
    document_date: datetime.date | None,
    expected: str | None = None,
) -> FundAllocation:
    """下达: the approving document's number and date make the proposal official; the county is told."""
    require_fund_manager(user)
    allocation = _locked(allocation, action="issue", expected=expected)
    errors: dict[str, str] = {}
    if not (document_number or "").strip():
        errors["document_number"] = _("下达须填写批准文号。")
    _not_after_today(document_date, "document_date", _("批准日期"), errors)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(allocation)
    allocation.document_number, allocation.document_date = document_number.strip(), document_date
    _move(
        allocation,
        "issue",
        user=user,
        fields=("document_number", "document_date"),
        before=before,
        note=_("下达：%(number)s") % {"number": allocation.document_number},
    )
    _tell_county(
        allocation,
        _("%(what)s已下达（%(number)s）。") % {"what": _what(allocation), "number": allocation.document_number},
    )
    return allocation


@transaction.atomic
def allocation_pay(
    *,
    user,
    allocation: FundAllocation,
    paid_on: datetime.date | None,
    payment_reference: str = "",
    expected: str | None = None,
) -> FundAllocation:
    """拨付: the payment date (not before the approving document, not in the future) and its voucher number."""
    require_fund_manager(user)
    allocation = _locked(allocation, action="pay", expected=expected)
    errors: dict[str, str] = {}
    _not_after_today(paid_on, "paid_on", _("拨付日期"), errors)
    if paid_on and allocation.document_date and paid_on < allocation.document_date:
        errors["paid_on"] = _("拨付日期不能早于批准日期（%(date)s）。") % {"date": allocation.document_date.isoformat()}
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(allocation)
    allocation.paid_on, allocation.payment_reference = paid_on, (payment_reference or "").strip()[:60]
    _move(
        allocation,
        "pay",
        user=user,
        fields=("paid_on", "payment_reference"),
        before=before,
        note=_("拨付：%(date)s") % {"date": paid_on.isoformat()},
    )
    _tell_county(allocation, _("%(what)s已拨付（%(date)s）。") % {"what": _what(allocation), "date": paid_on})
    return allocation


@transaction.atomic
def allocation_cancel(*, user, allocation: FundAllocation, reason: str, expected: str | None = None) -> FundAllocation:
    """撤销 with a reason: the amount no longer counts against the budget; the record stays."""
    require_fund_manager(user)
    allocation = _locked(allocation, action="cancel", expected=expected)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    was_issued = allocation.status == Status.ISSUED
    before = audit.snapshot(allocation)
    allocation.cancelled_on, allocation.cancel_reason = timezone.localdate(), reason.strip()[:300]
    _move(
        allocation,
        "cancel",
        user=user,
        fields=("cancelled_on", "cancel_reason"),
        before=before,
        note=_("撤销：%(reason)s") % {"reason": allocation.cancel_reason},
    )
    if was_issued:  # the county was told of it when it was issued
        _tell_county(
            allocation,
            _("%(what)s已撤销：%(reason)s") % {"what": _what(allocation), "reason": allocation.cancel_reason},
        )
    return allocation


@transaction.atomic
def allocation_delete(*, user, allocation: FundAllocation, expected: str | None = None) -> None:
    """Delete a proposal never issued; its values stay in the audit trail."""
    require_fund_manager(user)
    allocation = _locked(allocation, action="delete", expected=expected)
    audit.record(action=Action.DELETE, obj=allocation, user=user, before=audit.snapshot(allocation), after={})
    for attachment in allocation.attachments.all():
        _delete_file_after_commit(attachment)
    allocation.delete()


@transaction.atomic
def allocation_attach(*, user, allocation: FundAllocation, files: Iterable) -> list[AllocationAttachment]:
    """Attach files (the approving document, the payment voucher …): all of them, or (one refused) none."""
    require_fund_manager(user)
    allocation = _locked(allocation, action="attach", expected=None)
    stored = []
    for upload in files:
        stored.append(uploads.store(AllocationAttachment, upload=upload, allocation=allocation))
        _record_attachment(allocation, user=user, added=stored[-1].original_name)
    return stored


@transaction.atomic
def allocation_attachment_remove(*, user, attachment: AllocationAttachment) -> None:
    require_fund_manager(user)
    allocation = _locked(attachment.allocation, action="attach", expected=None)
    _record_attachment(allocation, user=user, removed=attachment.original_name)
    _delete_file_after_commit(attachment)
    attachment.delete()

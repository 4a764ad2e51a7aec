"""Every write of a county's own mechanisms: its documents (drafted, published, repealed), its tasks and their
quarterly reports. Scoped to the county (county_permissions), atomic, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, uploads
from core.errors import ActionNotAllowed
from core.models import AuditEntry
from core.notify import notify
from core.services import apply, validate
from towns.models import County, Town
from towns.permissions import office_users

from . import progress
from .county_models import (
    CountyDocument,
    CountyDocumentAttachment,
    CountyTask,
    CountyTaskReport,
    CountyTaskReportAttachment,
)
from .county_permissions import DOCUMENT_ACTIONS, EDITABLE_STATUSES, require_county_mechanisms_editor

Action = AuditEntry.Action
DOCUMENT_FIELDS = ("kind", "title", "number", "issued_on", "issuer", "summary")
TASK_FIELDS = ("year", "title", "content", "city_task", "owner_unit", "owner_person", "deadline")
REPORTING_PERIOD = progress.QUARTERLY  # a county reports on its own tasks by quarter, the city's default


def _check_towns(county: County, towns: list[Town]) -> None:
    """A county's document or task covers only that county's towns."""
    foreign = [t.name for t in towns if t.county_id != county.pk]
    if foreign:
        raise ValidationError(
            {
                "towns": _("只能选择本县（市、区）的专业镇：%(names)s不属于%(county)s。")
                % {"names": "、".join(foreign), "county": county.name}
            }
        )


def _snapshot(obj, towns) -> dict[str, Any]:
    return audit.snapshot(obj) | {"towns": "、".join(sorted(t.name for t in towns))}


def _save_checked(obj) -> None:
    """Save; if a concurrent write took the same number or title since ``validate``, say so on the field."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        validate(obj)
        raise


# --- documents ----------------------------------------------------------------------------------------------


def _locked_document(document: CountyDocument, *, sources, expected: str | None = None) -> CountyDocument:
    """The document under a row lock, in one of ``sources`` (and, if the user acted on a page showing
    ``expected``, still in it: a concurrent change wins and this one is refused)."""
    locked = CountyDocument.objects.select_for_update().select_related("county").get(pk=document.pk)
    if expected is not None and locked.status != expected:
        raise ActionNotAllowed(
            _("该文件已被他人处理（当前状态：%(s)s），请刷新页面后再操作。") % {"s": locked.get_status_display()}
        )
    if locked.status not in sources:
        raise ActionNotAllowed(_("文件当前状态为“%(s)s”，不能执行此操作。") % {"s": locked.get_status_display()})
    return locked


@transaction.atomic
def document_save(
    *,
    user,
    county: County,
    data: dict[str, Any],
    towns: list[Town],
    document: CountyDocument | None = None,
    attachment=None,
) -> CountyDocument:
    """A county drafts (or revises the draft of) one of its documents, with the towns it covers and optionally
    one more attachment. A published document is never edited."""
    if document is not None:
        county = document.county  # a document never moves to another county
    require_county_mechanisms_editor(user, county)
    before = None
    if document is None:
        document = CountyDocument(county=county, created_by=user)
    else:
        document = _locked_document(document, sources=EDITABLE_STATUSES)
        before = _snapshot(document, document.towns.all())
    apply(document, data, DOCUMENT_FIELDS)
    errors = {}
    if document.issued_on and document.issued_on > timezone.localdate():
        errors["issued_on"] = _("印发日期不能晚于今天。")
    try:
        _check_towns(county, towns)
    except ValidationError as exc:
        errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    document.number = document.number.strip()
    validate(document)
    _save_checked(document)
    document.towns.set(towns)
    audit.record(
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=document,
        user=user,
        before=before,
        after=_snapshot(document, towns),
    )
    if attachment is not None:
        document_attach(user=user, document=document, upload=attachment)
    return document


@transaction.atomic
def document_attach(*, user, document: CountyDocument, upload) -> CountyDocumentAttachment:
    require_county_mechanisms_editor(user, document.county)
    document = _locked_document(document, sources=EDITABLE_STATUSES)
    attachment = uploads.store(CountyDocumentAttachment, upload=upload, document=document)
    audit.record(action=Action.CREATE, obj=attachment, user=user)
    return attachment


@transaction.atomic
def document_attachment_delete(*, user, attachment: CountyDocumentAttachment) -> None:
    """A draft's attachment is removed (a published document keeps its files)."""
    require_county_mechanisms_editor(user, attachment.document.county)
    _locked_document(attachment.document, sources=EDITABLE_STATUSES)
    audit.record(action=Action.DELETE, obj=attachment, user=user, before=audit.snapshot(attachment), after={})
    attachment.file.delete(save=False)
    attachment.delete()


def _publish_errors(document: CountyDocument) -> dict[str, str]:
    """What an official document needs before it is published (五、: a document with a number, date and body)."""
    errors = {}
    if not document.number:
        errors["number"] = _("发布前请填写文号。")
    if not document.issued_on:
        errors["issued_on"] = _("发布前请填写印发日期。")
    if not document.issuer.strip():
        errors["issuer"] = _("发布前请填写发文机关。")
    if document.kind in CountyDocument.KINDS_NAMING_TOWNS and not document.towns.exists():
        errors["towns"] = _("“%(kind)s”应写明适用的专业镇。") % {"kind": document.get_kind_display()}
    if not document.summary.strip() and not document.attachments.exists():
        errors["summary"] = _("发布前请填写主要内容或上传文件正文。")
    return errors


@transaction.atomic
def document_publish(*, user, document: CountyDocument, expected: str | None = None) -> CountyDocument:
    """The county publishes its draft: from now on every programme member reads it, and it is fixed."""
    require_county_mechanisms_editor(user, document.county)
    sources, to = DOCUMENT_ACTIONS["publish"]
    document = _locked_document(document, sources=sources, expected=expected)
    errors = _publish_errors(document)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(document)
    document.status, document.published_at = to, timezone.now()
    document.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(action=Action.STATE, obj=document, user=user, before=before)
    notify(
        office_users(),
        _("%(county)s发布了%(kind)s《%(title)s》（%(number)s）。")
        % {
            "county": document.county.name,
            "kind": document.get_kind_display(),
            "title": document.title,
            "number": document.number,
        },
        reverse("county-document-detail", kwargs={"pk": document.pk}),
    )
    return document


@transaction.atomic
def document_repeal(
    *, user, document: CountyDocument, reason: str, repealed_on: datetime.date | None = None, expected=None
) -> CountyDocument:
    """The county repeals (废止) a published document; it stays readable, marked as repealed."""
    require_county_mechanisms_editor(user, document.county)
    sources, to = DOCUMENT_ACTIONS["repeal"]
    document = _locked_document(document, sources=sources, expected=expected)
    repealed_on = repealed_on or timezone.localdate()
    if not reason.strip():
        raise ValidationError({"reason": _("请填写废止说明。")})
    if repealed_on > timezone.localdate() or (document.issued_on and repealed_on < document.issued_on):
        raise ValidationError({"repealed_on": _("废止日期应在印发日期之后、不晚于今天。")})
    before = audit.snapshot(document)
    document.status, document.repealed_on, document.repeal_reason = to, repealed_on, reason.strip()[:200]
    document.save(update_fields=["status", "repealed_on", "repeal_reason", "updated_at"])
    audit.record(action=Action.STATE, obj=document, user=user, before=before, note=reason[:300])
    return document


# --- tasks --------------------------------------------------------------------------------------------------


@transaction.atomic
def county_task_save(
    *, user, county: County, data: dict[str, Any], towns: list[Town], task: CountyTask | None = None
) -> CountyTask:
    """A county adds (or revises) one of its own tasks: what, who (责任单位/责任人), by when."""
    if task is not None:
        county = task.county
    require_county_mechanisms_editor(user, county)
    before = None
    if task is None:
        task = CountyTask(county=county, created_by=user)
    else:
        task = CountyTask.objects.select_for_update().get(pk=task.pk)
        before = _snapshot(task, task.towns.all())
    apply(task, data, TASK_FIELDS)
    errors = {}
    if task.deadline and task.year and task.deadline.year < task.year:
        errors["deadline"] = _("完成时限不能早于任务年度（%(year)s年）。") % {"year": task.year}
    try:
        _check_towns(county, towns)
    except ValidationError as exc:
        errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    validate(task)
    _save_checked(task)
    task.towns.set(towns)
    audit.record(
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=task,
        user=user,
        before=before,
        after=_snapshot(task, towns),
    )
    return task


def _check_report_period(task: CountyTask, period: str, today: datetime.date) -> progress.Period:
    try:
        parsed = progress.parse_period(period, REPORTING_PERIOD)
    except ValueError:
        raise ValidationError({"period": _("报送期格式应为2026-Q3。")}) from None
    if parsed.start > today:
        raise ValidationError({"period": _("报送期尚未开始。")})
    if parsed.end.year < task.year:
        raise ValidationError({"period": _("报送期早于任务年度（%(year)s年）。") % {"year": task.year}})
    return parsed


def _refresh_status(task: CountyTask, *, user, today: datetime.date) -> None:
    """The task's status and progress follow its latest period's report: 100% is done, anything else under way."""
    latest = task.reports.order_by("-period").first()
    before = audit.snapshot(task)
    if latest is None:
        task.status, task.progress_pct, task.done_on = CountyTask.Status.NOT_STARTED, None, None
    elif latest.progress_pct >= Decimal("100"):
        task.status, task.progress_pct = CountyTask.Status.DONE, latest.progress_pct
        task.done_on = task.done_on or today
    else:
        task.status, task.progress_pct, task.done_on = CountyTask.Status.IN_PROGRESS, latest.progress_pct, None
    after = audit.snapshot(task)
    if after != before:
        task.save(update_fields=["status", "progress_pct", "done_on"])
        audit.record(action=Action.STATE, obj=task, user=user, before=before, after=after)


@transaction.atomic
def county_task_report_save(
    *,
    user,
    task: CountyTask,
    period: str,
    progress_pct: Decimal | None,
    narrative: str,
    report: CountyTaskReport | None = None,
    attachment=None,
) -> CountyTaskReport:
    """The county reports on its task for a quarter (one report a quarter, revised in place), optionally with an
    attachment; the task's status and progress follow."""
    if report is not None and report.task_id != task.pk:
        raise Http404(_("该任务下没有这份报告。"))
    require_county_mechanisms_editor(user, task.county)
    task = CountyTask.objects.select_for_update().get(pk=task.pk)  # one report (and status) change at a time
    today = timezone.localdate()
    errors = {}
    try:
        _check_report_period(task, period, today)
    except ValidationError as exc:
        errors |= exc.message_dict
    if progress_pct is None or not (Decimal("0") <= progress_pct <= Decimal("100")):
        errors["progress_pct"] = _("完成进度应在0到100之间。")
    if not narrative.strip():
        errors["narrative"] = _("请填写工作进展。")
    if errors:
        raise ValidationError(errors)
    before = None
    if report is None:
        report = CountyTaskReport(task=task, submitted_by=user)
    else:
        report = CountyTaskReport.objects.select_for_update().get(pk=report.pk)
        before = audit.snapshot(report)
    report.period, report.progress_pct, report.narrative = period, progress_pct, narrative.strip()
    validate(report)  # one report a quarter: a second is refused on the period field
    report.save()
    audit.record(action=Action.CREATE if before is None else Action.UPDATE, obj=report, user=user, before=before)
    _refresh_status(task, user=user, today=today)
    if attachment is not None:
        attachment = uploads.store(CountyTaskReportAttachment, upload=attachment, report=report)
        audit.record(action=Action.CREATE, obj=attachment, user=user)
    return report

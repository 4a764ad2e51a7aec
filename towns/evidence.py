"""A town's standing evidence: what it has shown once and the office accepted — a national market (三、三
"全国拥有较大市场空间") or a traditional feature (三、二 "历史发源地、地理标志等传统特色") — kept with its history.

Recorded when the office certifies an application that claims it (certification carries it over), or by the
office directly for towns that never applied (the first batch, 运政办发〔2023〕8号 附件2). The annual re-check
and new applications read the current evidence from here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, uploads
from core.models import AuditEntry
from core.services import validate

from .models import Town, TownEvidence, TownEvidenceFile
from .permissions import county_scope, require_enterprise_reader, require_office

Action = AuditEntry.Action
Kind = TownEvidence.Kind


# --- reads ----------------------------------------------------------------------------------------------------


def current_evidence_by_town(town_ids: Iterable[int]) -> dict[int, dict[str, TownEvidence]]:
    """The current evidence of each town, by kind: the latest accepted record not withdrawn. One query."""
    out: dict[int, dict[str, TownEvidence]] = defaultdict(dict)
    rows = TownEvidence.objects.filter(town_id__in=list(town_ids), withdrawn_at__isnull=True).order_by(
        "town_id", "kind", "-accepted_on", "-id"
    )
    for row in rows:
        out[row.town_id].setdefault(row.kind, row)
    return out


def current_evidence(town: Town) -> dict[str, TownEvidence]:
    """{kind: evidence} of one town (a kind missing: nothing accepted, or all withdrawn)."""
    return current_evidence_by_town([town.pk]).get(town.pk, {})


def evidence_history(town: Town):
    """Every record of the town, current and superseded or withdrawn, newest first, with its files."""
    return (
        TownEvidence.objects.filter(town=town)
        .select_related("accepted_by", "withdrawn_by")
        .prefetch_related("files")
        .order_by("-accepted_on", "-id")
    )


def evidence_files(*, user):
    """The attachments the user may download: who reads towns' enterprise-level data (the office, bureaus,
    leaders; a county official only their own county's: another's answers 404); experts and API accounts 403."""
    require_enterprise_reader(user)
    files = TownEvidenceFile.objects.all()
    scope = county_scope(user)
    return files if scope is None else files.filter(evidence__town__county_id=scope)


# --- writes ---------------------------------------------------------------------------------------------------


@transaction.atomic
def evidence_record(
    *,
    user,
    town: Town,
    kind: str,
    statement: str,
    feature_kind: str = "",
    document: str = "",
    accepted_on: datetime.date | None = None,
    source: str = "",
    attachments: Iterable = (),
) -> TownEvidence:
    """The office accepts a town's evidence (it becomes the current one of its kind; earlier ones stay on file)."""
    require_office(user)
    today = timezone.localdate()
    accepted_on = accepted_on or today
    if accepted_on > today:
        raise ValidationError({"accepted_on": _("认可日期不能晚于今天。")})
    if not (statement or "").strip():
        raise ValidationError({"statement": _("请写明办公室认可的内容。")})
    files = list(attachments)
    if not (document or "").strip() and not files:
        raise ValidationError({"document": _("请填写证明文件（名称、文号或出具单位），或上传证明附件。")})
    town = Town.objects.select_for_update().get(pk=town.pk)
    evidence = TownEvidence(
        town=town,
        kind=kind,
        feature_kind=feature_kind if kind == Kind.TRADITIONAL_FEATURE else "",
        statement=statement.strip(),
        document=(document or "").strip(),
        source=source or _("办公室登记"),
        accepted_on=accepted_on,
        accepted_by=user if user.is_authenticated else None,
    )
    validate(evidence)
    evidence.save()
    for upload in files:
        uploads.store(TownEvidenceFile, upload=upload, evidence=evidence)
    audit.record(action=Action.CREATE, obj=evidence, user=user, note=evidence.source[:300])
    return evidence


@transaction.atomic
def evidence_withdraw(*, user, evidence: TownEvidence, reason: str) -> TownEvidence:
    """The office withdraws accepted evidence (kept on file; an earlier record of the kind becomes current)."""
    require_office(user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("撤回须写明理由。")})
    evidence = TownEvidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.withdrawn_at:
        raise ValidationError(
            _("该证明已于%(date)s撤回。") % {"date": timezone.localtime(evidence.withdrawn_at).date()}
        )
    before = audit.snapshot(evidence)
    evidence.withdrawn_at, evidence.withdrawn_by, evidence.withdraw_reason = timezone.now(), user, reason.strip()[:300]
    evidence.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit.record(action=Action.STATE, obj=evidence, user=user, before=before, note=evidence.withdraw_reason)
    return evidence

"""The audit trail: every write records who, when, what, and the values before and after.

Services call :func:`snapshot` before a change and :func:`record` after it; the admin does
the same through :class:`towns.admin.AuditedAdmin`, so there is no unlogged write path.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from core.models import AuditEntry

from .labels import choice_label

Snapshot = dict[str, Any]


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 1200.50 and 1200.5 are the same figure
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (models.Model, uuid.UUID)):
        return str(value)
    return value


def snapshot(obj: models.Model | None) -> Snapshot:
    """The object's concrete field values as people read them: foreign keys by name, choices by label."""
    if obj is None:
        return {}
    data: Snapshot = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key:
            continue
        value = getattr(obj, field.attname)
        if field.is_relation:
            related = getattr(obj, field.name, None) if value is not None else None
            data[field.name] = str(related) if related is not None else None
        elif field.choices and value not in (None, ""):
            data[field.name] = str(choice_label(field, value))  # people read labels, not codes
        elif isinstance(field, models.FileField):
            data[field.name] = value.name if value else None
        elif isinstance(value, bool):
            data[field.name] = "是" if value else "否"
        else:
            data[field.name] = jsonable(value)
    return data


def diff(before: Snapshot, after: Snapshot) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def build(
    *,
    action: str,
    obj: models.Model,
    user,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    note: str = "",
) -> AuditEntry:
    """An unsaved entry (for bulk writes); :func:`record` saves one."""
    user = user if user is not None and user.is_authenticated else None
    parent_type, parent_id = _parent_of(obj)
    return AuditEntry(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        parent_type=parent_type,
        parent_id=parent_id,
        object_repr=str(obj)[:200],
        changes=diff(before or {}, after if after is not None else snapshot(obj)),
        note=note[:300],
    )


def record(**kwargs) -> AuditEntry:
    entry = build(**kwargs)
    entry.save()
    return entry


def record_many(entries: Iterable[AuditEntry]) -> None:
    AuditEntry.objects.bulk_create(list(entries), batch_size=2000)


def _parent_of(obj: models.Model) -> tuple[ContentType | None, str]:
    """The object an entry also belongs to (a year's figures belong to their enterprise or town): the model names
    the foreign key in ``audit_parent``, so the owner's history lists what was added, changed or deleted under it."""
    name = getattr(type(obj), "audit_parent", None)
    if not name:
        return None, ""
    field = obj._meta.get_field(name)
    parent_id = getattr(obj, field.attname)
    if parent_id is None:
        return None, ""
    return ContentType.objects.get_for_model(field.related_model, for_concrete_model=True), str(parent_id)


def history_for(obj: models.Model):
    """The trail of one object and of what belongs to it (``audit_parent``), newest first."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEntry.objects.filter(
        Q(content_type=content_type, object_id=str(obj.pk)) | Q(parent_type=content_type, parent_id=str(obj.pk))
    ).select_related("user", "content_type")


# --- the trail in people's words ------------------------------------------------------------------------------

# Keys some entries carry that are not fields of their model (a model adds its own in ``AUDIT_LABELS``).
KEY_LABELS = {"api_token": _("接口令牌"), "schedule": _("运行时间")}
EMPTY = "—"


def _label(model, key: str) -> str:
    labels = getattr(model, "AUDIT_LABELS", {}) if model else {}
    if key in labels:
        return str(labels[key])
    if model is not None:
        try:
            return str(model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            pass
    return str(KEY_LABELS.get(key, key))


def readable_value(value: Any) -> str:
    """A recorded value as people read it: local time instead of an ISO timestamp, lists and maps as text."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if "T" in value and (moment := _parse_moment(value)) is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        return value
    if isinstance(value, list):
        return "；".join(readable_value(v) for v in value) or EMPTY
    if isinstance(value, dict):
        if "outcome_label" in value:  # a criteria verdict: its conclusion
            return str(value["outcome_label"])
        return "；".join(f"{k}：{readable_value(v)}" for k, v in value.items()) or EMPTY
    return str(value)


def _parse_moment(text: str) -> datetime.datetime | None:
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def readable_changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field label, before, after) per change of an entry, in Chinese, values as people read them; a change that
    reads the same on both sides (1200.5 and 1200.50, a timestamp's seconds) is left out."""
    model = entry.content_type.model_class()
    rows = []
    for key, pair in (entry.changes or {}).items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        shown = getattr(model, "audit_display", None)
        a = (shown and shown(key, before)) or readable_value(before)
        b = (shown and shown(key, after)) or readable_value(after)
        if a != b:
            rows.append((_label(model, key), a, b))
    return rows


def creation_rows(
    *, model: type[models.Model], user, note: str, items: Iterable[tuple[Any, str, Snapshot, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Audit entries of new objects for core.bulk.insert (a bulk import's), as (the values they share, a row per
    object): ``items`` are (pk, str(obj), snapshot, the pk its ``audit_parent`` points to or None) with the snapshot
    exactly as :func:`snapshot` would take it of the saved object — the same entries :func:`build` makes."""
    from django.utils import timezone

    user = user if user is not None and user.is_authenticated else None
    shared = {
        "timestamp": timezone.now(),
        "user_id": user.pk if user else None,
        "username": user.get_username() if user else "",
        "action": AuditEntry.Action.CREATE.value,
        "content_type_id": ContentType.objects.get_for_model(model, for_concrete_model=True).pk,
        "note": note[:300],
        "parent_type_id": None,
    }
    if parent := getattr(model, "audit_parent", None):
        related = model._meta.get_field(parent).related_model
        shared["parent_type_id"] = ContentType.objects.get_for_model(related, for_concrete_model=True).pk
    # changes: diff({}, after) without its generality, every value that is not None as [None, value]
    rows = [
        {
            "object_id": str(pk),
            "object_repr": text[:200],
            "changes": {k: [None, v] for k, v in after.items() if v is not None},
            "parent_id": "" if parent_pk is None or not shared["parent_type_id"] else str(parent_pk),
        }
        for pk, text, after, parent_pk in items
    ]
    return shared, rows

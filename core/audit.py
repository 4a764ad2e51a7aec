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
from django.db import models

from core.models import AuditEntry

from .labels import choice_label

Snapshot = dict[str, Any]


def _jsonable(value: Any) -> Any:
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
            data[field.name] = _jsonable(value)
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
    return AuditEntry(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
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


def history_for(obj: models.Model):
    """The trail of one object, newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=str(obj.pk)
    ).select_related("user", "content_type")

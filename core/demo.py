"""The demo loader's registry of the rows it created (core.models.DemoRecord), and its audit note.

``load_demo_data`` (development only) creates rows and never updates one: whatever it finds it leaves alone, and it
fills a town with invented firms and figures only while no user has touched the town. Each row it creates is
registered here and logged in the audit trail as demo data, so a reader can tell invented figures from real ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import audit
from .models import AuditEntry, DemoRecord

NOTE = "示例数据（load_demo_data 生成，仅用于开发演示）"


def record(objects: Iterable[models.Model], *, log: bool = True) -> None:
    """Register rows the loader just created, with an audit entry each (no user: the loader) unless ``log`` is off
    (accounts and tokens, whose rows hold password and key digests that have no place in the trail)."""
    objects = list(objects)
    if not objects:
        return
    DemoRecord.objects.bulk_create(
        [
            DemoRecord(
                content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=str(obj.pk)
            )
            for obj in objects
        ],
        ignore_conflicts=True,
    )
    if log:
        audit.record_many(
            audit.build(action=AuditEntry.Action.CREATE, obj=obj, user=None, note=NOTE) for obj in objects
        )


def ids(model: type[models.Model]) -> set[str]:
    """The ids of the model's rows the loader created."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    return set(DemoRecord.objects.filter(content_type=content_type).values_list("object_id", flat=True))


def created(obj: models.Model) -> bool:
    return str(obj.pk) in ids(type(obj))

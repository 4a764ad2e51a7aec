"""Loads the 12 tasks of 四、重点任务 from :mod:`tasks_registry.reference` (idempotent)."""

from __future__ import annotations

import datetime

from django.db import transaction

from towns.models import Bureau

from .models import Measure, Task, TaskUnit
from .reference import TASKS


@transaction.atomic
def load_tasks(year: int) -> dict[str, int]:
    """Creates the tasks, their lead and supporting units, and the year's measures where missing.

    Existing rows are left as the office has them (periods, statuses, edited measures).
    """
    bureaus = {b.name: b for b in Bureau.objects.all()}
    created = {"tasks": 0, "units": 0, "measures": 0}
    for spec in TASKS:
        task, was_created = Task.objects.get_or_create(
            number=spec.number,
            defaults={
                "theme": spec.theme,
                "title": spec.title,
                "text": spec.text,
                "responsibility": spec.responsibility,
                "counties_support": spec.counties_support,
            },
        )
        created["tasks"] += was_created
        for role, names in ((TaskUnit.Role.LEAD, spec.lead_units), (TaskUnit.Role.SUPPORT, spec.supporting_units)):
            for order, name in enumerate(names):
                _, unit_created = TaskUnit.objects.get_or_create(
                    task=task, bureau=bureaus[name], defaults={"role": role, "sort_order": order}
                )
                created["units"] += unit_created
        if not task.measures.filter(year=year).exists():
            Measure.objects.bulk_create(
                Measure(
                    task=task,
                    year=year,
                    title=m.title,
                    text=m.text,
                    deadline=datetime.date(year, 12, 31),
                    sort_order=order,
                )
                for order, m in enumerate(spec.measures)
            )
            created["measures"] += len(spec.measures)
    return created

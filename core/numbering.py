"""Document numbers (文号): one counter row per series and year, drawn under a row lock.

Every numbered series (applications, 公示, certificates, 督办通知书, …) draws here, so two cycles of one year, or
two offices deciding at once, never get the same number, and a number is never reused after a deletion.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from .models import DocumentSequence


def draw(*, series: str, year: int, existing: Callable[[], int] = lambda: 0) -> int:
    """The next number of ``series`` in ``year``. ``existing`` gives the highest number already issued, read only
    when the series is first used (data from before the counter existed continues from there)."""
    with transaction.atomic():
        sequence = DocumentSequence.objects.select_for_update().filter(series=series, year=year).first()
        if sequence is None:
            # A concurrent first draw loses on the unique constraint; its savepoint rolls back and it retries.
            try:
                with transaction.atomic():
                    sequence = DocumentSequence.objects.create(series=series, year=year, last=existing())
            except IntegrityError:
                sequence = DocumentSequence.objects.select_for_update().get(series=series, year=year)
            else:
                sequence = DocumentSequence.objects.select_for_update().get(pk=sequence.pk)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return sequence.last


def highest(queryset, field: str, prefix: str) -> int:
    """The highest sequence number among ``field`` values "<prefix>NNN[号]" (for ``draw``'s ``existing``)."""
    numbers = queryset.filter(**{f"{field}__startswith": prefix}).values_list(field, flat=True)
    found = [int(n[len(prefix) :].rstrip("号")) for n in numbers if n[len(prefix) :].rstrip("号").isdigit()]
    return max(found, default=0)

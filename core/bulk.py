"""Inserting many new rows fast: PostgreSQL's COPY, with the ids drawn from the table's sequence first.

For an import of 100,000 enterprises Django's ``bulk_create`` spends most of its time building model
instances and compiling one placeholder per value (bench/README.md); COPY takes plain values. The rows are
plain dicts of column values (``town_id``, not ``town``), already validated by the caller; the database's
constraints still stand behind them. Elsewhere (SQLite) the same call is a ``bulk_create``.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models

BATCH = 2000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model`` (PostgreSQL: drawn from its sequence, so they are never reused)."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def insert(model: type[models.Model], rows: Sequence[dict[str, Any]], *, with_ids: bool = False) -> list[int]:
    """Insert new rows (dicts keyed by field attname, e.g. ``town_id``). Returns their ids if ``with_ids`` (each
    row gets its ``id`` key set), else an empty list."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        model.objects.bulk_create(objects, batch_size=BATCH)
        if with_ids:
            for row, obj in zip(rows, objects, strict=True):
                row["id"] = obj.pk
            return [obj.pk for obj in objects]
        return []
    pk = model._meta.pk.attname
    if with_ids:
        for row, new_id in zip(rows, reserve_ids(model, len(rows)), strict=True):
            row[pk] = new_id
    names = list(rows[0])
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(_field_name(model, n)).column) for n in names)
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write("\t".join([_copy_value(row[n]) for n in names]))
        write("\n")
    buffer.seek(0)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)  # the psycopg2 cursor
    return [row[pk] for row in rows] if with_ids else []


def _field_name(model, attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    raise KeyError(attname)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value).translate(_ESCAPES)

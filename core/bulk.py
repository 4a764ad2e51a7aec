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
import re
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


def insert(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    with_ids: bool = False,
    constants: dict[str, Any] | None = None,
) -> list[int]:
    """Insert new rows (dicts keyed by field attname, e.g. ``town_id``), each with ``constants`` added (the
    values every row shares, converted once). Returns their ids if ``with_ids`` (each row gets its ``id`` key
    set), else an empty list."""
    if not rows:
        return []
    constants = constants or {}
    if connection.vendor != "postgresql":
        objects = [model(**constants, **row) for row in rows]
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
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(_field_name(model, n)).column) for n in [*constants, *names]
    )
    shared = "".join(_copy_value(v) + "\t" for v in constants.values())
    value = _copy_value
    text = "".join([shared + "\t".join([value(row[n]) for n in names]) + "\n" for row in rows])
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))  # psycopg2's cursor
    return [row[pk] for row in rows] if with_ids else []


def _field_name(model, attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    raise KeyError(attname)


_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps(..., ensure_ascii=False) makes one a call
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(text: str) -> str:
    # Most values need no escaping; the search is far cheaper than rewriting every string.
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text) if _SPECIAL.search(text) else text


def _copy_value(value: Any) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is str:
        return _escape(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is dict or kind is list:
        return _escape(_json(value))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return _escape(str(value))

"""Helpers every app's services use: validation that names the field, applying a form's data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def validate(obj) -> None:
    """full_clean, with constraint violations reported on the field they concern.

    Constraints whose ``violation_error_code`` reads ``"<field>:<reason>"`` are moved from the
    non-field errors onto that field, so forms, the API and the importer all say which field.
    """
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors: dict[str, list] = {}
        for field, field_errors in exc.error_dict.items():
            for error in field_errors:
                target = field
                if field == NON_FIELD_ERRORS and error.code and ":" in error.code:
                    target = error.code.split(":", 1)[0]
                errors.setdefault(target, []).append(error)
        raise ValidationError(errors) from None


def apply(obj, data: Mapping[str, Any], fields: Iterable[str] | None = None) -> None:
    """Set ``data`` on ``obj``; with ``fields``, only those (a service's explicit list of what callers may set)."""
    allowed = None if fields is None else set(fields)
    for field, value in data.items():
        if allowed is None or field in allowed:
            setattr(obj, field, value)

"""Helpers every app's services use: validation that names the field, applying a form's data, row locks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from core.errors import ActionNotAllowed

M = TypeVar("M", bound=models.Model)


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


def lock(
    obj: M, *, state_field: str = "status", allowed: Iterable[str] | None = None, expected: str | None = None
) -> M:
    """Re-read ``obj`` under a row lock and check its state: one of ``allowed`` and, when the user acted on a
    page showing ``expected``, still that state. Two decisions at once: one wins, the other is told it changed."""
    current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    state = getattr(current, state_field)
    if expected is not None and state != expected:
        raise ActionNotAllowed(_("该记录已被他人处理，请刷新后重试。"))
    if allowed is not None and state not in set(allowed):
        label = getattr(current, f"get_{state_field}_display", lambda: state)()
        raise ActionNotAllowed(_("当前状态（%(state)s）不允许此操作。") % {"state": label})
    return current

"""Choice labels as people read them, looked up once per value instead of once per object."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.encoding import force_str


def choice_label(field: models.Field, value: Any) -> str:
    """The translated label of ``value`` in ``field``'s choices (the value itself if it has none).

    Same result as ``obj.get_FOO_display()``, which builds the choices dict and translates the label
    on every call; exports and bulk imports call this hundreds of thousands of times.
    """
    return _label(field, value, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _label(field: models.Field, value: Any, language: str | None) -> str:
    return force_str(dict(field.flatchoices).get(value, value), strings_only=True)  # as get_FOO_display


def display(model: type[models.Model], field_name: str):
    """A column value function: ``display(Town, "tier")(town)`` is ``town.get_tier_display()``."""
    field = model._meta.get_field(field_name)
    attname = field.attname
    return lambda obj: choice_label(field, getattr(obj, attname))

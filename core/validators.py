"""Validators every app's models share."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_not_future(value: datetime.date | None) -> None:
    """A date on which something happened (a problem found, a project started, a decision taken, an objection
    received) cannot lie after today. One rule for every such field: forms, the API and importers all run it
    through the model's validation (core.services.validate)."""
    if value is None:
        return
    today = timezone.localdate()
    if value > today:
        raise ValidationError(
            _("%(date)s尚未到来：已发生事项的日期不能晚于今天（%(today)s）。"),
            code="future_date",
            params={"date": value.isoformat(), "today": today.isoformat()},
        )

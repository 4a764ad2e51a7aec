from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ActionNotAllowed


class Conflict(exceptions.APIException):
    """The object's current state does not allow the action (409)."""

    status_code = 409
    default_code = "conflict"


def exception_handler(exc, context):
    """Services raise Django's ValidationError (answered as a 400 naming each field) and ActionNotAllowed (409)."""
    if isinstance(exc, ActionNotAllowed):
        exc = Conflict(str(exc))
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        detail = {("non_field_errors" if k == "__all__" else k): v for k, v in detail.items()}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)

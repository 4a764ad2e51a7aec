"""Thin forms: the service validates the whole object and its errors are put back on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.errors import ActionNotAllowed


def call_service(form, service, **kwargs):
    """Run a service for a valid form. Its ValidationErrors go back on the form, on the field they name
    where the form has it; a refused action becomes a form error. Returns the result, or None."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    except ActionNotAllowed as exc:
        form.add_error(None, str(exc))
    return None


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that leaves model-level validation to the service.

    The service validates the whole object (constraints included) and its errors are put back
    on the form by the view, so each rule runs once and in one place.
    """

    def _post_clean(self):
        pass

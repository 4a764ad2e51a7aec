from django import template
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


@register.simple_tag
def field_label(entry, field_name: str) -> str:
    """The Chinese label of a field named in an audit entry."""
    model = entry.content_type.model_class()
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return field_name


@register.simple_tag
def model_label(entry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model else entry.content_type.model

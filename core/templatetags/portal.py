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


@register.simple_tag(takes_context=True)
def navlink(context, name: str, label: str):
    """A link of the main navigation, marked ``aria-current="page"`` when the page belongs to its section
    (``nav_active``, set by the portal's context processor)."""
    from django.urls import reverse
    from django.utils.html import format_html

    if context.get("nav_active") == name:
        return format_html('<a href="{}" aria-current="page">{}</a>', reverse(name), label)
    return format_html('<a href="{}">{}</a>', reverse(name), label)


@register.simple_tag
def audit_changes(entry) -> list[tuple[str, str, str]]:
    """``{% audit_changes entry as rows %}``: (label, before, after) in people's words (core.audit)."""
    from core.audit import readable_changes

    return readable_changes(entry)

"""The ledger's and library's permission predicates, for the pages' buttons (the rules live in permissions)."""

from django import template

from tasks_registry import permissions

register = template.Library()


@register.filter
def editable_by(project, user) -> bool:
    """``{% if project|editable_by:user %}``: permissions.can_edit_project."""
    return permissions.can_edit_project(user, project)

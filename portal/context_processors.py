from core.models import Notification
from towns.permissions import can_edit_registry, is_office, is_programme_member, membership, role_of, uses_pages


def role(request):
    user = getattr(request, "user", None)
    portal_role = role_of(user)
    return {
        "portal_role": portal_role,
        "portal_membership": membership(user),
        "can_edit_registry": can_edit_registry(user),
        "is_office": is_office(user),
        "is_programme_member": is_programme_member(user),
        "uses_pages": uses_pages(user),
        # a callable: evaluated (one query) only where the template shows it
        "unread_notifications": (
            (lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()) if portal_role else 0
        ),
    }

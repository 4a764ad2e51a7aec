from .permissions import can_edit_registry, is_office, membership, role_of


def role(request):
    user = getattr(request, "user", None)
    m = membership(user)
    return {
        "portal_role": role_of(user),
        "portal_membership": m,
        "can_edit_registry": can_edit_registry(user),
        "is_office": is_office(user),
    }

"""Who reads and who writes a county's own mechanisms (its documents, its tasks and their reports): the one
implementation, asked by selectors, services, views, the API and the navigation.

- Writing is the county's own business: "各县（市、区）参照建立本级工作机制，研究制定'一镇一策'扶持政策" — a county
  government issues its documents and keeps its task list. Only a county official writes, and only for their own
  county (another county's object: 404). The office, bureaus and leaders read; they act on a county through the
  problem ledger and 督办, not by editing its documents (403), and experts and API accounts have no part (403).
- A draft is the county's working copy: only that county sees it (anyone else: 404).
- A published document is an official document with a number: every programme member reads it — the office,
  leaders and bureaus who oversee the counties, and the other counties, whom the plan asks to learn from each
  other ("参照"); such documents are public on the county governments' own sites anyway.
- A county's task list (and its reports) is its internal work list: the county itself and the city's units
  (office, leaders, bureaus) read it; another county does not (404), as with enterprises and projects.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from towns.models import Role
from towns.permissions import OutOfScope, county_scope, is_programme_member, require_programme_member, role_of

from .county_models import CountyDocument

CITY_READERS = (Role.OFFICE, Role.LEADER, Role.BUREAU)


def sees_county_mechanisms(user) -> bool:
    """The county mechanisms pages and API are the programme's (counties, office, bureaus, leaders)."""
    return is_programme_member(user)


def require_county_mechanisms(user) -> None:
    require_programme_member(user)


def sees_every_county(user) -> bool:
    """The city's units read every county's lists (the office's side-by-side comparison among them)."""
    return role_of(user) in CITY_READERS


def can_see_county_lists(user, county) -> bool:
    return sees_every_county(user) or (county_scope(user) is not None and county_scope(user) == county.pk)


def require_county_lists(user, county) -> None:
    """403 outside the programme; 404 for another county's lists."""
    require_county_mechanisms(user)
    if not can_see_county_lists(user, county):
        raise OutOfScope()


def can_edit_county_mechanisms(user, county=None) -> bool:
    """A county official, for their own county; without ``county``: whether the user writes any at all."""
    if role_of(user) != Role.COUNTY:
        return False
    return county is None or county_scope(user) == county.pk


def require_county_mechanisms_editor(user, county=None) -> None:
    """403 for every role but a county's; 404 for another county's object."""
    if role_of(user) != Role.COUNTY:
        raise PermissionDenied(_("县级政策文件和任务清单由各县（市、区）自行填报，其他角色只能查看。"))
    if county is not None and county_scope(user) != county.pk:
        raise OutOfScope()


# --- the document's one table of transitions ----------------------------------------------------------------

Status = CountyDocument.Status
# action: (the states it starts from, the state it leads to); who: the document's own county (above)
DOCUMENT_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": ((Status.DRAFT,), Status.PUBLISHED),
    "repeal": ((Status.PUBLISHED,), Status.REPEALED),
}
# Only a draft is edited (its fields, towns and attachments); a published document is fixed.
EDITABLE_STATUSES = (Status.DRAFT,)


def document_actions(user, document: CountyDocument) -> frozenset[str]:
    """The transitions the user may take on the document now (the page shows these buttons)."""
    if not can_edit_county_mechanisms(user, document.county):
        return frozenset()
    return frozenset(name for name, (sources, _to) in DOCUMENT_ACTIONS.items() if document.status in sources)


def can_edit_document(user, document: CountyDocument) -> bool:
    return can_edit_county_mechanisms(user, document.county) and document.status in EDITABLE_STATUSES

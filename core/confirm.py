"""A confirmation step before an irreversible or outward-facing action, without JavaScript.

A view that handles such a POST builds a :class:`Confirmation` (what exactly will happen, in the people's words:
"将生成2份督办通知书并通知盐湖区、闻喜县") and calls :func:`ask`. Unless the post already carries the confirmation
field, the user gets a server-rendered page with those consequences, a button that posts the same fields again
(plus the confirmation) to the same address, and a link back that changes nothing. So the action happens only on
the second, informed click, in any browser, with or without scripts.

The fields are posted back as they came (the ``expected`` state included, so a decision taken meanwhile by someone
else is still refused by the service). File uploads cannot travel through a page like this; forms that carry a
file confirm with a required check box in the form itself instead (see :class:`ConfirmField`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

CONFIRM_FIELD = "_confirmed"
NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRM_FIELD}


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says. ``consequences``: one sentence per effect, most important first."""

    title: str
    consequences: Sequence[str]
    action_label: str
    cancel_url: str
    danger: bool = False
    # Whether and how it can be undone, e.g. "当日内可在专业镇页面撤回。"; irreversible by default.
    undo: str = field(default_factory=lambda: str(_("此操作提交后不能撤销。")))


def confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "1"


def ask(request: HttpRequest, confirmation: Confirmation | Callable[[], Confirmation]) -> HttpResponse | None:
    """None when the post is confirmed (go ahead); otherwise the confirmation page to return.

    ``confirmation`` may be a function, so that its consequences are worked out only when they are shown.
    """
    if confirmed(request):
        return None
    if callable(confirmation):
        confirmation = confirmation()
    fields = [
        (name, value) for name in request.POST for value in request.POST.getlist(name) if name not in NOT_REPOSTED
    ]
    return render(
        request,
        "confirm.html",
        {"confirmation": confirmation, "fields": fields, "action": request.get_full_path(), "flag": CONFIRM_FIELD},
    )


class ConfirmField(forms.BooleanField):
    """The confirmation step inside a form (for forms with a file, which a confirmation page cannot carry): a
    required check box whose label says what submitting will do."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("error_messages", {"required": _("请勾选确认后再提交。")})
        super().__init__(label=label, required=True, **kwargs)

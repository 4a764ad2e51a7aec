"""Pages of the re-examination (复核): the list, one re-examination with the county's form or the office's
decisions (only the actions the transition table allows), and the decisions' POSTs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.audit import history_for
from core.forms import call_service
from towns.permissions import require_office

from . import reexamination as service
from . import workflow_reexam
from .forms_reexam import DECISION_FORMS, SubmissionForm


@login_required
def reexamination_list(request):
    return render(
        request,
        "certification/reexamination_list.html",
        {"reexaminations": service.reexamination_list(user=request.user), "today": timezone.localdate()},
    )


def _context(request, reexam, *, form=None, decision_forms=None):
    actions = workflow_reexam.actions_for(request.user, reexam)
    policies = service.policies_for(reexam)
    forms = decision_forms or {}
    for name, form_class in DECISION_FORMS.items():
        if name in actions and name not in forms:
            forms[name] = form_class(policies=policies, prefix=name)  # one page, three forms: ids stay apart
    return {
        "reexam": reexam,
        "certificate": reexam.certificate,
        "actions": actions,
        "form": form if form is not None else (SubmissionForm(instance=reexam) if "edit" in actions else None),
        "decision_forms": forms,
        "verdicts": service.verdicts(reexam),
        "history": history_for(reexam)[:30],
        "today": timezone.localdate(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def reexamination_detail(request, pk):
    reexam = service.reexamination_get(user=request.user, pk=pk)
    form = None
    if request.method == "POST":
        if "edit" not in workflow_reexam.actions_for(request.user, reexam):
            messages.error(request, _("当前不能修改复核材料。"))
            return redirect("reexamination-detail", pk=reexam.pk)
        form = SubmissionForm(request.POST, instance=reexam)
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in reexam.SUBMISSION_FIELDS}
            saved = call_service(form, service.reexamination_save, user=request.user, reexam=reexam, data=data)
            if saved and "submit" in request.POST:
                saved = call_service(form, service.reexamination_submit, user=request.user, reexam=saved)
                if saved:
                    messages.success(request, _("已报送复核材料。"))
                    return redirect("reexamination-detail", pk=reexam.pk)
            elif saved:
                messages.success(request, _("已保存。"))
                return redirect("reexamination-detail", pk=reexam.pk)
        reexam = service.reexamination_get(user=request.user, pk=pk)  # the form keeps what was typed
    return render(
        request,
        "certification/reexamination_detail.html",
        _context(request, reexam, form=form),
        status=400 if request.method == "POST" else 200,  # the form again, with its errors
    )


@login_required
@require_POST
def reexamination_decide(request, pk, action):
    reexam = service.reexamination_get(user=request.user, pk=pk)
    require_office(request.user)
    if action not in DECISION_FORMS:
        raise Http404
    form = DECISION_FORMS[action](request.POST, policies=service.policies_for(reexam), prefix=action)
    if form.is_valid():
        data = dict(form.cleaned_data)
        kwargs = {"user": request.user, "reexam": reexam, "expected": request.POST.get("expected") or None}
        run = {
            "renew": service.reexamination_renew,
            "rectify": service.reexamination_rectify,
            "revoke": service.reexamination_revoke,
        }[action]
        if call_service(form, run, **kwargs, **{"policy_choice": "", **data}):
            messages.success(
                request,
                {"renew": _("已延续认定，新证书已生成。"), "rectify": _("已责令整改。")}.get(
                    action, _("已撤销认定，专业镇梯次已调整。")
                ),
            )
            return redirect("reexamination-detail", pk=reexam.pk)
    reexam = service.reexamination_get(user=request.user, pk=pk)
    context = _context(request, reexam, decision_forms={action: form})
    return render(request, "certification/reexamination_detail.html", context, status=400)

"""Pages of the special inspections (专项检查): the list, the plan, the inspection with its findings and the
office's moves, the finding form (made for a phone on site), the report and attachments."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from certification.models import Objection
from core import uploads
from core.documents import pdf_response
from core.errors import ActionNotAllowed
from core.forms import call_service
from towns.models import Bureau, Role, Town
from towns.permissions import is_office, require_office

from . import documents, inspections, selectors, services, workflow
from .models import Finding, Inspection

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("检查名称"), max_length=120)
    towns = forms.ModelMultipleChoiceField(
        label=gettext_lazy("检查对象（专业镇）"),
        queryset=Town.objects.select_related("county").order_by("county__name", "name"),
        widget=forms.CheckboxSelectMultiple,
    )
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("检查组成员单位"),
        queryset=Bureau.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    experts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("检查组专家"),
        queryset=get_user_model().objects.filter(membership__role=Role.EXPERT, is_active=True).order_by("username"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    starts_on = forms.DateField(label=gettext_lazy("检查开始"), widget=DATE, required=False)
    ends_on = forms.DateField(label=gettext_lazy("检查结束"), widget=DATE, required=False)
    items = forms.CharField(
        label=gettext_lazy("检查清单（每行一项）"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=gettext_lazy("默认为四项认定标准和年度培育方案落实情况，可增删修改。"),
    )
    objection = forms.ModelChoiceField(
        label=gettext_lazy("所涉公示异议（因异议开展检查时选择）"),
        queryset=Objection.objects.select_related("application__town").order_by("-received_on"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["objection"].label_from_instance = lambda o: (
            _("%(town)s · %(who)s（%(day)s）：%(text)s")
            % {
                "town": o.application.town.name,
                "who": o.objector,
                "day": o.received_on,
                "text": o.content[:40],
            }
        )

    def data_for_service(self) -> dict:
        return {**self.cleaned_data, "items": self.cleaned_data["items"].splitlines()}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        # image/* lets a phone offer its camera; PDFs from the county's files are taken too
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class FindingForm(forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("检查结论"), choices=Finding.Result.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("情况说明"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    files = MultipleFileField(label=gettext_lazy("照片或附件（可多选，图片或 PDF）"), required=False)


class ExpectedForm(forms.Form):
    expected = forms.ChoiceField(choices=Inspection.Status.choices, widget=forms.HiddenInput)


class FinishForm(ExpectedForm):
    conclusion = forms.CharField(
        label=gettext_lazy("检查结论"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class IssueForm(ExpectedForm):
    deadline = forms.DateField(label=gettext_lazy("整改期限"), widget=DATE)


class CloseForm(ExpectedForm):
    note = forms.CharField(label=gettext_lazy("办结说明"), required=False)


TRANSITIONS = {
    "start": (ExpectedForm, inspections.inspection_start, gettext_lazy("检查已开始。")),
    "finish": (FinishForm, inspections.inspection_finish, gettext_lazy("已结束检查，检查发现已确认。")),
    "reopen": (ExpectedForm, inspections.inspection_reopen, gettext_lazy("已重新打开，可继续记录检查发现。")),
    "issue": (IssueForm, inspections.inspection_issue, gettext_lazy("已下发督办通知书。")),
    "close": (CloseForm, inspections.inspection_close, gettext_lazy("专项检查已办结。")),
}


@login_required
def inspection_list(request):
    rows = selectors.inspections(user=request.user).prefetch_related("towns")
    return render(
        request, "evaluation/inspections/list.html", {"inspections": rows, "is_office": is_office(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request):
    require_office(request.user)
    initial = {"items": "\n".join(inspections.default_checklist())}
    objection = Objection.objects.select_related("application__town").filter(pk=request.GET.get("objection") or 0)
    if objection := objection.first():  # opened from an objection to a public notice
        initial |= {
            "objection": objection,
            "towns": [objection.application.town],
            "title": _("%(town)s公示异议核查") % {"town": objection.application.town.name},
        }
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        inspection = call_service(form, inspections.inspection_plan, user=request.user, data=form.data_for_service())
        if inspection:
            messages.success(request, _("已制定专项检查计划%(number)s。") % {"number": inspection.number})
            return redirect("inspection-detail", pk=inspection.pk)
    return render(
        request,
        "evaluation/inspections/form.html",
        {"form": form, "inspection": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_edit(request, pk):
    require_office(request.user)
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    if "edit" not in workflow.inspection_actions_for(request.user, inspection):
        messages.error(request, _("检查已开始，计划不能再修改。"))
        return redirect("inspection-detail", pk=inspection.pk)
    initial = {
        "title": inspection.title,
        "towns": inspection.towns.all(),
        "units": inspection.units.all(),
        "experts": inspection.experts.all(),
        "starts_on": inspection.starts_on,
        "ends_on": inspection.ends_on,
        "items": "\n".join(i.title for i in inspection.items.all()),
        "objection": inspection.objection,
    }
    form = PlanForm(request.POST or None, initial=initial)
    form.fields["objection"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        if call_service(form, inspections.inspection_update, user=request.user, inspection=inspection, data=data):
            messages.success(request, _("已保存检查计划。"))
            return redirect("inspection-detail", pk=inspection.pk)
    return render(
        request,
        "evaluation/inspections/form.html",
        {"form": form, "inspection": inspection},
        status=400 if request.method == "POST" else 200,
    )


def _grid(inspection: Inspection, towns, findings) -> list[tuple[Town, list[tuple]]]:
    """Per town, each checklist item with its finding (or None)."""
    items = list(inspection.items.all())
    found = {(f.town_id, f.item_id): f for f in findings}
    return [(town, [(item, found.get((town.pk, item.pk))) for item in items]) for town in towns]


def _visible(request, inspection: Inspection):
    towns = list(selectors.inspection_towns(user=request.user, inspection=inspection))
    ids = [t.pk for t in towns]
    findings = list(
        inspection.findings.filter(town_id__in=ids)
        .select_related("item", "recorded_by")
        .prefetch_related("attachments")
    )
    notices = list(inspection.notices.filter(town_id__in=ids).select_related("town").order_by("number"))
    return towns, findings, notices


@login_required
def inspection_detail(request, pk):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    towns, findings, notices = _visible(request, inspection)
    actions = workflow.inspection_actions_for(request.user, inspection)
    expected = {"expected": inspection.status}
    deadline = timezone.localdate() + datetime.timedelta(
        days=services.config_for(timezone.localdate().year).rectify_days
    )
    return render(
        request,
        "evaluation/inspections/detail.html",
        {
            "inspection": inspection,
            "grid": _grid(inspection, towns, findings),
            "notices": notices,
            "actions": actions,
            "missing": len(inspections.missing_findings(inspection)) if "finish" in actions else 0,
            "start_form": ExpectedForm(initial=expected),
            "finish_form": FinishForm(initial=expected | {"conclusion": inspection.conclusion}),
            "reopen_form": ExpectedForm(initial=expected),
            "issue_form": IssueForm(initial=expected | {"deadline": deadline}),
            "close_form": CloseForm(initial=expected),
        },
    )


@login_required
@require_POST
def inspection_transition(request, pk, action):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    require_office(request.user)
    if action not in TRANSITIONS:
        raise Http404()
    form_class, service, done = TRANSITIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("inspection-detail", pk=inspection.pk)
    try:
        service(user=request.user, inspection=inspection, **form.cleaned_data)
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    except forms.ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("inspection-detail", pk=inspection.pk)


@login_required
@require_http_methods(["GET", "POST"])
def finding_record(request, pk, town_pk, item_pk):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    town = get_object_or_404(selectors.inspection_towns(user=request.user, inspection=inspection), pk=town_pk)
    item = get_object_or_404(inspection.items.all(), pk=item_pk)
    if "record" not in workflow.inspection_actions_for(request.user, inspection):
        raise PermissionDenied(_("只有检查组成员在检查期间可以记录检查发现。"))
    finding = inspection.findings.filter(town=town, item=item).prefetch_related("attachments").first()
    initial = {"result": finding.result, "note": finding.note} if finding else {}
    form = FindingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            inspections.finding_record,
            user=request.user,
            inspection=inspection,
            item=item,
            town=town,
            result=form.cleaned_data["result"],
            note=form.cleaned_data["note"],
            attachments=form.cleaned_data["files"],
        )
        if saved:
            messages.success(request, _("已记录：%(town)s · %(item)s。") % {"town": town.name, "item": item.title})
            return redirect(reverse("inspection-detail", kwargs={"pk": inspection.pk}) + f"#town-{town.pk}")
    return render(
        request,
        "evaluation/inspections/finding.html",
        {"inspection": inspection, "town": town, "item": item, "finding": finding, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def inspection_report(request, pk):
    """专项检查报告: one text for the page and the PDF (a county reads its own towns' part)."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    towns, findings, notices = _visible(request, inspection)
    document = documents.inspection_report(inspection, towns, findings, notices)
    if request.GET.get("format") == "pdf":
        return pdf_response(document)
    return render(request, "evaluation/inspections/report.html", {"inspection": inspection, "document": document})


@login_required
def finding_attachment(request, pk):
    return uploads.serve(selectors.finding_attachments(user=request.user), pk)

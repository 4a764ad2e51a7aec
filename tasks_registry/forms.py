from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceModelForm
from core.uploads import check_attachment
from towns.models import Bureau, County, Town

from .models import KeyProject, Measure, Problem, Task
from .services import PROJECT_FIELDS

DATE = forms.DateInput(attrs={"type": "date"})


class TaskSettingsForm(ServiceModelForm):
    class Meta:
        model = Task
        fields = ["reporting_period", "report_due_days", "status_override", "status_note"]


class MeasureForm(ServiceModelForm):
    class Meta:
        model = Measure
        fields = ["year", "title", "text", "goal", "deadline", "weight", "sort_order"]
        widgets = {"deadline": DATE, "text": forms.Textarea(attrs={"rows": 2})}


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("报送期"))
    narrative = forms.CharField(label=_("工作进展"), widget=forms.Textarea(attrs={"rows": 6}))
    towns = forms.ModelMultipleChoiceField(
        queryset=Town.objects.none(), required=False, label=_("涉及专业镇"), widget=forms.CheckboxSelectMultiple
    )
    attachment = forms.FileField(label=_("附件（PDF、图片或 .xlsx，可选）"), required=False)

    def __init__(self, *args, periods, measures, towns, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p.code, p.label) for p in periods]
        self.fields["towns"].queryset = towns
        self.measures = list(measures)
        current = current or {}
        for m in self.measures:
            pct, note = current.get(m.pk, (None, ""))
            self.fields[f"measure_{m.pk}"] = forms.DecimalField(
                label=f"{m.title}（%）",
                min_value=0,
                max_value=100,
                decimal_places=1,
                required=True,
                initial=pct,
                help_text=m.goal or m.text[:80],
            )
            self.fields[f"note_{m.pk}"] = forms.CharField(label=_("说明"), required=False, max_length=300, initial=note)

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            try:
                check_attachment(upload)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return upload

    def measure_values(self):
        return {m.pk: (self.cleaned_data[f"measure_{m.pk}"], self.cleaned_data[f"note_{m.pk}"]) for m in self.measures}


class ProblemForm(ServiceModelForm):
    # A one-time key drawn when the form is shown: posting the same form twice (a double click, two tabs, a
    # retry) records one problem (services.problem_record).
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Problem
        fields = ["title", "description", "town", "task", "source", "found_on"]
        widgets = {"found_on": DATE, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if towns is not None:
            self.fields["town"].queryset = towns
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4()


class AssignForm(forms.Form):
    bureau = forms.ModelChoiceField(queryset=Bureau.objects.all(), required=False, label=_("责任单位（市直）"))
    county = forms.ModelChoiceField(queryset=County.objects.all(), required=False, label=_("或责任县（市、区）"))
    deadline = forms.DateField(label=_("办结时限"), widget=DATE)


class RespondForm(forms.Form):
    text = forms.CharField(label=_("办理情况"), widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(forms.Form):
    text = forms.CharField(label=_("核实意见"), widget=forms.Textarea(attrs={"rows": 3}))
    accept = forms.TypedChoiceField(
        label=_("核实结果"), coerce=lambda v: v == "1", choices=[("1", _("销号")), ("0", _("退回继续办理"))]
    )


class ProjectForm(ServiceModelForm):
    class Meta:
        model = KeyProject
        fields = list(PROJECT_FIELDS)
        widgets = dict.fromkeys(
            [
                "planned_sign_on",
                "signed_on",
                "planned_start_on",
                "started_on",
                "planned_production_on",
                "in_production_on",
            ],
            DATE,
        )

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        self.fields["enterprise"].queryset = self.fields["enterprise"].queryset.filter(town__in=towns)

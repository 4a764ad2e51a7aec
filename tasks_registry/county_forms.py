"""Thin forms of the counties' mechanisms: the services validate (towns of the county, publishing needs)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceModelForm
from core.uploads import check_attachment
from towns.models import CountyTarget, Town

from .county_models import CountyDocument, CountyTask
from .models import Task

DATE = forms.DateInput(attrs={"type": "date"})


class _AttachmentMixin:
    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            try:
                check_attachment(upload)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return upload


def _towns_field(label):
    return forms.ModelMultipleChoiceField(
        queryset=Town.objects.none(), required=False, label=label, widget=forms.CheckboxSelectMultiple
    )


class DocumentForm(_AttachmentMixin, ServiceModelForm):
    towns = _towns_field(_("适用专业镇"))
    attachment = forms.FileField(label=_("文件正文或附件（PDF、图片或 .xlsx，可选）"), required=False)

    class Meta:
        model = CountyDocument
        fields = ["kind", "title", "number", "issued_on", "issuer", "summary"]
        widgets = {"issued_on": DATE, "summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["towns"].queryset = towns  # the county's own (the service refuses any other county's)
        self.fields["towns"].help_text = _("一镇一策扶持政策和中长期规划须写明适用的专业镇；培育方案可覆盖全县。")
        if self.instance.pk:
            self.initial["towns"] = list(self.instance.towns.all())


class RepealForm(forms.Form):
    reason = forms.CharField(label=_("废止说明"), max_length=200)
    repealed_on = forms.DateField(label=_("废止日期"), widget=DATE, required=False)


class CountyTaskForm(ServiceModelForm):
    towns = _towns_field(_("涉及专业镇"))

    class Meta:
        model = CountyTask
        fields = ["year", "title", "content", "city_task", "owner_unit", "owner_person", "deadline"]
        widgets = {"deadline": DATE, "content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["towns"].queryset = towns
        self.fields["city_task"].queryset = Task.objects.order_by("number")
        self.fields["city_task"].empty_label = _("（无）")
        if self.instance.pk:
            self.initial["towns"] = list(self.instance.towns.all())
        else:
            self.initial.setdefault("year", timezone.localdate().year)


class CountyTaskReportForm(_AttachmentMixin, forms.Form):
    period = forms.ChoiceField(label=_("报送期"))
    progress_pct = forms.DecimalField(label=_("完成进度（%）"), min_value=0, max_value=100, decimal_places=1)
    narrative = forms.CharField(label=_("工作进展"), widget=forms.Textarea(attrs={"rows": 5}))
    attachment = forms.FileField(label=_("附件（PDF、图片或 .xlsx，可选）"), required=False)

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p.code, p.label) for p in periods]


class CountyTargetForm(ServiceModelForm):
    """任务12: the county's own job and tax targets for a year (the service is towns.services.county_target_save)."""

    class Meta:
        model = CountyTarget
        fields = ["year", "jobs_target", "tax_target_wan", "note"]

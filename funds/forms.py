"""Thin forms of the fund: they parse what the office typed; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceModelForm
from tasks_registry.models import KeyProject
from towns.models import Town

from . import selectors
from .models import FundAllocation, FundBudget

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
Kind, Purpose = FundAllocation.Kind, FundAllocation.Purpose


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several attachments at once (PDF, images, .xlsx; checked by core.uploads in the service)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,image/png,image/jpeg,.xlsx"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not data and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


ATTACHMENTS_LABEL = _("附件（PDF、图片或 .xlsx，可多选）")


class BudgetForm(ServiceModelForm):
    attachments = MultipleFileField(label=ATTACHMENTS_LABEL)

    class Meta:
        model = FundBudget
        fields = ["year", "amount_wan", "document_title", "document_number", "document_date", "note"]
        widgets = {"document_date": DATE}
        help_texts = {
            "document_title": _("如：关于下达2026年度培育特色专业镇发展专项资金预算的通知"),
            "amount_wan": _("单位：万元。调减时不能低于已安排的金额。"),
        }

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["year"]  # a budget is the year's: to correct the year, record the right one
        else:
            self.fields["year"].initial = timezone.localdate().year

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "attachments"}


class BudgetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FundBudget) -> str:
        return f"{obj.year}年度"


class CommendationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.run.year}年度评估第{obj.rank}名 {obj.town.name}（{obj.county.name}）"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: KeyProject) -> str:
        return f"{obj.name}（{obj.town.name}）"


def _model_field(name: str, **kwargs):
    return FundAllocation._meta.get_field(name).formfield(**kwargs)


class AllocationForm(forms.Form):
    """One allocation of ``kind``: the recipient field the kind names, the amount, the purpose (a reward's is the
    reward, with the 成效突出 the office records), the approving document once known, attachments."""

    def __init__(self, *args, kind: str, allocation: FundAllocation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        fields = self.fields
        if allocation is None:
            fields["budget"] = BudgetChoiceField(
                queryset=FundBudget.objects.order_by("-year"),
                label=_("预算年度"),
                empty_label=None,
                help_text=_("从该年度专项资金预算中安排。"),
            )
        if kind == Kind.REWARD:
            # a commendation carries one reward: those rewarded (by another allocation) are not offered
            rewarded = FundAllocation.objects.filter(status__in=FundAllocation.ACTIVE, commendation__isnull=False)
            if allocation is not None:
                rewarded = rewarded.exclude(pk=allocation.pk)
            choices = selectors.commendation_choices().exclude(pk__in=rewarded.values("commendation_id"))
            fields["commendation"] = CommendationChoiceField(
                queryset=choices,
                label=_("表扬（年度评估排名）"),
                help_text=_("奖励拨付给该专业镇所在县（市、区）政府。"),
            )
        elif kind == Kind.TOWN:
            fields["town"] = forms.ModelChoiceField(
                queryset=Town.objects.select_related("county").order_by("county__sort_order", "name"),
                label=_("专业镇"),
            )
        else:
            fields["project"] = ProjectChoiceField(
                queryset=KeyProject.objects.select_related("town").order_by("town__name", "name"), label=_("重点项目")
            )
        fields["amount_wan"] = _model_field("amount_wan", widget=forms.NumberInput(attrs={"step": "0.01"}))
        if kind == Kind.REWARD:
            fields["merit"] = _model_field(
                "merit",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=True,
                help_text=_("请写明成效突出之处：与评估排名一起，是予以表扬奖励的理由。"),
            )
        else:
            fields["purpose"] = forms.ChoiceField(
                label=_("用途"),
                choices=[("", "---------"), *[c for c in Purpose.choices if c[0] != Purpose.REWARD]],
                help_text=_("扶持资金服务的重点任务（四、重点任务）。"),
            )
        fields["description"] = _model_field("description")
        fields["document_number"] = _model_field("document_number", help_text=_("拟安排时可暂不填写，下达时必填。"))
        fields["document_date"] = _model_field("document_date", widget=DATE)
        fields["note"] = _model_field("note")
        if allocation is None:
            fields["attachments"] = MultipleFileField(label=ATTACHMENTS_LABEL)

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "attachments"}


class IssueForm(forms.Form):
    document_number = forms.CharField(label=_("批准文号"), max_length=60)
    document_date = forms.DateField(label=_("批准日期"), widget=DATE)


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("拨付日期"), widget=DATE)
    payment_reference = forms.CharField(label=_("拨付凭证号"), max_length=60, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    attachments = MultipleFileField(label=ATTACHMENTS_LABEL, required=True)

"""Thin forms: parse and field-validate input; the services do the rest (constraints, scope, audit)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceModelForm

from .models import Enterprise, EnterpriseYearFigures, Tier, Town, TownEvidence, TownTierChange, TownYearFigures


class EnterpriseForm(ServiceModelForm):
    class Meta:
        model = Enterprise
        fields = ["town", "name", "credit_code", "role", "above_designated_size", "main_products"]

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if towns is not None:
            self.fields["town"].queryset = towns

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class TownFiguresForm(ServiceModelForm):
    class Meta:
        model = TownYearFigures
        fields = ["year", *TownYearFigures.FIGURE_FIELDS]


class EnterpriseFiguresForm(ServiceModelForm):
    class Meta:
        model = EnterpriseYearFigures
        fields = ["year", *EnterpriseYearFigures.FIGURE_FIELDS]


class TierChangeForm(ServiceModelForm):
    class Meta:
        model = TownTierChange
        fields = ["to_tier", "effective_date", "source"]
        widgets = {"effective_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, town: Town, **kwargs):
        super().__init__(*args, **kwargs)
        self.town = town

    def clean_to_tier(self):
        to_tier = self.cleaned_data["to_tier"]
        if to_tier == self.town.tier:
            raise forms.ValidationError(_("该专业镇已是%(tier)s。"), params={"tier": Tier(to_tier).label})
        return to_tier


class BaselineYearForm(forms.Form):
    baseline_year = forms.IntegerField(
        label=_("产值翻一番基准年"),
        required=False,
        help_text=_("默认2022年（行动计划印发前一年，即“现有基础”）；留空恢复默认。"),
    )


class EvidenceForm(ServiceModelForm):
    """The office records a town's accepted evidence (a document reference and/or an attachment)."""

    file = forms.FileField(label=_("证明附件（PDF、图片）"), required=False)

    class Meta:
        model = TownEvidence
        fields = ["kind", "feature_kind", "statement", "document", "accepted_on"]
        widgets = {
            "accepted_on": forms.DateInput(attrs={"type": "date"}),
            "statement": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feature_kind"].choices = [("", _("（不适用）")), *self.fields["feature_kind"].choices[1:]]
        self.fields["feature_kind"].help_text = _("仅“主导产品具有传统特色”须选择")


class WithdrawEvidenceForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

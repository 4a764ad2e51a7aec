"""Thin forms: parse and field-validate input; the services do the rest (constraints, scope, audit)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core import uploads
from core.forms import ServiceModelForm

from .models import Enterprise, EnterpriseYearFigures, Town, TownEvidence, TownTierChange, TownYearFigures

CREDIT_CODE_HELP = _(
    "18位，印在营业执照上：数字和大写字母（不含I、O、Z、S、V），第18位为校验位（GB 32100-2015），"
    "如91140822MA0XXXXXXC（示例）。"
)
ABOVE_SIZE_HELP = _("规模以上工业企业：年主营业务收入2000万元及以上的工业企业（以统计部门认定为准）。")
FIGURE_HELP = {
    "year": _("数据所属年度，不能晚于今年。"),
    "output_wan": _("单位：万元（1亿元 = 10,000万元）。"),
    "local_jobs": _("单位：人。"),
    "provincial_share_pct": _("单位：%，填0–100之间的数，如55表示55%；不掌握可不填。"),
    "tax_wan": _("单位：万元；可不填。"),
}


class EnterpriseForm(ServiceModelForm):
    class Meta:
        model = Enterprise
        fields = ["town", "name", "credit_code", "role", "above_designated_size", "main_products"]
        help_texts = {
            "credit_code": CREDIT_CODE_HELP,
            "above_designated_size": ABOVE_SIZE_HELP,
            "role": _("龙头企业、关联配套企业会在认定申请中按此角色建议列入（三、一）。"),
        }
        widgets = {"credit_code": forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off"})}

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if towns is not None:
            self.fields["town"].queryset = towns
        # The model allows a blank code only for an enterprise the plan names whose code the county has not yet
        # entered (reference data). Anyone registering or keeping an enterprise here gives it, as the import
        # template's 必填 says; such a plan-named enterprise may stay blank until the code is known.
        code = self.fields["credit_code"]
        placeholder = self.instance.pk is not None and not self.instance.credit_code
        code.required = not placeholder
        # One message for a wrong length (GB 32100's "应为18位"), not also Django's "确保该变量包含不超过 18 字符".
        code.validators = [v for v in code.validators if not isinstance(v, MaxLengthValidator)]
        code.help_text = str(CREDIT_CODE_HELP) + (str(_("规划点名的企业取得代码前可暂不填写。")) if placeholder else "")

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class TownFiguresForm(ServiceModelForm):
    class Meta:
        model = TownYearFigures
        fields = ["year", *TownYearFigures.FIGURE_FIELDS]
        help_texts = FIGURE_HELP


class EnterpriseFiguresForm(ServiceModelForm):
    class Meta:
        model = EnterpriseYearFigures
        fields = ["year", *EnterpriseYearFigures.FIGURE_FIELDS]
        help_texts = FIGURE_HELP


class TierChangeForm(ServiceModelForm):
    class Meta:
        model = TownTierChange
        fields = ["to_tier", "effective_date", "source"]
        widgets = {"effective_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "effective_date": _(
                "今天或以前的日期立即生效；晚于今天的日期登记为计划变更，到期由系统自动生效，此前不计入统计。"
            )
        }

    def __init__(self, *args, town: Town, **kwargs):
        super().__init__(*args, **kwargs)
        self.town = town


class WithdrawTierChangeForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=300)


class BaselineYearForm(forms.Form):
    baseline_year = forms.IntegerField(
        label=_("产值翻一番基准年"),
        required=False,
        help_text=_("默认2022年（行动计划印发前一年，即“现有基础”）；留空恢复默认。"),
    )


class EvidenceForm(ServiceModelForm):
    """The office records a town's accepted evidence (a document reference and/or an attachment)."""

    file = forms.FileField(
        label=_("证明附件（PDF、图片）"),
        required=False,
        help_text=uploads.attachment_limits(_("PDF 或 PNG/JPG 图片")),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

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
    file = forms.FileField(
        label=_("表格文件"),
        # lazy both: the limits are read from the settings when the page is shown
        help_text=format_lazy(
            "{} {}",
            _("接受 .xlsx、.xls、.ods、.csv（UTF-8 或 GB18030 编码），按模板的表头填写。"),
            uploads.import_limits(),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )

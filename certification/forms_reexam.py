"""Forms of the re-examination (复核): the county's submission and the office's three decisions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceModelForm

from .models_reexam import ReExamination

DATE = forms.DateInput(attrs={"type": "date"})


class SubmissionForm(ServiceModelForm):
    class Meta:
        model = ReExamination
        fields = list(ReExamination.SUBMISSION_FIELDS)
        widgets = {"evidence": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "anchor_count": _("预填自企业名录中该镇的龙头企业。"),
            "supporting_count": _("预填自企业名录中该镇的关联配套企业。"),
        }


class _Decision(forms.Form):
    policy_required = True
    policy_choice = forms.ChoiceField(label=_("复核依据"), required=False)

    def __init__(self, *args, policies: dict, **kwargs):
        super().__init__(*args, **kwargs)
        if policies:
            self.fields["policy_choice"].choices = [
                (choice, f"{ReExamination.PolicyChoice(choice).label}（{policy.code}）")
                for choice, policy in policies.items()
            ]
            self.fields["policy_choice"].required = self.policy_required
        else:  # a provincial town without a provincial standard: the office decides without the engine
            del self.fields["policy_choice"]


class RenewForm(_Decision):
    reason = forms.CharField(
        label=_("办公室研究意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("需办公室研究决定的，必须填写。"),
    )


class RectifyForm(_Decision):
    reason = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("整改期限"), widget=DATE)


class RevokeReexamForm(_Decision):
    policy_required = False  # a re-examination the county never answered is revoked without a verdict
    reason = forms.CharField(label=_("撤销理由"), widget=forms.Textarea(attrs={"rows": 3}))
    document = forms.CharField(label=_("决定文件（文号）"), max_length=200)


DECISION_FORMS = {"renew": RenewForm, "rectify": RectifyForm, "revoke": RevokeReexamForm}

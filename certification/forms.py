"""Forms of the certification workflow: parse and field-validate; the services do the rest."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceModelForm
from towns.models import Enterprise, Role, Sector, Tier

from .models import Application, Attachment, CriteriaPolicy, Cycle, ExpertAssignment, Objection

DATE = forms.DateInput(attrs={"type": "date"})


def open_cycles():
    today = timezone.localdate()
    return Cycle.objects.filter(opens_on__lte=today, closes_on__gte=today)


class StartForm(forms.Form):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), label=_("认定批次"))
    target_tier = forms.ChoiceField(choices=Application._meta.get_field("target_tier").choices, label=_("申报梯次"))
    town = forms.ModelChoiceField(
        queryset=None, required=False, label=_("已登记的专业镇"), empty_label=_("（新登记一个专业镇）")
    )
    new_name = forms.CharField(
        required=False, max_length=60, label=_("新专业镇名称"), help_text=_("如“新绛县云雕”：县名加主导产业。")
    )
    new_leading_industry = forms.CharField(required=False, max_length=60, label=_("主导产业"))
    new_sector = forms.ChoiceField(required=False, choices=[("", "—"), *Sector.choices], label=_("领域"))

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        self.fields["cycle"].queryset = open_cycles()

    def clean(self):
        data = super().clean()
        if not data.get("town"):
            missing = [f for f in ("new_name", "new_leading_industry", "new_sector") if not data.get(f)]
            for field in missing:
                self.add_error(field, _("新登记专业镇时必填。"))
        return data

    def new_town(self) -> dict | None:
        if self.cleaned_data.get("town"):
            return None
        return {
            "name": self.cleaned_data["new_name"],
            "leading_industry": self.cleaned_data["new_leading_industry"],
            "sector": self.cleaned_data["new_sector"],
        }


class BasicsForm(ServiceModelForm):
    class Meta:
        model = Application
        fields = ["target_tier", "sector", "leading_industry", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}


class FiguresForm(ServiceModelForm):
    class Meta:
        model = Application
        fields = list(Application.FIGURE_FIELDS)
        widgets = {
            "national_market_evidence": forms.Textarea(attrs={"rows": 3}),
            "traditional_feature_evidence": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("figures_year", "annual_output_wan", "local_jobs"):
            self.fields[name].required = True
        self.fields["traditional_feature_kind"].choices = [("", _("（不适用）")), *Application.Feature.choices]


FIRM_ROLES = [
    ("", _("不列入")),
    (Enterprise.Role.ANCHOR, _("龙头企业")),
    (Enterprise.Role.SUPPORTING, _("关联配套企业")),
]


class FirmsForm(forms.Form):
    """One role choice per registered enterprise of the town."""

    def __init__(self, *args, enterprises, current: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprises = list(enterprises)
        for e in self.enterprises:
            self.fields[f"firm_{e.pk}"] = forms.ChoiceField(
                choices=FIRM_ROLES,
                required=False,
                label=e.name,
                initial=current.get(e.pk, ""),
                help_text=e.credit_code or _("信用代码待补录"),
            )

    def chosen(self) -> dict[int, str]:
        return {e.pk: self.cleaned_data[f"firm_{e.pk}"] for e in self.enterprises if self.cleaned_data[f"firm_{e.pk}"]}


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(choices=Attachment.Kind.choices, label=_("材料类别"))
    file = forms.FileField(label=_("文件（PDF、图片或 .xlsx）"))


class StateForm(forms.Form):
    """Carries the status the user saw, so a decision on a changed application is refused."""

    expected = forms.ChoiceField(choices=Application.Status.choices, widget=forms.HiddenInput)


class ReasonForm(StateForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 4}))


class CertifyForm(StateForm):
    """One required rationale per criterion the office decides (``decided``: the verdict's office decisions),
    plus an optional general opinion."""

    rationale = forms.CharField(
        label=_("办公室研究意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, decided=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.decided = tuple(decided)
        for criterion in self.decided:
            self.fields[f"rationale_{criterion.code}"] = forms.CharField(
                label=_("“%(label)s”的研究意见（放宽理由）") % {"label": criterion.label},
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=criterion.message,
                error_messages={"required": _("请写明“%(label)s”的研究意见。") % {"label": criterion.label}},
            )
        if self.decided:
            self.fields["rationale"].label = _("其他意见（可选）")
            self.fields["rationale"].help_text = _("以下条件由办公室研究决定，须逐项写明研究意见：%(labels)s。") % {
                "labels": "、".join(c.label for c in self.decided)
            }

    @property
    def decided_fields(self):
        return [self[f"rationale_{c.code}"] for c in self.decided]

    def rationales(self) -> dict[str, str]:
        return {c.code: self.cleaned_data[f"rationale_{c.code}"] for c in self.decided}


def experts():
    return get_user_model().objects.filter(membership__role=Role.EXPERT, is_active=True).order_by("username")


class AssignForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        queryset=Application.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("申请")
    )
    experts = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple, label=_("专家"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = Application.objects.filter(
            status__in=[Application.Status.SCREENING, Application.Status.EXPERT_REVIEW]
        ).select_related("town")
        self.fields["applications"].label_from_instance = lambda a: f"{a.number} {a.town}（{a.get_status_display()}）"
        self.fields["experts"].queryset = experts()
        self.fields["experts"].label_from_instance = lambda u: u.get_full_name() or u.username


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 5}))
    recommendation = forms.ChoiceField(choices=ExpertAssignment.Recommendation.choices, label=_("评审建议"))

    def __init__(self, *args, rubric, assignment: ExpertAssignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = list(rubric)
        for item in self.rubric:
            self.fields[f"score_{item.pk}"] = forms.DecimalField(
                label=f"{item.name}（{item.max_score}分）",
                min_value=0,
                max_value=item.max_score,
                decimal_places=1,
                initial=assignment.scores.get(str(item.pk)),
            )
        self.order_fields([f"score_{i.pk}" for i in self.rubric] + ["comment", "recommendation"])
        self.initial.setdefault("comment", assignment.comment)
        self.initial.setdefault("recommendation", assignment.recommendation)

    def scores(self):
        return {item.pk: self.cleaned_data[f"score_{item.pk}"] for item in self.rubric}


class NoticeForm(forms.Form):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.all(), label=_("认定批次"))
    applications = forms.ModelMultipleChoiceField(
        queryset=Application.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("拟认定名单")
    )
    starts_on = forms.DateField(label=_("公示开始日期"), widget=DATE)
    body = forms.CharField(
        label=_("公示说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("如对公示名单有异议，请在公示期内向市专业镇发展领导小组办公室（市工信局）反映。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = Application.objects.filter(
            status=Application.Status.EXPERT_REVIEW
        ).select_related("town")
        self.fields["applications"].label_from_instance = lambda a: f"{a.number} {a.town}"
        self.initial.setdefault("starts_on", timezone.localdate())


class ObjectionForm(ServiceModelForm):
    class Meta:
        model = Objection
        fields = ["application", "objector", "contact", "content", "received_on", "handling"]
        widgets = {
            "received_on": DATE,
            "content": forms.Textarea(attrs={"rows": 3}),
            "handling": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = notice.applications.select_related("town")


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), widget=forms.Textarea(attrs={"rows": 3}))


class DesignationForm(forms.Form):
    designated_on = forms.DateField(label=_("省级认定日期"), widget=DATE)
    source = forms.CharField(label=_("省级认定文件"), max_length=200)


class PolicyForm(ServiceModelForm):
    class Meta:
        model = CriteriaPolicy
        fields = [
            "code",
            "name",
            "source",
            *CriteriaPolicy.THRESHOLD_FIELDS,
            "provincial",
        ]
        labels = {"min_supporting": _("关联配套企业取值下限（家）")}
        help_texts = {
            "min_supporting": _(
                "文件要求“关联配套企业在10家左右”（三、一），未规定确切下限；此处为本认定标准对“左右”的取值，"
                "自检和审核按此判断，页面和提示中注明为本标准的取值。"
            ),
            "relaxed_floor_wan": _("主导产品具有传统特色的，可适当放宽认定条件，但年产值不少于1亿元（三、二）。"),
        }


class CycleForm(ServiceModelForm):
    rubric = forms.CharField(
        label=_("评分细则"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一项：名称 满分，如“产业集中度与龙头带动 25”。"),
    )

    class Meta:
        model = Cycle
        fields = ["name", "year", "policy", "opens_on", "closes_on", "notice_days", "certificate_years"]
        widgets = {"opens_on": DATE, "closes_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["rubric"] = "\n".join(f"{i.name} {i.max_score}" for i in self.instance.rubric.all())

    def clean_rubric(self):
        items = []
        for number, line in enumerate(self.cleaned_data["rubric"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, score = line.strip().rpartition(" ")
            if not name.strip() or not score.isdigit() or int(score) < 1:
                raise forms.ValidationError(_("第%(n)d行应为“名称 满分”，满分为正整数。") % {"n": number})
            items.append((name.strip(), int(score)))
        if not items:
            raise forms.ValidationError(_("请至少设置一个评分项。"))
        return items


class RecommendForm(forms.Form):
    town = forms.ModelChoiceField(queryset=None, label=_("市级专业镇"))
    recommended_on = forms.DateField(label=_("推荐日期"), widget=DATE)
    note = forms.CharField(label=_("推荐说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from towns.models import Town

        self.fields["town"].queryset = Town.objects.filter(tier=Tier.CITY).select_related("county")
        self.initial.setdefault("recommended_on", timezone.localdate())

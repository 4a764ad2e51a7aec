"""Forms of the certification workflow: parse and field-validate; the services do the rest."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import uploads
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


TIER_HELP = _(
    "梯次培育：潜力专业镇申报市级专业镇，市级专业镇申报推荐省级专业镇（省级由省政府认定）；"
    "已认定的市级专业镇证书到期由办公室组织复核，无需重新申报。"
)


class BasicsForm(ServiceModelForm):
    class Meta:
        model = Application
        fields = ["target_tier", "sector", "leading_industry", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        town = self.instance.town
        self.fields["target_tier"].help_text = _("本镇当前为%(tier)s。") % {"tier": town.get_tier_display()} + str(
            TIER_HELP
        )


class FiguresForm(ServiceModelForm):
    class Meta:
        model = Application
        fields = list(Application.FIGURE_FIELDS)
        widgets = {
            "national_market_evidence": forms.Textarea(attrs={"rows": 3}),
            "traditional_feature_evidence": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "figures_year": _("以下数据所属的年度，如2024；不能晚于今年。"),
            "annual_output_wan": _(
                "单位：万元（1亿元 = 10,000万元）。标准：制造业5亿元即50,000万元，"
                "特优农业、特色轻工2亿元即20,000万元（三、二）。"
            ),
            "local_jobs": _("单位：人。标准：解决当地就业2,000人以上（三、四）。"),
            "provincial_share_pct": _("单位：%，填0–100之间的数，如55表示55%。标准：全省占有率50%以上（三、三）。"),
            "national_market": _(
                "全省占有率未达50%、但全国拥有较大市场空间的，由办公室依据证明材料研究决定（三、三）。"
            ),
            "national_market_evidence": _(
                "写明依据（全国市场份额、销售网络等），并在“申报材料”中上传“市场占有率证明”。"
            ),
            "traditional_feature": _(
                "历史发源地、地理标志等传统特色，可适当放宽认定条件，但年产值不少于1亿元（三、二）。"
            ),
            "traditional_feature_evidence": _(
                "写明依据（如地理标志登记号），并在“申报材料”中上传“传统特色证明（发源地、地理标志等）”。"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("figures_year", "annual_output_wan", "local_jobs"):
            self.fields[name].required = True
        self.fields["traditional_feature_kind"].choices = [("", _("（不适用）")), *Application.Feature.choices]


FIRM_ROLES = [
    (Enterprise.Role.ANCHOR, _("龙头企业")),
    (Enterprise.Role.SUPPORTING, _("关联配套企业")),
    ("", _("不列入")),
]
BULK_SCOPES = [("picked", _("所勾选的企业")), ("filtered", _("全部筛选结果"))]
MAX_ROWS_PER_SAVE = 200  # a page shows 50; anything far beyond is not this form's


class FirmPickerForm(forms.Form):
    """One page of the firm picker: a role for each firm shown (``shown``: their ids, so the page saves exactly
    the rows it showed), and a bulk role for the ticked ones or for the whole filtered list."""

    shown = forms.CharField(required=False, widget=forms.HiddenInput)
    pick = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("勾选"))
    bulk_role = forms.ChoiceField(
        choices=FIRM_ROLES, required=False, initial=Enterprise.Role.SUPPORTING, label=_("设为")
    )
    bulk_scope = forms.ChoiceField(choices=BULK_SCOPES, required=False, initial="picked", label=_("范围"))

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        ids = self._ids()
        self.fields["pick"].choices = [(pk, pk) for pk in ids]
        for pk in ids:
            self.fields[f"firm_{pk}"] = forms.ChoiceField(choices=FIRM_ROLES, required=False)
        for row in self.rows:
            self.initial[f"firm_{row.pk}"] = proposed_role(row)
        self.initial.setdefault("shown", ",".join(str(r.pk) for r in self.rows))

    def _ids(self) -> list[int]:
        if not self.is_bound:
            return [r.pk for r in self.rows]
        raw = (self.data.get("shown") or "").split(",")
        ids = [int(x) for x in raw if x.strip().isdigit()]
        return list(dict.fromkeys(ids))[:MAX_ROWS_PER_SAVE]

    def page_roles(self) -> dict[int, str]:
        """{enterprise id: role or ""} for the rows the page showed, the ticked ones in the bulk role when the bulk
        action applies to them."""
        roles = {pk: self.cleaned_data.get(f"firm_{pk}", "") for pk in self._ids()}
        if self.bulk_applies("picked"):
            roles |= dict.fromkeys(self.cleaned_data["pick"], self.cleaned_data["bulk_role"])
        return roles

    def bulk_applies(self, scope: str) -> bool:
        return self.data.get("action") == "bulk" and (self.cleaned_data.get("bulk_scope") or "picked") == scope

    def row_fields(self):
        """(row, its role select, ticked, proposed) per firm shown, for the template. Proposed: the registry's role
        preselected, not yet saved in the application."""
        picked = {str(v) for v in (self.data.getlist("pick") if self.is_bound else [])}
        for row in self.rows:
            name = f"firm_{row.pk}"
            if name not in self.fields:  # a re-shown page may hold a firm registered meanwhile: not this form's
                continue
            self.fields[name].widget.attrs["aria-label"] = row.name
            proposed = not row.listed_role and not row.declined and proposed_role(row) != ""
            yield row, self[name], str(row.pk) in picked, proposed


def proposed_role(row) -> str:
    """The role the picker shows for a firm: its role in the application; 不列入 if the county declined it;
    else the registry's (龙头企业 / 关联配套企业 proposed as such, 其他 not listed)."""
    if row.listed_role:
        return row.listed_role
    if row.declined:
        return ""
    return row.role if row.role in (Enterprise.Role.ANCHOR, Enterprise.Role.SUPPORTING) else ""


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        choices=Attachment.Kind.choices,
        label=_("材料类别"),
        help_text=_(
            "申报“全国拥有较大市场空间”的须有“市场占有率证明”；申报传统特色的须有“传统特色证明（发源地、地理标志等）”。"
        ),
    )
    file = forms.FileField(
        label=_("文件（PDF、图片或 .xlsx）"),
        help_text=uploads.attachment_limits(),
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT_ATTACHMENTS}),
    )


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

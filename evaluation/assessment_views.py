"""Pages of the annual assessment (年度考核): the list and start, the weights, an assessment (all rows for the office
and leaders, one's own row for a county or a bureau), publication, one unit's breakdown, the export."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ActionNotAllowed
from core.forms import call_service
from core.spreadsheets import Column, Sheet, xlsx_sheets_response
from towns.permissions import is_office, require_office
from towns.validators import is_programme_year

from . import assessment as rules
from . import assessment_selectors as selectors
from . import assessment_services as services
from . import assessment_workflow as workflow
from .models import Assessment, AssessmentResult, EvaluationRun

KINDS = ((rules.COUNTY, gettext_lazy("县（市、区）")), (rules.BUREAU, gettext_lazy("市直单位")))


class StartForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("考核年度"), min_value=2022)


class WeightsForm(forms.Form):
    """One integer field per indicator of each kind; the service (the model's clean) checks each kind adds to 100."""

    def __init__(self, *args, config, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, _label in KINDS:
            weights = config.weights(kind)
            for code, indicator in rules.INDICATORS[kind].items():
                self.fields[f"{kind}_{code}"] = forms.IntegerField(
                    label=indicator.label,
                    min_value=0,
                    max_value=100,
                    initial=weights.get(code, 0),
                    help_text=indicator.source,
                )

    def weights(self, kind: str) -> dict[str, int]:
        return {code: self.cleaned_data[f"{kind}_{code}"] for code in rules.INDICATORS[kind]}

    def groups(self):
        """(label, fields) per kind, for the template."""
        return [(label, [self[f"{kind}_{code}"] for code in rules.INDICATORS[kind]]) for kind, label in KINDS]


@login_required
@require_http_methods(["GET", "POST"])
def assessment_list(request):
    user = request.user
    selectors.require_assessment_reader(user)
    listed = list(selectors.assessments(user=user))
    form = StartForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST":
        require_office(user)
        if form.is_valid():
            assessment = call_service(form, services.assessment_start, user=user, year=form.cleaned_data["year"])
            if assessment:
                messages.success(request, _("已开始计算%(year)d年度考核。") % {"year": assessment.year})
                return redirect("assessment-detail", pk=assessment.pk)
    own = {}
    if not workflow.sees_every_row(user):  # a county's or a bureau's own row per year, with its rank
        for r in selectors.all_results(user=user):
            own[r.assessment_id] = r
    rows = [(a, own.get(a.pk)) for a in listed]
    published_runs = EvaluationRun.objects.filter(status=EvaluationRun.Status.PUBLISHED).values_list("year", flat=True)
    return render(
        request,
        "evaluation/assessment/list.html",
        {
            "rows": rows,
            "form": form,
            "is_office": is_office(user),
            "sees_every_row": workflow.sees_every_row(user),
            "evaluated_years": sorted(published_runs, reverse=True) if is_office(user) else (),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_config(request, year):
    require_office(request.user)
    if not is_programme_year(year):
        raise Http404(_("没有%(year)d年度。") % {"year": year})
    config = services.config_for(year)
    form = WeightsForm(request.POST or None, config=config)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.assessment_config_save,
            user=request.user,
            year=year,
            county_weights=form.weights(rules.COUNTY),
            bureau_weights=form.weights(rules.BUREAU),
        )
    ):
        messages.success(request, _("已保存%(year)d年度考核指标权重。") % {"year": year})
        return redirect("assessment-list")
    return render(
        request,
        "evaluation/assessment/config.html",
        {"form": form, "year": year, "total": rules.WEIGHT_TOTAL},
        status=400 if request.method == "POST" else 200,
    )


def _columns(kind: str, assessment: Assessment) -> list[Column]:
    """One row per unit: the unit, one column per indicator (its score; "不涉及" where it does not apply), the total,
    the rank, and the inputs in words."""
    weights = assessment.weights(kind)
    unit = "县（市、区）" if kind == rules.COUNTY else "市直单位"
    return [
        Column(unit, lambda r: r.name, 16),
        *[
            Column(
                f"{indicator.label}（权重{weights.get(code, 0)}）",
                lambda r, c=code: _score_cell(r, c),
                14,
            )
            for code, indicator in rules.INDICATORS[kind].items()
        ],
        Column("总分", lambda r: r.total, 8),
        Column("排名", lambda r: r.rank if r.rank is not None else (r.note or "—"), 8),
        Column(
            "计分依据",
            lambda r: "；".join(f"{line['label']}：{line['text']}" for line in r.lines()),
            60,
        ),
    ]


def _score_cell(result: AssessmentResult, code: str):
    score = result.indicators.get(code, {}).get("score")
    return float(score) if score is not None else "不涉及"


@login_required
def assessment_detail(request, pk):
    user = request.user
    assessment = selectors.assessment_get(user=user, pk=pk)
    rows = list(selectors.results(user=user, assessment=assessment))
    if request.GET.get("export") == "xlsx":
        if not workflow.sees_every_row(user):
            raise PermissionDenied(_("考核结果汇总表由领导小组办公室和领导导出。"))
        if assessment.status not in (Assessment.Status.DRAFT, Assessment.Status.PUBLISHED):
            raise Http404()
        sheets = [
            Sheet(str(label), _columns(kind, assessment), [r for r in rows if r.kind == kind]) for kind, label in KINDS
        ]
        return xlsx_sheets_response(filename=f"{assessment.year}年度专业镇工作考核", sheets=sheets)
    groups = [
        (
            kind,
            label,
            [r for r in rows if r.kind == kind],
            [
                (code, indicator, assessment.weights(kind).get(code, 0))
                for code, indicator in rules.INDICATORS[kind].items()
            ],
        )
        for kind, label in KINDS
    ]
    ranked = {kind: selectors.ranked_count(assessment, kind) for kind, _label in KINDS}
    return render(
        request,
        "evaluation/assessment/detail.html",
        {
            "assessment": assessment,
            "groups": groups,
            "actions": workflow.assessment_actions_for(user, assessment),
            "sees_every_row": workflow.sees_every_row(user),
            "own": [(r, ranked[r.kind]) for r in rows] if not workflow.sees_every_row(user) else (),
            "computing": assessment.status == Assessment.Status.COMPUTING,
        },
    )


@login_required
@require_POST
def assessment_publish(request, pk):
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    require_office(request.user)
    try:
        services.assessment_publish(
            user=request.user, assessment=assessment, confirmed=request.POST.get("confirm") == "1"
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:  # the confirmation was not ticked
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("已发布%(year)d年度考核结果，已通知各县（市、区）和市直单位。") % {"year": assessment.year}
        )
    return redirect("assessment-detail", pk=assessment.pk)


@login_required
def assessment_result(request, pk):
    result = selectors.result_get(user=request.user, pk=pk)
    return render(
        request,
        "evaluation/assessment/result.html",
        {
            "result": result,
            "assessment": result.assessment,
            "ranked": selectors.ranked_count(result.assessment, result.kind),
            "sources": rules.INDICATORS[result.kind],
        },
    )

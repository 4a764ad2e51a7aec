"""Pages of the annual evaluation: runs and results, settings and schedule, supervision notices."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_celery_beat.models import PeriodicTask

from core import uploads
from core.documents import pdf_response
from core.errors import ActionNotAllowed
from core.forms import call_service
from core.spreadsheets import Column, xlsx_response
from towns.permissions import is_office, require_office, require_programme_member
from towns.validators import is_programme_year

from . import documents, scoring, selectors, services, workflow
from .models import EvaluationRun, RectificationAttachment, TownEvaluation
from .schedule import ANNUAL_EVALUATION


class StartForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("评估年度"), min_value=2022)


class ConfigForm(forms.Form):
    top_n = forms.IntegerField(label=gettext_lazy("表扬名额（前N名）"), min_value=0, max_value=50)
    bottom_n = forms.IntegerField(label=gettext_lazy("督办名额（后N名）"), min_value=0, max_value=50)
    rectify_days = forms.IntegerField(label=gettext_lazy("整改期限（天）"), min_value=1, max_value=365)

    def __init__(self, *args, weights: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for code, (label, _kind, _weight) in scoring.INDICATORS.items():
            self.fields[f"w_{code}"] = forms.IntegerField(
                label=label, min_value=0, max_value=100, initial=weights.get(code, 0)
            )

    def weights(self) -> dict[str, int]:
        return {code: self.cleaned_data[f"w_{code}"] for code in scoring.INDICATORS}


class ScheduleForm(forms.Form):
    month = forms.IntegerField(label=gettext_lazy("月"), min_value=1, max_value=12)
    day = forms.IntegerField(label=gettext_lazy("日"), min_value=1, max_value=31)
    hour = forms.IntegerField(label=gettext_lazy("时"), min_value=0, max_value=23)
    enabled = forms.BooleanField(label=gettext_lazy("启用"), required=False)


class AnswerForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("整改情况"), widget=forms.Textarea(attrs={"rows": 5}))
    attachment = forms.FileField(label=gettext_lazy("附件（PDF、图片或 .xlsx，可选）"), required=False)


class ReviewForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("审核意见"), widget=forms.Textarea(attrs={"rows": 3}))
    accept = forms.TypedChoiceField(
        label=gettext_lazy("审核结果"),
        coerce=lambda v: v == "1",
        choices=[("1", gettext_lazy("整改完成")), ("0", gettext_lazy("退回继续整改"))],
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_list(request):
    require_programme_member(request.user)
    runs = selectors.evaluation_runs(user=request.user)
    form = StartForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST":
        require_office(request.user)
        if form.is_valid():
            run = call_service(form, services.evaluation_start, user=request.user, year=form.cleaned_data["year"])
            if run:
                messages.success(request, _("已开始%(year)d年度评估。") % {"year": run.year})
                return redirect("evaluation-detail", pk=run.pk)
    task = PeriodicTask.objects.filter(name=ANNUAL_EVALUATION).select_related("crontab").first()
    return render(
        request,
        "evaluation/list.html",
        {"runs": runs, "form": form, "schedule": task, "is_office": is_office(request.user)},
    )


RESULT_COLUMNS = [
    Column("组别", lambda r: r.get_group_display(), 16),
    Column("排名", lambda r: r.rank, 6),
    Column("专业镇", lambda r: r.town.name, 18),
    Column("所在县（市、区）", lambda r: r.town.county.name, 14),
    Column("得分", lambda r: r.score if r.has_data else "无当年数据", 10),
    *[Column(label, lambda r, c=code: r.breakdown.get(c), 12) for code, (label, _k, _w) in scoring.INDICATORS.items()],
    Column("认定标准复核", lambda r: r.criteria["outcome_label"] if r.criteria else "—", 14),
    Column("专项检查", lambda r: gettext_lazy("是") if r.inspection else "", 8),
    Column("进度缓慢事项", lambda r: "；".join(r.slow), 40),
]


@login_required
def evaluation_detail(request, pk):
    run = selectors.evaluation_run_get(user=request.user, pk=pk)
    results = list(
        run.results.select_related("town__county").order_by("group", F("rank").asc(nulls_last=True), "town__name")
    )  # towns without data after the ranked ones
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"{run.year}年度专业镇评估", sheet_title="评估结果", columns=RESULT_COLUMNS, rows=results
        )
    groups = [(label, [r for r in results if r.group == value]) for value, label in TownEvaluation.Group.choices]
    return render(
        request,
        "evaluation/detail.html",
        {
            "run": run,
            "groups": groups,
            "indicators": scoring.INDICATORS,
            "actions": workflow.run_actions_for(request.user, run),
            "commendations": run.commendations.select_related("town"),
            "notices": run.notices.select_related("town"),
            "inspections": run.inspections.all() if is_office(request.user) else (),
            "flagged": [r for r in results if r.inspection],
            "running": run.status == EvaluationRun.Status.RUNNING,
        },
    )


@login_required
@require_POST
def evaluation_publish(request, pk):
    run = selectors.evaluation_run_get(user=request.user, pk=pk)
    try:
        services.evaluation_publish(
            user=request.user, run=run, commend_flagged=request.POST.get("commend_flagged") == "1"
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("已发布：表扬%(c)d个，下发督办通知书%(n)d份，提出专项检查%(i)d项。")
            % {"c": run.commendations.count(), "n": run.notices.count(), "i": run.inspections.count()},
        )
    return redirect("evaluation-detail", pk=run.pk)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_config(request, year):
    require_office(request.user)
    if not is_programme_year(year):
        raise Http404(_("没有%(year)d年度。") % {"year": year})
    config = services.config_for(year)
    form = ConfigForm(
        request.POST or None,
        weights=config.effective_weights(),
        initial={"top_n": config.top_n, "bottom_n": config.bottom_n, "rectify_days": config.rectify_days},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.config_save,
            user=request.user,
            year=year,
            data={
                "weights": form.weights(),
                "top_n": form.cleaned_data["top_n"],
                "bottom_n": form.cleaned_data["bottom_n"],
                "rectify_days": form.cleaned_data["rectify_days"],
            },
        )
    ):
        messages.success(request, _("已保存%(year)d年度评估设置。") % {"year": year})
        return redirect("evaluation-list")
    return render(request, "evaluation/config.html", {"form": form, "year": year})


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_schedule(request):
    require_office(request.user)
    task = get_object_or_404(PeriodicTask.objects.select_related("crontab"), name=ANNUAL_EVALUATION)
    c = task.crontab
    form = ScheduleForm(
        request.POST or None,
        initial={"month": c.month_of_year, "day": c.day_of_month, "hour": c.hour, "enabled": task.enabled},
    )
    if request.method == "POST" and form.is_valid():
        services.schedule_save(user=request.user, **form.cleaned_data)
        messages.success(request, _("已保存年度评估时间。"))
        return redirect("evaluation-list")
    return render(request, "evaluation/schedule.html", {"form": form, "task": task})


# --- supervision notices --------------------------------------------------------------------------------------


@login_required
def notice_list(request):
    notices = selectors.supervision_notices(user=request.user)
    return render(request, "evaluation/notice_list.html", {"notices": notices, "today": timezone.localdate()})


@login_required
@require_http_methods(["GET", "POST"])
def notice_detail(request, pk):
    notice = selectors.supervision_notice_get(user=request.user, pk=pk)
    if request.GET.get("format") == "pdf":
        return pdf_response(documents.supervision_notice(notice))
    answer = (
        AnswerForm(request.POST or None, request.FILES or None)
        if request.POST.get("action") == "answer"
        else AnswerForm()
    )
    review = ReviewForm(request.POST or None) if request.POST.get("action") == "review" else ReviewForm()
    if request.method == "POST":
        if request.POST.get("action") == "answer":
            if answer.is_valid():
                files = [answer.cleaned_data["attachment"]] if answer.cleaned_data.get("attachment") else []
                if call_service(
                    answer,
                    services.rectification_submit,
                    user=request.user,
                    notice=notice,
                    text=answer.cleaned_data["text"],
                    attachments=files,
                ):
                    messages.success(request, _("已报送整改报告。"))
                    return redirect("supervision-notice", pk=notice.pk)
        elif request.POST.get("action") == "review":
            if review.is_valid() and call_service(
                review, services.rectification_review, user=request.user, notice=notice, **review.cleaned_data
            ):
                messages.success(request, _("已审核。"))
                return redirect("supervision-notice", pk=notice.pk)
        else:
            raise PermissionDenied()
    return render(
        request,
        "evaluation/notice_detail.html",
        {
            "notice": notice,
            "document": documents.supervision_notice(notice),
            "reports": notice.reports.prefetch_related("attachments"),
            "answer_form": answer,
            "review_form": review,
            "actions": workflow.notice_actions_for(request.user, notice),
            "today": timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def rectification_attachment(request, pk):
    notices = selectors.supervision_notices(user=request.user)
    return uploads.serve(RectificationAttachment.objects.filter(report__notice__in=notices), pk)

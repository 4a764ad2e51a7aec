"""Pages of the certification workflow. Thin: parse input, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import uploads
from core.documents import pdf_response
from core.forms import call_service
from core.paging import list_page, page_of, query_without_page
from core.spreadsheets import xlsx_response
from towns import evidence as town_evidence
from towns import selectors as town_selectors
from towns.permissions import county_scope, is_office, require_office

from . import decision, documents, exports, selectors, services, setup, workflow
from .filters import ApplicationFilter
from .forms import (
    AssignForm,
    AttachmentForm,
    BasicsForm,
    CertifyForm,
    CycleForm,
    DesignationForm,
    FiguresForm,
    FirmsForm,
    NoticeForm,
    ObjectionForm,
    PolicyForm,
    ReasonForm,
    RecommendForm,
    ReviewForm,
    RevokeForm,
    StartForm,
    StateForm,
)
from .models import (
    Application,
    Attachment,
    Certificate,
    CriteriaPolicy,
    Cycle,
    ExpertAssignment,
    ProvincialRecommendation,
)
from .permissions import can_start_application, require_applicant, require_can_start_application, sees_reviews

Status = Application.Status
# 龙头企业 first, then 关联配套企业, then the rest.
ROLE_ORDER = Case(When(role="anchor", then=Value(0)), When(role="supporting", then=Value(1)), default=Value(2))
STEPS = [
    ("basics", _("基本情况")),
    ("firms", _("龙头和配套企业")),
    ("figures", _("产值、就业与市场")),
    ("attachments", _("申报材料")),
]


def _run(request, service, **kwargs):
    """Call a workflow service; turn its refusals into messages. Returns the result or None."""
    try:
        return service(**kwargs)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return None


@login_required
def application_list(request):
    return list_page(
        request,
        filterset=ApplicationFilter(request.GET or None, queryset=selectors.application_list(user=request.user)),
        template="certification/application_list.html",
        export=("认定申请", "认定申请", exports.APPLICATION_COLUMNS),
        context={"can_start": can_start_application(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_start(request):
    require_can_start_application(request.user)
    form = StartForm(request.POST or None, towns=town_selectors.editable_towns(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_start(
                user=request.user,
                cycle=form.cleaned_data["cycle"],
                target_tier=form.cleaned_data["target_tier"],
                town=form.cleaned_data["town"],
                new_town=form.new_town(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已创建申请%(number)s，请逐步填写。") % {"number": app.number})
            return redirect("application-step", pk=app.pk, step="basics")
    return render(request, "certification/start.html", {"form": form, "county_id": county_scope(request.user)})


@login_required
def application_detail(request, pk):
    app = selectors.application_get(user=request.user, pk=pk)
    assignment = selectors.assignment_for(user=request.user, application=app)
    verdict = app.verdict()
    context = {
        "app": app,
        "verdict": verdict,
        "firms": app.application_firms.select_related("enterprise"),
        "attachments": app.attachments.all(),
        "transitions": app.transitions.select_related("by"),
        "versions": app.versions.all(),
        "assignment": assignment,
        "actions": workflow.actions_for(request.user, app),
        "is_office": is_office(request.user),
        "state_form": StateForm(initial={"expected": app.status}),
        "return_form": ReasonForm(initial={"expected": app.status}, prefix="return"),
        "reject_form": ReasonForm(initial={"expected": app.status}, prefix="reject"),
        "certify_form": CertifyForm(
            initial={"expected": app.status}, decided=verdict.office_decisions if verdict else ()
        ),
        "figures_differences": decision.figures_differences(app) if is_office(request.user) else [],  # None: none yet
        "missing": services.completeness_errors(app) if app.is_editable else [],
        "notices": app.notices.all(),
        "objections": app.objections.all(),
        "town_evidence": list(town_evidence.current_evidence(app.town).values()),  # 已认可的证明
    }
    if sees_reviews(request.user):
        context["assignments"] = app.assignments.select_related("expert")
        context["rubric"] = app.cycle.rubric.all()
    if hasattr(app, "certificate"):
        context["certificate"] = app.certificate
    return render(request, "certification/application_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request, pk, step):
    app = selectors.application_get(user=request.user, pk=pk)
    require_applicant(request.user)
    if step not in dict(STEPS):
        raise PermissionDenied()
    if not app.is_editable:
        messages.error(request, _("申请已提交，不能修改；被退回后可修改再提交。"))
        return redirect("application-detail", pk=app.pk)
    data, files = request.POST or None, request.FILES or None
    saved = False
    if step == "basics":
        form = BasicsForm(data, instance=app)
        if request.method == "POST" and form.is_valid():
            saved = call_service(
                form, services.application_update, user=request.user, application=app, data=form.cleaned_data
            )
    elif step == "figures":
        form = FiguresForm(data, instance=app)
        if request.method == "POST" and form.is_valid():
            saved = call_service(
                form, services.application_update, user=request.user, application=app, data=form.cleaned_data
            )
    elif step == "firms":
        current = {f.enterprise_id: f.role for f in app.application_firms.all()}
        form = FirmsForm(data, enterprises=app.town.enterprises.order_by(ROLE_ORDER, "name"), current=current)
        if request.method == "POST" and form.is_valid():
            saved = call_service(
                form, services.application_set_firms, user=request.user, application=app, firms=form.chosen()
            )
    else:
        form = AttachmentForm(data, files)
        if (
            request.method == "POST"
            and form.is_valid()
            and call_service(
                form,
                services.attachment_add,
                user=request.user,
                application=app,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        ):
            messages.success(request, _("已上传。"))
            return redirect("application-step", pk=app.pk, step="attachments")
    if saved:
        messages.success(request, _("已保存草稿。"))
        following = [s for s, _label in STEPS]
        index = following.index(step)
        if "next" in request.POST and index + 1 < len(following):
            return redirect("application-step", pk=app.pk, step=following[index + 1])
        return redirect("application-step", pk=app.pk, step=step)
    app.refresh_from_db()
    return render(
        request,
        "certification/application_step.html",
        {
            "app": app,
            "form": form,
            "step": step,
            "steps": STEPS,
            "verdict": app.verdict(),
            "attachments": app.attachments.all(),
            "missing": services.completeness_errors(app),
            "town_enterprises_url": f"/enterprises/new/?town={app.town_id}",
            "anchor_count": app.application_firms.filter(role="anchor").count(),
            "supporting_count": app.application_firms.filter(role="supporting").count(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk, application__in=selectors.application_list(user=request.user))
    _run(request, services.attachment_delete, user=request.user, attachment=attachment)
    return redirect("application-step", pk=attachment.application_id, step="attachments")


@login_required
def attachment_download(request, pk):
    return uploads.serve(Attachment.objects.filter(application__in=selectors.application_list(user=request.user)), pk)


@login_required
@require_POST
def application_submit(request, pk):
    app = selectors.application_get(user=request.user, pk=pk)
    if _run(request, services.application_submit, user=request.user, application=app):
        messages.success(request, _("已提交，领导小组办公室将进行形式审查。"))
    return redirect("application-detail", pk=app.pk)


@login_required
@require_POST
def application_transition(request, pk, action):
    """The office's moves: screen, return, certify, reject. Each carries the status the user saw."""
    app = selectors.application_get(user=request.user, pk=pk)
    require_office(request.user)
    form_class = {"screen": StateForm, "return": ReasonForm, "reject": ReasonForm, "certify": CertifyForm}.get(action)
    if form_class is None:
        raise PermissionDenied()
    if action == "certify":
        verdict = app.verdict()
        form = CertifyForm(request.POST, decided=verdict.office_decisions if verdict else ())
    else:
        form = form_class(request.POST, prefix=action if action in ("return", "reject") else None)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("application-detail", pk=app.pk)
    expected = form.cleaned_data["expected"]
    kwargs = {"user": request.user, "application": app, "expected": expected}
    if action == "screen":
        result = _run(request, services.screening_start, **kwargs)
    elif action == "return":
        result = _run(request, services.application_return, reason=form.cleaned_data["reason"], **kwargs)
    elif action == "reject":
        result = _run(request, services.application_reject, reason=form.cleaned_data["reason"], **kwargs)
    else:
        result = _run(
            request,
            services.application_certify,
            rationale=form.cleaned_data["rationale"],
            rationales=form.rationales(),
            **kwargs,
        )
        if result:
            messages.success(request, _("已认定，证书编号%(number)s。") % {"number": result.number})
            return redirect("certificate-detail", pk=result.pk)
    if result:
        messages.success(request, _("已处理。"))
    return redirect("application-detail", pk=app.pk)


@login_required
def application_versions(request, pk):
    app = selectors.application_get(user=request.user, pk=pk)
    versions = list(app.versions.all().order_by("number"))
    rows = []
    for older, newer in zip(versions, versions[1:], strict=False):
        changes = []
        for key in dict.fromkeys([*older.data, *newer.data]):
            a, b = older.data.get(key), newer.data.get(key)
            if a == b:
                continue
            if key == "verdict":
                a, b = _verdict_text(a), _verdict_text(b)
            if isinstance(a, list) or isinstance(b, list):
                removed = [x for x in a or [] if x not in (b or [])]
                added = [x for x in b or [] if x not in (a or [])]
                changes.append((_version_label(key), "；".join(removed) or "—", "；".join(added) or "—"))
            else:
                changes.append((_version_label(key), a, b))
        rows.append((older, newer, changes))
    for version in versions:
        version.outcome = _verdict_text(version.data.get("verdict"))
    return render(request, "certification/versions.html", {"app": app, "versions": versions, "rows": rows})


VERSION_LABELS = {"firms": _("申报企业"), "attachments": _("申报材料"), "verdict": _("自检结论")}


def _version_label(key: str) -> str:
    if key in VERSION_LABELS:
        return VERSION_LABELS[key]
    try:
        return str(Application._meta.get_field(key).verbose_name)
    except Exception:
        return key


def _verdict_text(verdict: dict | None) -> str:
    if not verdict:
        return "—"
    failing = [
        c.get("label", c["code"]) + "：" + c.get("status_label", c["status"])
        for c in verdict["criteria"]
        if c["status"] != "pass"
    ]
    outcome = verdict.get("outcome_label", verdict["outcome"])
    return outcome + (f"（{'，'.join(failing)}）" if failing else "")


@login_required
@require_http_methods(["GET", "POST"])
def experts_assign(request):
    require_office(request.user)
    form = AssignForm(request.POST or None, initial={"applications": request.GET.getlist("application")})
    if request.method == "POST" and form.is_valid():
        created = _run(
            request,
            services.experts_assign,
            user=request.user,
            applications=list(form.cleaned_data["applications"]),
            experts=list(form.cleaned_data["experts"]),
        )
        if created is not None:
            messages.success(request, _("已分配%(n)d项评审任务。") % {"n": created})
            return redirect("application-list")
    return render(request, "certification/assign.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def expert_review(request, pk):
    app = selectors.application_get(user=request.user, pk=pk)
    assignment = selectors.assignment_for(user=request.user, application=app)
    if assignment is None:
        raise PermissionDenied(_("该申请未分配给您评审。"))
    form = ReviewForm(request.POST or None, rubric=app.cycle.rubric.all(), assignment=assignment)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.expert_review_submit,
            user=request.user,
            assignment=assignment,
            scores=form.scores(),
            comment=form.cleaned_data["comment"],
            recommendation=form.cleaned_data["recommendation"],
        )
    ):
        messages.success(request, _("评审意见已提交。"))
        return redirect("application-detail", pk=app.pk)
    return render(request, "certification/review.html", {"app": app, "form": form, "verdict": app.verdict()})


@login_required
@require_http_methods(["GET", "POST"])
def notice_publish(request):
    require_office(request.user)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notice = call_service(
            form,
            services.notice_publish,
            user=request.user,
            cycle=form.cleaned_data["cycle"],
            applications=list(form.cleaned_data["applications"]),
            starts_on=form.cleaned_data["starts_on"],
            body=form.cleaned_data["body"],
        )
        if notice:
            messages.success(request, _("已发布公示%(number)s。") % {"number": notice.number})
            return redirect("notice-detail", pk=notice.pk)
    return render(request, "certification/notice_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def notice_detail(request, pk):
    notice = get_object_or_404(selectors.notice_list(), pk=pk)
    require_office(request.user)
    form = ObjectionForm(request.POST or None, notice=notice)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if call_service(
            form,
            services.objection_record,
            user=request.user,
            notice=notice,
            application=data.pop("application"),
            data=data,
        ):
            messages.success(request, _("已登记异议。"))
            return redirect("notice-detail", pk=notice.pk)
    return render(
        request,
        "certification/notice_detail.html",
        {"notice": notice, "form": form, "objections": notice.objections.select_related("application__town")},
    )


def public_notices(request):
    """公示 is public: no login."""
    return render(request, "certification/public_notices.html", {"notices": selectors.notice_list()[:50]})


def public_notice(request, pk):
    notice = get_object_or_404(selectors.notice_list(), pk=pk)
    return render(request, "certification/public_notice.html", {"notice": notice, "today": timezone.localdate()})


def certificate_list(request):
    certificates = selectors.certificate_list()
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename="认定证书", sheet_title="认定证书", columns=exports.CERTIFICATE_COLUMNS, rows=certificates
        )
    return render(
        request,
        "certification/certificate_list.html",
        {"page": page_of(request, certificates), "query": query_without_page(request)},
    )


def certificate_detail(request, pk):
    certificate = get_object_or_404(selectors.certificate_list(), pk=pk)
    return render(
        request,
        "certification/certificate.html",
        {
            "certificate": certificate,
            "document": documents.certificate(certificate),
            "revoke_form": RevokeForm(),
            "is_office": is_office(request.user),
        },
    )


def certificate_pdf(request, pk):
    certificate = get_object_or_404(selectors.certificate_list(), pk=pk)
    return pdf_response(documents.certificate(certificate))


@login_required
@require_POST
def certificate_revoke(request, pk):
    certificate = get_object_or_404(Certificate, pk=pk)
    require_office(request.user)
    form = RevokeForm(request.POST)
    if form.is_valid() and _run(
        request,
        services.certificate_revoke,
        user=request.user,
        certificate=certificate,
        reason=form.cleaned_data["reason"],
    ):
        messages.success(request, _("证书已撤销。"))
    elif not form.is_valid():
        messages.error(request, _("请填写撤销理由。"))
    return redirect("certificate-detail", pk=certificate.pk)


@login_required
def decision_letter(request, pk):
    app = selectors.application_get(user=request.user, pk=pk)
    if app.status != Status.REJECTED:
        raise PermissionDenied(_("只有未予认定的申请有决定书。"))
    if request.GET.get("format") == "pdf":
        return pdf_response(documents.decision_letter(app))
    return render(
        request, "certification/decision_letter.html", {"app": app, "document": documents.decision_letter(app)}
    )


@login_required
def provincial(request):
    require_office(request.user)
    return render(
        request,
        "certification/provincial.html",
        {
            "recommendations": ProvincialRecommendation.objects.select_related("town__county"),
            "form": DesignationForm(),
            "recommend_form": RecommendForm(),
        },
    )


@login_required
@require_POST
def provincial_designate(request, pk):
    require_office(request.user)
    rec = get_object_or_404(ProvincialRecommendation, pk=pk)
    form = DesignationForm(request.POST)
    if form.is_valid() and _run(
        request, services.province_designation_record, user=request.user, recommendation=rec, **form.cleaned_data
    ):
        messages.success(request, _("已记录省级认定，%(town)s梯次已变更为省级专业镇。") % {"town": rec.town})
    elif not form.is_valid():
        messages.error(request, _("请填写省级认定日期和文件。"))
    return redirect("provincial")


@login_required
@require_http_methods(["GET", "POST"])
def policy_list(request):
    require_office(request.user)
    form = PolicyForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(form, setup.policy_save, user=request.user, data=form.cleaned_data)
    ):
        messages.success(request, _("已新建认定标准。"))
        return redirect("policy-list")
    return render(
        request,
        "certification/policies.html",
        {
            "policies": CriteriaPolicy.objects.prefetch_related("cycles"),
            "form": form,
            "cycles": Cycle.objects.select_related("policy").prefetch_related("rubric"),
        },
    )


@login_required
def notice_list(request):
    require_office(request.user)
    return render(request, "certification/notice_list.html", {"notices": selectors.notice_list()})


@login_required
def reviews_export(request, cycle_pk):
    require_office(request.user)
    cycle = get_object_or_404(Cycle, pk=cycle_pk)
    assignments = ExpertAssignment.objects.filter(application__cycle=cycle).select_related(
        "application__town", "expert"
    )
    return xlsx_response(
        filename=f"{cycle.name}-专家评分",
        sheet_title="专家评分",
        columns=exports.review_columns(cycle.rubric.all()),
        rows=assignments,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request, pk=None):
    require_office(request.user)
    cycle = get_object_or_404(Cycle, pk=pk) if pk else None
    form = CycleForm(request.POST or None, instance=cycle)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "rubric"}
        saved = call_service(
            form, setup.cycle_save, user=request.user, data=data, rubric=form.cleaned_data["rubric"], cycle=cycle
        )
        if saved:
            messages.success(request, _("已保存批次“%(name)s”。") % {"name": saved.name})
            return redirect("policy-list")
    return render(request, "certification/cycle_form.html", {"form": form, "cycle": cycle})


@login_required
@require_POST
def provincial_recommend(request):
    require_office(request.user)
    form = RecommendForm(request.POST)
    if form.is_valid() and _run(request, services.province_recommend, user=request.user, **form.cleaned_data):
        messages.success(request, _("已推荐%(town)s为省级专业镇。") % {"town": form.cleaned_data["town"]})
    elif not form.is_valid():
        messages.error(request, _("请选择市级专业镇并填写推荐日期。"))
    return redirect("provincial")

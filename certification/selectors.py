"""Reads of the certification workflow, scoped to the user.

County officials see their own county's applications; experts the ones assigned to them; the
office everything; leaders and API consumers read every application that has been submitted.
City bureaus have no part in certification (403). Outside one's scope an application answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.formats import WAN_PER_YI, format_wan
from towns import selectors as town_selectors
from towns.models import Enterprise, EnterpriseYearFigures, Role
from towns.permissions import county_scope, role_of

from .models import Application, ApplicationFirm, Certificate, CriteriaPolicy, Cycle, ExpertAssignment, PublicNotice
from .permissions import is_expert, require_applicant, require_application_reader

LISTED_ROLES = (Enterprise.Role.ANCHOR, Enterprise.Role.SUPPORTING)
# 龙头企业 first, then 关联配套企业, then the rest.
ROLE_ORDER = Case(When(role="anchor", then=Value(0)), When(role="supporting", then=Value(1)), default=Value(2))


def _assignment_count(**conditions):
    counted = (
        ExpertAssignment.objects.filter(application=OuterRef("pk"), **conditions)
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def application_list(*, user) -> QuerySet[Application]:
    require_application_reader(user)
    role = role_of(user)
    qs = (
        Application.objects.select_related("town", "county", "cycle__policy")
        .prefetch_related(Prefetch("application_firms", queryset=ApplicationFirm.objects.select_related("enterprise")))
        .annotate(
            reviews_done=_assignment_count(reviewed_at__isnull=False),
            reviews_total=_assignment_count(),
        )
        .order_by("-created_at", "-id")
    )
    if role == Role.COUNTY:
        return qs.filter(county_id=county_scope(user))
    if role == Role.EXPERT:
        return qs.filter(assignments__expert=user).exclude(status=Application.Status.DRAFT)
    if role in (Role.LEADER, Role.API):
        return qs.exclude(status=Application.Status.DRAFT)
    return qs


def application_get(*, user, pk) -> Application:
    return get_object_or_404(application_list(user=user), pk=pk)


def assignment_for(*, user, application: Application) -> ExpertAssignment | None:
    if not is_expert(user):
        return None
    return application.assignments.filter(expert=user).first()


def certificate_list() -> QuerySet[Certificate]:
    """Certificates are public (公示 and 认定 are public acts)."""
    return Certificate.objects.select_related("town__county", "cycle", "application", "renews")


def notice_list() -> QuerySet[PublicNotice]:
    return PublicNotice.objects.select_related("cycle").prefetch_related("applications__town__county")


def policy_for_precheck(code: str | None) -> CriteriaPolicy:
    """The named policy, else the policy of the cycle open today, else the newest policy; 404 when there is none
    (the office may delete every policy no application has used)."""
    if code:
        if "\x00" in code:  # PostgreSQL refuses NUL in a string literal: no policy can have such a code
            raise Http404
        return get_object_or_404(CriteriaPolicy, code=code)
    today = timezone.localdate()
    cycle = Cycle.objects.filter(opens_on__lte=today, closes_on__gte=today).select_related("policy").first()
    policy = cycle.policy if cycle else CriteriaPolicy.objects.order_by("-created_at").first()
    if policy is None:
        raise Http404
    return policy


def workflow_summary(*, user) -> list[tuple[str, int, str]]:
    """(label, count, status) for a home page: the applications in each state the user can see."""
    visible = application_list(user=user).values("pk")
    rows = Application.objects.filter(pk__in=visible).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return [(label, counts.get(value, 0), value) for value, label in Application.Status.choices]


# --- what waits for the user (the home page's 待办, composed in portal.todo) ---------------------------------


def applications_to_complete(*, user) -> QuerySet[Application]:
    """A county's applications that wait for it: returned for revision (退回修改) and drafts not yet submitted."""
    scope = county_scope(user)
    if role_of(user) != Role.COUNTY or scope is None:
        return Application.objects.none()
    return (
        Application.objects.filter(county_id=scope, status__in=(Application.Status.RETURNED, Application.Status.DRAFT))
        .select_related("town", "cycle")
        .order_by("cycle__closes_on", "pk")
    )


def reviews_pending(*, user) -> QuerySet[ExpertAssignment]:
    """An expert's assignments not yet scored, of applications still in expert review."""
    if not is_expert(user):
        return ExpertAssignment.objects.none()
    return (
        ExpertAssignment.objects.filter(
            expert=user, reviewed_at__isnull=True, application__status=Application.Status.EXPERT_REVIEW
        )
        .select_related("application__town", "application__cycle")
        .order_by("assigned_at", "pk")
    )


def applications_awaiting_office(*, user, today) -> QuerySet[Application]:
    """The applications whose next step is the office's: submitted (形式审查), in screening (送专家评审 or 退回),
    in expert review with every review in (列入公示), and in public notice after the notice ended (认定)."""
    if role_of(user) != Role.OFFICE:
        return Application.objects.none()
    S = Application.Status
    return (
        Application.objects.annotate(
            reviews_done=_assignment_count(reviewed_at__isnull=False),
            reviews_total=_assignment_count(),
            notice_ends=Max("notices__ends_on"),
        )
        .filter(
            Q(status__in=(S.SUBMITTED, S.SCREENING))
            | Q(status=S.EXPERT_REVIEW, reviews_total__gt=0, reviews_done=F("reviews_total"))
            | Q(status=S.PUBLIC_NOTICE, notice_ends__lt=today)
        )
        .select_related("town", "cycle")
        .order_by("submitted_at", "pk")
    )


@dataclass
class ScoreSheet:
    """The experts' rubric scores side by side (the office's decision view): a row per expert, the mean of each
    item and of the totals over the reviews submitted."""

    rubric: list
    rows: list  # (assignment, [score or None per rubric item])
    means: list  # mean per rubric item, or None
    mean_total: Decimal | None
    reviewed: int


def score_sheet(application: Application) -> ScoreSheet:
    rubric = list(application.cycle.rubric.all())
    assignments = list(application.assignments.select_related("expert"))
    rows = []
    for a in assignments:
        scores = a.scores or {}
        rows.append((a, [_decimal(scores.get(str(item.pk))) for item in rubric]))
    reviewed = [(a, scores) for a, scores in rows if a.reviewed_at]

    def mean(values):
        values = [v for v in values if v is not None]
        return (sum(values) / len(values)).quantize(Decimal("0.1")) if values else None

    return ScoreSheet(
        rubric=rubric,
        rows=rows,
        means=[mean(scores[i] for _a, scores in reviewed) for i in range(len(rubric))],
        mean_total=mean(a.total for a, _scores in reviewed),
        reviewed=len(reviewed),
    )


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


# --- the application wizard's firm picker and the firms' totals ---------------------------------------------------

FIRM_FILTERS = ("listed", "unlisted", "proposed")


def firm_picker_rows(*, user, application: Application, search: str = "", registry_role: str = "", listed: str = ""):
    """The applying town's registered firms for the wizard's firm picker (the county's own towns only), each with
    ``listed_role`` (its role in the application, or None) and ``declined`` (the county chose 不列入), plus its
    latest figures (prefetched). Filtered by name or credit code, registry role and listing; paged by the caller:
    a page costs the same few queries whether the town has 10 firms or 500."""
    require_applicant(user)
    listed_role = ApplicationFirm.objects.filter(application=application, enterprise=OuterRef("pk")).values("role")[:1]
    declined = Application.declined_firms.through.objects.filter(
        application_id=application.pk, enterprise_id=OuterRef("pk")
    )
    qs = (
        town_selectors.town_enterprises(user=user, town=application.town)
        .select_related(None)
        .annotate(listed_role=Subquery(listed_role), declined=Exists(declined))
        .order_by(ROLE_ORDER, "name", "pk")
    )
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper()))
    if registry_role in Enterprise.Role.values:
        qs = qs.filter(role=registry_role)
    if listed == "listed":
        qs = qs.filter(listed_role__isnull=False)
    elif listed == "unlisted":
        qs = qs.filter(listed_role__isnull=True)
    elif listed == "proposed":
        qs = qs.filter(listed_role__isnull=True, declined=False, role__in=LISTED_ROLES)
    return qs


def proposed_firms(app: Application) -> QuerySet[Enterprise]:
    """The town's firms registered as 龙头 or 关联配套 that the application has neither listed nor declined (firms
    registered or imported after it was started): the picker proposes them in their registry role. The caller has
    the application from a scoped read."""
    return (
        app.town.enterprises.filter(role__in=LISTED_ROLES)
        .exclude(pk__in=ApplicationFirm.objects.filter(application=app).values("enterprise"))
        .exclude(pk__in=Application.declined_firms.through.objects.filter(application_id=app.pk).values("enterprise"))
    )


@dataclass(frozen=True)
class FirmTotals:
    """The sum of the town's registered firms' figures for the latest year any of them reported: a starting value
    for the application's totals, which the county confirms or corrects."""

    year: int
    output_wan: Decimal
    local_jobs: int
    firms_counted: int  # firms with figures for ``year``
    firms_total: int  # firms registered in the town

    @property
    def output_label(self) -> str:
        return format_wan(self.output_wan)

    @property
    def output_in_yi(self) -> bool:
        """Shown in 亿元: the exact figure in 万元 (what the form takes) is shown beside it."""
        return self.output_wan >= WAN_PER_YI


def firm_totals(*, user, application: Application) -> FirmTotals | None:
    """Two queries; None when no firm of the town has figures."""
    require_applicant(user)
    figures = EnterpriseYearFigures.objects.filter(enterprise__town_id=application.town_id).order_by()
    latest = figures.order_by("-year").values("year")[:1]
    sums = figures.filter(year=Subquery(latest)).aggregate(
        year=Max("year"), output=Sum("output_wan"), jobs=Sum("local_jobs"), n=Count("pk")
    )
    if not sums["n"]:
        return None
    return FirmTotals(
        year=sums["year"],
        output_wan=Decimal(sums["output"]).quantize(Decimal("0.01")),  # SQLite sums decimals without their scale
        local_jobs=sums["jobs"],
        firms_counted=sums["n"],
        firms_total=Enterprise.objects.filter(town_id=application.town_id).count(),
    )

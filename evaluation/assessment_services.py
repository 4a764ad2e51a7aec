"""The annual assessment's writes (年度目标责任考核): the office's weights, computing a draft (in the request when no
broker is configured, else on a Celery worker; the same function either way), publishing it.

The transitions are the table in :mod:`evaluation.assessment_workflow`; the facts are read by
:mod:`evaluation.assessment_gather` and scored by :mod:`evaluation.assessment` (pure)."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.errors import ActionNotAllowed
from core.models import AuditEntry
from core.notify import notify
from towns.permissions import bureau_users, county_users, require_office
from towns.validators import is_programme_year

from . import assessment as rules
from . import assessment_gather as gather
from . import assessment_workflow as workflow
from .models import Assessment, AssessmentConfig, AssessmentResult, EvaluationRun

Action = AuditEntry.Action
Status = Assessment.Status
logger = logging.getLogger(__name__)


def _s(value) -> str | None:
    return None if value is None else str(value)


# --- settings -----------------------------------------------------------------------------------------------


def config_for(year: int) -> AssessmentConfig:
    """The year's settings; an unsaved default if the office has not set them (reading never writes)."""
    return AssessmentConfig.objects.filter(year=year).first() or AssessmentConfig(year=year)


@transaction.atomic
def assessment_config_save(
    *, user, year: int, county_weights: dict[str, int], bureau_weights: dict[str, int]
) -> AssessmentConfig:
    """The office sets the year's weights; each kind's must add up to 100 (AssessmentConfig.clean)."""
    require_office(user)
    if not is_programme_year(year):
        raise ValidationError(_("没有%(year)d年度。") % {"year": year})
    if Assessment.objects.filter(year=year, status=Status.PUBLISHED).exists():
        raise ActionNotAllowed(_("%(year)d年度考核结果已发布，不能再修改权重。") % {"year": year})
    config = AssessmentConfig.objects.select_for_update().filter(year=year).first() or AssessmentConfig(year=year)
    before = audit.snapshot(config) if config.pk else None
    config.county_weights, config.bureau_weights = dict(county_weights), dict(bureau_weights)
    config.full_clean()
    config.save()
    audit.record(action=Action.CREATE if before is None else Action.UPDATE, obj=config, user=user, before=before)
    return config


# --- computing a draft ----------------------------------------------------------------------------------------


@transaction.atomic
def assessment_start(*, user, year: int) -> Assessment:
    """Start (or start again) a year's assessment, after that year's town evaluation is published. The draft's rows
    are replaced; the computation is enqueued after commit (in-process without a broker)."""
    require_office(user)
    if not is_programme_year(year) or year > timezone.localdate().year:
        raise ActionNotAllowed(_("%(year)d年度不能考核。") % {"year": year})
    run = EvaluationRun.objects.filter(year=year, status=EvaluationRun.Status.PUBLISHED).first()
    if run is None:
        raise ActionNotAllowed(
            _("%(year)d年度专业镇评估结果尚未发布：考核以发布的评估结果为依据，请先发布评估。") % {"year": year}
        )
    assessment = Assessment.objects.select_for_update().filter(year=year).first()
    if not workflow.allowed("compute", assessment.status if assessment else workflow.NEW):
        raise ActionNotAllowed(_("%(year)d年度考核结果已发布，不能重新计算。") % {"year": year})
    config = config_for(year)
    before = audit.snapshot(assessment) if assessment else None
    assessment = assessment or Assessment(year=year)
    assessment.evaluation = run
    assessment.status, assessment.error = Status.COMPUTING, ""
    assessment.county_weights, assessment.bureau_weights = config.weights(rules.COUNTY), config.weights(rules.BUREAU)
    assessment.started_by, assessment.started_at = user, timezone.now()
    assessment.computed_at, assessment.as_of = None, None
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:  # another office user started the year's first assessment a moment before
        raise ActionNotAllowed(_("%(year)d年度考核刚刚已由他人发起计算，请刷新后查看。") % {"year": year}) from None
    assessment.results.all().delete()
    audit.record(action=Action.CREATE if before is None else Action.STATE, obj=assessment, user=user, before=before)
    pk = assessment.pk
    transaction.on_commit(lambda: enqueue(pk))
    return assessment


def enqueue(assessment_id: int) -> None:
    """Hand the computation to the workers (run here when no broker is configured). If the broker is down the
    assessment is marked failed with a message the office sees; starting again once it is back works."""
    from .tasks import compute_assessment

    try:
        compute_assessment.delay(assessment_id)
    except Exception as exc:  # kombu raises OperationalError and friends when Redis is unreachable
        logger.warning("assessment %s could not be queued: %r", assessment_id, exc)
        assessment_fail(
            assessment_id=assessment_id, error=_("任务队列（Redis）暂不可用，考核未能计算，请稍后重新计算。")
        )


def _result_rows(
    assessment: Assessment, kind: str, units: list, inputs: list[rules.UnitInput]
) -> list[AssessmentResult]:
    weights = assessment.weights(kind)
    by_id = {u.pk: u for u in units}
    given = {i.unit_id: i for i in inputs}
    rows = []
    for position, scored in enumerate(rules.score_units(kind, inputs, weights)):
        unit = given[scored.unit_id]
        lines, _total = rules.breakdown(kind, unit.inputs, weights)
        rows.append(
            AssessmentResult(
                assessment=assessment,
                kind=kind,
                county=by_id[scored.unit_id] if kind == rules.COUNTY else None,
                bureau=by_id[scored.unit_id] if kind == rules.BUREAU else None,
                name=scored.name,
                indicators={
                    line.code: {
                        "text": line.text,
                        "numerator": line.numerator,
                        "denominator": line.denominator,
                        "score": _s(line.score),
                        "weight": line.weight,
                        "points": _s(line.points),
                        "details": list(line.details),
                    }
                    for line in lines
                },
                total=scored.total,
                rank=scored.rank,
                note=unit.excluded or ("" if scored.total is not None else _("无考核事项，不参加排名")),
                position=position,
            )
        )
    return rows


@transaction.atomic
def assessment_compute(*, assessment_id: int, today: datetime.date | None = None) -> Assessment | None:
    """Gather, score and rank every county and bureau; the assessment becomes a draft for the office to review.
    Idempotent: a redelivered message for an assessment no longer computing does nothing."""
    assessment = Assessment.objects.select_for_update().select_related("evaluation").filter(pk=assessment_id).first()
    if assessment is None or assessment.status != Status.COMPUTING:
        return assessment
    as_of = today or timezone.localdate()
    counties, county_units = gather.county_inputs(run=assessment.evaluation, as_of=as_of)
    bureaus, bureau_units = gather.bureau_inputs(year=assessment.year, as_of=as_of)
    assessment.results.all().delete()
    AssessmentResult.objects.bulk_create(
        [
            *_result_rows(assessment, rules.COUNTY, counties, county_units),
            *_result_rows(assessment, rules.BUREAU, bureaus, bureau_units),
        ]
    )
    before = audit.snapshot(assessment)
    assessment.status, assessment.as_of, assessment.computed_at = Status.DRAFT, as_of, timezone.now()
    assessment.save(update_fields=["status", "as_of", "computed_at"])
    audit.record(action=Action.STATE, obj=assessment, user=None, before=before, note=_("计算完成"))
    return assessment


def assessment_fail(*, assessment_id: int, error: str) -> None:
    Assessment.objects.filter(pk=assessment_id, status=Status.COMPUTING).update(
        status=Status.FAILED, error=error[:2000]
    )


# --- publication -------------------------------------------------------------------------------------------


def rank_text(result: AssessmentResult, ranked: int) -> str:
    if result.rank is None:
        return result.note or _("不参加排名")
    return _("第%(rank)d名（共%(n)d个）") % {"rank": result.rank, "n": ranked}


@transaction.atomic
def assessment_publish(*, user, assessment: Assessment, confirmed: bool) -> Assessment:
    """Publish a reviewed draft: final (nothing recomputes it afterwards). Every county and bureau is told its total
    and rank, after commit."""
    require_office(user)
    if not confirmed:
        raise ValidationError({"confirm": _("发布后不能再修改或重新计算，请勾选确认后发布。")})
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not workflow.allowed("publish", assessment.status):
        raise ActionNotAllowed(
            _("只有待审核的考核结果可以发布（当前：%(s)s）。") % {"s": assessment.get_status_display()}
        )
    before = audit.snapshot(assessment)
    assessment.status, assessment.published_at, assessment.published_by = Status.PUBLISHED, timezone.now(), user
    assessment.save(update_fields=["status", "published_at", "published_by"])
    audit.record(action=Action.STATE, obj=assessment, user=user, before=before)

    results = list(assessment.results.select_related("county", "bureau").order_by("kind", "position"))
    ranked = {kind: sum(1 for r in results if r.kind == kind and r.rank) for kind in (rules.COUNTY, rules.BUREAU)}
    messages = []
    for r in results:
        total = _("得分%(total)s，") % {"total": r.total} if r.total is not None else ""
        message = _("%(year)d年度专业镇工作考核结果已发布：%(total)s%(rank)s。") % {
            "year": assessment.year,
            "total": total,
            "rank": rank_text(r, ranked[r.kind]),
        }
        messages.append((r.county or r.bureau, r.kind, message, reverse("assessment-result", kwargs={"pk": r.pk})))

    def send() -> None:
        for unit, kind, message, url in messages:
            notify(county_users(unit) if kind == rules.COUNTY else bureau_users(unit), message, url)

    transaction.on_commit(send)
    return assessment

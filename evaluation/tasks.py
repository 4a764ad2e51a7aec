"""Celery jobs of the annual evaluation: a chord over chunks of towns, then scoring; each step idempotent."""

from __future__ import annotations

import logging

from celery import chord, shared_task
from django.conf import settings
from django.utils import timezone

from towns.models import Town

from . import assessment_services, services

logger = logging.getLogger(__name__)


# The run's state is in the database; nobody reads these tasks' results, so the web process that enqueues them
# does not subscribe to them in the result backend.
@shared_task(name="evaluation.run_evaluation", ignore_result=True)
def run_evaluation(run_id: int) -> None:
    """Fan out one task per chunk of towns; when all are in, finalize (score and rank)."""
    town_ids = list(Town.objects.order_by("pk").values_list("pk", flat=True))
    if not town_ids:
        finalize_evaluation.delay(run_id)
        return
    per_task = settings.EVALUATION_TOWNS_PER_TASK
    chunks = [town_ids[i : i + per_task] for i in range(0, len(town_ids), per_task)]
    chord([evaluate_towns.si(run_id, chunk) for chunk in chunks])(finalize_evaluation.si(run_id))


@shared_task(name="evaluation.evaluate_towns", acks_late=True, max_retries=3)
def evaluate_towns(run_id: int, town_ids: list[int]) -> None:
    services.evaluate_towns(run_id=run_id, town_ids=town_ids)


@shared_task(name="evaluation.finalize_evaluation", acks_late=True, ignore_result=True)
def finalize_evaluation(run_id: int) -> None:
    try:
        services.finalize(run_id=run_id)
    except Exception as exc:
        logger.exception("evaluation %s failed", run_id)
        services.fail(run_id=run_id, error=repr(exc))
        raise


@shared_task(name="evaluation.scheduled_evaluation")
def scheduled_evaluation(year: int | None = None) -> int:
    """Started by Celery beat (31 January by default): evaluate the previous year."""
    year = year or timezone.localdate().year - 1
    return services.evaluation_start(user=None, year=year, trigger="beat").pk


# --- the annual assessment of counties and bureaus (年度考核) ---------------------------------------------------


@shared_task(name="evaluation.compute_assessment", acks_late=True, ignore_result=True)
def compute_assessment(assessment_id: int) -> None:
    """Compute a year's assessment (a few hundred rows: one task). Idempotent: a redelivered message does nothing."""
    try:
        assessment_services.assessment_compute(assessment_id=assessment_id)
    except Exception as exc:
        logger.exception("assessment %s failed", assessment_id)
        assessment_services.assessment_fail(assessment_id=assessment_id, error=repr(exc))
        raise

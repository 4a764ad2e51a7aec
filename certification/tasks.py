"""Celery jobs of the annual evaluation: a chord over the towns, then scoring; each step idempotent."""

from __future__ import annotations

import logging

from celery import chord, shared_task
from django.utils import timezone

from towns.models import Town

from . import evaluation

logger = logging.getLogger(__name__)


@shared_task(name="certification.run_evaluation")
def run_evaluation(run_id: int) -> None:
    """Fan out one task per town; when all are in, finalize (score and rank)."""
    town_ids = list(Town.objects.order_by("pk").values_list("pk", flat=True))
    if not town_ids:
        finalize_evaluation.delay(run_id)
        return
    chord([evaluate_town.si(run_id, town_id) for town_id in town_ids])(finalize_evaluation.si(run_id))


@shared_task(name="certification.evaluate_town", acks_late=True, max_retries=3)
def evaluate_town(run_id: int, town_id: int) -> None:
    evaluation.evaluate_town(run_id=run_id, town_id=town_id)


@shared_task(name="certification.finalize_evaluation", acks_late=True)
def finalize_evaluation(run_id: int) -> None:
    try:
        evaluation.finalize(run_id=run_id)
    except Exception as exc:
        logger.exception("evaluation %s failed", run_id)
        evaluation.fail(run_id=run_id, error=repr(exc))
        raise


@shared_task(name="certification.scheduled_evaluation")
def scheduled_evaluation(year: int | None = None) -> int:
    """Started by Celery beat (31 January by default): evaluate the previous year."""
    year = year or timezone.localdate().year - 1
    return evaluation.evaluation_start(user=None, year=year, trigger="beat").pk

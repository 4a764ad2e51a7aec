"""Helpers shared by the test modules (test modules never import each other)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from evaluation import services as evaluation
from evaluation.models import EvaluationRun
from tasks_registry import progress, services
from tasks_registry.models import Task
from towns.models import Town


def client_of(client_factory, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def current_period(task: Task) -> str:
    return progress.last_closed_period(timezone.localdate(), task.reporting_period).code


def report(user, number: int, pct: str = "50", consolidated=False, towns=()):
    task = Task.objects.get(number=number)
    period = current_period(task)
    year = progress.parse_period(period, task.reporting_period).start.year
    measures = {m.pk: (Decimal(pct), "") for m in task.measures.filter(year=year)}
    return services.report_save(
        user=user,
        task=task,
        period=period,
        narrative="推进顺利",
        measures=measures,
        towns=list(towns),
        consolidated=consolidated,
    )


def run_inline(run: EvaluationRun, per_task: int = 100) -> EvaluationRun:
    """What the Celery chord does, in this process: the towns in chunks, then scoring."""
    town_ids = list(Town.objects.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(town_ids), per_task):
        evaluation.evaluate_towns(run_id=run.pk, town_ids=town_ids[i : i + per_task])
    return evaluation.finalize(run_id=run.pk)

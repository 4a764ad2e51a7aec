"""The annual evaluation (年度评估): gathering each town's indicators, scoring and ranking, publishing
commendations (表扬) and supervision notices (督办通知书), and the county's rectification (限期整改).

Writes are here; the scoring rules are pure functions in :mod:`evaluation.scoring`; the Celery
fan-out is in :mod:`evaluation.tasks`, which calls :func:`evaluate_towns` (a chunk of towns per task) and
:func:`finalize`.
"""

from __future__ import annotations

import collections
import datetime
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import engine
from core import audit, numbering, uploads
from core.errors import ActionNotAllowed
from core.models import AuditEntry
from core.notify import notify, notify_once
from tasks_registry.models import KeyProject, Problem, ProgressReport
from towns.models import EnterpriseYearFigures, Role, Tier, Town, TownYearFigures, doubling_base_year
from towns.permissions import county_users, office_users, require_office, require_town_in_scope, role_of
from towns.validators import is_programme_year

from . import recheck, scoring, workflow
from .models import (
    Commendation,
    EvaluationConfig,
    EvaluationRun,
    RectificationAttachment,
    RectificationReport,
    SupervisionNotice,
    TownEvaluation,
)

Action = AuditEntry.Action
Group = TownEvaluation.Group
logger = logging.getLogger(__name__)


def _s(value) -> str | None:
    return None if value is None else str(value)


# --- starting a run -----------------------------------------------------------------------------------------


def config_for(year: int) -> EvaluationConfig:
    """The year's settings; an unsaved default if the office has not set them (reading never writes)."""
    return EvaluationConfig.objects.filter(year=year).first() or EvaluationConfig(year=year)


@transaction.atomic
def config_save(*, user, year: int, data: dict[str, Any]) -> EvaluationConfig:
    require_office(user)
    if not is_programme_year(year):
        raise ValidationError(_("没有%(year)d年度。") % {"year": year})
    config = EvaluationConfig.objects.select_for_update().get_or_create(year=year)[0]
    before = audit.snapshot(config)
    for key in ("weights", "top_n", "bottom_n", "rectify_days"):
        if key in data:
            setattr(config, key, data[key])
    config.full_clean()
    config.save()
    audit.record(action=Action.UPDATE, obj=config, user=user, before=before)
    return config


@transaction.atomic
def evaluation_start(*, user, year: int, trigger: str = "manual") -> EvaluationRun:
    """Start (or restart) a year's evaluation: a new draft replaces any unpublished one of that year.

    ``user`` is None when Celery beat starts it. The fan-out is enqueued after commit.
    """
    if user is not None:
        require_office(user)
    if year > timezone.localdate().year:
        raise ActionNotAllowed(_("%(year)d年尚未到来，不能评估。") % {"year": year})
    if EvaluationRun.objects.filter(year=year, status=EvaluationRun.Status.PUBLISHED).exists():
        raise ActionNotAllowed(_("%(year)d年度评估结果已发布，不能重新评估。") % {"year": year})
    EvaluationRun.objects.select_for_update().filter(year=year).delete()  # the old draft, its results included
    config = config_for(year)
    run = EvaluationRun.objects.create(
        year=year, weights=config.effective_weights(), total=Town.objects.count(), started_by=user, trigger=trigger
    )
    audit.record(action=Action.CREATE, obj=run, user=user, note=trigger)

    transaction.on_commit(lambda: enqueue(run.pk))
    return run


def enqueue(run_id: int) -> None:
    """Hand the run to the workers. If the broker is down the run is marked failed with a message the office
    sees (the draft it replaced is gone, the settings are kept); starting again once it is back works."""
    from .tasks import run_evaluation

    try:
        run_evaluation.delay(run_id)
    except Exception as exc:  # kombu raises OperationalError and friends when Redis is unreachable
        logger.warning("evaluation %s could not be queued: %r", run_id, exc)
        fail(run_id=run_id, error=_("任务队列（Redis）暂不可用，评估未能开始；数据未受影响，请稍后重新发起。"))


# --- towns, a chunk at a time ------------------------------------------------------------------------------


def gather(towns: list[Town], year: int) -> dict[int, dict[str, Any]]:
    """The raw indicators of towns for a year (plain JSON-able data, by town id), in ten queries whatever the
    number of towns: each input is read for the whole chunk at once, then the rules below apply per town."""
    ids = [t.pk for t in towns]
    end = datetime.date(year, 12, 31)
    baselines = {y for t in towns if (y := doubling_base_year(t)) < year}  # the office's, or 2022
    figures: dict[int, dict[int, TownYearFigures]] = collections.defaultdict(dict)
    for f in TownYearFigures.objects.filter(town_id__in=ids, year__in={year, year - 1, *baselines}).order_by():
        figures[f.town_id][f.year] = f
    counts: dict[int, dict[int, dict]] = collections.defaultdict(dict)
    for row in (
        EnterpriseYearFigures.objects.filter(enterprise__town_id__in=ids, year__in=[year, year - 1])
        .values("enterprise__town_id", "year")
        .annotate(
            n=Count("enterprise", distinct=True),
            above=Count("enterprise", filter=Q(enterprise__above_designated_size=True), distinct=True),
        )
        .order_by()
    ):
        counts[row["enterprise__town_id"]][row["year"]] = row
    projects = _by_town(KeyProject.objects.filter(town_id__in=ids).order_by("town_id", "name", "pk"))
    problems = _by_town(  # the slow-items message lists them newest first, as the ledger does
        Problem.objects.filter(town_id__in=ids, deadline__lte=end).order_by("town_id", "-found_on", "-id")
    )
    reports = dict(
        ProgressReport.towns.through.objects.filter(town_id__in=ids, progressreport__period__startswith=f"{year}-")
        .values("town_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("town_id", "n")
    )
    criteria = recheck.recheck_all(
        [t for t in towns if t.tier != Tier.POTENTIAL and year in figures[t.pk]], figures, year
    )
    out = {}
    for town in towns:
        years = figures[town.pk]
        current, previous = years.get(year), years.get(year - 1)
        baseline = years.get(doubling_base_year(town)) if doubling_base_year(town) in baselines else None
        now, before = counts[town.pk].get(year, {}), counts[town.pk].get(year - 1, {})
        due = [p for p in problems[town.pk] if p.deadline.year == year]
        on_time = sum(1 for p in due if p.closed_at and timezone.localtime(p.closed_at).date() <= p.deadline)
        values = {
            "output": _s(current.output_wan) if current else None,
            "output_growth": _s(scoring.growth(current and current.output_wan, previous and previous.output_wan)),
            "baseline_doubling": _s(
                scoring.doubling_progress(current and current.output_wan, baseline and baseline.output_wan)
            ),
            "enterprises": _s(now.get("n")),
            "enterprise_growth": _s(scoring.growth(now.get("n"), before.get("n"))),
            "above_size": _s(now.get("above")),
            "above_size_growth": _s(scoring.growth(now.get("above"), before.get("above"))),
            "local_jobs": _s(current.local_jobs) if current else None,
            "market_share": _s(current.provincial_share_pct) if current else None,
            "projects": str(
                sum(
                    1
                    for p in projects[town.pk]
                    for day in (p.signed_on, p.started_on, p.in_production_on)
                    if day and day.year == year
                )
            ),
            "task_reports": str(reports.get(town.pk, 0)),
            "problems_on_time": _s(scoring._q(Decimal(on_time) / len(due) * 100)) if due else None,
        }
        out[town.pk] = {
            "values": values,
            "slow": slow_items(projects[town.pk], problems[town.pk], year),
            "criteria": criteria.get(town.pk),
        }
    return out


def _by_town(rows) -> collections.defaultdict[int, list]:
    grouped = collections.defaultdict(list)
    for row in rows:
        grouped[row.town_id].append(row)
    return grouped


def slow_items(projects: list[KeyProject], problems: list[Problem], year: int) -> list[str]:
    """What is behind at the end of the year: project milestones past their plan, problems past deadline
    (of the town's projects, and its problems due by the end of the year)."""
    end = datetime.date(year, 12, 31)
    items = []
    for project in projects:
        for planned, actual, label in (
            ("planned_start_on", "started_on", _("开工")),
            ("planned_production_on", "in_production_on", _("投产")),
        ):
            plan, done = getattr(project, planned), getattr(project, actual)
            if plan and plan <= end and (done is None or done > end):
                items.append(
                    _("重点项目“%(name)s”计划%(date)s%(what)s，年底前未%(what)s")
                    % {"name": project.name, "date": plan.isoformat(), "what": label}
                )
    for problem in problems:
        if problem.closed_at is None or timezone.localtime(problem.closed_at).date() > problem.deadline:
            items.append(_("问题%(number)s“%(title)s”未按期办结") % {"number": problem.number, "title": problem.title})
    return items


def evaluate_towns(*, run_id: int, town_ids: list[int]) -> None:
    """Evaluate a chunk of towns (one Celery task): gather their indicators set-based, write their rows.
    Idempotent: a redelivered message rewrites the same rows; a town deleted since the fan-out is skipped."""
    run = EvaluationRun.objects.filter(pk=run_id).only("status", "year").first()
    if run is None or run.status != EvaluationRun.Status.RUNNING:
        return  # a message of a run since replaced (e.g. redelivered after a worker died)
    towns = list(Town.objects.filter(pk__in=town_ids).order_by("pk"))
    gathered = gather(towns, run.year)
    results = []
    for town in towns:
        data = gathered[town.pk]
        criteria = data["criteria"]
        results.append(
            TownEvaluation(
                run_id=run_id,
                town=town,
                group=Group.POTENTIAL if town.tier == Tier.POTENTIAL else Group.CERTIFIED,
                indicators=data["values"],
                has_data=data["values"]["output"] is not None,
                criteria=criteria,
                inspection=bool(criteria and criteria["outcome"] == engine.INELIGIBLE),
                slow=data["slow"],
            )
        )
    save_results(run_id, results)


def evaluate_town(*, run_id: int, town_id: int) -> None:
    """One town: a chunk of one."""
    evaluate_towns(run_id=run_id, town_ids=[town_id])


@transaction.atomic
def save_results(run_id: int, results: list[TownEvaluation]) -> None:
    """Write towns' results and add them to the run's done counter — O(1), not a recount. Under the run's row
    lock, so the writers of a run take turns and a run replaced meanwhile is left alone; rows already there (a
    redelivered message, a retry) are replaced and not counted again, so done never exceeds the towns in."""
    if not EvaluationRun.objects.select_for_update().filter(pk=run_id, status=EvaluationRun.Status.RUNNING).exists():
        return
    again, _ = TownEvaluation.objects.filter(run_id=run_id, town_id__in=[r.town_id for r in results]).delete()
    TownEvaluation.objects.bulk_create(results)
    EvaluationRun.objects.filter(pk=run_id).update(done=F("done") + len(results) - again)


@transaction.atomic
def finalize(*, run_id: int) -> EvaluationRun:
    """Score and rank every group once all towns are in; the run becomes a draft for the office."""
    run = EvaluationRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.status != EvaluationRun.Status.RUNNING:
        return run
    results = list(run.results.select_related("town").order_by())  # the default ordering joins the run
    for group in Group.values:
        members = [r for r in results if r.group == group]
        inputs = [
            scoring.TownInput(
                r.town_id,
                r.town.name,
                Decimal(r.indicators["output"]) if r.indicators.get("output") else None,
                {k: Decimal(v) for k, v in r.indicators.items() if v is not None},
            )
            for r in members
        ]
        scores = {s.town_id: s for s in scoring.score(inputs, run.weights)}
        for r in members:
            s = scores[r.town_id]
            r.score, r.rank = s.score, s.rank
            r.breakdown = {k: str(v) for k, v in s.breakdown.items()}
    # The run's rows are written again rather than updated: bulk_update builds a CASE per row and column, which
    # cost ~1.5 ms of Python per town (and one CASE over all rows took minutes in SQL; bench/README.md). Nothing
    # refers to a result row, and the run's lock keeps everyone else out meanwhile.
    TownEvaluation.objects.filter(run_id=run.pk).delete()
    for r in results:
        r.pk = None
    TownEvaluation.objects.bulk_create(results, batch_size=1000)
    run.status, run.finished_at, run.done = EvaluationRun.Status.DRAFT, timezone.now(), len(results)
    run.save(update_fields=["status", "finished_at", "done"])
    return run


def fail(*, run_id: int, error: str) -> None:
    EvaluationRun.objects.filter(pk=run_id, status=EvaluationRun.Status.RUNNING).update(
        status=EvaluationRun.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# --- publication -------------------------------------------------------------------------------------------


def notice_number(year: int) -> str:
    prefix = f"运专镇督〔{year}〕"
    n = numbering.draw(
        series=prefix, year=year, existing=lambda: numbering.highest(SupervisionNotice.objects, "number", prefix)
    )
    return f"{prefix}{n:03d}号"


@transaction.atomic
def evaluation_publish(*, user, run: EvaluationRun, commend_flagged: bool = False) -> EvaluationRun:
    """Publish a draft: commend the counties of the top towns, and send supervision notices to the
    counties of the bottom towns and of towns whose project or problem work is behind.

    A town the re-check finds no longer meeting the criteria always gets a special inspection (proposed here,
    planned for the office to staff), and is commended only if the office confirms it (``commend_flagged``);
    otherwise the next town in the ranking takes its place."""
    from .inspections import inspection_propose  # it imports this module (the notice numbers): not at the top

    require_office(user)
    run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in workflow.RUN_ACTIONS["publish"][0]:
        raise ActionNotAllowed(_("只有待审核的评估结果可以发布（当前：%(s)s）。") % {"s": run.get_status_display()})
    config = config_for(run.year)
    today = timezone.localdate()
    ranked = list(
        run.results.filter(group=Group.CERTIFIED, rank__isnull=False).select_related("town__county").order_by("rank")
    )
    commendable = [r for r in ranked if commend_flagged or not r.inspection]
    top = commendable[: config.top_n]
    bottom = [r for r in ranked[len(ranked) - config.bottom_n :] if r not in top] if config.bottom_n else []
    flagged = list(run.results.filter(inspection=True).select_related("town__county").order_by("town__name"))
    inspections = {r.town_id: inspection_propose(user=user, town=r.town, run=run) for r in flagged}
    for r in top:
        Commendation.objects.create(
            run=run,
            town=r.town,
            county=r.town.county,
            rank=r.rank,
            text=_("%(town)s在%(year)d年度专业镇评估中排名第%(rank)d（%(score)s分），予以表扬。")
            % {"town": r.town.name, "year": run.year, "rank": r.rank, "score": r.score},
        )
        notify(
            county_users(r.town.county),
            _("%(town)s在%(year)d年度专业镇评估中排名第%(rank)d，予以表扬。")
            % {"town": r.town.name, "year": run.year, "rank": r.rank},
            reverse("evaluation-detail", kwargs={"pk": run.pk}),
        )
    slow = [r for r in run.results.filter(group=Group.CERTIFIED).select_related("town__county") if r.slow]
    for r in {x.pk: x for x in [*bottom, *slow]}.values():
        problems = []
        if r in bottom:
            problems.append(
                _("%(year)d年度评估排名靠后（第%(rank)d名，%(score)s分）")
                % {"year": run.year, "rank": r.rank, "score": r.score}
            )
        problems += r.slow
        if r.inspection:
            problems.append(recheck.failure_problem(r.criteria, run.year, inspections[r.town_id].number))
        notice = SupervisionNotice.objects.create(
            number=notice_number(today.year),
            run=run,
            town=r.town,
            county=r.town.county,
            problems=problems,
            issued_on=today,
            deadline=today + datetime.timedelta(days=config.rectify_days),
        )
        audit.record(action=Action.CREATE, obj=notice, user=user)
        notify(
            county_users(r.town.county),
            _("督办通知书%(number)s：%(town)s，请于%(date)s前整改并报送整改报告。")
            % {"number": notice.number, "town": r.town.name, "date": notice.deadline},
            reverse("supervision-notice", kwargs={"pk": notice.pk}),
        )
    before = audit.snapshot(run)
    run.status, run.published_at, run.published_by = EvaluationRun.Status.PUBLISHED, timezone.now(), user
    try:
        with transaction.atomic():
            run.save(update_fields=["status", "published_at", "published_by"])
    except IntegrityError:
        raise ActionNotAllowed(_("该年度评估结果已发布。")) from None
    audit.record(action=Action.STATE, obj=run, user=user, before=before)
    return run


# --- rectification -------------------------------------------------------------------------------------------


@transaction.atomic
def rectification_submit(*, user, notice: SupervisionNotice, text: str, attachments=()) -> RectificationReport:
    if role_of(user) != Role.COUNTY:
        raise ActionNotAllowed(_("整改报告由被督办的县（市、区）报送。"))
    require_town_in_scope(user, notice.town)
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.status not in workflow.NOTICE_ACTIONS["answer"][0]:
        raise ActionNotAllowed(_("该督办通知书当前不需要报送整改报告。"))
    if not text.strip():
        raise ValidationError({"text": _("请填写整改情况。")})
    report = RectificationReport.objects.create(notice=notice, text=text, submitted_by=user)
    for upload in attachments:
        uploads.store(RectificationAttachment, upload=upload, report=report)
    before = audit.snapshot(notice)
    notice.status = SupervisionNotice.Status.ANSWERED
    notice.save(update_fields=["status"])
    audit.record(action=Action.STATE, obj=notice, user=user, before=before, note=_("报送整改报告"))

    notify(
        office_users(),
        _("%(county)s报送了督办通知书%(number)s的整改报告。") % {"county": notice.county, "number": notice.number},
        reverse("supervision-notice", kwargs={"pk": notice.pk}),
    )
    return report


@transaction.atomic
def rectification_review(*, user, notice: SupervisionNotice, accept: bool, note: str) -> SupervisionNotice:
    require_office(user)
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.status not in workflow.NOTICE_ACTIONS["review"][0]:
        raise ActionNotAllowed(_("没有待审核的整改报告。"))
    before = audit.snapshot(notice)
    notice.status = SupervisionNotice.Status.ACCEPTED if accept else SupervisionNotice.Status.RETURNED
    notice.review_note = note
    notice.closed_at = timezone.now() if accept else None
    notice.save(update_fields=["status", "review_note", "closed_at"])
    audit.record(action=Action.STATE, obj=notice, user=user, before=before, note=note[:300])
    if accept:
        from .inspections import close_if_rectified  # it imports this module (the notice numbers): not at the top

        close_if_rectified(user=user, notice=notice)
    notify(
        county_users(notice.county),
        (_("督办通知书%(number)s整改完成。") if accept else _("督办通知书%(number)s的整改报告被退回：") + note[:100])
        % {"number": notice.number},
        reverse("supervision-notice", kwargs={"pk": notice.pk}),
    )
    return notice


@transaction.atomic
def schedule_save(*, user, month: int, day: int, hour: int, enabled: bool) -> None:
    """The office moves the annual run (default 31 January) or pauses it."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from .schedule import ANNUAL_EVALUATION, TIME_ZONE

    require_office(user)
    task = PeriodicTask.objects.select_for_update().get(name=ANNUAL_EVALUATION)
    before = {"schedule": str(task.crontab), "enabled": task.enabled}
    task.crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(hour),
        day_of_month=str(day),
        month_of_year=str(month),
        day_of_week="*",
        timezone=TIME_ZONE,
    )
    task.enabled = enabled
    task.save()
    audit.record(
        action=Action.UPDATE,
        obj=task,
        user=user,
        before=before,
        after={"schedule": str(task.crontab), "enabled": task.enabled},
    )


# --- reminders ----------------------------------------------------------------------------------------------


@transaction.atomic
def notice_reminders_send(*, today: datetime.date) -> dict[str, int]:
    """Daily: remind each county user of their notices past the rectification deadline; once per person a day."""
    overdue = list(SupervisionNotice.objects.filter(SupervisionNotice.overdue_q(today)).order_by("number"))
    by_county: dict[int, list[str]] = collections.defaultdict(list)
    for notice in overdue:
        by_county[notice.county_id].append(notice.number)
    sent = 0
    for county_id, numbers in by_county.items():
        message = _("督办整改超期提醒：%(numbers)s 已超过整改期限，请尽快报送整改报告。") % {
            "numbers": "、".join(numbers)
        }
        for user in county_users(county_id):
            sent += notify_once(
                key=f"notices:{user.pk}:{today}",
                user=user,
                message=message,
                url=reverse("supervision-notices"),
                today=today,
            )
    return {"notice_reminders": sent}

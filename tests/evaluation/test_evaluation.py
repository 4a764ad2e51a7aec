"""The annual evaluation: runs, rerun idempotency, missing data, criteria re-check, publication rules,
notices and rectification by role, the beat schedule, and the real thing on a Celery worker."""

from __future__ import annotations

import datetime
import signal
import time
from decimal import Decimal

import pytest
from celery import Celery
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.errors import ActionNotAllowed
from evaluation import services as evaluation
from evaluation.models import Commendation, EvaluationConfig, EvaluationRun, SupervisionNotice, TownEvaluation
from evaluation.schedule import ANNUAL_EVALUATION
from portal.schedule import DAILY_REMINDERS
from tasks_registry.models import KeyProject, Problem, ProgressReport, Task
from towns.models import Role, Town, TownYearFigures

from ..factories import (
    EnterpriseFactory,
    EnterpriseFiguresFactory,
    TownFactory,
    TownFiguresFactory,
    make_user,
    pdf_bytes,
)
from ..helpers import client_of, run_inline
from ..services import TEST_REDIS_URL, CeleryWorker, redis_or_skip, worker_database_url

YEAR = 2025


def start(user, year=YEAR, capture=None) -> EvaluationRun:
    # The fan-out is enqueued on commit; tests run it in-process instead (the worker test runs it for real).
    return run_inline(evaluation.evaluation_start(user=user, year=year))


@pytest.fixture
def towns(world):
    """Five city towns with figures for 2024 and 2025 (one provincial), one potential town, one town without
    2025 figures."""
    made = {"home": world.home_town, "other": world.other_town}
    for town in made.values():
        TownFiguresFactory(town=town, year=YEAR, output_wan="80000.00", local_jobs=3000, provincial_share_pct="60")
    for i, output in enumerate(["30000", "50000", "65000"]):
        town = TownFactory(name=f"测试镇{i}", county=world.other_county if i else world.home_county, tier="city")
        TownFiguresFactory(town=town, year=YEAR - 1, output_wan="40000")
        TownFiguresFactory(town=town, year=YEAR, output_wan=output, local_jobs=2500, provincial_share_pct="55")
        EnterpriseFactory(town=town, role="anchor")
        made[f"t{i}"] = town
    made["potential"] = TownFactory(name="潜力镇", county=world.home_county, tier="potential")
    TownFiguresFactory(town=made["potential"], year=YEAR, output_wan="9000", local_jobs=300)
    made["nodata"] = TownFactory(name="无数据镇", county=world.home_county, tier="city")
    return made


def test_run_scores_ranks_and_groups(world, towns):
    run = start(world.users["office"])
    assert run.status == "draft" and run.done == run.total == 7
    certified = list(run.results.filter(group="certified", rank__isnull=False).order_by("rank"))
    assert [r.rank for r in certified] == [1, 2, 3, 4, 5]
    assert all(Decimal(0) <= r.score <= Decimal(100) for r in certified)
    assert run.results.get(town=towns["potential"]).group == "potential"
    assert run.results.get(town=towns["potential"]).rank == 1  # ranked separately


def test_town_without_figures_is_reported_not_scored_as_zero(world, towns):
    run = start(world.users["office"])
    result = run.results.get(town=towns["nodata"])
    assert result.has_data is False and result.score is None and result.rank is None
    body = client_of(None, world.users["office"]).get(reverse("evaluation-detail", kwargs={"pk": run.pk}))
    assert "无当年数据" in body.content.decode()


def test_rerun_replaces_the_draft(world, towns):
    first = start(world.users["office"])
    second = start(world.users["office"])
    assert EvaluationRun.objects.filter(year=YEAR).count() == 1
    assert not EvaluationRun.objects.filter(pk=first.pk).exists()
    assert TownEvaluation.objects.filter(run__year=YEAR).count() == 7 == second.results.count()


def test_done_counts_each_town_once_when_a_message_is_redelivered(world, towns):
    run = evaluation.evaluation_start(user=world.users["office"], year=YEAR)
    first = towns["t0"].pk
    evaluation.evaluate_town(run_id=run.pk, town_id=first)
    evaluation.evaluate_town(run_id=run.pk, town_id=first)  # redelivered (acks_late) or retried
    run.refresh_from_db()
    assert run.done == 1 == run.results.count()
    run = run_inline(run)
    assert run.done == run.total == 7 == run.results.count()


def test_tasks_of_a_replaced_run_write_nothing(world, towns):
    old = evaluation.evaluation_start(user=world.users["office"], year=YEAR)
    new = evaluation.evaluation_start(user=world.users["office"], year=YEAR)
    evaluation.evaluate_town(run_id=old.pk, town_id=towns["t0"].pk)
    assert not TownEvaluation.objects.exists()
    evaluation.finalize(run_id=new.pk)
    evaluation.evaluate_town(run_id=new.pk, town_id=towns["t0"].pk)  # a late message after finalize
    new.refresh_from_db()
    assert new.status == "draft" and new.done == 0 and not new.results.exists()


def _busy_year(world, towns, tasks_world):
    """Every input the evaluation reads, spread unevenly over the towns."""
    tz = timezone.get_current_timezone()
    towns["t1"].baseline_year = YEAR - 1
    towns["t1"].save()
    for i, town in enumerate([towns["t1"], towns["t2"], world.home_town]):
        for j in range(3 + i):
            firm = EnterpriseFactory(town=town, role="supporting" if j % 2 else "other", above_designated_size=j < 2)
            EnterpriseFiguresFactory(enterprise=firm, year=YEAR)
            if j:
                EnterpriseFiguresFactory(enterprise=firm, year=YEAR - 1)
        KeyProject.objects.create(
            town=town,
            name=f"项目{i}",
            investment_wan=Decimal("500"),
            stage="started",
            signed_on=datetime.date(YEAR, 2, 1),
            started_on=datetime.date(YEAR, 5, 1) if i else None,
            planned_start_on=datetime.date(YEAR, 4, 1),
            planned_production_on=datetime.date(YEAR + i - 1, 9, 1),
        )
    for n, (town, deadline, closed) in enumerate(
        [
            (towns["t1"], datetime.date(YEAR, 6, 30), datetime.datetime(YEAR, 6, 30, 23, 30, tzinfo=tz)),  # on time
            (towns["t1"], datetime.date(YEAR, 6, 30), datetime.datetime(YEAR, 7, 1, 0, 30, tzinfo=tz)),  # late
            (towns["t1"], datetime.date(YEAR, 9, 30), None),  # open
            (towns["t2"], datetime.date(YEAR - 1, 12, 1), None),  # last year's, still open
            (towns["t2"], datetime.date(YEAR + 1, 3, 1), None),  # not due yet
            (world.home_town, datetime.date(YEAR, 3, 1), datetime.datetime(YEAR, 2, 1, 9, tzinfo=tz)),
        ]
    ):
        Problem.objects.create(
            number=f"WT-{n}",
            title=f"问题{n}",
            description="-",
            town=town,
            found_on=datetime.date(YEAR, 1, 1 + n),
            deadline=deadline,
            status="closed" if closed else "open",
            closed_at=closed,
        )
    task = Task.objects.get(number=4)
    for period, named in [
        (f"{YEAR}-Q1", [towns["t1"], towns["t2"]]),
        (f"{YEAR}-Q2", [towns["t1"]]),
        ("2024-Q4", [towns["t2"]]),
    ]:
        ProgressReport.objects.create(task=task, county=world.home_county, period=period, narrative="-").towns.set(
            named
        )


def _results(run):
    fields = [
        "town_id",
        "group",
        "indicators",
        "has_data",
        "criteria",
        "inspection",
        "slow",
        "score",
        "rank",
        "breakdown",
    ]
    return sorted(run.results.order_by().values_list(*fields))


def test_chunked_evaluation_gives_the_results_of_towns_evaluated_one_by_one(world, towns, tasks_world):
    _busy_year(world, towns, tasks_world)
    one_by_one = _results(run_inline(evaluation.evaluation_start(user=world.users["office"], year=YEAR), per_task=1))
    for per_task in (3, 100):
        run = run_inline(evaluation.evaluation_start(user=world.users["office"], year=YEAR), per_task=per_task)
        assert _results(run) == one_by_one
    busy = {r[0]: r for r in one_by_one}[towns["t1"].pk]
    assert busy[2] | {"problems_on_time": "33.3", "task_reports": "2", "projects": "1", "enterprises": "3"} == busy[2]
    assert busy[2]["enterprise_growth"] == "50.0" and busy[2]["baseline_doubling"] == "62.5"
    assert busy[6] == [
        "重点项目“项目0”计划2025-04-01开工，年底前未开工",
        "重点项目“项目0”计划2024-09-01投产，年底前未投产",
        "问题WT-2“问题2”未按期办结",
        "问题WT-1“问题1”未按期办结",
    ]
    assert {r[0]: r for r in one_by_one}[towns["t2"].pk][6] == [
        "重点项目“项目1”计划2025-09-01投产，年底前未投产",
        "问题WT-3“问题3”未按期办结",  # last year's, still open; WT-4 is not due until next year
    ]


def test_a_chunk_takes_a_fixed_number_of_queries(world, towns, tasks_world, django_assert_max_num_queries):
    _busy_year(world, towns, tasks_world)
    run = evaluation.evaluation_start(user=world.users["office"], year=YEAR)
    with django_assert_max_num_queries(18):
        evaluation.evaluate_towns(run_id=run.pk, town_ids=list(Town.objects.values_list("pk", flat=True)))
    run.refresh_from_db()
    assert run.done == 7


def test_criteria_recheck_flags_inspection_without_changing_tier(world, towns):
    run = start(world.users["office"])
    weak = run.results.get(town=towns["t0"])  # 30,000 万元 < 50,000 and 1 anchor, no supporting firms
    assert weak.inspection is True and weak.criteria["outcome"] == "ineligible"
    towns["t0"].refresh_from_db()
    assert towns["t0"].tier == "city"


def test_slow_projects_are_named(world, towns):
    KeyProject.objects.create(
        town=towns["t1"],
        name="二期扩建",
        investment_wan=Decimal("1000"),
        stage="signed",
        signed_on=datetime.date(2025, 1, 5),
        planned_start_on=datetime.date(2025, 6, 1),
    )
    run = start(world.users["office"])
    assert run.results.get(town=towns["t1"]).slow == ["重点项目“二期扩建”计划2025-06-01开工，年底前未开工"]


def test_publish_creates_exactly_the_commendations_and_notices(world, towns):
    EvaluationConfig.objects.create(year=YEAR, top_n=2, bottom_n=1)
    KeyProject.objects.create(
        town=towns["t1"],
        name="二期扩建",
        investment_wan=Decimal("1000"),
        stage="signed",
        signed_on=datetime.date(2025, 1, 5),
        planned_start_on=datetime.date(2025, 6, 1),
    )
    run = start(world.users["office"])
    ranked = list(run.results.filter(group="certified", rank__isnull=False).order_by("rank"))
    # these towns have too few supporting firms for the criteria: commended only with the office's confirmation
    evaluation.evaluation_publish(user=world.users["office"], run=run, commend_flagged=True)
    assert list(Commendation.objects.values_list("town", flat=True).order_by("rank")) == [
        ranked[0].town_id,
        ranked[1].town_id,
    ]
    noticed = set(SupervisionNotice.objects.values_list("town", flat=True))
    assert noticed == {ranked[-1].town_id, towns["t1"].pk}  # the bottom one, and the one with a slow project
    notice = SupervisionNotice.objects.get(town=ranked[-1].town)
    assert notice.deadline == timezone.localdate() + datetime.timedelta(days=60)
    assert notice.number.startswith(f"运专镇督〔{timezone.localdate().year}〕")
    with pytest.raises(ActionNotAllowed):
        evaluation.evaluation_publish(user=world.users["office"], run=run)
    with pytest.raises(ActionNotAllowed):
        evaluation.evaluation_start(user=world.users["office"], year=YEAR)  # published years are final
    assert SupervisionNotice.objects.count() == 2 and Commendation.objects.count() == 2


def test_only_the_office_starts_and_publishes(world, towns):
    for role in ("county", "bureau", "leader", "expert"):
        with pytest.raises(PermissionDenied):
            evaluation.evaluation_start(user=world.users[role], year=YEAR)
    run = start(world.users["office"])
    with pytest.raises(PermissionDenied):
        evaluation.evaluation_publish(user=world.users["leader"], run=run)
    assert (
        client_of(None, world.users["county"]).post(reverse("evaluation-publish", kwargs={"pk": run.pk})).status_code
        == 404
    )  # drafts are the office's
    assert (
        client_of(None, world.users["leader"]).get(reverse("evaluation-detail", kwargs={"pk": run.pk})).status_code
        == 404
    )


def published_notice(world, towns):
    EvaluationConfig.objects.create(year=YEAR, top_n=0, bottom_n=5)
    run = start(world.users["office"])
    evaluation.evaluation_publish(user=world.users["office"], run=run)
    return SupervisionNotice.objects.get(town=world.home_town)


def test_notices_are_seen_by_their_county_only(world, towns, api_for):
    mine = published_notice(world, towns)
    theirs = SupervisionNotice.objects.filter(county=world.other_county).first()
    county = client_of(None, world.users["county"])
    assert county.get(reverse("supervision-notice", kwargs={"pk": mine.pk})).status_code == 200
    assert county.get(reverse("supervision-notice", kwargs={"pk": theirs.pk})).status_code == 404
    assert client_of(None, world.users["bureau"]).get(reverse("supervision-notices")).status_code == 403
    numbers = {n["number"] for n in api_for("county").get("/api/v1/supervision-notices/").json()["results"]}
    assert mine.number in numbers and theirs.number not in numbers
    pdf = county.get(reverse("supervision-notice", kwargs={"pk": mine.pk}), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_rectification_workflow_by_role(world, towns):
    notice = published_notice(world, towns)
    yanhu = make_user(Role.COUNTY, county=world.other_county, username="yanhu")
    from django.http import Http404

    with pytest.raises(Http404):
        evaluation.rectification_submit(user=yanhu, notice=notice, text="不是我县")
    with pytest.raises(ActionNotAllowed):
        evaluation.rectification_submit(user=world.users["office"], notice=notice, text="代报")
    evaluation.rectification_submit(user=world.users["county"], notice=notice, text="已制定整改方案并落实")
    with pytest.raises(PermissionDenied):
        evaluation.rectification_review(user=world.users["county"], notice=notice, accept=True, note="自审")
    evaluation.rectification_review(user=world.users["office"], notice=notice, accept=False, note="请补充数据")
    notice.refresh_from_db()
    assert notice.status == "returned"
    evaluation.rectification_submit(user=world.users["county"], notice=notice, text="补充了数据")
    evaluation.rectification_review(user=world.users["office"], notice=notice, accept=True, note="整改到位")
    notice.refresh_from_db()
    assert notice.status == "accepted" and notice.reports.count() == 2


def test_overdue_notices_are_chased_by_the_daily_job(world, towns):
    from core.models import Notification
    from portal.tasks import send_daily_reminders

    notice = published_notice(world, towns)
    late = notice.deadline + datetime.timedelta(days=1)
    assert send_daily_reminders(late.isoformat())["notice_reminders"] >= 1
    assert Notification.objects.filter(
        recipient=world.users["county"], message__contains=notice.number, message__startswith="督办整改超期提醒"
    ).exists()
    assert send_daily_reminders(late.isoformat())["notice_reminders"] == 0


def test_beat_schedule_exists_after_migrate_and_the_office_can_move_it(world, client_for):
    annual = PeriodicTask.objects.get(name=ANNUAL_EVALUATION)
    assert annual.task == "evaluation.scheduled_evaluation" and annual.enabled
    assert (annual.crontab.month_of_year, annual.crontab.day_of_month, annual.crontab.hour) == ("1", "31", "2")
    assert PeriodicTask.objects.get(name=DAILY_REMINDERS).task == "portal.send_daily_reminders"
    response = client_for("office").post(reverse("evaluation-schedule"), {"month": 2, "day": 15, "hour": 3})
    assert response.status_code == 302
    annual.refresh_from_db()
    assert (annual.crontab.month_of_year, annual.crontab.day_of_month, annual.enabled) == ("2", "15", False)
    assert client_for("leader").get(reverse("evaluation-schedule")).status_code == 403


def test_weights_are_configured_per_year(world, towns, client_for):
    data = {"top_n": 1, "bottom_n": 1, "rectify_days": 30} | {f"w_{c}": 0 for c in evaluation.scoring.INDICATORS}
    data["w_local_jobs"] = 1
    assert client_for("office").post(reverse("evaluation-config", kwargs={"year": YEAR}), data).status_code == 302
    run = start(world.users["office"])
    assert run.weights["local_jobs"] == 1 and run.weights["output"] == 0
    top = run.results.filter(group="certified", rank=1).get()
    assert set(top.breakdown) == {"local_jobs"}


def test_published_results_in_the_api(world, towns, api_for):
    run = start(world.users["office"])
    assert api_for("leader").get("/api/v1/evaluations/").json()["count"] == 0  # drafts are not published
    evaluation.evaluation_publish(user=world.users["office"], run=run)
    data = api_for("api").get("/api/v1/evaluations/").json()["results"][0]
    assert data["year"] == YEAR and len(data["results"]) == 7
    assert [r["rank"] for r in data["results"] if r["group"] == "certified" and r["rank"]] == [1, 2, 3, 4, 5]


# --- the real thing ----------------------------------------------------------------------------------------


def _wait(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def celery_client():
    redis_or_skip(flush=True)
    client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    yield client
    client.close()


def _worker(**env):
    return CeleryWorker(
        TEST_REDIS_URL,
        extra_env={"DATABASE_URL": worker_database_url(), "CELERY_RESULT_BACKEND": TEST_REDIS_URL, **env},
    )


@pytest.mark.services
def test_scheduler_path_runs_on_a_real_worker_twice_one_set_of_results(transactional_db, world, towns, celery_client):
    worker = _worker()
    try:
        worker.wait_ready(celery_client)
        for _ in range(2):
            run_id = celery_client.send_task("evaluation.scheduled_evaluation", args=[YEAR]).get(timeout=30)
            assert _wait(lambda: EvaluationRun.objects.get(pk=run_id).status == "draft"), worker.log.read_text()[-3000:]
    finally:
        worker.stop()
    run = EvaluationRun.objects.get(year=YEAR)
    assert run.trigger == "beat" and run.started_by is None
    assert run.results.count() == 7 == TownEvaluation.objects.count()
    assert list(
        run.results.filter(group="certified", rank__isnull=False).order_by("rank").values_list("rank", flat=True)
    ) == [1, 2, 3, 4, 5]


@pytest.mark.services
def test_worker_killed_mid_run_then_a_rerun_completes(transactional_db, world, towns, celery_client):
    for i in range(60):  # enough towns that the run is still going when the worker dies
        TownYearFigures.objects.create(
            town=TownFactory(county=world.home_county), year=YEAR, output_wan=Decimal(1000 + i), local_jobs=10
        )
    total = 67
    worker = _worker(EVALUATION_TOWNS_PER_TASK="1")  # a task per town, so that it dies between towns
    try:
        worker.wait_ready(celery_client)
        run_id = celery_client.send_task("evaluation.scheduled_evaluation", args=[YEAR]).get(timeout=30)
        assert _wait(lambda: EvaluationRun.objects.get(pk=run_id).done >= 3, timeout=30)
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)
    finally:
        worker.stop()
    killed = EvaluationRun.objects.get(pk=run_id)
    assert killed.status == "running" and killed.done < total  # stuck where it died
    worker = _worker()
    try:
        worker.wait_ready(celery_client)
        rerun = celery_client.send_task("evaluation.scheduled_evaluation", args=[YEAR]).get(timeout=30)
        assert _wait(lambda: EvaluationRun.objects.filter(pk=rerun, status="draft").exists(), timeout=90), (
            worker.log.read_text()[-3000:]
        )
    finally:
        worker.stop()
    assert list(EvaluationRun.objects.filter(year=YEAR).values_list("pk", flat=True)) == [rerun]
    assert TownEvaluation.objects.filter(run_id=rerun).count() == total == TownEvaluation.objects.count()


def _other_backends() -> set[int]:
    """PostgreSQL backends connected to the test database other than this process's own."""
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return {pid for (pid,) in cur.fetchall()}


@pytest.mark.services
def test_worker_keeps_its_connection_across_tasks_and_replaces_one_that_was_cut(
    transactional_db, world, towns, celery_client
):
    if connection.vendor != "postgresql":
        pytest.skip("pg_stat_activity and pg_terminate_backend are PostgreSQL's")
    worker = _worker(DB_CONN_MAX_AGE="600")  # as in production (60 s there), long enough for this test
    try:
        worker.wait_ready(celery_client)
        first = celery_client.send_task("evaluation.scheduled_evaluation", args=[YEAR]).get(timeout=30)
        assert _wait(lambda: EvaluationRun.objects.filter(pk=first, status="draft").exists()), worker.log.read_text()
        kept = _other_backends()
        assert len(kept) == 1  # one connection for the start, the towns and finalize, still open afterwards
        with connection.cursor() as cur:  # what a database restart does to the worker's connection
            cur.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [list(kept)])
        assert _wait(lambda: not _other_backends() & kept)
        second = celery_client.send_task("evaluation.scheduled_evaluation", args=[YEAR]).get(timeout=30)
        assert _wait(lambda: EvaluationRun.objects.filter(pk=second, status="draft").exists()), worker.log.read_text()
        assert len(_other_backends() - kept) == 1  # a new one, found by the health check before its first query
    finally:
        worker.stop()
    log = worker.log.read_text()
    assert "OperationalError" not in log and "InterfaceError" not in log and " raised unexpected" not in log
    assert EvaluationRun.objects.get(pk=second).results.count() == 7


def test_rectification_report_keeps_its_attachment_for_the_county_and_the_office_only(world, towns):
    from django.core.files.uploadedfile import SimpleUploadedFile

    notice = published_notice(world, towns)
    upload = SimpleUploadedFile("整改方案.pdf", pdf_bytes(), content_type="application/pdf")
    report = evaluation.rectification_submit(
        user=world.users["county"], notice=notice, text="已整改", attachments=[upload]
    )
    attachment = report.attachments.get()
    assert (attachment.original_name, attachment.content_type) == ("整改方案.pdf", "application/pdf")
    url = reverse("rectification-attachment", kwargs={"pk": attachment.pk})
    for role in ("county", "office"):
        response = client_of(None, world.users[role]).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    yanhu = make_user(Role.COUNTY, county=world.other_county, username="yanhu2")
    assert client_of(None, yanhu).get(url).status_code == 404


@pytest.mark.parametrize("year", [0, 1, 1999, 2101, 40000, 2147483648])
def test_config_of_a_year_outside_the_programme_is_not_found(world, client_for, year):
    office = client_for("office")
    assert office.get(f"/evaluation/config/{year}/").status_code == 404
    assert office.post(f"/evaluation/config/{year}/", {"top_n": 1}).status_code == 404
    assert not EvaluationConfig.objects.exists()


def test_opening_the_config_page_writes_nothing(world, client_for):
    response = client_for("office").get(reverse("evaluation-config", kwargs={"year": YEAR}))
    assert response.status_code == 200
    assert not EvaluationConfig.objects.exists()  # created only when the office saves

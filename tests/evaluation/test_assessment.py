"""The annual assessment of counties and bureaus (年度考核): what each row counts, from the database's own records,
hand-computed; starting, recomputing, publishing (confirmed, final, notified after commit); who sees which rows
(pages, export, API); the weights form; the in-process and the real-worker paths; query budgets."""

from __future__ import annotations

import datetime
import io
import time
from decimal import Decimal

import pytest
from celery import Celery
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from core.errors import ActionNotAllowed
from core.models import AuditEntry, Notification
from evaluation import assessment_services as services
from evaluation.models import Assessment, AssessmentConfig, AssessmentResult, SupervisionNotice
from tasks_registry.loading import load_tasks
from tasks_registry.models import MeasureProgress, Problem, ProblemAction, ProgressReport, Task
from towns.models import Bureau, CountyTarget, Role

from ..factories import (
    CountyFactory,
    EvaluationRunFactory,
    InspectionFactory,
    TownEvaluationFactory,
    TownFactory,
    TownFiguresFactory,
    make_user,
)
from ..helpers import client_of, race
from ..services import TEST_REDIS_URL, CeleryWorker, redis_or_skip, worker_database_url

YEAR = 2025
AS_OF = datetime.date(2026, 2, 1)  # the assessment day: every 2025 period is due (Q4 on 10 January)
D = Decimal


def at(y, m, d) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(y, m, d, 12))


def _report(task, period, submitted, *, county=None, bureau=None, pct=None):
    report = ProgressReport.objects.create(task=task, county=county, bureau=bureau, period=period, narrative="推进")
    ProgressReport.objects.filter(pk=report.pk).update(submitted_at=at(*submitted))
    if pct is not None:
        MeasureProgress.objects.bulk_create(
            MeasureProgress(report=report, measure=m, progress_pct=D(pct)) for m in task.measures.filter(year=YEAR)
        )
    return report


def _problem(number, deadline, actions, *, county=None, bureau=None, closed=None):
    """A problem with its ledger actions, dated: [(kind, (y, m, d)), ...]."""
    status = {"assign": "assigned", "respond": "responded", "reopen": "assigned", "close": "closed"}[actions[-1][0]]
    problem = Problem.objects.create(
        number=number,
        title=f"问题{number}",
        description="x",
        found_on=datetime.date(2025, 1, 5),
        responsible_county=county,
        responsible_bureau=bureau,
        deadline=deadline,
        status=status,
        closed_at=at(*closed) if closed else None,
    )
    for kind, day in actions:
        action = ProblemAction.objects.create(problem=problem, kind=kind, text=kind)
        ProblemAction.objects.filter(pk=action.pk).update(at=at(*day))
    return problem


@pytest.fixture
def assessed(world, tasks_world):
    """Three counties (the third has no town) and the bureaus of the 12 tasks, with 2025's records:

    万荣县  towns 80.0 and no data → 40.0; reports 7/8; problems 1/2; notices 1/2 (evaluation 1/1, inspection 0/1);
           jobs target met, no tax target → 1/2. Total (40×40 + 15×87.5 + 15×50 + 15×50 + 15×50)/100 = 51.6.
    盐湖区  town 60.0; reports 0/8; no problem or notice due (not applicable); no target → 0/2.
           Total (40×60 + 15×0 + 15×0)/70 = 34.3.
    稷山县  no town (not applicable); reports 8/8; problem sent back and left → 0/1; targets 0/2 (nothing reported).
           Total (15×100 + 15×0 + 15×0)/45 = 33.3.
    市科技局 leads task 4 (95%, on track), supports 2, 11, 12 (0%, not on track): lead 95.0, support 0.0, on track
           1/4 = 25.0, reports 3/16 = 18.8 (task 4: Q2 late; none for the others), no problem (not applicable).
           Total (30×95 + 15×0 + 20×25 + 20×18.8)/85 = 43.8.
    市统计局 no task, one problem closed on time: shown, not ranked.
    """
    load_tasks(YEAR)
    Task.objects.exclude(number__in=(3, 4)).update(counties_support=False)  # counties owe 2 tasks × 4 quarters
    t3, t4 = Task.objects.get(number=3), Task.objects.get(number=4)
    home = world.home_county
    third = CountyFactory(name="稷山县", division_code="140824")
    run = EvaluationRunFactory(year=YEAR, status="published")
    TownEvaluationFactory(run=run, town=world.home_town, score=D("80.0"), rank=1)
    TownEvaluationFactory(run=run, town=TownFactory(name="万荣县光华机械", county=home), has_data=False, score=None)
    TownEvaluationFactory(run=run, town=world.other_town, score=D("60.0"), rank=2)
    dues = {1: (2025, 4, 10), 2: (2025, 7, 10), 3: (2025, 10, 10), 4: (2026, 1, 10)}
    for quarter, due in dues.items():
        _report(t3, f"{YEAR}-Q{quarter}", due, county=home)
        _report(t4, f"{YEAR}-Q{quarter}", (2026, 1, 15) if quarter == 4 else due, county=home)
        for task in (t3, t4):
            _report(task, f"{YEAR}-Q{quarter}", (due[0], due[1], 1), county=third)
    keji = tasks_world.keji.membership.bureau
    for quarter, due in dues.items():
        late = (2025, 7, 11) if quarter == 2 else due
        _report(t4, f"{YEAR}-Q{quarter}", late, bureau=keji, pct="95" if quarter == 4 else None)
    _problem(
        "WT2025-0001",
        datetime.date(2025, 6, 30),
        [("assign", (2025, 5, 1)), ("respond", (2025, 6, 20)), ("close", (2025, 7, 5))],
        county=home,
        closed=(2025, 7, 5),
    )
    _problem(
        "WT2025-0002",
        datetime.date(2025, 9, 30),
        [("assign", (2025, 8, 1)), ("respond", (2025, 10, 8)), ("close", (2025, 10, 10))],
        county=home,
        closed=(2025, 10, 10),
    )
    _problem("WT2026-0003", datetime.date(2026, 3, 1), [("assign", (2026, 1, 20))], county=home)  # not yet due
    _problem(
        "WT2025-0004",
        datetime.date(2025, 5, 31),
        [("assign", (2025, 5, 1)), ("respond", (2025, 5, 20)), ("reopen", (2025, 5, 25))],
        county=third,
    )
    tongji = Bureau.objects.get(name="市统计局")
    _problem(
        "WT2025-0005",
        datetime.date(2025, 7, 31),
        [("assign", (2025, 7, 1)), ("respond", (2025, 7, 10)), ("close", (2025, 7, 12))],
        bureau=tongji,
        closed=(2025, 7, 12),
    )
    earlier = EvaluationRunFactory(year=YEAR - 1, status="published")
    answered = SupervisionNotice.objects.create(
        number="运专镇督〔2025〕001号",
        run=earlier,
        town=world.home_town,
        county=home,
        issued_on=datetime.date(2025, 2, 1),
        deadline=datetime.date(2025, 4, 1),
        status="accepted",
        closed_at=at(2025, 4, 10),
    )
    answered.reports.create(text="已整改")
    answered.reports.update(submitted_at=at(2025, 3, 20))
    SupervisionNotice.objects.create(
        number="运专镇督〔2025〕002号",
        inspection=InspectionFactory(),
        town=world.home_town,
        county=home,
        issued_on=datetime.date(2025, 5, 1),
        deadline=datetime.date(2025, 6, 1),
    )
    TownFiguresFactory(town=world.home_town, year=YEAR, local_jobs=2500)
    CountyTarget.objects.create(county=home, year=YEAR, jobs_target=2000)
    CountyTarget.objects.create(county=third, year=YEAR, jobs_target=1000, tax_target_wan=D("500"))
    return {"run": run, "third": third, "keji": keji, "tongji": tongji}


def compute(user, year=YEAR) -> Assessment:
    """Start, then compute as the task would (the tests judge on AS_OF; the task judges on the day it runs)."""
    assessment = services.assessment_start(user=user, year=year)
    return services.assessment_compute(assessment_id=assessment.pk, today=AS_OF)


def rows(assessment, kind):
    return {r.name: r for r in assessment.results.filter(kind=kind)}


# --- what the rows count ------------------------------------------------------------------------------------


def test_each_county_shows_its_inputs_scores_total_and_rank(world, assessed):
    assessment = compute(world.users["office"])
    assert (assessment.status, assessment.as_of) == ("draft", AS_OF)
    counties = rows(assessment, "county")
    texts = {name: {code: line["text"] for code, line in r.indicators.items()} for name, r in counties.items()}
    assert texts["万荣县"] == {
        "town_results": "专业镇2个，平均40.0分（无当年数据1个，按0分计）",
        "reports_on_time": "按时报送 7/8",
        "problems_on_time": "按期办结 1/2",
        "rectification_on_time": "按期整改 1/2（年度评估督办 1/1，专项检查督办 0/1）",
        "own_targets": "完成 1/2",
    }
    assert texts["盐湖区"] == {
        "town_results": "专业镇1个，平均60.0分",
        "reports_on_time": "按时报送 0/8",
        "problems_on_time": "无到期应办结的问题",
        "rectification_on_time": "无到期应整改的督办事项",
        "own_targets": "完成 0/2（未设定县级目标）",
    }
    assert texts["稷山县"]["town_results"] == "本县（市、区）没有参加当年评估的专业镇"
    assert (texts["稷山县"]["reports_on_time"], texts["稷山县"]["problems_on_time"]) == ("按时报送 8/8", "按期办结 0/1")
    assert {n: (r.total, r.rank) for n, r in counties.items()} == {
        "万荣县": (D("51.6"), 1),
        "盐湖区": (D("34.3"), 2),
        "稷山县": (D("33.3"), 3),
    }
    wanrong = counties["万荣县"].indicators
    assert (wanrong["reports_on_time"]["numerator"], wanrong["reports_on_time"]["denominator"]) == ("7", "8")
    assert wanrong["reports_on_time"]["details"] == ["任务4 2025年第4季度：2026-01-15报送，逾期5天"]
    assert wanrong["problems_on_time"]["details"] == ["问题WT2025-0002“问题WT2025-0002”：期限2025-09-30，未按期"]
    assert wanrong["rectification_on_time"]["details"] == [
        "运专镇督〔2025〕002号（万荣县外加剂）：期限2025-06-01，未按期"
    ]
    assert wanrong["own_targets"]["details"] == ["就业目标2000人，实际2500人，已完成", "税收目标未设定"]
    assert (wanrong["town_results"]["score"], wanrong["town_results"]["weight"]) == ("40.0", 40)
    yanhu = counties["盐湖区"].indicators
    assert yanhu["problems_on_time"]["score"] is None and yanhu["problems_on_time"]["points"] is None
    assert counties["稷山县"].indicators["own_targets"]["details"] == [
        "就业目标1000人，实际未报送，未完成",
        "税收目标500万元，实际未报送，未完成",
    ]


def test_each_bureau_is_judged_on_its_tasks_reports_and_problems(world, assessed):
    assessment = compute(world.users["office"])
    bureaus = rows(assessment, "bureau")
    keji = bureaus["市科技局"]
    assert {code: line["text"] for code, line in keji.indicators.items()} == {
        "lead_progress": "牵头任务1项，平均进度95.0%",
        "support_progress": "配合任务3项，平均进度0.0%",
        "tasks_on_track": "按进度推进 1/4",
        "reports_on_time": "按时报送 3/16",
        "problems_on_time": "无到期应办结的问题",
    }
    assert keji.total == D("43.8") and keji.rank is not None
    assert "任务4 2025年第2季度：2025-07-11报送，逾期1天" in keji.indicators["reports_on_time"]["details"]
    tongji = bureaus["市统计局"]
    assert (tongji.total, tongji.rank, tongji.note) == (None, None, "无牵头或配合的重点任务，不参加排名")
    assert tongji.indicators["problems_on_time"]["text"] == "按期办结 1/1"
    assert "市委组织部" not in bureaus  # no task and no problem: nothing to assess it on
    ranked = sorted(r.rank for r in bureaus.values() if r.rank)
    assert ranked[0] == 1 and len(ranked) == sum(1 for r in bureaus.values() if r.total is not None)


def test_later_years_reports_do_not_change_a_years_task_statuses(world, assessed):
    """Computed in December 2026, task 4 is still judged as the board stood on 11 January 2026."""
    assessment = services.assessment_start(user=world.users["office"], year=YEAR)
    late = services.assessment_compute(assessment_id=assessment.pk, today=datetime.date(2026, 12, 2))
    keji = rows(late, "bureau")["市科技局"]
    assert keji.indicators["tasks_on_track"]["text"] == "按进度推进 1/4"


# --- the workflow ---------------------------------------------------------------------------------------------


def test_start_waits_for_the_published_evaluation(world, assessed):
    assessed["run"].status = "draft"
    assessed["run"].save()
    with pytest.raises(ActionNotAllowed, match="2025年度专业镇评估结果尚未发布"):
        services.assessment_start(user=world.users["office"], year=YEAR)
    assert not Assessment.objects.exists()


def test_only_the_office_starts_and_publishes(world, assessed):
    for role in ("county", "bureau", "leader"):
        with pytest.raises(PermissionDenied):
            services.assessment_start(user=world.users[role], year=YEAR)
    assessment = compute(world.users["office"])
    with pytest.raises(PermissionDenied):
        services.assessment_publish(user=world.users["leader"], assessment=assessment, confirmed=True)


def test_recomputing_replaces_the_draft_and_publishing_is_final(world, assessed, django_capture_on_commit_callbacks):
    office = world.users["office"]
    first = compute(office)
    ids = set(first.results.values_list("pk", flat=True))
    again = compute(office)
    assert again.pk == first.pk and not ids & set(again.results.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as caught:
        services.assessment_publish(user=office, assessment=again, confirmed=False)
    assert caught.value.message_dict == {"confirm": ["发布后不能再修改或重新计算，请勾选确认后发布。"]}
    assert Assessment.objects.get().status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_publish(user=office, assessment=again, confirmed=True)
    with pytest.raises(ActionNotAllowed, match="已发布，不能重新计算"):
        services.assessment_start(user=office, year=YEAR)
    with pytest.raises(ActionNotAllowed, match="只有待审核的考核结果可以发布"):
        services.assessment_publish(user=office, assessment=again, confirmed=True)
    with pytest.raises(ActionNotAllowed, match="不能再修改权重"):
        services.assessment_config_save(
            user=office,
            year=YEAR,
            county_weights=again.county_weights,
            bureau_weights=again.bureau_weights,
        )
    states = AuditEntry.objects.filter(object_id=str(again.pk), content_type__model="assessment")
    assert states.count() == 5  # created, computed, restarted, computed, published


def test_publication_tells_each_county_and_bureau_its_result_after_commit(
    world, assessed, tasks_world, django_capture_on_commit_callbacks
):
    assessment = compute(world.users["office"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.assessment_publish(user=world.users["office"], assessment=assessment, confirmed=True)
    assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    wanrong = AssessmentResult.objects.get(county=world.home_county)
    mine = Notification.objects.get(recipient=world.users["county"])
    assert mine.message == "2025年度专业镇工作考核结果已发布：得分51.6，第1名（共3个）。"
    assert mine.url == reverse("assessment-result", kwargs={"pk": wanrong.pk})
    keji = Notification.objects.get(recipient=tasks_world.keji)
    assert keji.message.startswith("2025年度专业镇工作考核结果已发布：得分43.8，第")


def test_computed_in_process_without_a_broker(world, assessed, django_capture_on_commit_callbacks):
    """The same task runs inside the request when no broker is configured (the development default)."""
    from yuncheng_towns.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assessment = services.assessment_start(user=world.users["office"], year=YEAR)
    finally:
        app.conf.task_always_eager = previous
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.as_of == timezone.localdate()
    assert assessment.results.filter(kind="county").count() == 3


def test_a_broker_that_is_down_fails_the_assessment_with_a_message(world, assessed, monkeypatch):
    from evaluation import tasks

    def down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.compute_assessment, "delay", down)
    assessment = services.assessment_start(user=world.users["office"], year=YEAR)
    services.enqueue(assessment.pk)
    assessment.refresh_from_db()
    assert assessment.status == "failed" and "任务队列（Redis）暂不可用" in assessment.error
    assert services.assessment_start(user=world.users["office"], year=YEAR).status == "computing"  # again


def test_weights_that_do_not_add_up_are_refused_on_the_page_and_nothing_is_saved(world, client_for):
    office = client_for("office")
    url = reverse("assessment-config", kwargs={"year": YEAR})
    page = office.get(url)
    assert page.status_code == 200 and "所辖专业镇评估结果" in page.content.decode()
    data = {f"county_{code}": w for code, w in AssessmentConfig(year=YEAR).weights("county").items()}
    data |= {f"bureau_{code}": w for code, w in AssessmentConfig(year=YEAR).weights("bureau").items()}
    response = office.post(url, data | {"county_town_results": 30})
    assert response.status_code == 400
    assert "县（市、区）：各指标权重之和应为100（现为90）。" in response.content.decode()
    assert not AssessmentConfig.objects.exists()
    response = office.post(url, data | {"county_town_results": 30, "county_own_targets": 25})
    assert response.status_code == 302
    assert AssessmentConfig.objects.get(year=YEAR).county_weights["own_targets"] == 25


def test_the_years_weights_are_used_and_kept_with_the_assessment(world, assessed):
    weights = dict.fromkeys(AssessmentConfig(year=YEAR).weights("county"), 0) | {"reports_on_time": 100}
    services.assessment_config_save(
        user=world.users["office"],
        year=YEAR,
        county_weights=weights,
        bureau_weights=AssessmentConfig(year=YEAR).weights("bureau"),
    )
    assessment = compute(world.users["office"])
    assert assessment.county_weights == weights
    assert {n: r.total for n, r in rows(assessment, "county").items()} == {
        "稷山县": D("100.0"),
        "万荣县": D("87.5"),
        "盐湖区": D("0.0"),
    }


def test_two_office_users_at_once_one_assessment_and_one_publication(postgres_only, world, assessed):
    users = [world.users["office"], make_user(Role.OFFICE, username="office2")]
    outcomes = race(2, lambda i: services.assessment_start(user=users[i], year=YEAR))
    # one after the other (the second restarts the first's) or one refused with a message; never a 500
    assert all(o == "saved" or isinstance(o, ActionNotAllowed) for o in outcomes), outcomes
    assessment = Assessment.objects.get()
    services.assessment_compute(assessment_id=assessment.pk, today=AS_OF)  # unless the in-process run did it
    outcomes = race(2, lambda i: services.assessment_publish(user=users[i], assessment=assessment, confirmed=True))
    assert outcomes.count("saved") == 1
    assert [str(o) for o in outcomes if o != "saved"] == ["只有待审核的考核结果可以发布（当前：已发布）。"]
    assert Assessment.objects.get().status == "published"


# --- who sees what -----------------------------------------------------------------------------------------------


@pytest.fixture
def published(world, assessed):
    assessment = compute(world.users["office"])
    services.assessment_publish(user=world.users["office"], assessment=assessment, confirmed=True)
    return assessment


def test_a_county_reads_its_own_breakdown_and_rank_only(world, published, client_for):
    county = client_for("county")
    html = county.get(reverse("assessment-detail", kwargs={"pk": published.pk})).content.decode()
    assert "万荣县考核结果" in html and "总分 51.6" in html and "第1名（共3个）" in html
    assert "按时报送 7/8" in html and "盐湖区" not in html and "稷山县" not in html
    mine = AssessmentResult.objects.get(county=world.home_county)
    theirs = AssessmentResult.objects.get(county=world.other_county)
    page = county.get(reverse("assessment-result", kwargs={"pk": mine.pk})).content.decode()
    assert "任务4 2025年第4季度：2026-01-15报送，逾期5天" in page
    assert county.get(reverse("assessment-result", kwargs={"pk": theirs.pk})).status_code == 404
    assert county.get(reverse("assessment-detail", kwargs={"pk": published.pk}) + "?export=xlsx").status_code == 403
    listing = county.get(reverse("assessment-list")).content.decode()
    assert "本单位排名" in listing and "第1名" in listing


def test_a_bureau_reads_its_own_row(world, published, tasks_world):
    keji = client_of(None, tasks_world.keji)
    html = keji.get(reverse("assessment-detail", kwargs={"pk": published.pk})).content.decode()
    assert "市科技局考核结果" in html and "万荣县" not in html and "市统计局" not in html
    wanrong = AssessmentResult.objects.get(county=world.home_county)
    assert keji.get(reverse("assessment-result", kwargs={"pk": wanrong.pk})).status_code == 404


def test_a_draft_is_the_offices_alone(world, assessed, client_for):
    draft = compute(world.users["office"])
    result = AssessmentResult.objects.get(county=world.home_county)
    for role in ("county", "bureau", "leader"):
        assert client_for(role).get(reverse("assessment-detail", kwargs={"pk": draft.pk})).status_code == 404
        assert client_for(role).get(reverse("assessment-result", kwargs={"pk": result.pk})).status_code == 404
    html = client_for("office").get(reverse("assessment-detail", kwargs={"pk": draft.pk})).content.decode()
    assert "审核通过并发布" in html and "稷山县" in html and "市科技局" in html


def test_leaders_see_every_row_and_experts_nothing(world, published, client_for):
    html = client_for("leader").get(reverse("assessment-detail", kwargs={"pk": published.pk})).content.decode()
    assert all(name in html for name in ("万荣县", "盐湖区", "稷山县", "市科技局"))
    assert "审核通过并发布" not in html
    assert client_for("expert").get(reverse("assessment-list")).status_code == 403


def test_the_export_is_one_row_per_unit_one_column_per_indicator_then_total_and_rank(world, published, client_for):
    response = client_for("leader").get(reverse("assessment-detail", kwargs={"pk": published.pk}) + "?export=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["县（市、区）", "市直单位"]
    sheet = [list(r) for r in workbook["县（市、区）"].iter_rows(values_only=True)]
    assert sheet[0] == [
        "县（市、区）",
        "所辖专业镇评估结果（权重40）",
        "进展报告按时报送（权重15）",
        "问题按期办结（权重15）",
        "督办整改按期完成（权重15）",
        "县级目标完成（权重15）",
        "总分",
        "排名",
        "计分依据",
    ]
    assert sheet[1][:8] == ["万荣县", 40, 87.5, 50, 50, 50, 51.6, 1]
    assert sheet[2][:8] == ["盐湖区", 60, 0, "不涉及", "不涉及", 0, 34.3, 2]
    assert sheet[3][0] == "稷山县" and len(sheet) == 4
    assert sheet[1][8].startswith("所辖专业镇评估结果：专业镇2个，平均40.0分")
    bureaus = [list(r) for r in workbook["市直单位"].iter_rows(values_only=True)]
    assert bureaus[0][-3:] == ["总分", "排名", "计分依据"]
    assert [bureaus[-1][0], bureaus[-1][-2]] == ["市统计局", "无牵头或配合的重点任务，不参加排名"]


def test_the_api_is_scoped_like_the_pages(world, published, tasks_world):
    def get(user, path=""):
        client = APIClient()
        client.force_authenticate(user)
        return client.get(reverse("api:assessment-list") + path)

    office = get(world.users["office"]).json()["results"][0]
    assert office["year"] == YEAR and office["evaluation_year"] == YEAR and len(office["results"]) > 3
    county = get(world.users["county"]).json()["results"][0]
    assert [r["unit"] for r in county["results"]] == ["万荣县"]
    [line] = [i for i in county["results"][0]["indicators"] if i["code"] == "reports_on_time"]
    assert (line["text"], line["numerator"], line["denominator"], line["score"]) == ("按时报送 7/8", "7", "8", "87.5")
    assert [r["unit"] for r in get(tasks_world.keji).json()["results"][0]["results"]] == ["市科技局"]
    assert len(get(world.users["api"]).json()["results"][0]["results"]) == len(office["results"])
    assert get(world.users["expert"]).status_code == 403
    other = make_user(Role.COUNTY, county=world.other_county, username="yanhu")
    detail = APIClient()
    detail.force_authenticate(other)
    body = detail.get(reverse("api:assessment-detail", args=[published.pk])).json()
    assert [r["unit"] for r in body["results"]] == ["盐湖区"]


def test_the_api_hides_drafts_from_all_but_the_office(world, assessed):
    draft = compute(world.users["office"])
    client = APIClient()
    client.force_authenticate(world.users["leader"])
    assert client.get(reverse("api:assessment-detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("api:assessment-list")).json()["results"] == []


# --- query budgets -----------------------------------------------------------------------------------------------


def _queries(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_pages_cost_the_same_queries_at_3_and_at_13_counties(
    world, assessed, client_for, django_assert_max_num_queries
):
    office, county, leader = client_for("office"), client_for("county"), client_for("leader")

    def measure():
        assessment = compute(world.users["office"])
        services.assessment_publish(user=world.users["office"], assessment=assessment, confirmed=True)
        mine = AssessmentResult.objects.get(assessment=assessment, county=world.home_county)
        urls = [
            reverse("assessment-list"),
            reverse("assessment-detail", kwargs={"pk": assessment.pk}),
            reverse("assessment-result", kwargs={"pk": mine.pk}),
        ]
        counts = [_queries(c, u, django_assert_max_num_queries, 12) for c in (office, county, leader) for u in urls]
        Assessment.objects.all().delete()
        return counts

    small = measure()
    for i in range(10):
        town = TownFactory(county=CountyFactory(name=f"新增县{i}"))
        TownEvaluationFactory(run=assessed["run"], town=town, score=D("50.0"), rank=3 + i)
    large = measure()
    assert AssessmentResult.objects.count() == 0 and small == large


# --- the real thing ----------------------------------------------------------------------------------------------


@pytest.mark.services
def test_a_real_worker_computes_the_draft(transactional_db, world, assessed):
    redis_or_skip(flush=True)
    client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    assessment = services.assessment_start(user=world.users["office"], year=YEAR)  # (autocommit: enqueued now)
    Assessment.objects.filter(pk=assessment.pk).update(status="computing")
    worker = CeleryWorker(
        TEST_REDIS_URL, extra_env={"DATABASE_URL": worker_database_url(), "CELERY_RESULT_BACKEND": TEST_REDIS_URL}
    )
    try:
        worker.wait_ready(client)
        for _ in range(2):  # a redelivered message finds the draft done and leaves it
            client.send_task("evaluation.compute_assessment", args=[assessment.pk])
        deadline = timezone.now() + datetime.timedelta(seconds=60)
        while timezone.now() < deadline and Assessment.objects.get(pk=assessment.pk).status != "draft":
            time.sleep(0.2)
    finally:
        worker.stop()
        client.close()
    assessment.refresh_from_db()
    assert assessment.status == "draft", worker.log.read_text()[-3000:]
    assert (
        assessment.results.filter(kind="county").count() == 3 == AssessmentResult.objects.filter(kind="county").count()
    )


# --- the demo data (make run) ----------------------------------------------------------------------------------


def test_the_demo_data_includes_a_published_assessment_once(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("load_reference_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())
    last_year = timezone.localdate().year - 1
    assessment = Assessment.objects.get()
    assert (assessment.year, assessment.status, assessment.evaluation.status) == (last_year, "published", "published")
    counties = rows(assessment, "county")
    assert len(counties) == 14 and counties["万荣县"].rank == 1
    assert counties["万荣县"].indicators["reports_on_time"]["text"] == "按时报送 48/48"
    assert counties["盐湖区"].indicators["problems_on_time"]["text"] == "按期办结 0/1"
    assert rows(assessment, "bureau")["市工信局"].indicators["reports_on_time"]["text"] == "按时报送 10/44"
    before = (AssessmentResult.objects.count(), ProgressReport.objects.count(), Problem.objects.count())
    call_command("load_demo_data", stdout=StringIO())
    assert (AssessmentResult.objects.count(), ProgressReport.objects.count(), Problem.objects.count()) == before
    assert Assessment.objects.count() == 1

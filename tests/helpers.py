"""Helpers shared by the test modules (test modules never import each other)."""

from __future__ import annotations

import threading
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from evaluation import services as evaluation
from evaluation.models import EvaluationRun
from tasks_registry import progress, services
from tasks_registry.models import Task
from towns.models import Role, Town

from .factories import TownFactory, make_user


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


def other_county_user(world):
    return make_user(Role.COUNTY, county=world.other_county, username="yanhu")


def town_with_firms(world, name, tier="potential", supporting=8):
    from .factories import EnterpriseFactory

    town = TownFactory(county=world.home_county, tier=tier, name=name)
    EnterpriseFactory(town=town, role="anchor")
    for _ in range(supporting):
        EnterpriseFactory(town=town, role="supporting")
    return town


def race(n, work):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            work(i)
            outcomes.append("saved")
        except Exception as exc:  # anything unexpected fails the assertions below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def reexamination_of(certificate):
    """The re-examination of ``certificate``'s current validity period (opened as the daily job would)."""
    from certification.models import ReExamination

    return ReExamination.objects.get_or_create(
        certificate=certificate, due_on=certificate.valid_until, defaults={"opened_on": certificate.issued_on}
    )[0]


def evidence_file_for(town):
    """The town's standing evidence with an attachment (created once): for the URL sweeps."""
    from towns.models import TownEvidenceFile

    from .factories import TownEvidenceFileFactory

    return TownEvidenceFile.objects.filter(evidence__town=town).first() or TownEvidenceFileFactory(evidence__town=town)


def inspection_objects(objects: dict) -> dict:
    """Add to the ``objects`` fixture (once) a special inspection of its town (万荣县外加剂), in progress: the team
    is 市工信局 (the ``bureau`` user's unit) and the expert ``expert``; one finding recorded, with an attachment.
    Keys: inspection, inspection_item, inspection_attachment."""
    if "inspection" in objects:
        return objects
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evaluation import inspections
    from towns.models import Bureau

    from .factories import pdf_bytes

    users = get_user_model().objects
    office, expert = users.get(username="office"), users.get(username="expert")
    today = timezone.localdate()
    inspection = inspections.inspection_plan(
        user=office,
        data={
            "title": "万荣县外加剂专项检查",
            "towns": [objects["town"]],
            "units": [Bureau.objects.get(name="市工信局")],
            "experts": [expert],
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=3),
            "items": ["产业相对集中", "规模相对较大"],
        },
    )
    inspections.inspection_start(user=office, inspection=inspection)
    item = inspection.items.first()
    finding = inspections.finding_record(
        user=expert,
        inspection=inspection,
        item=item,
        town=objects["town"],
        result="rectify",
        note="配套企业不足",
        attachments=[SimpleUploadedFile("现场.pdf", pdf_bytes())],
    )
    objects.update(inspection=inspection, inspection_item=item, inspection_attachment=finding.attachments.get())
    return objects


def county_objects(objects: dict) -> dict:
    """Add to the ``objects`` fixture (once) the mechanisms of its county (万荣县), recorded by its ``county`` user:
    a draft 一镇一策 policy and a published one, each with an attachment; a task with a report and its attachment.
    Keys: county_draft, county_draft_attachment, county_published, county_published_attachment, county_task,
    county_task_report, county_task_report_attachment."""
    if "county_draft" in objects:
        return objects
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tasks_registry import county_services

    from .factories import pdf_bytes

    county_user = get_user_model().objects.get(username="county")
    county, town = objects["county"], objects["town"]
    today = timezone.localdate()

    def document(title, number):
        return county_services.document_save(
            user=county_user,
            county=county,
            data={
                "kind": "town_policy",
                "title": title,
                "number": number,
                "issued_on": today,
                "issuer": "万荣县人民政府办公室",
                "summary": "厂房租金补贴",
            },
            towns=[town],
            attachment=SimpleUploadedFile("政策.pdf", pdf_bytes()),
        )

    draft = document("万荣县外加剂一镇一策（草稿）", "")
    published = county_services.document_publish(
        user=county_user, document=document("万荣县外加剂一镇一策", "万政办发〔2026〕1号")
    )
    task = county_services.county_task_save(
        user=county_user,
        county=county,
        data={"year": today.year, "title": "标准化厂房建设", "owner_unit": "万荣县工信局", "deadline": today},
        towns=[town],
    )
    report = county_services.county_task_report_save(
        user=county_user,
        task=task,
        period=progress.period_of(today, progress.QUARTERLY).code,
        progress_pct=Decimal("40"),
        narrative="已开工",
        attachment=SimpleUploadedFile("进展.pdf", pdf_bytes()),
    )
    objects.update(
        county_draft=draft,
        county_draft_attachment=draft.attachments.get(),
        county_published=published,
        county_published_attachment=published.attachments.get(),
        county_task=task,
        county_task_report=report,
        county_task_report_attachment=report.attachments.get(),
    )
    return objects


def assessment_objects(objects: dict) -> dict:
    """Add to the ``objects`` fixture (once) two annual assessments: a draft (2024, the office's alone) and a
    published one (2023) with 万荣县's row. Keys: assessment_draft, assessment, assessment_result."""
    if "assessment" in objects:
        return objects
    from .factories import AssessmentFactory, AssessmentResultFactory, EvaluationRunFactory

    draft = AssessmentFactory(year=2024, status="draft", evaluation=EvaluationRunFactory(year=2024))
    published = AssessmentFactory(year=2023, status="published", evaluation=EvaluationRunFactory(year=2023))
    result = AssessmentResultFactory(assessment=published, county=objects["county"], name=objects["county"].name)
    objects.update(assessment_draft=draft, assessment=published, assessment_result=result)
    return objects

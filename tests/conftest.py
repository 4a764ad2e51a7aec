"""Shared fixtures: a small world of two counties, towns, enterprises and a user per role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from towns.models import Role

from .factories import (
    BureauFactory,
    CountyFactory,
    EnterpriseFactory,
    EnterpriseFiguresFactory,
    TownFactory,
    TownFiguresFactory,
    make_user,
    move_notice_back,
)
from .live import collect_static, production_env
from .services import TEST_REDIS_URL


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # PBKDF2 at full strength costs ~0.3 s a user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads never land in the working tree


@dataclass
class World:
    home_county: object
    other_county: object
    home_town: object
    other_town: object
    home_enterprise: object
    other_enterprise: object
    users: dict


@pytest.fixture
def world(db) -> World:
    home_county = CountyFactory(name="万荣县", division_code="140822")
    other_county = CountyFactory(name="盐湖区", division_code="140802", kind="district")
    home_town = TownFactory(name="万荣县外加剂", county=home_county, leading_industry="混凝土外加剂", tier="provincial")
    other_town = TownFactory(name="盐湖区水泵", county=other_county, leading_industry="水泵")
    for town in (home_town, other_town):
        TownFiguresFactory(town=town, year=2023)
        TownFiguresFactory(town=town, year=2024, output_wan="70000.00")
    home_enterprise = EnterpriseFactory(town=home_town, name="康特尔", role="anchor")
    other_enterprise = EnterpriseFactory(town=other_town, name="天海泵业", role="anchor")
    for enterprise in (home_enterprise, other_enterprise):
        EnterpriseFiguresFactory(enterprise=enterprise, year=2024)
    bureau = BureauFactory(name="市工信局")
    users = {
        "county": make_user(Role.COUNTY, county=home_county, username="county"),
        "office": make_user(Role.OFFICE, username="office"),
        "bureau": make_user(Role.BUREAU, bureau=bureau, username="bureau"),
        "leader": make_user(Role.LEADER, username="leader"),
        "api": make_user(Role.API, username="api"),
        "expert": make_user(Role.EXPERT, username="expert0"),
        "norole": make_user(None, username="norole"),
    }
    return World(home_county, other_county, home_town, other_town, home_enterprise, other_enterprise, users)


@pytest.fixture
def client_for(world):
    def make(role: str) -> Client:
        client = Client()
        client.force_login(world.users[role])
        return client

    return make


@pytest.fixture
def api_for(world):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(world.users[role])
        return client

    return make


# --- certification ---------------------------------------------------------------------------------


@dataclass
class Cert:
    cycle: object
    expert: object
    other_expert: object
    office: object
    county: object
    make: object  # make(state, town=None) -> Application in that state


@pytest.fixture
def cert(world):
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from certification import services
    from certification.models import Cycle, RubricItem
    from certification.reference import ensure_default_policy

    today = timezone.localdate()
    cycle = Cycle.objects.create(
        name=f"{today.year}年度市级专业镇认定",
        year=today.year,
        policy=ensure_default_policy(),
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=30),
        notice_days=7,
    )
    for i, (name, score) in enumerate([("产业集中度", 40), ("规模与成长性", 40), ("发展前景", 20)]):
        RubricItem.objects.create(cycle=cycle, name=name, max_score=score, sort_order=i)
    for _ in range(9):
        EnterpriseFactory(town=world.home_town, role="supporting")
    expert = make_user(Role.EXPERT, username="expert")
    other_expert = make_user(Role.EXPERT, username="expert2")
    office, county = world.users["office"], world.users["county"]

    def make(state: str, town=None):
        town = town or world.home_town
        app = services.application_start(user=county, cycle=cycle, target_tier="city", town=town)
        services.application_update(
            user=county,
            application=app,
            data={
                "figures_year": 2024,
                "annual_output_wan": Decimal("60000"),
                "local_jobs": 2500,
                "provincial_share_pct": Decimal("55"),
            },
        )
        if state == "draft":
            return app
        services.application_submit(user=county, application=app)
        if state == "submitted":
            return app
        services.screening_start(user=office, application=app)
        if state == "screening":
            return app
        services.experts_assign(user=office, applications=[app], experts=[expert])
        if state == "expert_review":
            return app
        assignment = app.assignments.get(expert=expert)
        services.expert_review_submit(
            user=expert,
            assignment=assignment,
            scores={i.pk: Decimal("30") if i.max_score == 40 else Decimal("15") for i in cycle.rubric.all()},
            comment="同意",
            recommendation="certify",
        )
        # The service publishes a notice from today at the earliest (no backdating); to reach a notice that has
        # run its days, publish it today and then move it 8 days back in the database.
        notice = services.notice_publish(user=office, cycle=cycle, applications=[app], starts_on=today)
        move_notice_back(notice, 8)
        app.refresh_from_db()
        if state == "public_notice":
            return app
        raise ValueError(state)

    return Cert(cycle, expert, other_expert, office, county, make)


# --- task board ------------------------------------------------------------------------------------------


@dataclass
class TasksWorld:
    keji: object  # 市科技局: leads task 4, supports 2, 11 and 12
    gongxin: object  # 市工信局: supports task 4
    zhaoshang: object  # 市招商投资中心: leads task 10 only
    year: int


@pytest.fixture
def tasks_world(world):
    from django.utils import timezone

    from tasks_registry.loading import load_tasks
    from towns.models import Bureau
    from towns.reference import BUREAUS

    for name, kind in BUREAUS:
        Bureau.objects.get_or_create(name=name, defaults={"kind": kind})
    year = timezone.localdate().year
    load_tasks(year)
    return TasksWorld(
        keji=make_user(Role.BUREAU, bureau=Bureau.objects.get(name="市科技局"), username="keji"),
        gongxin=make_user(Role.BUREAU, bureau=Bureau.objects.get(name="市工信局"), username="gongxin"),
        zhaoshang=make_user(Role.BUREAU, bureau=Bureau.objects.get(name="市招商投资中心"), username="zhaoshang"),
        year=year,
    )


# --- the portal in production mode (tests/live.py) ---------------------------------------------------


@pytest.fixture(scope="session")
def production_static(tmp_path_factory) -> Path:
    """collectstatic once per run: production mode serves hashed, compressed files from STATIC_ROOT."""
    root = tmp_path_factory.mktemp("static")
    collect_static(
        root,
        production_env(
            database_url="sqlite:///:memory:",
            redis_url=TEST_REDIS_URL,
            static_root=root,
            media_root=root / "media",
            secret_key="collectstatic",
        ),
    )
    return root


@pytest.fixture
def objects(world, cert, tasks_world, settings):
    import datetime
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from certification import services as cert_services
    from evaluation.models import EvaluationRun, SupervisionNotice
    from tasks_registry import services as task_services
    from tasks_registry.models import KeyProject, Task

    from .factories import pdf_bytes
    from .helpers import report, town_with_firms

    """Objects of 万荣县 (the world's home county) at every stage."""
    county = world.users["county"]
    app = cert.make("public_notice")
    attachment = cert_services.Attachment.objects.create(
        application=app,
        kind="figures",
        file=SimpleUploadedFile("证明.pdf", b"%PDF-1.4"),
        original_name="证明.pdf",
        size=8,
        content_type="application/pdf",
        uploaded_by=county,
    )
    certificate = cert_services.application_certify(user=cert.office, application=app)
    rejected = cert.make(
        "expert_review",
        town=town_with_firms(world, "万荣县另一镇"),
    )
    cert_services.application_reject(user=cert.office, application=rejected, reason="不符合")
    run = EvaluationRun.objects.create(year=2025, status="draft", total=0)
    notice = SupervisionNotice.objects.create(
        number="运专镇督〔2026〕001号",
        run=run,
        town=world.home_town,
        county=world.home_county,
        problems=["排名靠后"],
        issued_on=timezone.localdate(),
        deadline=timezone.localdate(),
    )
    from evaluation.models import RectificationAttachment, RectificationReport

    rectification = RectificationAttachment.objects.create(
        report=RectificationReport.objects.create(notice=notice, text="整改", submitted_by=county),
        file=SimpleUploadedFile("整改.pdf", b"%PDF-1.4"),
        original_name="整改.pdf",
        size=8,
        content_type="application/pdf",
    )
    problem = task_services.problem_record(
        user=county, data={"title": "x", "description": "x", "town": world.home_town, "found_on": timezone.localdate()}
    )
    project = KeyProject.objects.create(
        town=world.home_town,
        name="项目",
        investment_wan=Decimal("1"),
        stage="signed",
        signed_on=datetime.date(2026, 1, 1),
    )
    unit_report = report(tasks_world.gongxin, 4)
    report_attachment = task_services.report_attach(
        user=tasks_world.gongxin, report=unit_report, upload=SimpleUploadedFile("纪要.pdf", pdf_bytes())
    )
    rec = cert_services.province_recommend(
        user=cert.office, town=world.other_town, recommended_on=timezone.localdate(), note=""
    )
    return {
        "app": app,
        "attachment": attachment,
        "certificate": certificate,
        "rejected": rejected,
        "run": run,
        "notice": notice,
        "problem": problem,
        "project": project,
        "report": unit_report,
        "report_attachment": report_attachment,
        "recommendation": rec,
        "rectification": rectification,
        "cycle": cert.cycle,
        "enterprise": world.home_enterprise,
        "enterprise_figures": world.home_enterprise.figures.first(),
        "town": world.home_town,
        "town_figures": world.home_town.figures.first(),
        "county": world.home_county,
        "measure": Task.objects.get(number=4).measures.first(),
    }


@pytest.fixture
def postgres_only(transactional_db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL (CI sets DATABASE_URL)")

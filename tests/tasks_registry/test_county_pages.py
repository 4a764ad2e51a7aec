"""The counties' mechanisms as people see them: a county's page with its three lists and targets, the forms, the
office's comparison and its export, the county page's targets, the API, and the query budgets of the lists."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tasks_registry import progress
from tasks_registry.county_models import CountyDocument, CountyTask
from towns.models import CountyTarget

from ..factories import (
    CountyDocumentFactory,
    CountyTargetFactory,
    CountyTaskFactory,
    CountyTaskReportFactory,
    KeyProjectFactory,
    TownFactory,
    pdf_bytes,
)
from ..helpers import client_of, other_county_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
QUARTER = progress.period_of(TODAY, progress.QUARTERLY)


def _text(response) -> str:
    return response.content.decode()


def test_a_county_records_a_policy_publishes_it_and_another_county_reads_only_the_published_one(world, client_for):
    county = client_for("county")
    response = county.get(reverse("county-document-create") + "?kind=town_policy")
    assert 'value="town_policy" selected' in _text(response)
    assert "盐湖区水泵" not in _text(response)  # only the county's own towns are offered
    response = county.post(
        reverse("county-document-create"),
        {
            "kind": "town_policy",
            "title": "万荣县外加剂一镇一策",
            "number": "万政办发〔2026〕7号",
            "issued_on": TODAY.isoformat(),
            "issuer": "万荣县人民政府办公室",
            "summary": "",
            "towns": [world.home_town.pk],
            "attachment": SimpleUploadedFile("政策正文.pdf", pdf_bytes()),
        },
    )
    document = CountyDocument.objects.get()
    assert response.status_code == 302 and response.url == reverse("county-document-detail", args=[document.pk])
    page = _text(county.get(response.url))
    assert "草稿" in page and "政策正文.pdf" in page and "发布" in page
    other = client_of(None, other_county_user(world))
    assert other.get(response.url).status_code == 404
    assert "万荣县外加剂一镇一策" not in _text(other.get(reverse("county-document-list")))
    # publish through the page
    county.post(reverse("county-document-transition", args=[document.pk, "publish"]), {"expected": "draft"})
    document.refresh_from_db()
    assert document.status == "published"
    page = _text(other.get(response.url))
    assert "已发布" in page and "万政办发〔2026〕7号" in page and "修改草稿" not in page and "废止" not in page
    assert "万荣县外加剂一镇一策" in _text(other.get(reverse("county-document-list")))
    attachment = document.attachments.get()
    download = other.get(reverse("county-document-attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    # the published document is fixed: its edit page sends the county back with a message
    response = county.get(reverse("county-document-edit", args=[document.pk]), follow=True)
    assert "已发布的文件不能修改" in _text(response)


def test_a_form_with_another_countys_town_or_a_bad_file_saves_nothing(world, client_for):
    county = client_for("county")
    response = county.post(
        reverse("county-document-create"),
        {"kind": "town_policy", "title": "x", "towns": [world.other_town.pk]},
    )
    assert response.status_code == 400 and not CountyDocument.objects.exists()
    response = county.post(
        reverse("county-document-create"),
        {"kind": "town_policy", "title": "x", "attachment": SimpleUploadedFile("a.pdf", b"<html>not a pdf")},
    )
    assert response.status_code == 400 and "文件内容与扩展名不符" in _text(response)
    assert not CountyDocument.objects.exists()


def test_publishing_an_incomplete_draft_says_what_is_missing(world, client_for):
    county = client_for("county")
    document = CountyDocumentFactory(county=world.home_county, number="", issuer="")
    response = county.post(
        reverse("county-document-transition", args=[document.pk, "publish"]), {"expected": "draft"}, follow=True
    )
    page = _text(response)
    assert "发布前请填写文号。" in page and "发布前请填写发文机关。" in page and "应写明适用的专业镇" in page
    document.refresh_from_db()
    assert document.status == "draft"


def test_a_county_keeps_its_task_list_and_reports_on_it(world, client_for):
    county = client_for("county")
    response = county.post(
        reverse("county-task-create"),
        {
            "year": TODAY.year,
            "title": "外加剂检验检测平台投运",
            "owner_unit": "万荣县市场监管局",
            "owner_person": "分管副局长",
            "deadline": (TODAY - datetime.timedelta(days=1)).isoformat(),
            "towns": [world.home_town.pk],
        },
    )
    task = CountyTask.objects.get()
    assert response.url == reverse("county-task-detail", args=[task.pk])
    page = _text(county.get(reverse("county-mechanisms", args=[world.home_county.pk])))
    assert "外加剂检验检测平台投运" in page and "万荣县市场监管局" in page and "已逾期" in page
    response = county.post(
        reverse("county-task-report-create", args=[task.pk]),
        {
            "period": QUARTER.code,
            "progress_pct": "100",
            "narrative": "平台已投运",
            "attachment": SimpleUploadedFile("验收.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    page = _text(county.get(reverse("county-task-detail", args=[task.pk])))
    assert "已完成" in page and "平台已投运" in page and "验收.pdf" in page and "已逾期" not in page
    # the city's units read it; another county does not
    assert "平台已投运" in _text(client_for("office").get(reverse("county-task-detail", args=[task.pk])))
    other = client_of(None, other_county_user(world))
    assert other.get(reverse("county-task-detail", args=[task.pk])).status_code == 404


def test_the_county_sets_its_targets_and_sees_progress_on_its_pages(world, client_for):
    county = client_for("county")
    jobs_2024 = world.home_town.figures.get(year=2024).local_jobs
    response = county.post(
        reverse("county-target-edit", args=[world.home_county.pk]),
        {"year": 2024, "jobs_target": jobs_2024 - 1, "tax_target_wan": "999999", "note": "县常务会确定"},
    )
    assert response.status_code == 302 and response.url.endswith("?year=2024")
    target = CountyTarget.objects.get(county=world.home_county, year=2024)
    assert (target.jobs_target, target.tax_target_wan, target.set_by) == (
        jobs_2024 - 1,
        Decimal("999999"),
        world.users["county"],
    )
    for url in (
        reverse("county-mechanisms", args=[world.home_county.pk]),
        reverse("county-detail", args=[world.home_county.pk]),
    ):
        page = _text(county.get(url))
        assert f"{jobs_2024 - 1:,}" in page and f"{jobs_2024:,}" in page
        assert page.count("已完成") >= 1 and "未完成" in page  # jobs met, tax missed
    # the registry's county page is open to every role; the link to the lists only where they open
    assert "工作机制与三个清单" not in _text(client_of(None, other_county_user(world)).get(url))
    assert "县级就业和税收目标" in _text(client_for("expert").get(url))
    # a future year is refused on the year field, nothing saved
    response = county.post(
        reverse("county-target-edit", args=[world.home_county.pk]), {"year": TODAY.year + 1, "jobs_target": 1}
    )
    assert response.status_code == 400 and "尚未到来" in _text(response)
    assert CountyTarget.objects.count() == 1


def test_the_target_form_prefills_the_years_target(world, client_for):
    CountyTargetFactory(county=world.home_county, year=2024, jobs_target=4321, tax_target_wan=None)
    page = _text(client_for("county").get(reverse("county-target-edit", args=[world.home_county.pk]) + "?year=2024"))
    assert 'value="4321"' in page


def test_the_comparison_shows_every_county_side_by_side_and_exports_it(world, client_for):
    document = CountyDocumentFactory(county=world.home_county, status="published")
    document.towns.add(world.home_town)
    CountyTaskFactory(county=world.home_county, year=TODAY.year, deadline=TODAY - datetime.timedelta(days=1))
    KeyProjectFactory(town=world.other_town)
    office = client_for("office")
    page = _text(office.get(reverse("county-comparison")))
    assert "万荣县" in page and "盐湖区" in page and "1（1/1）" in page
    response = office.get(reverse("county-comparison"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in sheet[1]]
    home = dict(zip(header, rows["万荣县"], strict=True))
    assert (home["一镇一策（件）"], home["一镇一策覆盖专业镇"], home["其中逾期"], home["重点项目"]) == (1, 1, 1, 0)
    assert dict(zip(header, rows["盐湖区"], strict=True))["重点项目"] == 1
    assert client_for("county").get(reverse("county-comparison")).status_code == 403


def test_the_nav_leads_a_county_to_its_own_page_and_the_city_to_the_comparison(world, client_for):
    own = reverse("county-mechanisms", args=[world.home_county.pk])
    assert f'href="{own}">县级机制' in _text(client_for("county").get(reverse("home")))
    for role in ("office", "bureau", "leader"):
        assert f'href="{reverse("county-comparison")}">县级机制' in _text(client_for(role).get(reverse("home")))
    for role in ("expert", "api"):
        assert "县级机制" not in _text(client_for(role).get(reverse("home")))


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_is_scoped_as_the_pages(world, api_for):
    from rest_framework.test import APIClient

    draft = CountyDocumentFactory(county=world.home_county, title="草稿")
    published = CountyDocumentFactory(county=world.home_county, title="已发布", status="published")
    task = CountyTaskFactory(county=world.home_county, deadline=TODAY - datetime.timedelta(days=1))
    CountyTaskReportFactory(task=task, period=QUARTER.code)
    own = api_for("county").get("/api/v1/county-documents/").json()
    assert {d["title"] for d in own["results"]} == {"草稿", "已发布"}
    other = APIClient()
    other.force_authenticate(other_county_user(world))
    assert [d["title"] for d in other.get("/api/v1/county-documents/").json()["results"]] == ["已发布"]
    assert other.get(f"/api/v1/county-documents/{draft.pk}/").status_code == 404
    assert other.get(f"/api/v1/county-documents/{published.pk}/").json()["towns"] == []
    assert other.get("/api/v1/county-tasks/").json()["results"] == []
    assert other.get(f"/api/v1/county-tasks/{task.pk}/").status_code == 404
    rows = api_for("office").get("/api/v1/county-tasks/", {"overdue": "true"}).json()["results"]
    assert [(r["title"], r["overdue"], r["county"], len(r["reports"])) for r in rows] == [
        (task.title, True, "万荣县", 1)
    ]
    assert api_for("office").get("/api/v1/county-tasks/", {"overdue": "false"}).json()["results"] == []
    assert [d["title"] for d in api_for("office").get("/api/v1/county-documents/").json()["results"]] == ["已发布"]
    for role in ("api", "expert"):
        assert api_for(role).get("/api/v1/county-documents/").status_code == 403
        assert api_for(role).get("/api/v1/county-tasks/").status_code == 403


# --- query budgets ------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm process-wide caches first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(world, n: int) -> None:
    for i in range(n):
        county = world.home_county if i % 2 else world.other_county
        town = TownFactory(county=county)
        document = CountyDocumentFactory(county=county, status="published")
        document.towns.add(town)
        CountyDocumentFactory(county=county, kind="long_term_plan", status="draft", number="")
        task = CountyTaskFactory(county=county, year=TODAY.year, deadline=TODAY - datetime.timedelta(days=i - 5))
        task.towns.add(town)
        CountyTaskReportFactory(task=task, period=QUARTER.code)
        KeyProjectFactory(town=town)


@pytest.mark.parametrize("role", ["county", "office"])
def test_list_pages_and_endpoints_do_not_grow_with_rows(world, client_for, role):
    client = client_for(role)
    urls = [
        reverse("county-mechanisms", args=[world.home_county.pk]),
        reverse("county-document-list"),
        reverse("county-detail", args=[world.home_county.pk]),
        "/api/v1/county-documents/",
        "/api/v1/county-tasks/",
    ]
    if role == "office":
        urls += [reverse("county-comparison"), reverse("county-comparison") + "?export=xlsx"]
    CountyTargetFactory(county=world.home_county, year=2024)
    _grow(world, 2)
    small = {url: _queries(client, url) for url in urls}
    _grow(world, 20)
    CountyTargetFactory(county=world.home_county, year=2023)
    large = {url: _queries(client, url) for url in urls}
    assert small == large
    assert max(large.values()) <= 14, large


def test_the_task_endpoint_refuses_a_year_it_cannot_hold(world, api_for):
    client = api_for("office")
    for year in ("1e20", "2026.5", "99999999999"):
        response = client.get("/api/v1/county-tasks/", {"year": year})
        assert response.status_code == 400 and "year" in response.json(), year
    assert client.get("/api/v1/county-tasks/", {"year": "2026"}).status_code == 200

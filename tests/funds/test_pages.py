"""The fund's pages by role: what each sees on the funds page, the allocations and their export; the office's forms;
the evaluation page's clause and rewards; the API; query budgets."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from funds import services
from funds.models import FundAllocation

from ..factories import FundAllocationFactory, TownFactory
from ..helpers import client_of, other_county_user

TODAY = timezone.localdate()


@pytest.fixture
def allocated(fund_world, world):
    """A reward to 万荣县 (paid, 200), support to 盐湖区水泵 (issued, 80) and to its project (proposed, 50)."""
    office = fund_world.office
    reward = services.allocation_create(
        user=office,
        kind="reward",
        data={
            "budget": fund_world.budget,
            "commendation": fund_world.top,
            "amount_wan": Decimal("200"),
            "merit": "产值增速全市第一",
        },
    )
    services.allocation_issue(
        user=office, allocation=reward, document_number="运专镇办〔2026〕2号", document_date=TODAY
    )
    services.allocation_pay(user=office, allocation=reward, paid_on=TODAY)
    town = services.allocation_create(
        user=office,
        kind="town",
        data={
            "budget": fund_world.budget,
            "town": world.other_town,
            "amount_wan": Decimal("80"),
            "purpose": "quality_brand",
        },
    )
    services.allocation_issue(user=office, allocation=town, document_number="运专镇办〔2026〕3号", document_date=TODAY)
    project = services.allocation_create(
        user=office,
        kind="project",
        data={
            "budget": fund_world.budget,
            "project": fund_world.project,
            "amount_wan": Decimal("50"),
            "purpose": "key_projects",
        },
    )
    return {"reward": reward, "town": town, "project": project}


def text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def card(response, heading: str) -> str:
    html = response.content.decode()
    match = re.search(rf"<h2>{re.escape(heading)}</h2>(.*?)</section>", html, re.S)
    assert match, f"no card {heading}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", match.group(1), flags=re.S)))


def test_the_office_sees_the_years_figures_by_county_and_purpose(allocated, client_for):
    response = client_for("office").get(reverse("funds"))
    assert response.status_code == 200
    page = text(response)
    for figure in ("500万元 年度预算", "330万元 已安排", "280万元 已下达", "200万元 已拨付", "170万元 剩余可安排"):
        assert figure in page, figure
    by_county = card(response, "按县（市、区）")
    assert "万荣县 200.00 200.00 200.00 1" in by_county and "盐湖区 130.00 80.00 0.00 2" in by_county
    by_purpose = card(response, "按用途")
    assert "表扬奖励 200.00" in by_purpose and "质量品牌打造 80.00" in by_purpose and "重大项目建设 50.00" in by_purpose
    html = response.content.decode()
    assert html.count('<svg class="chart"') == 2 and "万荣县 已安排：200万元" in html  # the bar's tooltip
    assert "运财企〔" in card(response, "预算来源文件")


def test_a_county_sees_the_city_totals_and_only_its_own_allocations(allocated, client_for, world):
    response = client_for("county").get(reverse("funds"))
    page = text(response)
    assert "330万元 已安排" in page and "200万元 本县（市、区）已安排" in page
    by_county = card(response, "按县（市、区）")
    assert "万荣县" in by_county and "盐湖区" not in by_county
    assert "质量品牌打造" not in card(response, "按用途")  # 盐湖区's support is not its business
    assert "待安排奖励的表扬" not in page
    assert client_for("county").get(reverse("fund-allocation-detail", args=[allocated["reward"].pk])).status_code == 200
    assert client_for("county").get(reverse("fund-allocation-detail", args=[allocated["town"].pk])).status_code == 404
    rows = text(client_for("county").get(reverse("fund-allocation-list")))
    assert "万荣县外加剂" in rows and "盐湖区水泵" not in rows and "水泵检测中心" not in rows
    yanhu = client_of(None, other_county_user(world))
    assert yanhu.get(reverse("fund-allocation-detail", args=[allocated["reward"].pk])).status_code == 404
    assert yanhu.get(reverse("fund-allocation-detail", args=[allocated["project"].pk])).status_code == 200


def test_a_bureau_outside_task_1_reads_the_totals_only(allocated, tasks_world):
    zhaoshang = client_of(None, tasks_world.zhaoshang)
    response = zhaoshang.get(reverse("funds"))
    assert response.status_code == 200
    page = text(response)
    assert "330万元 已安排" in page and "表扬奖励 200.00" in card(response, "按用途")
    assert "按县（市、区）" not in page and "万荣县外加剂" not in page and "运专镇办" not in page
    for url in (
        reverse("fund-allocation-list"),
        reverse("fund-allocation-detail", args=[allocated["reward"].pk]),
        "/api/v1/fund-allocations/",
    ):
        assert zhaoshang.get(url).status_code == 403, url
    assert zhaoshang.get("/api/v1/fund-budgets/").status_code == 200


def test_task_1_units_and_leaders_read_every_allocation(allocated, tasks_world, client_for):
    for client in (client_of(None, tasks_world.gongxin), client_for("leader")):
        rows = text(client.get(reverse("fund-allocation-list")))
        assert "万荣县外加剂" in rows and "盐湖区水泵" in rows and "水泵检测中心" in rows
        detail = client.get(reverse("fund-allocation-detail", args=[allocated["town"].pk]))
        html = detail.content.decode()
        assert detail.status_code == 200 and "运专镇办〔2026〕3号" in html
        assert "/do/" not in html and reverse("fund-allocation-edit", args=[allocated["town"].pk]) not in html


def test_experts_and_api_accounts_have_no_part_in_the_fund(allocated, client_for):
    for role in ("expert", "api", "norole"):
        for url in (reverse("funds"), reverse("fund-allocation-list")):
            assert client_for(role).get(url).status_code == 403, (role, url)


def test_the_list_filters_and_exports_what_it_shows(allocated, client_for, fund_world):
    client = client_for("office")
    rows = text(client.get(reverse("fund-allocation-list"), {"status": "issued"}))
    assert "盐湖区水泵" in rows and "万荣县外加剂" not in rows
    response = client.get(reverse("fund-allocation-list"), {"county": fund_world.second.county_id, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:4] == ["年度", "类别", "县（市、区）", "专业镇"]
    assert sorted((r[1], r[9], r[10]) for r in values[1:]) == [
        ("专业镇扶持", 80, "已下达"),
        ("重点项目扶持", 50, "拟安排"),
    ]


def test_the_office_records_a_budget_and_is_refused_an_allocation_over_it(fund_world, client_for, world):
    client = client_for("office")
    response = client.post(
        reverse("fund-budget-create"),
        {
            "year": TODAY.year + 1,
            "amount_wan": "300",
            "document_title": "关于提前下达专项资金预算的通知",
            "document_number": "运财企〔2026〕40号",
            "document_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302 and response.url == f"/funds/?year={TODAY.year + 1}"
    response = client.post(
        reverse("fund-allocation-create"),
        {
            "kind": "town",
            "budget": fund_world.budget.pk,
            "town": world.home_town.pk,
            "amount_wan": "600",
            "purpose": "innovation",
        },
    )
    assert response.status_code == 400
    assert "超出年度预算，剩余可安排 500.00 万元。" in text(response)
    assert not FundAllocation.objects.exists()
    response = client.post(
        reverse("fund-allocation-create"),
        {
            "kind": "town",
            "budget": fund_world.budget.pk,
            "town": world.home_town.pk,
            "amount_wan": "500",
            "purpose": "innovation",
        },
    )
    allocation = FundAllocation.objects.get()
    assert response.status_code == 302 and response.url == reverse("fund-allocation-detail", args=[allocation.pk])


def test_transitions_from_the_detail_page(allocated, client_for):
    client = client_for("office")
    project = allocated["project"]
    url = reverse("fund-allocation-transition", args=[project.pk, "issue"])
    response = client.post(url, {"expected": "planned"})
    assert response.status_code == 400 and "该字段是必填项" in text(response)
    response = client.post(
        url, {"expected": "planned", "document_number": "运专镇办〔2026〕7号", "document_date": TODAY.isoformat()}
    )
    assert response.status_code == 302
    response = client.post(url, {"expected": "planned", "document_number": "x", "document_date": TODAY.isoformat()})
    assert response.status_code == 302  # a second click on a stale page: refused, and told why
    assert "该资金安排已被他人处理（当前状态：已下达），请刷新页面后再操作。" in text(client.get(response.url))
    assert client.post(reverse("fund-allocation-transition", args=[project.pk, "nope"])).status_code == 404
    response = client.post(
        reverse("fund-allocation-transition", args=[project.pk, "pay"]), {"paid_on": TODAY.isoformat()}
    )
    project.refresh_from_db()
    assert response.status_code == 302 and project.status == "paid"
    response = client.get(reverse("fund-allocation-edit", args=[project.pk]))
    assert response.status_code == 302  # paid: back to the page, with a message
    assert "资金安排已下达或办结，不能修改" in text(client.get(response.url))


def test_the_evaluation_pages_quote_the_clause_and_show_rewards_in_scope(
    allocated, client_for, fund_world, tasks_world
):
    page = text(client_for("county").get(reverse("evaluation-list")))
    assert (
        "“开展专业镇年度评估，评估结果作为县域经济考核评价的重要内容。对评价排名靠前、成效突出的专业镇所在县（市、区）政府予以表扬奖励；"
        "对评价排名靠后或建设进度较慢的专业镇所在县（市、区）政府，发出督办通知书，限期整改问题。”"
    ) in page
    services.allocation_create(
        user=fund_world.office,
        kind="reward",
        data={
            "budget": fund_world.budget,
            "commendation": fund_world.second,
            "amount_wan": Decimal("60"),
            "merit": "就业增长显著",
        },
    )
    url = reverse("evaluation-detail", args=[fund_world.run.pk])
    office = card(client_for("office").get(url), "表扬")
    assert "予以表扬奖励" in office
    assert f"{fund_world.year}年度专项资金奖励200万元 （已拨付）成效突出：产值增速全市第一" in office
    assert "60万元" in office
    county = card(client_for("county").get(url), "表扬")
    assert "200万元" in county and "60万元" not in county  # 盐湖区's reward is 盐湖区's
    assert "专项资金奖励" not in card(client_of(None, tasks_world.zhaoshang).get(url), "表扬")  # totals only


def queries(client, url, params=None) -> int:
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def grow(fund_world, n: int) -> None:
    for i in range(n):
        FundAllocationFactory(
            budget=fund_world.budget,
            town=TownFactory(),
            amount_wan=Decimal("1"),
            purpose=["innovation", "employment"][i % 2],
        )


PAGES = [("funds", {}), ("fund-allocation-list", {}), ("fund-allocation-list", {"export": "xlsx"})]
API = ["/api/v1/fund-allocations/", "/api/v1/fund-budgets/"]
BUDGET = 12  # session, user, membership, unread notifications and the page's own few


@pytest.mark.parametrize("role", ["office", "county", "leader"])
def test_lists_do_not_grow_with_allocations(allocated, fund_world, client_for, api_for, role):
    client, api = client_for(role), api_for(role)
    small = {f"{n}{p}": queries(client, reverse(n), p) for n, p in PAGES} | {u: queries(api, u) for u in API}
    grow(fund_world, 20)
    large = {f"{n}{p}": queries(client, reverse(n), p) for n, p in PAGES} | {u: queries(api, u) for u in API}
    assert small == large
    assert max(large.values()) <= BUDGET, large


def test_the_bar_chart_escapes_labels_and_says_when_there_is_nothing():
    from core.charts import BarSeries, bar_chart_svg

    assert str(bar_chart_svg(categories=["万荣县"], series=[BarSeries("已安排", [Decimal("0")])], label="x")) == (
        '<p class="muted">暂无数据。</p>'
    )
    svg = str(
        bar_chart_svg(
            categories=["<b>镇</b>", "盐湖区"],
            series=[BarSeries("已安排", [Decimal("120"), Decimal("30.5")]), BarSeries("已拨付", [Decimal("0"), None])],
            label="按县",
        )
    )
    assert "<b>" not in svg and "&lt;b&gt;镇&lt;/b&gt; 已安排：120万元" in svg
    assert svg.count('<rect class="bar"') == 4 and "盐湖区 已拨付：0万元" in svg


def test_attachments_are_uploaded_served_in_scope_and_removed(allocated, client_for, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..factories import pdf_bytes

    office = client_for("office")
    reward = allocated["reward"]
    url = reverse("fund-allocation-detail", args=[reward.pk])
    response = office.post(url, {})
    assert response.status_code == 400 and "该字段是必填项" in text(response)
    response = office.post(url, {"attachments": [SimpleUploadedFile("拨付凭证.pdf", pdf_bytes())]})
    assert response.status_code == 302
    attachment = reward.attachments.get()
    download = reverse("fund-allocation-attachment", args=[attachment.pk])
    for role, status in (("county", 200), ("leader", 200), ("expert", 403)):
        got = client_for(role).get(download)
        for close in got._resource_closers:  # the file (response.close() would close the test database too)
            close()
        assert got.status_code == status, role
    yanhu = client_of(None, other_county_user(world)).get(download)
    assert yanhu.status_code == 404
    response = office.post(url, {"attachments": [SimpleUploadedFile("假.pdf", b"<html>not a pdf</html>")]})
    assert response.status_code == 400 and "文件内容与扩展名不符" in text(response)
    assert (
        client_for("county").post(reverse("fund-allocation-attachment-delete", args=[attachment.pk])).status_code == 403
    )
    assert office.post(reverse("fund-allocation-attachment-delete", args=[attachment.pk])).status_code == 302
    assert not reward.attachments.exists()
    history = text(office.get(url))
    assert "附件 ： 拨付凭证.pdf → —" in history or "附件：拨付凭证.pdf → —" in history


def test_the_office_corrects_a_budget_and_its_document(fund_world, client_for):
    office = client_for("office")
    url = reverse("fund-budget-edit", args=[fund_world.year])
    form = office.get(url)
    assert form.status_code == 200 and 'name="year"' not in form.content.decode()  # the year stays the year
    data = {
        "amount_wan": "650",
        "document_title": "关于追加专项资金预算的通知",
        "document_number": f"运财企〔{fund_world.year}〕21号",
        "document_date": TODAY.isoformat(),
    }
    assert office.post(url, data).status_code == 302
    fund_world.budget.refresh_from_db()
    assert fund_world.budget.amount_wan == Decimal("650")
    assert client_for("county").post(url, data).status_code == 403
    assert client_for("office").get(reverse("fund-budget-edit", args=[fund_world.year - 3])).status_code == 404

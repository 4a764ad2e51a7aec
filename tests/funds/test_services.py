"""The special fund's rules, at the services every page and job calls: the budget is never overdrawn, the payment
status moves only along its table, only the office writes, and every change is in the audit trail."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import ActionNotAllowed
from core.models import AuditEntry, Notification
from funds import services
from funds.models import FundAllocation, FundBudget

from ..factories import CommendationFactory, EvaluationRunFactory, make_user, pdf_bytes
from ..helpers import other_county_user

TODAY = timezone.localdate()


def reward(fw, commendation=None, amount="200", **extra):
    return services.allocation_create(
        user=fw.office,
        kind="reward",
        data={
            "budget": fw.budget,
            "commendation": commendation or fw.top,
            "amount_wan": Decimal(amount),
            "merit": "产值增长28.6%，居全市专业镇首位",
            **extra,
        },
    )


def support(fw, town, amount="100", purpose="innovation", **extra):
    return services.allocation_create(
        user=fw.office,
        kind="town",
        data={"budget": fw.budget, "town": town, "amount_wan": Decimal(amount), "purpose": purpose, **extra},
    )


def messages_of(exc) -> dict:
    return exc.value.message_dict


def trail(obj) -> list[str]:
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("timestamp", "id")
    return [e.action for e in entries]


# --- the budget is never overdrawn ----------------------------------------------------------------------------


def test_a_reward_goes_to_the_commended_towns_county(fund_world, world):
    allocation = reward(fund_world)
    assert (allocation.kind, allocation.county, allocation.town, allocation.purpose, allocation.status) == (
        "reward",
        world.home_county,
        world.home_town,
        "reward",
        "planned",
    )
    assert allocation.recipient_name == "万荣县人民政府"


def test_an_allocation_over_the_remaining_budget_is_refused_naming_what_is_left(fund_world, world):
    reward(fund_world, amount="380")
    with pytest.raises(ValidationError) as exc:
        support(fund_world, world.other_town, amount="120.01")
    assert messages_of(exc) == {"amount_wan": ["超出年度预算，剩余可安排 120.00 万元。"]}
    assert FundAllocation.objects.count() == 1
    exact = support(fund_world, world.other_town, amount="120")  # to the last cent: allowed
    assert exact.amount_wan == Decimal("120")
    with pytest.raises(ValidationError) as exc:
        support(fund_world, world.home_town, amount="0.01")
    assert messages_of(exc) == {"amount_wan": ["超出年度预算，剩余可安排 0.00 万元。"]}


def test_a_cancelled_allocation_frees_its_amount_and_a_paid_one_keeps_it(fund_world, world):
    first = reward(fund_world, amount="300")
    services.allocation_issue(
        user=fund_world.office, allocation=first, document_number="运工信〔2026〕8号", document_date=TODAY
    )
    with pytest.raises(ValidationError):
        support(fund_world, world.other_town, amount="250")
    services.allocation_cancel(user=fund_world.office, allocation=first, reason="文件收回")
    assert support(fund_world, world.other_town, amount="500").amount_wan == Decimal("500")


def test_raising_an_amount_is_checked_against_the_budget_without_counting_itself(fund_world, world):
    allocation = support(fund_world, world.home_town, amount="400")
    services.allocation_update(
        user=fund_world.office,
        allocation=allocation,
        data={"town": world.home_town, "amount_wan": Decimal("500"), "purpose": "innovation"},
    )
    with pytest.raises(ValidationError) as exc:
        services.allocation_update(
            user=fund_world.office,
            allocation=allocation,
            data={"town": world.home_town, "amount_wan": Decimal("500.50"), "purpose": "innovation"},
        )
    assert messages_of(exc) == {"amount_wan": ["超出年度预算，剩余可安排 500.00 万元。"]}
    allocation.refresh_from_db()
    assert allocation.amount_wan == Decimal("500")


def test_lowering_the_budget_below_what_is_allocated_is_refused(fund_world, world):
    reward(fund_world, amount="380")
    data = {
        "amount_wan": Decimal("379.99"),
        "document_title": "调整预算",
        "document_number": "运财企〔2026〕9号",
        "document_date": TODAY,
    }
    with pytest.raises(ValidationError) as exc:
        services.budget_save(user=fund_world.office, budget=fund_world.budget, data=data)
    assert messages_of(exc) == {"amount_wan": ["年度预算不能低于已安排的 380.00 万元（须先撤销或调减有关资金安排）。"]}
    fund_world.budget.refresh_from_db()
    assert fund_world.budget.amount_wan == Decimal("500")
    services.budget_save(user=fund_world.office, budget=fund_world.budget, data={**data, "amount_wan": Decimal("380")})
    fund_world.budget.refresh_from_db()
    assert fund_world.budget.amount_wan == Decimal("380")


def test_one_budget_a_year_within_the_programme(fund_world):
    data = {"amount_wan": Decimal("1"), "document_title": "t", "document_number": "n", "document_date": TODAY}
    with pytest.raises(ValidationError) as exc:
        services.budget_save(user=fund_world.office, data={**data, "year": fund_world.year})
    assert messages_of(exc) == {"year": ["该年度的专项资金预算已登记，请修改原预算。"]}
    with pytest.raises(ValidationError) as exc:
        services.budget_save(user=fund_world.office, data={**data, "year": 2022})
    assert messages_of(exc) == {"year": [f"年度应在2023至{TODAY.year + 1}年之间。"]}
    with pytest.raises(ValidationError) as exc:
        services.budget_save(user=fund_world.office, data={**data, "year": TODAY.year + 1, "amount_wan": Decimal("-1")})
    assert "amount_wan" in messages_of(exc)
    assert FundBudget.objects.count() == 1


def test_an_allocation_needs_a_budget(fund_world, world):
    with pytest.raises(ValidationError) as exc:
        services.allocation_create(
            user=fund_world.office,
            kind="town",
            data={"town": world.home_town, "amount_wan": Decimal("1"), "purpose": "other"},
        )
    assert messages_of(exc) == {"budget": ["请选择预算年度（须先登记该年度专项资金预算）。"]}


# --- what a reward and a support are ---------------------------------------------------------------------------


def test_a_reward_states_what_made_the_town_stand_out(fund_world):
    with pytest.raises(ValidationError) as exc:
        reward(fund_world, merit="  ")
    assert list(messages_of(exc)) == ["merit"]
    assert "成效突出" in messages_of(exc)["merit"][0]


def test_one_reward_per_commendation_until_it_is_cancelled(fund_world):
    first = reward(fund_world, amount="100")
    with pytest.raises(ValidationError) as exc:
        reward(fund_world, amount="50")
    assert messages_of(exc) == {"commendation": ["该表扬已安排奖励（可在原奖励撤销后重新安排）。"]}
    services.allocation_cancel(user=fund_world.office, allocation=first, reason="金额有误，重新安排")
    assert reward(fund_world, amount="120").amount_wan == Decimal("120")


def test_a_reward_only_for_a_published_evaluation(fund_world, world):
    draft = CommendationFactory(
        run=EvaluationRunFactory(year=2024, status="draft"), town=world.home_town, county=world.home_county
    )
    with pytest.raises(ValidationError) as exc:
        reward(fund_world, commendation=draft)
    assert messages_of(exc) == {"commendation": ["只有已发布的年度评估的表扬可以安排奖励。"]}


def test_support_follows_the_town_or_project_and_is_not_a_reward(fund_world, world):
    town = support(fund_world, world.other_town, amount="50", purpose="quality_brand")
    assert (town.county, town.town, town.commendation) == (world.other_county, world.other_town, None)
    project = services.allocation_create(
        user=fund_world.office,
        kind="project",
        data={
            "budget": fund_world.budget,
            "project": fund_world.project,
            "amount_wan": Decimal("80"),
            "purpose": "key_projects",
        },
    )
    assert (project.county, project.town, project.recipient_name) == (
        world.other_county,
        world.other_town,
        "水泵检测中心",
    )
    with pytest.raises(ValidationError) as exc:
        support(fund_world, world.home_town, purpose="reward")
    assert list(messages_of(exc)) == ["purpose"]
    with pytest.raises(ValidationError) as exc:
        support(fund_world, world.home_town, amount="0")
    assert messages_of(exc) == {"amount_wan": ["金额须大于0。"]}
    with pytest.raises(ValidationError) as exc:
        services.allocation_create(
            user=fund_world.office,
            kind="town",
            data={"budget": fund_world.budget, "amount_wan": Decimal("1"), "purpose": "other"},
        )
    assert messages_of(exc) == {"town": ["请选择专业镇。"]}


# --- 拟安排 → 已下达 → 已拨付 -----------------------------------------------------------------------------------------


def test_issue_then_pay_records_the_document_and_the_dates(fund_world, world):
    allocation = reward(fund_world)
    with pytest.raises(ActionNotAllowed):
        services.allocation_pay(user=fund_world.office, allocation=allocation, paid_on=TODAY)
    with pytest.raises(ValidationError) as exc:
        services.allocation_issue(
            user=fund_world.office, allocation=allocation, document_number=" ", document_date=None
        )
    assert messages_of(exc) == {"document_number": ["下达须填写批准文号。"], "document_date": ["请填写批准日期。"]}
    with pytest.raises(ValidationError) as exc:
        services.allocation_issue(
            user=fund_world.office,
            allocation=allocation,
            document_number="运专镇办〔2026〕2号",
            document_date=TODAY + datetime.timedelta(days=1),
        )
    assert messages_of(exc) == {"document_date": ["批准日期不能晚于今天。"]}
    issued_on = TODAY - datetime.timedelta(days=10)
    services.allocation_issue(
        user=fund_world.office, allocation=allocation, document_number="运专镇办〔2026〕2号", document_date=issued_on
    )
    allocation.refresh_from_db()
    assert (allocation.status, allocation.document_number, allocation.document_date) == (
        "issued",
        "运专镇办〔2026〕2号",
        issued_on,
    )
    with pytest.raises(ValidationError) as exc:
        services.allocation_pay(
            user=fund_world.office, allocation=allocation, paid_on=issued_on - datetime.timedelta(days=1)
        )
    assert messages_of(exc) == {"paid_on": [f"拨付日期不能早于批准日期（{issued_on.isoformat()}）。"]}
    services.allocation_pay(user=fund_world.office, allocation=allocation, paid_on=TODAY, payment_reference="ZF-0098")
    allocation.refresh_from_db()
    assert (allocation.status, allocation.paid_on, allocation.payment_reference) == ("paid", TODAY, "ZF-0098")
    for action in (services.allocation_cancel, services.allocation_delete):
        with pytest.raises(ActionNotAllowed):
            action(
                user=fund_world.office,
                allocation=allocation,
                **({"reason": "x"} if action is services.allocation_cancel else {}),
            )
    with pytest.raises(ActionNotAllowed):
        services.allocation_update(user=fund_world.office, allocation=allocation, data={})


def test_a_stale_page_is_refused(fund_world):
    allocation = reward(fund_world)
    services.allocation_issue(user=fund_world.office, allocation=allocation, document_number="n1", document_date=TODAY)
    with pytest.raises(ActionNotAllowed) as exc:  # someone else issued it since this page was shown
        services.allocation_cancel(user=fund_world.office, allocation=allocation, reason="x", expected="planned")
    assert str(exc.value) == "该资金安排已被他人处理（当前状态：已下达），请刷新页面后再操作。"


def test_only_a_proposal_can_be_deleted_and_the_trail_keeps_it(fund_world, world):
    allocation = support(fund_world, world.home_town)
    pk = allocation.pk
    services.allocation_delete(user=fund_world.office, allocation=allocation)
    assert not FundAllocation.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(object_id=str(pk), action="delete")
    assert entry.changes["amount_wan"] == ["100", None] and entry.changes["town"] == ["万荣县外加剂", None]


def test_the_county_is_told_when_its_allocation_is_issued_paid_or_withdrawn(fund_world, world):
    other = other_county_user(world)
    allocation = reward(fund_world)
    assert not Notification.objects.exists()  # a proposal is the office's own business
    services.allocation_issue(
        user=fund_world.office, allocation=allocation, document_number="运专镇办〔2026〕2号", document_date=TODAY
    )
    services.allocation_pay(user=fund_world.office, allocation=allocation, paid_on=TODAY)
    county = world.users["county"]
    assert [n.message for n in Notification.objects.filter(recipient=county).order_by("id")] == [
        f"{fund_world.year}年度专项资金表扬奖励（万荣县人民政府）200万元已下达（运专镇办〔2026〕2号）。",
        f"{fund_world.year}年度专项资金表扬奖励（万荣县人民政府）200万元已拨付（{TODAY.isoformat()}）。",
    ]
    assert not Notification.objects.filter(recipient=other).exists()


# --- only the office, and every change in the trail -----------------------------------------------------------


def test_only_the_office_writes(fund_world, world, tasks_world):
    allocation = reward(fund_world)
    outsiders = [world.users[r] for r in ("county", "leader", "bureau", "api", "expert", "norole")] + [
        tasks_world.gongxin
    ]
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            support(_as(fund_world, user), world.home_town)
        for call in (
            lambda u: services.allocation_issue(
                user=u, allocation=allocation, document_number="n", document_date=TODAY
            ),
            lambda u: services.allocation_cancel(user=u, allocation=allocation, reason="x"),
            lambda u: services.allocation_delete(user=u, allocation=allocation),
            lambda u: services.allocation_update(user=u, allocation=allocation, data={}),
            lambda u: services.budget_save(user=u, budget=fund_world.budget, data={"amount_wan": Decimal("1")}),
        ):
            with pytest.raises(PermissionDenied):
                call(user)
    allocation.refresh_from_db()
    assert allocation.status == "planned" and FundAllocation.objects.count() == 1


def _as(fw, user):
    import dataclasses

    return dataclasses.replace(fw, office=user)


def test_every_change_is_in_the_audit_trail(fund_world, world):
    office = fund_world.office
    allocation = support(fund_world, world.home_town, amount="100")
    services.allocation_update(
        user=office,
        allocation=allocation,
        data={"town": world.home_town, "amount_wan": Decimal("150"), "purpose": "quality_brand"},
    )
    services.allocation_attach(user=office, allocation=allocation, files=[SimpleUploadedFile("批复.pdf", pdf_bytes())])
    services.allocation_issue(
        user=office, allocation=allocation, document_number="运专镇办〔2026〕5号", document_date=TODAY
    )
    services.allocation_attachment_remove(user=office, attachment=allocation.attachments.get())
    services.allocation_cancel(user=office, allocation=allocation, reason="项目终止")
    assert trail(allocation) == ["create", "update", "update", "state", "update", "state"]
    entries = list(
        AuditEntry.objects.filter(object_id=str(allocation.pk), content_type__model="fundallocation").order_by("id")
    )
    assert entries[1].changes == {"amount_wan": ["100", "150"], "purpose": ["创新能力提升", "质量品牌打造"]}
    assert entries[2].changes == {"附件": [None, "批复.pdf"]}
    assert entries[3].changes["status"] == ["拟安排", "已下达"] and entries[3].note == "下达：运专镇办〔2026〕5号"
    assert entries[4].changes == {"附件": ["批复.pdf", None]}
    assert entries[5].changes["status"] == ["已下达", "已撤销"] and entries[5].note == "撤销：项目终止"
    assert all(e.username == "office" for e in entries)
    assert trail(fund_world.budget) == ["create"]


def test_a_refused_attachment_saves_none_of_the_files(fund_world, world):
    allocation = support(fund_world, world.home_town)
    with pytest.raises(ValidationError):
        services.allocation_attach(
            user=fund_world.office,
            allocation=allocation,
            files=[SimpleUploadedFile("批复.pdf", pdf_bytes()), SimpleUploadedFile("假.pdf", b"<html>")],
        )
    assert not allocation.attachments.exists()
    assert trail(allocation) == ["create"]


def test_a_second_office_user_is_the_office_too(fund_world, world):
    second = make_user("office", username="office2")
    assert support(_as(fund_world, second), world.home_town).created_by == second

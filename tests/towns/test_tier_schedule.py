"""Tier changes against the domain's dates: a future effective date is a scheduled change (stored, shown as
计划于…生效, counted nowhere until the daily job applies it on its day); the office withdraws a scheduled change or
undoes one it entered today; dates that would put the history out of order are refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certification import services as cert_services
from core.errors import ActionNotAllowed
from core.models import AuditEntry
from portal.tasks import send_daily_reminders
from targets import selectors as targets
from towns import services
from towns.models import Town, TownTierChange

from ..helpers import confirmed, town_with_firms

TODAY = timezone.localdate()
LATER = TODAY + datetime.timedelta(days=30)


def schedule(world, to_tier="provincial", day=LATER):
    return services.town_change_tier(
        user=world.users["office"],
        town=world.other_town,
        to_tier=to_tier,
        effective_date=day,
        source="晋政办函〔2026〕9号",
        direct=True,
    )


def _counted_provincial(world, client, api) -> dict[str, object]:
    """Where a provincial town would be counted: the leader's dashboard, the list filter, the API, the county."""
    dashboard, _ = targets.dashboard(user=world.users["leader"], today=TODAY)
    listed = client.get(reverse("town-list"), {"tier": "provincial"}).content.decode()
    rows = api.get(reverse("api:town-list"), {"tier": "provincial"}).json()["results"]
    county = client.get(reverse("county-list")).context["counties"]
    return {
        "dashboard": dashboard.tier_counts["provincial"],
        "list": "盐湖区水泵" in listed,
        "api": [r["name"] for r in rows],
        "county": next(c.provincial_count for c in county if c.name == "盐湖区"),
    }


def test_a_future_date_is_scheduled_and_counted_nowhere_before_its_day(world, client_for, api_for):
    leader, api = client_for("leader"), api_for("api")
    before = _counted_provincial(world, leader, api)
    change = schedule(world)
    world.other_town.refresh_from_db()
    assert change.status == TownTierChange.Status.SCHEDULED and change.from_tier == "city"
    assert world.other_town.tier == "city"  # not yet
    assert (
        _counted_provincial(world, leader, api)
        == before
        == {
            "dashboard": 1,  # 万荣县外加剂 only
            "list": False,
            "api": ["万荣县外加剂"],
            "county": 0,
        }
    )
    page = leader.get(reverse("town-detail", kwargs={"pk": world.other_town.pk})).content.decode()
    assert f"计划于{LATER.isoformat()}生效" in page and "此前仍按现梯次统计" in page
    entry = AuditEntry.objects.filter(object_id=str(world.other_town.pk), content_type__model="town").first()
    assert entry.changes["scheduled_tier"] == [None, f"计划于{LATER.isoformat()}生效：市级专业镇 → 省级专业镇"]


def test_the_daily_job_applies_it_on_its_day_and_not_before(world, client_for, api_for):
    schedule(world)
    day_before = LATER - datetime.timedelta(days=1)
    assert send_daily_reminders(day_before.isoformat())["tier_changes_applied"] == 0
    world.other_town.refresh_from_db()
    assert world.other_town.tier == "city"

    assert send_daily_reminders(LATER.isoformat())["tier_changes_applied"] == 1
    town = Town.objects.get(pk=world.other_town.pk)
    change = town.tier_changes.get()
    assert (town.tier, town.tier_since, change.status) == ("provincial", LATER, "in_force")
    entry = AuditEntry.objects.filter(action="state", object_id=str(town.pk)).first()
    assert entry.user is None and entry.changes["tier"] == ["市级专业镇", "省级专业镇"] and "到期生效" in entry.note
    assert send_daily_reminders(LATER.isoformat())["tier_changes_applied"] == 0  # idempotent
    dashboard, _ = targets.dashboard(user=world.users["leader"], today=LATER)
    assert dashboard.tier_counts["provincial"] == 2


def test_a_missed_day_is_caught_up(world):
    schedule(world)
    assert send_daily_reminders((LATER + datetime.timedelta(days=3)).isoformat())["tier_changes_applied"] == 1
    world.other_town.refresh_from_db()
    assert world.other_town.tier_since == LATER  # the day it was due, not the day the job ran


def test_a_scheduled_change_already_reached_another_way_is_withdrawn_when_due(world):
    schedule(world)
    services.town_change_tier(
        user=world.users["office"], town=world.other_town, to_tier="provincial", effective_date=TODAY, source="x"
    )
    assert send_daily_reminders(LATER.isoformat())["tier_changes_applied"] == 0
    change = world.other_town.tier_changes.get(effective_date=LATER)
    assert change.status == "withdrawn" and "无需变更" in change.withdraw_reason


def test_the_office_withdraws_a_scheduled_change(world, client_for):
    change = schedule(world)
    office = client_for("office")
    url = reverse("tier-change-withdraw", kwargs={"pk": change.pk})
    asked = office.post(url, {"reason": "省级认定推迟"})
    assert "到期不再生效" in asked.content.decode()
    assert TownTierChange.objects.get(pk=change.pk).status == "scheduled"
    office.post(url, confirmed({"reason": "省级认定推迟"}))
    change.refresh_from_db()
    assert (change.status, change.withdrawn_by, change.withdraw_reason) == (
        "withdrawn",
        world.users["office"],
        "省级认定推迟",
    )
    assert send_daily_reminders(LATER.isoformat())["tier_changes_applied"] == 0
    world.other_town.refresh_from_db()
    assert world.other_town.tier == "city"
    page = office.get(reverse("town-detail", kwargs={"pk": world.other_town.pk})).content.decode()
    assert "已撤回" in page and "计划于" not in page.split('id="tier-changes"')[0]


def test_a_change_entered_today_can_be_undone_the_same_day_only(world, client_for):
    town = world.other_town
    Town.objects.filter(pk=town.pk).update(tier_since=datetime.date(2024, 5, 1))
    office = client_for("office")
    data = {"to_tier": "provincial", "effective_date": TODAY.isoformat(), "source": "晋政办函〔2026〕9号"}
    url = reverse("town-tier-change", kwargs={"pk": town.pk})
    asked = office.post(url, data)
    assert "当日内可在专业镇页面撤回（恢复为市级专业镇）" in asked.content.decode()
    office.post(url, confirmed(data))
    town.refresh_from_db()
    assert town.tier == "provincial"
    change = town.tier_changes.get()
    assert change.direct and services.tier_change_withdrawable(change)
    assert "撤回（当日登记）" in office.get(reverse("town-detail", kwargs={"pk": town.pk})).content.decode()

    # the next day it stands: no undo
    assert not services.tier_change_withdrawable(change, today=TODAY + datetime.timedelta(days=1))

    services.tier_change_withdraw(user=world.users["office"], change=change, reason="录错了镇")
    town.refresh_from_db()
    assert (town.tier, town.tier_since) == ("city", datetime.date(2024, 5, 1))  # as it was before
    entry = AuditEntry.objects.filter(action="state", object_id=str(town.pk)).first()
    assert entry.changes["tier"] == ["省级专业镇", "市级专业镇"] and "录错了镇" in entry.note
    with pytest.raises(ActionNotAllowed):
        services.tier_change_withdraw(user=world.users["office"], change=change, reason="again")


def test_a_change_that_follows_from_a_certificate_is_not_withdrawn(world, cert):
    town = town_with_firms(world, "万荣县新镇")
    cert_services.application_certify(user=cert.office, application=cert.make("public_notice", town=town))
    change = town.tier_changes.get(to_tier="city")
    assert not change.direct and not services.tier_change_withdrawable(change)  # revoke the certificate instead
    with pytest.raises(ActionNotAllowed):
        services.tier_change_withdraw(user=world.users["office"], change=change, reason="x")


def test_dates_that_would_put_the_history_out_of_order_are_refused(world, client_for):
    Town.objects.filter(pk=world.other_town.pk).update(tier_since=datetime.date(2024, 5, 1))
    world.other_town.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        schedule(world, day=datetime.date(2023, 1, 1))
    assert "不能早于该镇现梯次（市级专业镇）的认定日期2024-05-01" in exc.value.message_dict["effective_date"][0]
    with pytest.raises(ValidationError):
        schedule(world, day=datetime.date(2101, 1, 1))
    schedule(world)
    response = client_for("office").post(
        reverse("town-tier-change", kwargs={"pk": world.other_town.pk}),
        {"to_tier": "potential", "effective_date": (LATER + datetime.timedelta(days=9)).isoformat(), "source": "x"},
    )
    assert "该专业镇已有一项计划生效的梯次变更，请先撤回后再登记" in response.content.decode()
    assert "请确认" not in response.content.decode()  # refused before the confirmation
    assert world.other_town.tier_changes.count() == 1


def test_the_2030_example_from_the_issue(world, client_for, api_for):
    """A tier change dated 2030-01-01 used to make a town 省级 at once and the leader's dashboard counted it."""
    client_for("office").post(
        reverse("town-tier-change", kwargs={"pk": world.other_town.pk}),
        confirmed({"to_tier": "provincial", "effective_date": "2030-01-01", "source": "x"}),
    )
    world.other_town.refresh_from_db()
    assert world.other_town.tier == "city"
    home = client_for("leader").get(reverse("home")).content.decode()
    assert world.other_town.tier_changes.scheduled().get().effective_date == datetime.date(2030, 1, 1)
    assert _counted_provincial(world, client_for("leader"), api_for("api"))["dashboard"] == 1
    assert "计划于2030-01-01生效" not in home  # nothing of it on the dashboard either

"""Notifications: nobody is told of their own action (whichever service sends it, pages and API alike), and a
notification is read once seen — on the notifications page, or by following it to what it is about."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.notify import notify
from towns.models import Role

from ..factories import NotificationFactory, api_key, make_user


def test_recording_a_problem_tells_the_other_office_users_but_not_the_one_who_recorded_it(world, client_for):
    colleague = make_user(Role.OFFICE, username="office2")
    response = client_for("office").post(
        reverse("problem-create"),
        {
            "title": "用地指标不足",
            "description": "项目落地缺少用地指标",
            "source": "field_research",
            "found_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert Notification.objects.filter(recipient=colleague, message__contains="用地指标不足").count() == 1
    assert not Notification.objects.filter(recipient=world.users["office"]).exists()


def test_a_county_recording_a_problem_still_tells_every_office_user(world, client_for):
    client_for("county").post(
        reverse("problem-create"),
        {
            "title": "配套不足",
            "description": "x",
            "source": "county",
            "town": world.home_town.pk,
            "found_on": timezone.localdate().isoformat(),
        },
    )
    assert Notification.objects.filter(recipient=world.users["office"], message__contains="配套不足").count() == 1
    assert not Notification.objects.filter(recipient=world.users["county"]).exists()


def test_the_api_leaves_out_the_token_holder_too(world):
    """DRF authenticates the token inside the view, after the middleware ran: the actor is read when notifying."""
    from django.test import RequestFactory
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from core.api.authentication import HashedTokenAuthentication
    from core.middleware import ActingUserMiddleware

    office = world.users["office"]
    colleague = make_user(Role.OFFICE, username="office2")

    class Decide(APIView):
        authentication_classes = [HashedTokenAuthentication]
        permission_classes = []  # only who is acting matters here (the API's write rules are tested elsewhere)

        def post(self, request):
            notify([office, colleague], "经接口作出的决定", "/")
            return Response(status=204)

    request = RequestFactory().post("/api/v1/x/", HTTP_AUTHORIZATION=f"Token {api_key(office)}")
    response = ActingUserMiddleware(Decide.as_view())(request)
    assert response.status_code == 204
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["office2"]


def test_without_a_request_nobody_is_left_out_and_an_explicit_actor_is(world):
    office, county = world.users["office"], world.users["county"]
    notify([office, county], "每日提醒", "/")  # the daily job: no one acting
    assert Notification.objects.filter(message="每日提醒").count() == 2
    notify([office, county], "办公室操作", "/", actor=office)
    assert list(Notification.objects.filter(message="办公室操作").values_list("recipient__username", flat=True)) == [
        "county"
    ]


def test_the_notifications_page_marks_what_it_shows_as_read_and_shows_it_as_new_once(world, client_for):
    county = world.users["county"]
    unread = NotificationFactory(recipient=county, message="督办通知书已下发", url="/")
    other = NotificationFactory(recipient=world.users["office"], message="别人的通知")
    client = client_for("county")
    first = client.get(reverse("notifications")).content.decode()
    assert "督办通知书已下发" in first and "<strong>新</strong>" in first and "别人的通知" not in first
    unread.refresh_from_db()
    assert unread.read_at is not None
    other.refresh_from_db()
    assert other.read_at is None
    second = client.get(reverse("notifications")).content.decode()
    assert "<strong>新</strong>" not in second and "已读" in second
    # the bell in the header counts nothing any more
    assert 'class="count"' not in client.get("/").content.decode()


def test_following_a_notification_opens_its_page_and_marks_it_read(world, client_for):
    county = world.users["county"]
    notification = NotificationFactory(recipient=county, message="申请被退回", url="/certification/")
    response = client_for("county").get(reverse("notification-open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == "/certification/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_is_not_found_and_stays_unread(world, client_for):
    notification = NotificationFactory(recipient=world.users["office"], message="x", url="/")
    assert client_for("county").get(reverse("notification-open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_notification_never_sends_the_user_off_the_portal(world, client_for):
    notification = NotificationFactory(recipient=world.users["county"], message="x", url="https://example.com/")
    response = client_for("county").get(reverse("notification-open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == reverse("notifications")

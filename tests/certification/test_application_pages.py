"""What the application pages show: a draft without "None", a versions diff of real changes only, no certify button
while the public notice runs (and the reason instead), specific messages after each move."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from certification import services
from certification.models import Application, PublicNotice

from ..factories import TownFactory
from ..helpers import confirmed


def test_a_draft_without_figures_shows_dashes_not_none(world, cert, client_for):
    town = TownFactory(county=world.home_county, tier="potential")
    app = services.application_start(user=cert.county, cycle=cert.cycle, target_tier="city", town=town)
    html = client_for("county").get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    facts = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    assert "None" not in facts
    assert re.search(r"带动当地就业（人）</dt><dd>—</dd>", facts)


def test_the_versions_diff_lists_only_what_changed(world, cert, client_for):
    app = cert.make("screening")
    services.application_return(user=cert.office, application=app, reason="就业人数请附证明")
    services.application_update(user=cert.county, application=app, data={"local_jobs": 3100})
    services.application_submit(user=cert.county, application=app)
    html = client_for("office").get(reverse("application-versions", kwargs={"pk": app.pk})).content.decode()
    table = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert rows == [("带动当地就业（人）", "2500", "3100")]  # the verdict reads the same: not listed


def test_no_certify_button_while_the_notice_runs(world, cert, client_for):
    app = cert.make("public_notice")
    notice = app.notices.get()
    today = timezone.localdate()
    PublicNotice.objects.filter(pk=notice.pk).update(starts_on=today, ends_on=today, published_at=timezone.now())
    office = client_for("office")
    html = office.get(reverse("application-detail", kwargs={"pk": app.pk})).content.decode()
    ends = services.notice_real_end(PublicNotice.objects.get(pk=notice.pk), app.cycle)
    assert f"公示期至{ends.isoformat()}，期满后方可认定。" in html
    assert "transition/certify" not in html and ">认定</button>" not in html
    # a POST anyway is refused with the reason, before any confirmation
    response = office.post(
        reverse("application-transition", kwargs={"pk": app.pk, "action": "certify"}),
        confirmed({"expected": "public_notice", "rationale": ""}),
        follow=True,
    )
    assert "期满后方可认定" in response.content.decode()
    assert Application.objects.get(pk=app.pk).status == "public_notice"


def test_each_move_says_what_was_done(world, cert, client_for):
    app = cert.make("submitted")
    response = client_for("office").post(
        reverse("application-transition", kwargs={"pk": app.pk, "action": "screen"}),
        confirmed({"expected": "submitted"}),
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [f"申请{app.number}已进入形式审查，已通知万荣县人民政府。"]
    assert "已处理" not in response.content.decode()

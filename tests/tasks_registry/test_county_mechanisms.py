"""The counties' own mechanisms (五、"各县（市、区）参照建立本级工作机制"): their documents and task lists, written by
the county alone, drafts seen only by it, the one overdue rule, the status that follows the reports."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from core.errors import ActionNotAllowed
from core.models import AuditEntry, Notification
from tasks_registry import county_selectors as selectors
from tasks_registry import county_services as services
from tasks_registry import progress
from tasks_registry.county_models import CountyDocument, CountyTask, CountyTaskReport
from towns.permissions import OutOfScope

from ..factories import CountyTaskFactory, TownFactory, pdf_bytes
from ..helpers import other_county_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
QUARTER = progress.period_of(TODAY, progress.QUARTERLY)
LAST_QUARTER = progress.previous_period(QUARTER, progress.QUARTERLY)
POLICY = {
    "kind": "town_policy",
    "title": "万荣县支持外加剂专业镇发展若干措施",
    "number": "万政办发〔2026〕3号",
    "issued_on": TODAY,
    "issuer": "万荣县人民政府办公室",
    "summary": "厂房租金补贴",
}


def _draft(world, **changes):
    return services.document_save(
        user=world.users["county"], county=world.home_county, data=POLICY | changes, towns=[world.home_town]
    )


def _task(world, **changes):
    data = {"year": TODAY.year, "title": "标准化厂房二期", "owner_unit": "万荣县工信局", "deadline": TODAY} | changes
    return services.county_task_save(user=world.users["county"], county=world.home_county, data=data, towns=[])


def _report(world, task, pct, period=QUARTER.code, **kwargs):
    return services.county_task_report_save(
        user=world.users["county"], task=task, period=period, progress_pct=Decimal(pct), narrative="推进中", **kwargs
    )


# --- documents ----------------------------------------------------------------------------------------------


def test_a_county_drafts_a_policy_for_its_own_towns_and_only_it_sees_the_draft(world):
    draft = _draft(world)
    assert draft.status == CountyDocument.Status.DRAFT and list(draft.towns.all()) == [world.home_town]
    assert AuditEntry.objects.filter(object_id=str(draft.pk), action="create").get().changes["towns"] == [
        None,
        "万荣县外加剂",
    ]
    other = other_county_user(world)
    assert list(selectors.document_list(user=world.users["county"])) == [draft]
    for user in (other, world.users["office"], world.users["bureau"], world.users["leader"]):
        assert not selectors.document_list(user=user).exists()
        with pytest.raises(Http404):
            selectors.document_get(user=user, pk=draft.pk)


def test_another_countys_town_is_refused_by_name_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as exc:
        services.document_save(
            user=world.users["county"],
            county=world.home_county,
            data=POLICY,
            towns=[world.home_town, world.other_town],
        )
    assert exc.value.message_dict["towns"] == ["只能选择本县（市、区）的专业镇：盐湖区水泵不属于万荣县。"]
    with pytest.raises(ValidationError):
        services.county_task_save(
            user=world.users["county"],
            county=world.home_county,
            data={"year": TODAY.year, "title": "x", "owner_unit": "x", "deadline": TODAY},
            towns=[world.other_town],
        )
    assert not CountyDocument.objects.exists() and not CountyTask.objects.exists()


def test_only_a_county_writes_and_only_its_own(world):
    draft = _draft(world)
    for role in ("office", "bureau", "leader", "expert", "api"):
        with pytest.raises(PermissionDenied):
            services.document_save(user=world.users[role], county=world.home_county, data=POLICY, towns=[])
        with pytest.raises(PermissionDenied):
            services.document_publish(user=world.users[role], document=draft)
    other = other_county_user(world)
    with pytest.raises(OutOfScope):
        services.document_save(user=other, county=world.home_county, data=POLICY, towns=[])
    with pytest.raises(OutOfScope):  # the document stays in its county, whatever county is passed
        services.document_save(user=other, county=world.other_county, data=POLICY, towns=[], document=draft)
    with pytest.raises(OutOfScope):
        services.document_publish(user=other, document=draft)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.county == world.home_county


def test_publishing_needs_number_date_issuer_towns_and_content(world):
    bare = services.document_save(
        user=world.users["county"],
        county=world.home_county,
        data={"kind": "town_policy", "title": "草拟中的政策"},
        towns=[],
    )
    with pytest.raises(ValidationError) as exc:
        services.document_publish(user=world.users["county"], document=bare)
    assert exc.value.message_dict == {
        "number": ["发布前请填写文号。"],
        "issued_on": ["发布前请填写印发日期。"],
        "issuer": ["发布前请填写发文机关。"],
        "towns": ["“一镇一策扶持政策”应写明适用的专业镇。"],
        "summary": ["发布前请填写主要内容或上传文件正文。"],
    }
    bare.refresh_from_db()
    assert bare.status == "draft"
    # a county-wide 培育方案 names no town; its text may be the attachment alone
    plan = services.document_save(
        user=world.users["county"],
        county=world.home_county,
        data=POLICY | {"kind": "cultivation_plan", "number": "万政发〔2026〕1号", "summary": ""},
        towns=[],
        attachment=SimpleUploadedFile("方案.pdf", pdf_bytes()),
    )
    assert services.document_publish(user=world.users["county"], document=plan).status == "published"


def test_a_published_document_is_read_by_every_programme_member_and_is_fixed(world):
    draft = _draft(world)
    published = services.document_publish(user=world.users["county"], document=draft, expected="draft")
    assert published.status == "published" and published.published_at is not None
    told = Notification.objects.filter(recipient=world.users["office"], message__contains="万政办发〔2026〕3号")
    assert told.exists()
    other = other_county_user(world)
    for user in (other, world.users["office"], world.users["bureau"], world.users["leader"]):
        assert selectors.document_get(user=user, pk=draft.pk) == draft
    for role in ("expert", "api"):
        with pytest.raises(PermissionDenied):
            selectors.document_list(user=world.users[role])
    with pytest.raises(ActionNotAllowed, match="已发布"):
        services.document_save(
            user=world.users["county"], county=world.home_county, data={"title": "改"}, towns=[], document=draft
        )
    with pytest.raises(ActionNotAllowed):
        services.document_attach(
            user=world.users["county"], document=draft, upload=SimpleUploadedFile("a.pdf", pdf_bytes())
        )
    with pytest.raises(ActionNotAllowed, match="已发布"):  # published twice (a second tab)
        services.document_publish(user=world.users["county"], document=draft)
    draft.refresh_from_db()
    assert draft.title == POLICY["title"] and not draft.attachments.exists()


def test_a_stale_page_does_not_publish(world):
    draft = _draft(world)
    with pytest.raises(ActionNotAllowed, match="已被他人处理"):
        services.document_publish(user=world.users["county"], document=draft, expected="published")
    assert CountyDocument.objects.get().status == "draft"


def test_repeal_keeps_the_document_readable_and_needs_a_reason(world):
    document = services.document_publish(user=world.users["county"], document=_draft(world))
    with pytest.raises(ValidationError) as exc:
        services.document_repeal(user=world.users["county"], document=document, reason=" ")
    assert exc.value.message_dict == {"reason": ["请填写废止说明。"]}
    with pytest.raises(ValidationError):
        services.document_repeal(
            user=world.users["county"], document=document, reason="x", repealed_on=TODAY + datetime.timedelta(days=1)
        )
    repealed = services.document_repeal(user=world.users["county"], document=document, reason="已被新政策替代")
    assert (repealed.status, repealed.repealed_on, repealed.repeal_reason) == ("repealed", TODAY, "已被新政策替代")
    assert selectors.document_get(user=other_county_user(world), pk=document.pk).status == "repealed"
    with pytest.raises(ActionNotAllowed):
        services.document_repeal(user=world.users["county"], document=document, reason="again")


def test_a_document_number_once_per_county_and_no_future_date(world):
    _draft(world)
    with pytest.raises(ValidationError) as exc:
        _draft(world, title="另一个文件")
    assert exc.value.message_dict == {"number": ["本县（市、区）已登记过该文号的文件。"]}
    with pytest.raises(ValidationError) as exc:
        _draft(world, number="", issued_on=TODAY + datetime.timedelta(days=1))
    assert exc.value.message_dict == {"issued_on": ["印发日期不能晚于今天。"]}
    # another county may use the same characters in its own series; and any number of drafts may lack one
    other = other_county_user(world)
    services.document_save(user=other, county=world.other_county, data=POLICY, towns=[world.other_town])
    _draft(world, number="", title="草稿甲")
    _draft(world, number="", title="草稿乙")
    assert CountyDocument.objects.count() == 4


def test_a_drafts_attachment_is_removed_a_published_ones_is_kept(world):
    draft = _draft(world)
    attachment = services.document_attach(
        user=world.users["county"], document=draft, upload=SimpleUploadedFile("正文.pdf", pdf_bytes())
    )
    with pytest.raises(OutOfScope):
        services.document_attachment_delete(user=other_county_user(world), attachment=attachment)
    services.document_attachment_delete(user=world.users["county"], attachment=attachment)
    assert not draft.attachments.exists()
    kept = services.document_attach(
        user=world.users["county"], document=draft, upload=SimpleUploadedFile("正文.pdf", pdf_bytes())
    )
    services.document_publish(user=world.users["county"], document=draft)
    with pytest.raises(ActionNotAllowed):
        services.document_attachment_delete(user=world.users["county"], attachment=kept)
    assert draft.attachments.get() == kept


# --- tasks --------------------------------------------------------------------------------------------------


def test_a_task_follows_its_latest_quarter_report(world):
    task = _task(world, year=LAST_QUARTER.start.year, deadline=datetime.date(TODAY.year, 12, 31))
    assert (task.status, task.progress_pct) == ("not_started", None)
    _report(world, task, "30", period=LAST_QUARTER.code)
    task.refresh_from_db()
    assert (task.status, task.progress_pct) == ("in_progress", Decimal("30.0"))
    report = _report(world, task, "100")
    task.refresh_from_db()
    assert (task.status, task.progress_pct, task.done_on) == ("done", Decimal("100.0"), TODAY)
    # revising the latest report below 100% reopens it; an older quarter's report does not decide
    _report(world, task, "90", report=report)
    task.refresh_from_db()
    assert (task.status, task.done_on) == ("in_progress", None)
    assert AuditEntry.objects.filter(object_id=str(task.pk), action="state").count() == 3


def test_one_report_a_quarter_and_no_future_or_malformed_period(world):
    task = _task(world)
    _report(world, task, "20")
    with pytest.raises(ValidationError) as exc:
        _report(world, task, "40")
    assert exc.value.message_dict == {"period": ["该任务本期已报送，请修改已有报告。"]}
    next_quarter = progress.period_of(QUARTER.end + datetime.timedelta(days=1), progress.QUARTERLY)
    for period, message in ((next_quarter.code, "报送期尚未开始。"), ("2026-13", "报送期格式应为2026-Q3。")):
        with pytest.raises(ValidationError) as exc:
            _report(world, task, "40", period=period)
        assert exc.value.message_dict == {"period": [message]}
    with pytest.raises(ValidationError) as exc:
        services.county_task_report_save(
            user=world.users["county"], task=task, period=QUARTER.code, progress_pct=Decimal("101"), narrative=" "
        )
    assert set(exc.value.message_dict) == {"progress_pct", "narrative"}
    assert CountyTaskReport.objects.count() == 1


def test_only_the_county_reports_on_its_task(world):
    task = _task(world)
    with pytest.raises(OutOfScope):
        services.county_task_report_save(
            user=other_county_user(world), task=task, period=QUARTER.code, progress_pct=Decimal("1"), narrative="x"
        )
    for role in ("office", "bureau", "leader"):
        with pytest.raises(PermissionDenied):
            services.county_task_report_save(
                user=world.users[role], task=task, period=QUARTER.code, progress_pct=Decimal("1"), narrative="x"
            )
    other_task = CountyTaskFactory(county=world.home_county, title="另一项")
    report = _report(world, other_task, "10")
    with pytest.raises(Http404):  # a report never moves to another task
        _report(world, task, "20", report=report)
    assert not task.reports.exists()


def test_a_task_deadline_is_not_before_its_year(world):
    with pytest.raises(ValidationError) as exc:
        _task(world, year=TODAY.year, deadline=datetime.date(TODAY.year - 1, 12, 31))
    assert exc.value.message_dict == {"deadline": [f"完成时限不能早于任务年度（{TODAY.year}年）。"]}


def test_overdue_is_one_rule_past_the_deadline_and_not_done(world):
    yesterday, tomorrow = TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)
    late = CountyTaskFactory(county=world.home_county, deadline=yesterday, status="in_progress")
    late_unstarted = CountyTaskFactory(county=world.home_county, deadline=yesterday)
    done_late = CountyTaskFactory(county=world.home_county, deadline=yesterday, status="done")
    due_today = CountyTaskFactory(county=world.home_county, deadline=TODAY)
    CountyTaskFactory(county=world.home_county, deadline=tomorrow)
    overdue = set(CountyTask.objects.filter(CountyTask.overdue_q(TODAY)))
    assert overdue == {late, late_unstarted}
    assert {t for t in CountyTask.objects.all() if t.is_overdue(TODAY)} == overdue  # the query and the row agree
    assert not done_late.is_overdue(TODAY) and not due_today.is_overdue(TODAY)


def test_task_lists_a_county_its_own_the_city_every_county(world):
    own = _task(world)
    theirs = CountyTaskFactory(county=world.other_county)
    other = other_county_user(world)
    assert list(selectors.county_task_list(user=world.users["county"])) == [own]
    assert list(selectors.county_task_list(user=other)) == [theirs]
    with pytest.raises(Http404):
        selectors.county_task_get(user=other, pk=own.pk)
    for role in ("office", "bureau", "leader"):
        assert set(selectors.county_task_list(user=world.users[role])) == {own, theirs}
    for role in ("expert", "api", "norole"):
        with pytest.raises(PermissionDenied):
            selectors.county_task_list(user=world.users[role])


def test_county_lists_and_comparison_scope(world):
    other = other_county_user(world)
    with pytest.raises(OutOfScope):
        selectors.county_lists(user=other, county=world.home_county, year=TODAY.year, today=TODAY)
    for user in (world.users["county"], other):
        with pytest.raises(PermissionDenied):
            selectors.comparison(user=user, year=TODAY.year, today=TODAY)


def test_comparison_counts_published_documents_tasks_projects_and_targets(world):
    from towns.models import CountyTarget

    from ..factories import KeyProjectFactory

    second_town = TownFactory(county=world.home_county, name="万荣县第二镇")
    policy = services.document_publish(user=world.users["county"], document=_draft(world))
    policy.towns.add(second_town)  # covers both towns
    _draft(world, number="", title="草稿不计入")
    CountyTaskFactory(county=world.home_county, year=TODAY.year, deadline=TODAY - datetime.timedelta(days=3))
    CountyTaskFactory(county=world.home_county, year=TODAY.year, status="done")
    CountyTaskFactory(county=world.home_county, year=TODAY.year - 1)  # another year
    KeyProjectFactory(town=world.home_town, stage="signed")
    KeyProjectFactory(town=second_town, stage="started", started_on=TODAY)
    CountyTarget.objects.create(county=world.home_county, year=2024, jobs_target=1, tax_target_wan=Decimal("1e9"))
    rows = {r.county.name: r for r in selectors.comparison(user=world.users["office"], year=TODAY.year, today=TODAY)}
    home, other = rows["万荣县"], rows["盐湖区"]
    assert home.policies == {"town_policy": 1, "cultivation_plan": 0, "long_term_plan": 0}
    assert (home.towns_with_policy, home.town_count) == (2, 2)
    assert (home.tasks_total, home.tasks_open, home.tasks_overdue, home.tasks_done) == (2, 1, 1, 1)
    assert home.projects | {"town__county_id": None} == {
        "town__county_id": None,
        "total": 2,
        "signed": 1,
        "started": 1,
        "in_production": 0,
    }
    assert home.target is None  # no target for this year
    assert (other.policy_count, other.tasks_total, other.projects["total"], other.target) == (0, 0, 0, None)
    last = {r.county.name: r for r in selectors.comparison(user=world.users["leader"], year=2024, today=TODAY)}
    assert (last["万荣县"].target.targets_set, last["万荣县"].target.targets_met) == (2, 1)


# --- at once (PostgreSQL) -----------------------------------------------------------------------------------


def test_the_same_number_or_quarter_entered_twice_at_once_gives_one_row_and_a_clear_error(postgres_only, world):
    from ..helpers import race

    outcomes = race(3, lambda i: _draft(world, title=f"并发文件{i}"))
    assert outcomes.count("saved") == 1
    assert all(isinstance(o, ValidationError) and "number" in o.message_dict for o in outcomes if o != "saved")
    assert CountyDocument.objects.filter(number=POLICY["number"]).count() == 1
    task = _task(world)
    outcomes = race(3, lambda i: _report(world, task, str(10 * (i + 1))))
    assert outcomes.count("saved") == 1
    assert all(isinstance(o, ValidationError) and "period" in o.message_dict for o in outcomes if o != "saved")
    task.refresh_from_db()
    assert task.reports.get().progress_pct == task.progress_pct


def test_publishing_twice_at_once_publishes_once(postgres_only, world):
    from ..helpers import race

    draft = _draft(world)
    outcomes = race(
        2, lambda i: services.document_publish(user=world.users["county"], document=draft, expected="draft")
    )
    assert outcomes.count("saved") == 1
    assert [type(o) for o in outcomes if o != "saved"] == [ActionNotAllowed]
    assert AuditEntry.objects.filter(object_id=str(draft.pk), action="state").count() == 1

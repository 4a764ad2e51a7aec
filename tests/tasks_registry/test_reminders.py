"""The daily reminder job: its rules, and the real thing — beat's task run by a Celery worker over Redis
against the test database, twice, sending nothing the second time."""

from __future__ import annotations

import datetime

import pytest
from celery import Celery

from core.models import Notification
from portal.tasks import send_daily_reminders
from tasks_registry import services
from tasks_registry.loading import load_tasks
from tasks_registry.models import Problem, ProgressReport, Task

from ..services import TEST_REDIS_URL, CeleryWorker, redis_or_skip, worker_database_url

# 2026-10-08: Q3 closed on 09-30 and its reports are due (10 days) on 10-10 — two days ahead.
SOON = datetime.date(2026, 10, 8)
LATE = datetime.date(2026, 10, 11)


@pytest.fixture
def board(tasks_world):
    load_tasks(2026)
    return tasks_world.keji, tasks_world.zhaoshang


def test_due_soon_then_overdue_and_reported_units_are_left_alone(board, world):
    keji, zhaoshang = board
    task4 = Task.objects.get(number=4)
    ProgressReport.objects.create(task=task4, bureau=keji.membership.bureau, period="2026-Q3", narrative="已报送")
    assert send_daily_reminders(datetime.date(2026, 10, 1).isoformat()) == {
        "report_reminders": 0,
        "problem_reminders": 0,
        "notice_reminders": 0,
        "reexaminations_opened": 0,
        "reexamination_reminders": 0,
    }  # 9 days ahead
    result = send_daily_reminders(SOON.isoformat())
    assert result["report_reminders"] >= 2
    keji_message = Notification.objects.get(recipient=keji).message
    assert "任务4" not in keji_message  # 市科技局 reported on task 4 (it supports 1, 2, 6, 12 as well)
    assert "任务1 2026年第3季度报告2天内到期" in keji_message or "任务2 2026年第3季度报告2天内到期" in keji_message
    zhaoshang_message = Notification.objects.get(recipient=zhaoshang).message
    assert "任务10" in zhaoshang_message and "2天内到期" in zhaoshang_message
    county_message = Notification.objects.get(recipient=world.users["county"]).message
    # Counties support all 12 tasks: one message names the first six and says there are more.
    assert county_message.count("任务") == 6 and county_message.endswith("等。")
    send_daily_reminders(LATE.isoformat())
    assert "已逾期" in Notification.objects.filter(recipient=zhaoshang).first().message


def test_running_twice_a_day_sends_nothing_twice(board):
    first = send_daily_reminders(LATE.isoformat())
    count = Notification.objects.count()
    assert first["report_reminders"] > 0
    assert send_daily_reminders(LATE.isoformat()) == {
        "report_reminders": 0,
        "problem_reminders": 0,
        "notice_reminders": 0,
        "reexaminations_opened": 0,
        "reexamination_reminders": 0,
    }
    assert Notification.objects.count() == count


def test_overdue_problems_remind_their_responsible_unit(board, world):
    keji, _ = board
    office = world.users["office"]
    problem = services.problem_record(
        user=office, data={"title": "检测平台缺设备", "description": "x", "found_on": datetime.date(2026, 9, 1)}
    )
    services.problem_assign(
        user=office, problem=problem, bureau=keji.membership.bureau, deadline=datetime.date(2026, 10, 1)
    )
    assert send_daily_reminders(LATE.isoformat())["problem_reminders"] == 1
    assert Notification.objects.filter(recipient=keji, message__contains=problem.number).exists()
    Problem.objects.filter(pk=problem.pk).update(status=Problem.Status.CLOSED)
    assert send_daily_reminders((LATE + datetime.timedelta(days=1)).isoformat())["problem_reminders"] == 0


@pytest.mark.services
def test_beat_job_runs_on_a_real_worker_and_is_idempotent(transactional_db, board):
    redis_or_skip(flush=True)
    client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    worker = CeleryWorker(TEST_REDIS_URL, extra_env={"DATABASE_URL": worker_database_url()})
    try:
        worker.wait_ready(client)
        first = client.send_task("portal.send_daily_reminders", args=[LATE.isoformat()]).get(timeout=30)
        count = Notification.objects.count()
        second = client.send_task("portal.send_daily_reminders", args=[LATE.isoformat()]).get(timeout=30)
    finally:
        worker.stop()
        client.close()
    assert first["report_reminders"] > 0 and count > 0
    assert second == {
        "report_reminders": 0,
        "problem_reminders": 0,
        "notice_reminders": 0,
        "reexaminations_opened": 0,
        "reexamination_reminders": 0,
    }
    assert Notification.objects.count() == count

"""The progress-report form proposes a period the unit has not reported on yet, and a period already reported
is refused with a link to the existing report (edit it, do not file it twice)."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from tasks_registry import progress
from tasks_registry.models import ProgressReport, Task

from ..helpers import client_of, report


def _selected(page: str) -> str:
    select = re.search(r'<select name="period".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="([^"]+)"[^>]*selected', select).group(1)


def _default(task: Task) -> progress.Period:
    today = timezone.localdate()
    periods = progress.reportable_periods(today, task.reporting_period)
    return periods[1] if periods[1].start.year == today.year else periods[0]


def test_the_form_proposes_the_due_period_and_then_one_not_reported_yet(tasks_world):
    task = Task.objects.get(number=4)
    client = client_of(None, tasks_world.gongxin)
    url = reverse("report-create", kwargs={"number": 4})
    due = _default(task)
    assert _selected(client.get(url).content.decode()) == due.code
    filed = report(tasks_world.gongxin, 4)  # files the last closed period
    page = client.get(url).content.decode()
    proposed = _selected(page)
    assert proposed != filed.period
    assert not ProgressReport.objects.filter(task=task, bureau=filed.bureau, period=proposed).exists()
    assert "（已报送）" in page  # the reported period is marked in the list


def test_picking_a_period_already_reported_is_refused_with_a_link_to_the_report(tasks_world):
    task = Task.objects.get(number=4)
    filed = report(tasks_world.gongxin, 4)
    client = client_of(None, tasks_world.gongxin)
    data = {"period": filed.period, "narrative": "又报一次"}
    data |= {f"measure_{m.pk}": "60" for m in task.measures.filter(year=int(filed.period[:4]))}
    response = client.post(reverse("report-create", kwargs={"number": 4}), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请打开已有报告修改" in page
    assert reverse("report-edit", kwargs={"number": 4, "pk": filed.pk}) in page
    assert ProgressReport.objects.filter(task=task, bureau=filed.bureau).count() == 1


def test_another_units_report_for_the_period_does_not_block_mine(tasks_world):
    task = Task.objects.get(number=4)
    report(tasks_world.gongxin, 4)  # 市工信局 reported; 市科技局 (lead) has not
    page = client_of(None, tasks_world.keji).get(reverse("report-create", kwargs={"number": 4})).content.decode()
    assert _selected(page) == _default(task).code and "（已报送）" not in page

"""The Celery app boots a real worker against Redis with the project's settings (JSON only)."""

from __future__ import annotations

import pytest
from celery import Celery

from ..services import TEST_REDIS_URL, CeleryWorker, redis_or_skip


@pytest.fixture(scope="module")
def worker():
    redis_or_skip(flush=True)
    client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    process = CeleryWorker(TEST_REDIS_URL)
    try:
        process.wait_ready(client)
        yield client, process
    finally:
        process.stop()
        client.close()


@pytest.mark.services
def test_worker_answers_over_redis_and_runs_a_task(worker):
    client, process = worker
    replies = client.control.ping(destination=[process.name], timeout=2)
    assert replies == [{process.name: {"ok": "pong"}}]
    result = client.send_task("celery.accumulate", args=(1, "二"))
    assert result.get(timeout=10) == [1, "二"]


@pytest.mark.services
def test_worker_refuses_pickle(worker):
    client, process = worker
    result = client.send_task("celery.accumulate", args=(1,), serializer="pickle")
    with pytest.raises(Exception):  # noqa: B017 - the worker rejects the content type; no result arrives
        result.get(timeout=3)
    log = process.log.read_text()
    assert "ContentDisallowed" in log or "disallowed" in log.lower()


def test_development_default_is_in_process(settings):
    # With no broker configured the portal runs tasks in-process and says so (settings.py).
    from yuncheng_towns import settings as project_settings

    if project_settings.REDIS_URL or project_settings.CELERY_BROKER_URL != "memory://":
        pytest.skip("a broker is configured in this environment")
    assert project_settings.CELERY_TASK_ALWAYS_EAGER is True

"""Real services for tests: Redis and a Celery worker process. Missing services skip the test,
except with REQUIRE_SERVICES=1 (CI), where they fail it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(reason: str):
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def redis_or_skip(url: str = TEST_REDIS_URL, *, flush: bool = False) -> None:
    """Skip (fail, in CI) unless Redis answers at ``url``; ``flush`` empties that database for the test. The client
    is closed here: a socket left to the garbage collector warns (an error, in this suite) in some later test."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
        if flush:
            client.flushdb()
    except redis.RedisError as exc:
        unavailable(f"Redis at {url}: {exc}")
    finally:
        client.close()


class CeleryWorker:
    """`celery -A yuncheng_towns worker` in a subprocess, configured only by environment."""

    def __init__(self, broker_url: str, extra_env: dict[str, str] | None = None):
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
        env.update({"REDIS_URL": broker_url, "PYTHONUNBUFFERED": "1", **(extra_env or {})})
        self.log = REPO / "test-artifacts" / f"celery-{self.name.split('@')[0]}.log"
        self.log.parent.mkdir(exist_ok=True)
        self._log_handle = self.log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "yuncheng_towns",
                "worker",
                "--pool=solo",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=REPO,
            env=env,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, app, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise RuntimeError(f"worker not ready after {timeout}s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_handle.close()


def worker_database_url() -> str:
    """The test database as a URL, for a worker process to use the same data as the test."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

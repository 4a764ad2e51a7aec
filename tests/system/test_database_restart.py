"""Fault: PostgreSQL restarted while the portal is under load.

A private PostgreSQL cluster (tests/live.py) holds the portal's database; gunicorn serves it in production mode
while county officials register enterprises through the browser form and an API consumer pulls towns. The cluster
is stopped (fast shutdown, as a restart does), left down for a few seconds, and started again. Meanwhile:
``/readyz`` says the database is down (503) and ready again after; every request either succeeds or fails cleanly
(503, the portal's "try again" page or JSON, never a 500 or a dropped connection); the portal recovers by itself;
and every write it acknowledged is in the database afterwards, once, with nothing stored that it did not answer.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections import Counter

import psycopg2
import pytest

from towns.demo import DEMO_PASSWORD

from ..factories import valid_credit_code
from ..live import Gunicorn, HttpUser, PrivatePostgres, production_env
from ..services import REPO, TEST_REDIS_URL, redis_or_skip

pytestmark = pytest.mark.services

DOWNTIME_SECONDS = 4


def manage(database_url: str, *args: str) -> str:
    """A management command in development mode against ``database_url`` (demo data is refused in production)."""
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


@pytest.fixture
def cluster():
    pg = PrivatePostgres()
    try:
        pg.create_database()
        yield pg
    finally:
        pg.destroy()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.bad: list[str] = []
        self.acknowledged: dict[str, float] = {}  # enterprise name -> when the server acknowledged it
        self.unanswered: set[str] = set()  # names whose request failed cleanly (not saved)
        self.readyz: list[tuple[float, int, str]] = []

    def note(self, kind: str, status: int, allowed: tuple[int, ...], detail: str = "") -> bool:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if status not in allowed:
                self.bad.append(f"{kind} -> {status} {detail[:300]}")
        return status in allowed


def test_postgres_restart_under_load(cluster, production_static, tmp_path):
    redis_or_skip()
    manage(cluster.url, "migrate", "--noinput")
    manage(cluster.url, "load_reference_data")
    demo = manage(cluster.url, "load_demo_data")
    token = re.search(r"API token of api: (\S+)", demo).group(1)
    env = production_env(
        database_url=cluster.url,
        redis_url=TEST_REDIS_URL,
        static_root=production_static,
        media_root=tmp_path / "media",
        secret_key="restart-test-" + "x" * 50,
    )
    env["DB_CONN_MAX_AGE"] = "60"  # persistent connections, as in production: they all die in the restart
    server = Gunicorn(env, workers=2, log_name="gunicorn-restart")
    try:
        county = HttpUser(server.port)
        login = county.submit("/login/", {"username": "wanrong", "password": DEMO_PASSWORD})
        assert login.status == 302, login.text[:500]
        town = re.search(r'<option value="(\d+)"', county.get("/enterprises/new/").text).group(1)
        run(cluster, server, county.cookies["sessionid"], token, town)
    finally:
        server.stop()


def run(cluster: PrivatePostgres, server: Gunicorn, session: str, token: str, town: str) -> None:
    rec = Recorder()
    stop = threading.Event()
    serial = iter(range(10**6))

    def writer(n: int):
        http = HttpUser(server.port, session=session, timeout=30)
        while not stop.is_set():
            k = next(serial)
            name = f"重启测试企业{k}"
            fields = {"town": town, "name": name, "credit_code": valid_credit_code(900_000 + k), "role": "other"}
            try:
                response = http.submit("/enterprises/new/", fields)
            except OSError as exc:  # a dropped connection is not a clean failure
                with rec.lock:
                    rec.bad.append(f"writer {n}: {exc!r}")
                continue
            if response.status == 302 and re.fullmatch(r"/enterprises/\d+/", response.headers.get("location", "")):
                with rec.lock:
                    rec.acknowledged[name] = time.monotonic()
                rec.note("write", 302, (302,))
            else:
                clean = response.status == 503 and "请稍后重试" in response.text  # the portal's "try again" page
                rec.note("write", response.status if clean else -response.status, (503,), response.text)
                with rec.lock:
                    rec.unanswered.add(name)
                time.sleep(0.2)

    def reader():
        http = HttpUser(server.port, token=token, timeout=30)
        while not stop.is_set():
            response = http.get("/api/v1/towns/")
            clean = response.status == 200 or (response.status == 503 and "请稍后重试" in response.json()["detail"])
            rec.note("api", response.status if clean else -response.status, (200, 503), response.text)
            ready = HttpUser(server.port).get("/readyz")
            with rec.lock:
                rec.readyz.append((time.monotonic(), ready.status, ready.json()["database"]))
            time.sleep(0.1)

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(3)]
    threads.append(threading.Thread(target=reader, daemon=True))
    for t in threads:
        t.start()
    time.sleep(3)
    cluster.stop()  # returns once the server is down
    down_at = time.monotonic()
    time.sleep(DOWNTIME_SECONDS)
    starting_at = time.monotonic()  # the server accepts connections a little before pg_ctl returns
    cluster.start()
    up_at = time.monotonic()
    # Recovered by itself: writes are acknowledged again within a few seconds, with nobody restarting the portal.
    deadline = up_at + 30
    while time.monotonic() < deadline and not any(when > up_at + 1 for when in rec.acknowledged.values()):
        time.sleep(0.2)
    time.sleep(max(2.0, up_at + 4.5 - time.monotonic()))  # readyz samples well after recovery
    stop.set()
    for t in threads:
        t.join(timeout=60)

    assert not rec.bad, rec.bad[:10]
    during = [(status, db) for when, status, db in rec.readyz if down_at + 0.5 < when < starting_at]
    assert during and all(status == 503 and db != "ok" for status, db in during), during
    after = [status for when, status, _db in rec.readyz if when > up_at + 3]
    assert after and set(after) == {200}, rec.readyz[-10:]
    assert rec.statuses[("write", 503)] > 0, "no write met the outage: the test did not test anything"
    assert any(when > up_at for when in rec.acknowledged.values()), "writes did not recover"

    conn = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="portal")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT name FROM towns_enterprise WHERE name LIKE '重启测试企业%%'")
            stored = [name for (name,) in cursor.fetchall()]
    finally:
        conn.close()
    assert len(stored) == len(set(stored)), "an enterprise was stored twice"
    missing = set(rec.acknowledged) - set(stored)
    assert not missing, f"acknowledged but lost in the restart: {sorted(missing)[:10]}"
    # Anything stored beyond the acknowledged must be a request that met the outage (its answer was lost).
    assert set(stored) - set(rec.acknowledged) <= rec.unanswered
    print(  # noqa: T201 - the run's figures, shown with -s
        f"restart: {len(rec.acknowledged)} writes acknowledged and stored, "
        f"{rec.statuses[('write', 503)]} refused with 503 during {DOWNTIME_SECONDS} s down; {dict(rec.statuses)}"
    )

"""HTTP benchmark: the portal under gunicorn with production settings, measured with wrk against a floor.

    .venv/bin/python bench/web.py                         # 2,000 towns, 100,000 enterprises; ~4 minutes
    .venv/bin/python bench/web.py --reuse-db --duration 20 --connections 32

1. Data: two PostgreSQL databases, dropped and recreated, migrated, reference data loaded and generated
   with bench/dataset.py (the evaluation benchmark's generator): ``yc_bench_http`` with 2,000 towns,
   100,000 enterprises and five years of figures (the 10× data), ``yc_bench_http_small`` with 200 towns and
   10,000 enterprises (the 1× data), each with key projects, problems and the counties' progress reports.
2. In each database, with production settings in a child process: an office user (logged in, session cookie
   from the database session store), an API user with a token issued by ``api_token_issue``, the town of
   median size; then each URL is requested in-process (Django test client, secure, Host 127.0.0.1) and its
   queries counted with CaptureQueriesContext. The counts at 1× and 10× must be equal.
3. gunicorn as deploy/ runs it (``--config deploy/gunicorn.conf.py``; DEBUG=0, SECRET_KEY, ALLOWED_HOSTS,
   DATABASE_URL, REDIS_URL, collected static files), bound to 127.0.0.1 only; waits for /healthz.
4. Each endpoint must answer 200 (not a redirect to the login page) with the benchmark's headers; then wrk
   (``--latency``) runs against each, one after the other, same duration and connections, after a short
   warm-up: /healthz (the floor), /api/v1/towns/, a town's page, the task board, the targets dashboard,
   /healthz again. The floor is the mean of the two /healthz runs; every req/s is given as a ratio to it.

Every request carries ``X-Forwarded-Proto: https``, as the TLS proxy in front of the portal sets it (production
settings redirect plain HTTP and mark cookies Secure). Prints the figures as a table and as Markdown; the
JSON copy, gunicorn's log and the wrk outputs go to bench/out/ (ignored by git). Needs PostgreSQL, Redis
and wrk (Debian package ``wrk``). Not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))  # run as a script, for ``import bench.dataset`` and the portal's packages

import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

from bench import dataset  # noqa: E402
from bench.measure import table  # noqa: E402

GOAL_API_RATIO = 0.25  # issue 6: the town list API at >= 0.25x the floor's throughput
ENDPOINTS = ["floor", "api_towns", "town_page", "task_board", "targets", "floor_again"]
LABELS = {
    "floor": "/healthz (floor)",
    "api_towns": "/api/v1/towns/ (token)",
    "town_page": "town page /towns/<id>/ (office)",
    "task_board": "task board /tasks/ (office)",
    "targets": "targets dashboard /targets/ (office)",
    "floor_again": "/healthz again (floor)",
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--towns", type=int, default=2000, help="towns at 10x data (default 2,000)")
    p.add_argument("--enterprises", type=int, default=100_000, help="enterprises at 10x data (default 100,000)")
    p.add_argument("--years", type=int, default=5, help="years of figures, ending last year (default 5)")
    p.add_argument("--small-factor", type=int, default=10, help="1x data = 10x data / this (default 10)")
    p.add_argument("--duration", type=float, default=10, help="seconds of wrk per endpoint (default 10)")
    p.add_argument("--warmup", type=float, default=3, help="untimed wrk seconds before each endpoint (default 3)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument(
        "--workers",
        type=int,
        help="gunicorn workers (default: deploy/gunicorn.conf.py's, 2 x CPUs + 1, at most 8)",
    )
    p.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="gunicorn worker recycling (default 0 = off; deploy's 1000 would restart each worker every few "
        "seconds at /healthz's rate and time worker start-up instead of requests)",
    )
    p.add_argument("--port", type=int, default=8765, help="gunicorn port on 127.0.0.1 (default 8765)")
    p.add_argument("--db", default="yc_bench_http", help="10x database, dropped and recreated (default yc_bench_http)")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no database")
    p.add_argument(
        "--redis", default="redis://127.0.0.1:6379/13", help="Redis database for cache and broker (not flushed)"
    )
    p.add_argument("--reuse-db", action="store_true", help="keep both existing bench databases (skip step 1)")
    p.add_argument("--cpu-samples", type=int, default=15, help="in-process requests per URL for CPU ms (default 15)")
    p.add_argument("--seed", type=int, default=20230324)
    p.add_argument("--prepare", metavar="DATABASE_URL", help=argparse.SUPPRESS)  # internal: step 2 in a child
    return p.parse_args()


ARGS = parse_args()


def app_env(database_url: str) -> dict[str, str]:
    """Production settings, as docker-compose.yml passes them to the web service."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": "bench-http-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": ARGS.redis,
        "STATIC_ROOT": str(OUT / "staticfiles"),
        "MEDIA_ROOT": str(OUT / "media"),
        "DJANGO_SETTINGS_MODULE": "yuncheng_towns.settings",
        "LOG_LEVEL": "WARNING",
        # DRF keeps each token's request times of the window in the cache; a one-second window keeps that list
        # as long as production's 600/minute does, without refusing the benchmark's requests (429).
        "API_TOKEN_RATE": "1000000/second",
    }


def say(text: str = "") -> None:
    print(text, flush=True)


# --- 2. users, token, town, query counts (in a child process, one per database) -----------------------------


def prepare(database_url: str) -> dict:
    os.environ.update(app_env(database_url))
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DB_CONN_MAX_AGE"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from towns.models import Membership, Role, Town
    from towns.services import api_token_issue

    User = get_user_model()
    office, _ = User.objects.get_or_create(username="bench-office", defaults={"first_name": "基准测试办公室"})
    Membership.objects.get_or_create(user=office, defaults={"role": Role.OFFICE})
    consumer, _ = User.objects.get_or_create(username="bench-api", defaults={"first_name": "基准测试接口"})
    Membership.objects.get_or_create(user=consumer, defaults={"role": Role.API})
    _token, key = api_token_issue(user=office, holder=consumer)

    towns = list(Town.objects.annotate(n=Count("enterprises")).order_by("n", "pk").values_list("pk", "n"))
    town_pk, town_enterprises = towns[len(towns) // 2]

    browser = Client(headers={"host": "127.0.0.1"})
    browser.force_login(office)
    urls = {
        "floor": ("/healthz", {}),
        "api_towns": ("/api/v1/towns/", {"authorization": f"Token {key}"}),
        "town_page": (f"/towns/{town_pk}/", {}),
        "task_board": ("/tasks/", {}),
        "targets": ("/targets/", {}),
    }
    queries = {}
    for name, (url, headers) in urls.items():
        client = Client(headers={"host": "127.0.0.1"}) if headers or name == "floor" else browser
        client.get(url, secure=True, headers=headers)  # warm process-wide caches (content types, templates)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, secure=True, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} in-process")
        queries[name] = len(ctx.captured_queries)
    # CPU time of this process per request (Django and the app, not PostgreSQL), median of a few: a figure that
    # other processes sharing the machine disturb less than wall-clock throughput.
    cpu_ms = {}
    for name, (url, headers) in urls.items():
        client = Client(headers={"host": "127.0.0.1"}) if headers or name == "floor" else browser
        samples = []
        for _ in range(ARGS.cpu_samples):
            started = time.process_time()
            client.get(url, secure=True, headers=headers)
            samples.append(1000 * (time.process_time() - started))
        cpu_ms[name] = round(sorted(samples)[len(samples) // 2], 2)
    return {
        "towns": len(towns),
        "session": browser.cookies["sessionid"].value,
        "token": key,
        "town": {"pk": town_pk, "enterprises": town_enterprises},
        "urls": {name: url for name, (url, _headers) in urls.items()},
        "queries": queries,
        "cpu_ms": cpu_ms,
    }


def run_prepare(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
    done = subprocess.run(
        [sys.executable, __file__, "--prepare", database_url],
        cwd=REPO,
        env={**env, **app_env(database_url)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"preparing {database_url} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- 3. gunicorn ---------------------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, database_url: str):
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
        env.update(app_env(database_url))
        env.update({"GUNICORN_MAX_REQUESTS": str(ARGS.max_requests), "GUNICORN_LOG_LEVEL": "warning"})
        if ARGS.workers:
            env["WEB_CONCURRENCY"] = str(ARGS.workers)
        argv = [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py"]
        argv += ["--bind", f"127.0.0.1:{ARGS.port}", "yuncheng_towns.wsgi"]
        self.log = OUT / "http-gunicorn.log"
        self.handle = self.log.open("wb")
        self.process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self.handle, stderr=subprocess.STDOUT)
        self.workers = int(env.get("WEB_CONCURRENCY") or min((os.cpu_count() or 1) * 2 + 1, 8))

    def wait_healthy(self, timeout: float = 60) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                if fetch("/healthz", {})[0] == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.handle.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """Status, Location and body of one request, redirects not followed."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{ARGS.port}{path}", headers=headers)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, "", response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read()


def drain(limit: float = 300) -> float:
    """Wait until the workers are idle again: requests wrk left queued when it stopped are still served (sync
    workers do not notice the client is gone) and would slow the next endpoint's run."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = time.monotonic()
        with contextlib.suppress(OSError):
            fetch("/healthz", {"X-Forwarded-Proto": "https"})
        if time.monotonic() - before < 0.2:
            break
    return time.monotonic() - started


# --- 4. wrk --------------------------------------------------------------------------------------------------


def parse_duration(text: str) -> float:
    """wrk's latency ('850.00us', '12.31ms', '1.20s', '2.00m') in milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(name: str, path: str, headers: dict[str, str], duration: float) -> dict:
    argv = ["wrk", f"-t{ARGS.threads}", f"-c{ARGS.connections}", f"-d{duration:g}s", "--latency", "--timeout", "10s"]
    for header, value in headers.items():
        argv += ["-H", f"{header}: {value}"]
    argv.append(f"http://127.0.0.1:{ARGS.port}{path}")
    load = float(Path("/proc/loadavg").read_text().split()[0])
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    (OUT / f"http-wrk-{name}.txt").write_text(done.stdout)
    text = done.stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", text, re.M))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": parse_duration(latency["50"]),
        "p99_ms": parse_duration(latency["99"]),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "load_average": load,  # 1-minute load of the machine as the run started: other sessions share it
    }


# --- reporting -------------------------------------------------------------------------------------------


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "commit": commit.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else ""),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" [")[0],
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = ARGS.pg.rstrip("/")
    big = dataset.Spec(towns=ARGS.towns, enterprises=ARGS.enterprises, years=ARGS.years, seed=ARGS.seed)
    small = dataset.Spec(
        towns=ARGS.towns // ARGS.small_factor,
        enterprises=ARGS.enterprises // ARGS.small_factor,
        years=ARGS.years,
        seed=ARGS.seed,
    )
    databases = {"1x": (f"{ARGS.db}_small", small), "10x": (ARGS.db, big)}
    say(
        f"HTTP benchmark: {big.towns:,} towns / {big.enterprises:,} enterprises (10x, {ARGS.db}) and "
        f"{small.towns:,} / {small.enterprises:,} (1x, {ARGS.db}_small), {big.years} years "
        f"({big.first_year}–{big.last_year})"
    )
    data = {}
    for label, (db, spec) in databases.items():
        url = f"{server}/{db}"
        if ARGS.reuse_db:
            data[label] = dataset.data_counts(url)
            say(f"1. {label}: reusing {db}: {data[label]}")
            continue
        say(f"1. {label}: recreating {db} (migrate, load_reference_data) ...")
        setup = dataset.recreate_database(server, db, app_env(url))
        data[label] = {**dataset.generate(url, spec), "setup_seconds": setup}
        d = data[label]
        say(
            f"   migrated in {setup:.1f} s; generated in {d['load_seconds']:.1f} s (COPY) + "
            f"{d['vacuum_analyze_seconds']:.1f} s (VACUUM ANALYZE): {d['towns']:,} towns, {d['enterprises']:,} "
            f"enterprises, {d['town_year_rows']:,} town-year + {d['enterprise_year_rows']:,} enterprise-year rows, "
            f"{d['projects']:,} projects, {d['problems']:,} problems, {d['progress_reports']:,} progress reports"
        )

    say("   collectstatic (production serves the hashed, compressed files) ...")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=REPO,
        env={**os.environ, **app_env(f"{server}/{ARGS.db}")},
        check=True,
        capture_output=True,
    )
    prepared = {}
    for label, (db, _spec) in databases.items():
        say(f"2. {label}: users, API token, query counts in-process ...")
        prepared[label] = run_prepare(f"{server}/{db}")
        say(f"   {prepared[label]['queries']} (town {prepared[label]['town']})")
    setup = prepared["10x"]

    say(f"3. gunicorn on 127.0.0.1:{ARGS.port} ({ARGS.db}) ...")
    gunicorn = Gunicorn(f"{server}/{ARGS.db}")
    results: dict[str, dict] = {}
    try:
        say(f"   {gunicorn.workers} workers, /healthz after {gunicorn.wait_healthy():.1f} s")
        proxy = {"X-Forwarded-Proto": "https"}
        headers = {
            "floor": proxy,
            "api_towns": {**proxy, "Authorization": f"Token {setup['token']}"},
            "town_page": {**proxy, "Cookie": f"sessionid={setup['session']}"},
            "task_board": {**proxy, "Cookie": f"sessionid={setup['session']}"},
            "targets": {**proxy, "Cookie": f"sessionid={setup['session']}"},
        }
        headers["floor_again"] = headers["floor"]
        paths = {**setup["urls"], "floor_again": setup["urls"]["floor"]}
        for name in ENDPOINTS:
            status, location, body = fetch(paths[name], headers[name])
            if status != 200:
                raise SystemExit(f"{paths[name]} answered {status} {location} before timing; nothing measured")
            if name == "api_towns":
                page = json.loads(body)
                if len(page["results"]) != 50 or "latest_figures" not in page["results"][0]:
                    raise SystemExit("/api/v1/towns/ did not return 50 towns with latest_figures")
        say(f"4. wrk: -t{ARGS.threads} -c{ARGS.connections}, {ARGS.warmup:g} s warm-up + {ARGS.duration:g} s each")
        for name in ENDPOINTS:
            if ARGS.warmup:
                wrk(f"{name}-warmup", paths[name], headers[name], ARGS.warmup)
                drain()
            results[name] = r = wrk(name, paths[name], headers[name], ARGS.duration)
            r["drain_seconds"] = drain()
            say(
                f"   {LABELS[name]:40s} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms"
                f"  non-2xx {r['non_2xx']}  socket errors {r['socket_errors']}  load {r['load_average']:.1f}"
            )
    finally:
        gunicorn.stop()

    floor_rps = (results["floor"]["rps"] + results["floor_again"]["rps"]) / 2
    rows = [["endpoint", "req/s", "× floor", "p50 ms", "p99 ms"]]
    rows[0] += ["queries 1×", "queries 10×", "CPU ms 1×", "CPU ms 10×"]
    for name in ENDPOINTS:
        r = results[name]
        q = "floor" if name == "floor_again" else name
        rows.append(
            [
                LABELS[name],
                f"{r['rps']:,.0f}",
                f"{r['rps'] / floor_rps:.2f}",
                f"{r['p50_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                str(prepared["1x"]["queries"][q]),
                str(prepared["10x"]["queries"][q]),
                f"{prepared['1x']['cpu_ms'][q]:,.1f}",
                f"{prepared['10x']['cpu_ms'][q]:,.1f}",
            ]
        )
    api_ratio = results["api_towns"]["rps"] / floor_rps
    unequal = [n for n in prepared["1x"]["queries"] if prepared["1x"]["queries"][n] != prepared["10x"]["queries"][n]]
    failures = {n: r for n, r in results.items() if r["non_2xx"] or r["socket_errors"]}
    info = machine()
    say()
    say("=" * 100)
    say(table(rows, markdown=False))
    say()
    say(f"floor = mean of the two /healthz runs: {floor_rps:,.0f} req/s")
    say("CPU ms: median CPU time of one request in-process (Django test client, same settings), PostgreSQL excluded")
    say(
        f"goal /api/v1/towns/ >= {GOAL_API_RATIO}x floor: {api_ratio:.2f}x — "
        + ("met" if api_ratio >= GOAL_API_RATIO else "MISSED")
    )
    say("query counts equal at 1x and 10x: " + ("yes" if not unequal else f"NO: {unequal}"))
    if failures:
        say(f"non-2xx responses or socket errors: {failures}")
    for key, value in info.items():
        say(f"{key}: {value}")
    say()
    say("Markdown:")
    say()
    say(
        f"Commit `{info['commit']}`; {info['nproc']} cores ({info['cpu']}), Python {info['python']}, "
        f"{info['wrk']}; gunicorn `deploy/gunicorn.conf.py`, {gunicorn.workers} sync workers, DEBUG=0; "
        f"wrk `-t{ARGS.threads} -c{ARGS.connections} -d{ARGS.duration:g}s` after {ARGS.warmup:g} s warm-up; "
        f"10×: {data['10x']['towns']:,} towns, {data['10x']['enterprises']:,} enterprises, "
        f"{data['10x']['enterprise_year_rows']:,} enterprise-year rows; town page: town {setup['town']['pk']} "
        f"({setup['town']['enterprises']} enterprises, the median). "
        f"Command: `{' '.join(['.venv/bin/python', 'bench/web.py', *sys.argv[1:]])}`"
    )
    say()
    say(table(rows, markdown=True))
    (OUT / f"http-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(
            {
                "args": {k: v for k, v in vars(ARGS).items() if k != "prepare"},
                "machine": info,
                "data": data,
                "workers": gunicorn.workers,
                "prepared": {k: {**v, "session": "…", "token": "…"} for k, v in prepared.items()},
                "wrk": results,
                "floor_rps": floor_rps,
                "api_ratio": api_ratio,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    if ARGS.prepare:
        print(json.dumps(prepare(ARGS.prepare)))
    else:
        main()

"""Benchmark of the annual evaluation (年度评估) at city scale, against a floor.

    .venv/bin/python bench/evaluation.py                 # 10,000 towns, 500,000 enterprises, 5 years
    .venv/bin/python bench/evaluation.py --small         # smoke run, about two minutes

1. Drops and recreates a PostgreSQL database (``yuncheng_bench``), migrates it, loads the reference data
   and generates the data set with COPY: towns over the 14 counties, enterprises with valid credit codes,
   five years of town and enterprise figures, key projects, problems and county progress reports.
2. The floor: one SQL statement computing what the evaluation needs most of, per town — the year's and the
   previous year's output and enterprise counts (all and above designated size) — best of three.
3. The real path: N Celery worker processes (``celery -A yuncheng_towns worker --pool=prefork
   --concurrency=1`` each, production settings: DEBUG=0, persistent connections) on a dedicated Redis
   database; ``evaluation_start`` is called in a transaction here and the run is polled until it is a draft.
   An untimed warm-up pass first samples a worker with py-spy; the timed passes follow, 1 then 2 workers.
4. evaluate_towns over a sample of towns, in chunks as the fan-out sends them, profiled in-process (queries
   counted with CaptureQueriesContext, time with pyinstrument).

Prints the figures as a table and again as Markdown for the README. Logs, profiles and a JSON copy of
the figures go to bench/out/ (ignored by git). Not a test: it needs PostgreSQL and Redis and takes minutes.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))  # run as a script, for ``import bench.dataset`` and the portal's packages

SMALL = {"towns": 400, "enterprises": 20_000, "profile_towns": 40, "sample_seconds": 8}
FULL = {"towns": 10_000, "enterprises": 500_000, "profile_towns": 200, "sample_seconds": 25}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--small", action="store_true", help="smoke run: 400 towns, 20,000 enterprises (~2 minutes)")
    p.add_argument("--towns", type=int, help="towns in total, reference towns included (default 10,000)")
    p.add_argument("--enterprises", type=int, help="enterprises in total (default 500,000)")
    p.add_argument("--years", type=int, default=5, help="years of figures, ending last year (default 5)")
    p.add_argument("--projects-per-town", type=int, default=2, help="key projects per town (default 2)")
    p.add_argument("--problems-per-town", type=int, default=1, help="problem-ledger entries per town (default 1)")
    p.add_argument("--workers", default="1,2", help="worker-process counts to time, comma-separated (default 1,2)")
    p.add_argument(
        "--layout",
        choices=["processes", "single"],
        default="processes",
        help="processes: N workers with --concurrency=1 each (default); single: one worker with --concurrency=N",
    )
    p.add_argument("--db", default="yuncheng_bench", help="database to drop and recreate (default yuncheng_bench)")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no database")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/7", help="dedicated Redis database, flushed")
    p.add_argument("--reuse-db", action="store_true", help="keep the existing bench database (skip step 1)")
    p.add_argument("--timeout", type=float, default=1800, help="give up on one evaluation after this many seconds")
    p.add_argument("--profile-towns", type=int, help="towns profiled in-process (default 200; --small 40)")
    p.add_argument("--sample-seconds", type=float, help="py-spy sample of a worker in the warm-up pass (0: none)")
    p.add_argument(
        "--quiet-cpu",
        type=float,
        default=0.3,
        help="before a timed pass, wait until the machine's CPU is at most this busy (default 0.3)",
    )
    p.add_argument("--quiet-wait", type=float, default=120, help="... but at most this many seconds (default 120)")
    p.add_argument(
        "--finalize-prefixes",
        default="1000,2000,4000",
        help="result counts on which to time finalize's bulk_update as is vs batched ('' to skip)",
    )
    p.add_argument("--finalize-batch", type=int, default=500, help="batch size of the proposed bulk_update fix")
    p.add_argument("--seed", type=int, default=20230324)
    args = p.parse_args()
    preset = SMALL if args.small else FULL
    for key in ("towns", "enterprises", "profile_towns", "sample_seconds"):
        if getattr(args, key) is None:
            setattr(args, key, preset[key])
    args.worker_counts = [int(n) for n in args.workers.split(",") if n.strip()]
    args.finalize_prefixes = [int(n) for n in args.finalize_prefixes.split(",") if n.strip()]
    if args.enterprises < 3 * args.towns:
        p.error("--enterprises must be at least 3 per town")
    return args


ARGS = parse_args()
DATABASE_URL = f"{ARGS.pg.rstrip('/')}/{ARGS.db}"
# Production settings (DEBUG=0), as docker-compose runs the worker; the same for this process.
APP_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": ARGS.redis,
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "x" * 50,
    "ALLOWED_HOSTS": "localhost",
    "DJANGO_SETTINGS_MODULE": "yuncheng_towns.settings",
    "LOG_LEVEL": "WARNING",
}
for _name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DB_CONN_MAX_AGE"):
    os.environ.pop(_name, None)
os.environ.update(APP_ENV)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench import dataset, evaluation_profile  # noqa: E402
from bench.measure import busy_share, machine_cpu, postgres_cpu, table, tree_cpu  # noqa: E402
from evaluation import services as evaluation  # noqa: E402
from evaluation.models import EvaluationRun, TownEvaluation  # noqa: E402
from yuncheng_towns.celery import app as celery_app  # noqa: E402

TOWNS_PER_TASK = settings.EVALUATION_TOWNS_PER_TASK
LAST_YEAR = datetime.date.today().year - 1
FIRST_YEAR = LAST_YEAR - ARGS.years + 1
SPEC = dataset.Spec(
    towns=ARGS.towns,
    enterprises=ARGS.enterprises,
    years=ARGS.years,
    seed=ARGS.seed,
    projects_per_town=ARGS.projects_per_town,
    problems_per_town=ARGS.problems_per_town,
    last_year=LAST_YEAR,
)


def say(text: str = "") -> None:
    print(text, flush=True)


def seconds(value: float) -> str:
    return f"{value:,.2f}"


# --- 1. the database and the data set ------------------------------------------------------------------------


def recreate_database() -> float:
    return dataset.recreate_database(ARGS.pg, ARGS.db, APP_ENV)


def generate() -> dict:
    return dataset.generate(DATABASE_URL, SPEC)


def data_counts() -> dict:
    return dataset.data_counts(DATABASE_URL)


# --- 2. the floor -----------------------------------------------------------------------------------------

FLOOR_SQL = """
WITH ent AS (
    SELECT e.town_id,
           count(*) FILTER (WHERE f.year = %(year)s) AS n_now,
           count(*) FILTER (WHERE f.year = %(year)s AND e.above_designated_size) AS above_now,
           count(*) FILTER (WHERE f.year = %(prev)s) AS n_prev,
           count(*) FILTER (WHERE f.year = %(prev)s AND e.above_designated_size) AS above_prev
    FROM towns_enterpriseyearfigures f JOIN towns_enterprise e ON e.id = f.enterprise_id
    WHERE f.year IN (%(year)s, %(prev)s)
    GROUP BY e.town_id
)
SELECT t.id, cur.output_wan, prev.output_wan, ent.n_now, ent.above_now, ent.n_prev, ent.above_prev
FROM towns_town t
LEFT JOIN towns_townyearfigures cur ON cur.town_id = t.id AND cur.year = %(year)s
LEFT JOIN towns_townyearfigures prev ON prev.town_id = t.id AND prev.year = %(prev)s
LEFT JOIN ent ON ent.town_id = t.id
"""


def floor() -> dict:
    times, rows = [], []
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(FLOOR_SQL, {"year": LAST_YEAR, "prev": LAST_YEAR - 1})
            rows = cur.fetchall()
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "all_seconds": times, "rows": len(rows)}


# --- 3. the real path: Celery workers ----------------------------------------------------------------------


class Workers:
    """N `celery worker` processes (or one with -c N), production settings, logs in bench/out/."""

    def __init__(self, count: int, label: str):
        self.names, self.processes, self.logs = [], [], []
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
        env.update(APP_ENV)
        env.update({"PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO"})
        layout = [1] * count if ARGS.layout == "processes" else [count]
        for i, concurrency in enumerate(layout):
            name = f"bench-{label}-{i}-{uuid.uuid4().hex[:6]}@localhost"
            log = OUT / f"worker-{label}-{i}.log"
            handle = log.open("wb")
            argv = [sys.executable, "-m", "celery", "-A", "yuncheng_towns", "worker", "--pool=prefork"]
            argv += [f"--concurrency={concurrency}", "-n", name, "--without-gossip", "--without-mingle"]
            argv += ["--loglevel=INFO"]
            process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)
            self.names.append(name)
            self.processes.append((process, handle))
            self.logs.append(log)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        waiting = set(self.names)
        while waiting and time.monotonic() < deadline:
            for process, _ in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a worker exited with {process.returncode}; see {OUT}")
            for reply in celery_app.control.ping(destination=list(waiting), timeout=0.5) or []:
                waiting -= set(reply)
        if waiting:
            raise RuntimeError(f"workers not ready after {timeout}s: {sorted(waiting)}")

    def pool_child(self, index: int = 0) -> int | None:
        """The pid of the prefork child that runs the tasks of worker `index`."""
        pid = self.processes[index][0].pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    def stop(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for process, handle in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            handle.close()


TASK_LINE = re.compile(r"Task (certification\.\w+)\[[^\]]+\] succeeded in ([0-9.eE-]+)s")


def task_runtimes(logs: list[Path]) -> dict[str, list[float]]:
    runtimes = collections.defaultdict(list)
    for log in logs:
        for match in TASK_LINE.finditer(log.read_text(errors="replace")):
            runtimes[match.group(1)].append(float(match.group(2)))
    return runtimes


@dataclass
class RunResult:
    workers: int
    seconds: float = 0.0
    start_seconds: float = 0.0
    first_town_seconds: float = 0.0
    towns_done_seconds: float = 0.0
    finished: bool = False
    done: int = 0
    total: int = 0
    status: str = ""
    task_runtime_ms_mean: float | None = None
    task_runtime_ms_p95: float | None = None
    fan_out_seconds: float | None = None
    finalize_seconds: float | None = None
    ranked: int = 0
    progress: list = field(default_factory=list)
    busy_before: float = 0.0  # share of the machine's CPU busy (other processes) just before the pass
    cpu_workers: float = 0.0  # CPU seconds of the worker processes during the pass
    cpu_postgres: float = 0.0  # CPU seconds of PostgreSQL (all its processes; other sessions' share included)
    cpu_bench: float = 0.0  # this process (starting and polling)
    cpu_machine: float = 0.0  # busy CPU seconds of the whole machine
    cpu_available: float = 0.0  # wall seconds × cores
    cpu_workers_towns: float = 0.0  # the same two up to the last town's result (before finalize)
    cpu_postgres_towns: float = 0.0

    @property
    def cpu_others(self) -> float:
        return max(0.0, self.cpu_machine - self.cpu_workers - self.cpu_postgres - self.cpu_bench)

    @property
    def towns_per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def wait_for_quiet() -> float:
    """Other sessions share this machine: wait (bounded) until its CPU is mostly idle before a timed pass."""
    deadline = time.monotonic() + ARGS.quiet_wait
    share = busy_share()
    while share > ARGS.quiet_cpu and time.monotonic() < deadline:
        say(f"    machine busy ({100 * share:.0f}% CPU, load {os.getloadavg()[0]:.1f}); waiting for it to settle ...")
        time.sleep(7)
        share = busy_share()
    if share > ARGS.quiet_cpu:
        say(f"    still {100 * share:.0f}% busy after {ARGS.quiet_wait:.0f} s; timing anyway (see the CPU notes)")
    return share


def flush_redis() -> None:
    redis.Redis.from_url(ARGS.redis).flushdb()


def evaluate(count: int, label: str, sample_seconds: float = 0.0) -> tuple[RunResult, dict | None]:
    """Start `count` worker processes, start the evaluation, poll until draft. With sample_seconds, py-spy
    samples the first worker's pool process meanwhile (the untimed warm-up pass) and the run is abandoned
    once the sample is taken."""
    result, sample = RunResult(workers=count), None
    if not sample_seconds:
        result.busy_before = wait_for_quiet()
    flush_redis()
    workers = Workers(count, label)
    spy = None
    try:
        workers.wait_ready()
        worker_pids = [p.pid for p, _ in workers.processes]
        cpu0 = (sum(tree_cpu(p) for p in worker_pids), postgres_cpu(), machine_cpu(), os.times())
        started = time.perf_counter()
        with transaction.atomic():
            run = evaluation.evaluation_start(user=None, year=LAST_YEAR, trigger="bench")
        result.start_seconds = time.perf_counter() - started
        result.total = run.total
        last_print = 0.0
        while True:
            row = EvaluationRun.objects.values("status", "done", "error").get(pk=run.pk)
            elapsed = time.perf_counter() - started
            result.done, result.status = row["done"], row["status"]
            if row["done"] and not result.first_town_seconds:
                result.first_town_seconds = elapsed
                if sample_seconds and shutil.which("py-spy", path=str(Path(sys.executable).parent)):
                    spy = start_py_spy(workers.pool_child(0), sample_seconds)
            if row["done"] >= result.total and not result.towns_done_seconds:
                result.towns_done_seconds = elapsed
                result.cpu_workers_towns = sum(tree_cpu(p) for p in worker_pids) - cpu0[0]
                result.cpu_postgres_towns = postgres_cpu() - cpu0[1]
            if row["status"] == EvaluationRun.Status.DRAFT:
                result.seconds, result.finished = elapsed, True
                break
            if row["status"] == EvaluationRun.Status.FAILED:
                raise RuntimeError(f"evaluation failed: {row['error']}")
            if spy is not None and spy[0].poll() is not None:
                result.seconds = elapsed
                break  # the warm-up pass: sample taken, the rest is not needed
            if elapsed > ARGS.timeout:
                result.seconds = elapsed
                say(f"    gave up after {elapsed:.0f} s at {row['done']}/{result.total}")
                break
            if elapsed - last_print >= 10:
                rate = row["done"] / elapsed
                say(f"    {label}: {row['done']:,}/{result.total:,} towns, {elapsed:6.1f} s, {rate:6.1f} towns/s")
                result.progress.append((round(elapsed, 1), row["done"]))
                last_print = elapsed
            time.sleep(0.25)
        pg, (busy, total), own = postgres_cpu(), machine_cpu(), os.times()
        result.cpu_workers = sum(tree_cpu(p) for p in worker_pids) - cpu0[0]
        result.cpu_postgres = pg - cpu0[1]
        result.cpu_machine, result.cpu_available = busy - cpu0[2][0], total - cpu0[2][1]
        result.cpu_bench = own.user + own.system - cpu0[3].user - cpu0[3].system
        if spy is not None:
            spy[0].wait(timeout=sample_seconds + 60)
            sample = summarise_py_spy(spy[1])
    finally:
        if spy is not None and spy[0].poll() is None:
            spy[0].terminate()
            spy[0].wait()
        workers.stop()
        flush_redis()  # an abandoned run's remaining messages go with it
    runtimes = task_runtimes(workers.logs)
    towns = sorted(runtimes.get("evaluation.evaluate_towns", []))  # one task per TOWNS_PER_TASK towns
    if towns:
        result.task_runtime_ms_mean = 1000 * sum(towns) / len(towns)
        result.task_runtime_ms_p95 = 1000 * towns[int(0.95 * (len(towns) - 1))]
    if runtimes.get("evaluation.run_evaluation"):
        result.fan_out_seconds = runtimes["evaluation.run_evaluation"][-1]
    if runtimes.get("evaluation.finalize_evaluation"):
        result.finalize_seconds = runtimes["evaluation.finalize_evaluation"][-1]
    if result.finished:
        result.ranked = TownEvaluation.objects.filter(run_id=run.pk, rank__isnull=False).count()
        results = TownEvaluation.objects.filter(run_id=run.pk).count()
        assert results == result.total, f"{results} results for {result.total} towns"
    return result, sample


def start_py_spy(pid: int | None, duration: float):
    if pid is None:
        return None
    out = OUT / "py-spy-worker.txt"
    argv = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--rate", "200"]
    argv += ["--duration", str(int(duration)), "--format", "raw", "--idle", "-o", str(out)]
    log = (OUT / "py-spy.log").open("wb")
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT), out


PROJECT_DIRS = ("certification/", "towns/", "tasks_registry/")


def summarise_py_spy(path: Path) -> dict | None:
    """Collapsed stacks → where an evaluate_town task spends its time: per project line (inclusive) and by
    the kind of the innermost frame (waiting on PostgreSQL, building SQL, building model objects, Celery)."""
    if not path.exists():
        return None
    inclusive, kinds = collections.Counter(), collections.Counter()
    task_samples = all_samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        all_samples += n
        frames = stack.split(";")
        if not any(f.startswith("evaluate_towns (certification/tasks.py") for f in frames):
            continue
        task_samples += n
        seen = set()
        for frame in frames:
            if any(d in frame for d in PROJECT_DIRS) and frame not in seen:
                seen.add(frame)
                inclusive[frame] += n
        kinds[frame_kind(frames)] += n
    if not task_samples:
        return None
    return {
        "samples": all_samples,
        "task_samples": task_samples,
        "by_line": [(f, round(100 * n / task_samples, 1)) for f, n in inclusive.most_common(25)],
        "by_kind": [(k, round(100 * n / task_samples, 1)) for k, n in kinds.most_common()],
    }


def frame_kind(frames: list[str]) -> str:
    leaf = " ".join(frames[-3:])
    if "django/db/backends/utils.py" in leaf or "psycopg2" in leaf:
        return "waiting on PostgreSQL (cursor.execute)"
    text = " ".join(frames[-6:])
    if "django/db/models/sql/compiler.py" in text or "django/db/models/sql/query.py" in text:
        return "building SQL (Django query compiler)"
    if "django/db/models/query.py" in text or "django/db/models/base.py" in text:
        return "QuerySet / model instances"
    if "django/db/backends" in text:
        return "connection / transaction handling"
    if "certification/" in frames[-1] or "towns/" in frames[-1] or "tasks_registry/" in frames[-1]:
        return "application code (own frames)"
    return "other (Django, stdlib)"


# --- reporting -------------------------------------------------------------------------------------------


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True)
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        buffers = cur.fetchone()[0]
        cur.execute("SHOW synchronous_commit")
        sync = cur.fetchone()[0]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "commit": commit + (" (with uncommitted changes)" if dirty.stdout.strip() else ""),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": pg,
        "pg_settings": f"shared_buffers={buffers}, synchronous_commit={sync}",
        "os": platform.platform(),
    }


def figures_rows(data: dict, floor_result: dict, runs: list[RunResult]) -> list[list[str]]:
    fl = floor_result["seconds"]
    rows = [["measure", "seconds", "× floor", "towns/s", "notes"]]
    gen = data.get("load_seconds")
    rows.append(
        [
            "data set",
            seconds(gen + data["vacuum_analyze_seconds"]) if gen is not None else "reused",
            "",
            "",
            f"{data['towns']:,} towns, {data['enterprises']:,} enterprises, {data['town_year_rows']:,} town-year + "
            f"{data['enterprise_year_rows']:,} enterprise-year rows"
            + (
                f"; COPY {seconds(gen)} s + VACUUM ANALYZE {seconds(data['vacuum_analyze_seconds'])} s"
                if gen is not None
                else ""
            ),
        ]
    )
    rows.append(["floor (one GROUP BY, best of 3)", f"{fl:.3f}", "1", f"{data['towns'] / fl:,.0f}", ""])
    for r in runs:
        label = f"evaluation, {r.workers} worker process{'es' if r.workers > 1 else ''}"
        if ARGS.layout == "single":
            label = f"evaluation, 1 worker -c {r.workers}"
        notes = f"start {r.start_seconds:.2f} s · fan-out task {r.fan_out_seconds or 0:.1f} s"
        if r.towns_done_seconds:
            notes += (
                f" · towns {r.towns_done_seconds:.0f} s ({r.done / r.towns_done_seconds:.1f}/s; evaluate_towns task "
                f"({TOWNS_PER_TASK} towns) {r.task_runtime_ms_mean or 0:.1f} ms mean, "
                f"p95 {r.task_runtime_ms_p95 or 0:.1f}; CPU per town: "
                f"workers {1000 * r.cpu_workers_towns / r.done:.1f} ms, PostgreSQL "
                f"{1000 * r.cpu_postgres_towns / r.done:.1f} ms)"
            )
        if r.finished:
            notes += (
                f" · finalize {r.seconds - r.towns_done_seconds:.0f} s (task {r.finalize_seconds or 0:.1f} s; "
                f"PostgreSQL CPU {r.cpu_postgres - r.cpu_postgres_towns:.0f} s)"
            )
        if r.cpu_available:
            notes += f" · other processes took {100 * r.cpu_others / r.cpu_available:.0f}% of the machine's CPU"
        if not r.finished:
            notes = f"NOT FINISHED ({r.done:,}/{r.total:,}); " + notes
        rows.append([label, seconds(r.seconds), f"{r.seconds / fl:,.0f}", f"{r.towns_per_second:,.1f}", notes])
    group = [r for r in runs if r.finished]
    if len(group) >= 2:
        low, high = min(group, key=lambda r: r.workers), max(group, key=lambda r: r.workers)
        speed_up = f"×{low.seconds / high.seconds:.2f}"
        rows.append([f"speed-up {low.workers}→{high.workers} workers", "", "", "", speed_up])
    return rows


def head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    commit_at_start = head()
    say(
        f"Evaluation benchmark: {ARGS.towns:,} towns, {ARGS.enterprises:,} enterprises, {ARGS.years} years "
        f"({FIRST_YEAR}–{LAST_YEAR}), database {ARGS.db}, Redis {ARGS.redis}"
    )
    if ARGS.reuse_db:
        data = {**data_counts(), "vacuum_analyze_seconds": 0.0}
        say(f"1. reusing {ARGS.db}: {data}")
    else:
        say(f"1. recreating {ARGS.db} (migrate, reference data) ...")
        setup = recreate_database()
        say(f"   migrated and reference data loaded in {setup:.1f} s; generating ...")
        data = generate()
        data["setup_seconds"] = setup
        say(
            f"   generated in {data['load_seconds']:.1f} s (COPY) + {data['vacuum_analyze_seconds']:.1f} s "
            f"(VACUUM ANALYZE): {data['towns']:,} towns, {data['enterprises']:,} enterprises, "
            f"{data['town_year_rows']:,} town-year rows, {data['enterprise_year_rows']:,} enterprise-year rows, "
            f"{data['projects']:,} projects, {data['problems']:,} problems, {data['progress_reports']:,} reports"
        )
    say("2. floor ...")
    floor_result = floor()
    say(f"   {floor_result['rows']:,} rows in {floor_result['seconds']:.3f} s (best of {floor_result['all_seconds']})")

    layout = "N workers × --concurrency=1" if ARGS.layout == "processes" else "one worker -c N"
    say(f"3. evaluation through Celery ({ARGS.layout}: {layout})")
    sample = None
    if ARGS.sample_seconds:
        say(f"   warm-up pass, 1 worker, py-spy sample of {ARGS.sample_seconds:.0f} s (untimed) ...")
        _warm, sample = evaluate(1, "warmup", sample_seconds=ARGS.sample_seconds)
    runs = []
    for count in ARGS.worker_counts:
        say(f"   timed pass, {count} worker(s) ...")
        result, _ = evaluate(count, f"w{count}")
        say(
            f"   → {result.seconds:.1f} s, {result.towns_per_second:.1f} towns/s ({result.done:,}/{result.total:,}); "
            f"CPU s: workers {result.cpu_workers:.1f}, PostgreSQL {result.cpu_postgres:.1f}, this process "
            f"{result.cpu_bench:.1f}, others {result.cpu_others:.1f} of {result.cpu_available:.1f} available"
        )
        runs.append(result)

    say("4. evaluate_towns profiled in-process ...")
    prof = evaluation_profile.profile_towns(ARGS, OUT, LAST_YEAR, TOWNS_PER_TASK)
    draft = EvaluationRun.objects.filter(year=LAST_YEAR, status=EvaluationRun.Status.DRAFT).first()
    fin = None
    if draft and ARGS.finalize_prefixes:
        say("5. finalize on the draft, rolled back (bulk_update as is and batched) ...")
        fin = evaluation_profile.profile_finalize(ARGS, draft.pk, say)
    info = machine()
    if head() != commit_at_start:  # others may commit while this runs; workers start per pass
        info["commit"] = f"{commit_at_start} at the start, {info['commit']} at the end"

    rows = figures_rows(data, floor_result, runs)
    say()
    say("=" * 100)
    say(table(rows, markdown=False))
    say()
    for key, value in info.items():
        say(f"{key}: {value}")
    say()
    say(
        f"Queries per evaluate_town ({prof['towns']} towns): mean {prof['queries_per_town_mean']}; "
        f"by tier (min, max, mean): {prof['queries_per_town']}; "
        f"{prof['ms_per_town_mean']} ms per town in-process, of which SQL {prof['sql_ms_per_town_mean']} ms"
    )
    say("Query shapes by SQL time per town (count over all profiled towns, ms per town):")
    for text, n, ms in prof["query_shapes"]:
        say(f"  {ms:7.3f} ms  ×{n / prof['towns']:.1f}  {text[:150]}")
    if fin:
        say(
            f"finalize with bulk_update(batch_size={fin['batch_size']}): {fin['finalize_batched_seconds']:.2f} s "
            f"(bulk_update {fin['finalize_batched_bulk_update_seconds']:.2f} s); as is, from the worker logs: "
            + ", ".join(f"{r.finalize_seconds or 0:.1f} s" for r in runs)
        )
        for row in fin["scaling"]:
            say(
                f"  bulk_update of {row['rows']:,} results: as is {row['as_is_seconds']:.2f} s "
                f"({row['as_is_statements']} statement(s), {row['as_is_sql_kb']:,} KB of SQL); "
                f"batch_size={fin['batch_size']}: {row['batched_seconds']:.2f} s "
                f"({row['batched_statements']} statements)"
            )
    if sample:
        say(
            f"py-spy sample of a worker's pool process ({sample['task_samples']:,} of {sample['samples']:,} samples "
            "inside evaluate_town):"
        )
        for kind, pct in sample["by_kind"]:
            say(f"  {pct:5.1f}%  {kind}")
        say("  inclusive, by project line:")
        for frame, pct in sample["by_line"][:15]:
            say(f"  {pct:5.1f}%  {frame}")
    if prof["pyinstrument"]:
        say(f"pyinstrument tree: {OUT / 'pyinstrument-evaluate_town.txt'} (and .html)")

    say()
    say("Markdown:")
    say()
    say(
        f"Commit `{info['commit']}`; {info['nproc']} cores ({info['cpu']}), Python {info['python']}, "
        f"PostgreSQL {info['postgres']} ({info['pg_settings']}); workers: "
        + ("N × `celery worker --pool=prefork --concurrency=1`" if ARGS.layout == "processes" else "one worker `-c N`")
        + f", DEBUG=0. Command: `{' '.join(['.venv/bin/python', 'bench/evaluation.py', *sys.argv[1:]])}`"
    )
    say()
    say(table(rows, markdown=True))
    say()
    say(
        f"evaluate_town issues {prof['queries_per_town_mean']} queries per town on average "
        f"({', '.join(f'{t}: {v[2]}' for t, v in sorted(prof['queries_per_town'].items()))})."
    )
    (OUT / f"evaluation-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(
            {
                "args": vars(ARGS),
                "machine": info,
                "data": data,
                "floor": floor_result,
                "runs": [asdict(r) for r in runs],
                "profile": {k: v for k, v in prof.items() if k != "pyinstrument"},
                "finalize": fin,
                "py_spy": sample,
            },
            ensure_ascii=False,
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()

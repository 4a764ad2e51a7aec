"""Benchmark of the enterprise .xlsx import and export at 100,000 rows, against openpyxl floors.

    .venv/bin/python bench/spreadsheets.py                  # 100,000 rows (~3 minutes)
    .venv/bin/python bench/spreadsheets.py --rows 10000     # smoke run
    .venv/bin/python bench/spreadsheets.py --profile        # + pyinstrument profiles of import and export

1. Drops and recreates a PostgreSQL database (``yuncheng_bench_sheets``), migrates it, loads the reference
   data, adds ``--towns`` towns over the counties and an office user (who may import into every town).
2. Generates the import file: the portal's own template (``towns.importers.ENTERPRISE_COLUMNS``), one row
   per new enterprise with last year's figures, valid GB 32100 credit codes.
3. Measures, each in a fresh subprocess (its own peak RSS, ``ru_maxrss``), in this order:
   - floor: openpyxl alone reads the file in read-only mode (``values_only``), every row;
   - import: ``towns.services.enterprise_import`` (the service the upload view calls) on the file, into
     the empty enterprise tables: every enterprise, figure and audit entry written;
   - re-import: the same file again (every row matches an existing enterprise; nothing changes);
   - floor: openpyxl write-only writes the export's rows (fetched beforehand as plain values) to memory;
   - export: ``GET /enterprises/?export=xlsx`` as the office through Django's test client (middleware,
     view, selector, filter, ``xlsx_response``), the whole response body read.
   Each measurement runs ``--repeat`` times (default 1; the best is kept); floors and real paths alternate.

Production settings (``DEBUG=0``). Prints a table, then Markdown for the README; a JSON copy and the
profiles go to bench/out/ (ignored by git). Not a test: it needs PostgreSQL and takes minutes.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))  # run as a script, for the portal's packages

OFFICE_USERNAME = "bench-office"
NAME_PREFIX = "压测企业"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000, help="data rows in the import file (default 100,000)")
    p.add_argument("--towns", type=int, default=200, help="towns added over the counties (default 200)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best is kept (default 1)")
    p.add_argument("--db", default="yuncheng_bench_sheets", help="database to drop and recreate")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no database")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="Redis URL (production settings need one)")
    p.add_argument("--reuse-db", action="store_true", help="keep the existing bench database and towns")
    p.add_argument("--reuse-file", action="store_true", help="keep bench/out/enterprises-<rows>.xlsx if it exists")
    p.add_argument("--profile", action="store_true", help="also profile import and export with pyinstrument")
    p.add_argument("--child", help=argparse.SUPPRESS)
    return p.parse_args(argv)


ARGS = parse_args()
DATABASE_URL = f"{ARGS.pg.rstrip('/')}/{ARGS.db}"
FILE = OUT / f"enterprises-{ARGS.rows}.xlsx"
APP_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": ARGS.redis,
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "x" * 50,
    "ALLOWED_HOSTS": "testserver",
    "DJANGO_SETTINGS_MODULE": "yuncheng_towns.settings",
    "LOG_LEVEL": "WARNING",
    "IMPORT_MAX_ROWS": "10000000",  # the portal's upload limit (20,000) would refuse the file the bench measures
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    """CPU time of this process, plus its PostgreSQL backend's once Django has connected."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + _backend_cpu()


def _backend_cpu() -> float:
    if "django.db" not in sys.modules:
        return 0.0
    from django.db import connection

    if connection.connection is None:
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class Timer:
    """Wall time and CPU time (this process and its database backend) of one measured call."""

    def __enter__(self):
        self.cpu, self.wall = cpu_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.wall
        self.cpu = cpu_seconds() - self.cpu


def say(text: str = "") -> None:
    print(text, flush=True)


# --- children: each measurement in its own process ------------------------------------------------------------


def child_setup():
    import django

    django.setup()


def child_seed() -> dict:
    child_setup()
    from django.contrib.auth import get_user_model

    from towns.models import County, Membership, Role, Sector, Tier, Town

    counties = list(County.objects.order_by("sort_order"))
    rng = random.Random(6)
    industries = ["水泵", "玻璃器皿", "纸包装", "机电制造", "外加剂", "铸造", "苹果", "花椒", "剪纸", "木雕"]
    towns = [
        Town(
            name=f"压测专业镇{n:04d}",
            county=counties[n % len(counties)],
            leading_industry=rng.choice(industries),
            sector=rng.choice([Sector.MANUFACTURING, Sector.AGRICULTURE, Sector.LIGHT_INDUSTRY]),
            tier=Tier.CITY,
        )
        for n in range(ARGS.towns)
    ]
    Town.objects.bulk_create(towns)
    user = get_user_model().objects.create_user(OFFICE_USERNAME, password="bench-" + "y" * 20)
    Membership.objects.create(user=user, role=Role.OFFICE)
    return {"towns": Town.objects.count()}


def child_generate() -> dict:
    """The import file, written as the template a county fills in (header row, then data rows)."""
    child_setup()
    from openpyxl import Workbook

    from towns.importers import ENTERPRISE_COLUMNS, NO, ROLE_BY_LABEL, YES
    from towns.models import Town
    from towns.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

    towns = list(Town.objects.filter(name__startswith="压测专业镇").values_list("name", "county__division_code"))
    rng = random.Random(2026)
    year = datetime.date.today().year - 1
    roles = list(ROLE_BY_LABEL)
    products = ["聚羧酸减水剂", "潜水泵", "玻璃杯", "瓦楞纸箱", "电机", "+86 水泵", "花椒油", ""]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据")
    sheet.append([c.header for c in ENTERPRISE_COLUMNS])
    for n in range(ARGS.rows):
        town, division = towns[n % len(towns)]
        serial, seq = [], n + 1
        for _ in range(9):
            seq, digit = divmod(seq, 31)
            serial.append(CREDIT_CODE_ALPHABET[digit])
        first17 = "91" + (division or "140800") + "".join(reversed(serial))
        sheet.append(
            [
                town,
                f"{NAME_PREFIX}{n:06d}有限公司",
                first17 + credit_code_check_char(first17),
                rng.choices(roles, weights=[1, 6, 3])[0],
                YES if rng.random() < 0.3 else NO,
                rng.choice(products) or None,
                year,
                round(rng.uniform(50, 90_000), 1),
                rng.randint(5, 3000),
                round(rng.uniform(0, 60), 2) if rng.random() < 0.2 else None,
                round(rng.uniform(0, 3000), 1),
            ]
        )
    OUT.mkdir(exist_ok=True)
    workbook.save(FILE)
    return {"bytes": FILE.stat().st_size}


def child_reset() -> dict:
    """Empty the enterprise tables of the bench rows, so every import run starts from the same state."""
    child_setup()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM towns_enterpriseyearfigures WHERE enterprise_id IN "
            "(SELECT id FROM towns_enterprise WHERE name LIKE %s)",
            [NAME_PREFIX + "%"],
        )
        cur.execute("DELETE FROM towns_enterprise WHERE name LIKE %s", [NAME_PREFIX + "%"])
        cur.execute("DELETE FROM towns_auditentry WHERE note = %s", ["Excel 批量导入"])
    with connection.cursor() as cur:
        for table in ("towns_enterprise", "towns_enterpriseyearfigures", "towns_auditentry"):
            cur.execute(f"VACUUM ANALYZE {table}")
    return {}


def child_read_floor() -> dict:
    from openpyxl import load_workbook

    baseline = peak_mb()
    with Timer() as timer:
        workbook = load_workbook(FILE, read_only=True, data_only=True)
        rows = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
    return {"seconds": timer.seconds, "cpu": timer.cpu, "peak_mb": peak_mb(), "baseline_mb": baseline, "rows": rows - 1}


def child_import() -> dict:
    child_setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import UploadedFile

    from core.models import AuditEntry
    from towns import services
    from towns.models import Enterprise, EnterpriseYearFigures

    user = get_user_model().objects.get(username=OFFICE_USERNAME)
    baseline = peak_mb()
    with open(FILE, "rb") as handle:
        # What the upload view hands over: a file object with a name and a size.
        upload = UploadedFile(handle, name="专业镇企业导入.xlsx", size=FILE.stat().st_size)
        with Timer() as timer:
            report = _maybe_profile("import", lambda: services.enterprise_import(user=user, upload=upload))
    if not report.ok:
        raise SystemExit(f"import refused the file: {report.errors[:5]}")
    return {
        "seconds": timer.seconds,
        "cpu": timer.cpu,
        "peak_mb": peak_mb(),
        "baseline_mb": baseline,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "figures_created": report.figures_created,
        "enterprises_in_db": Enterprise.objects.count(),
        "figures_in_db": EnterpriseYearFigures.objects.count(),
        "audit_entries": AuditEntry.objects.filter(note="Excel 批量导入").count(),
    }


def _export_rows() -> list[list]:
    """The export's cells, fetched as plain values (one query, untimed): the floor writes exactly these."""
    from django.db import connection

    from towns.models import Enterprise

    roles = dict(Enterprise.Role.choices)
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT e.name, e.credit_code, t.name, c.name, e.role, e.above_designated_size, e.main_products,
                   f.year, f.output_wan, f.local_jobs, f.provincial_share_pct, f.tax_wan
            FROM towns_enterprise e
            JOIN towns_town t ON t.id = e.town_id
            JOIN towns_county c ON c.id = t.county_id
            LEFT JOIN LATERAL (SELECT * FROM towns_enterpriseyearfigures y WHERE y.enterprise_id = e.id
                               ORDER BY y.year DESC LIMIT 1) f ON true
            ORDER BY c.sort_order, t.name, e.name
            """
        )
        return [[r[0], r[1], r[2], r[3], str(roles[r[4]]), "是" if r[5] else "否", *r[6:]] for r in cur.fetchall()]


def child_write_floor() -> dict:
    child_setup()
    from openpyxl import Workbook

    from towns.exports import ENTERPRISE_COLUMNS

    rows = _export_rows()
    baseline = peak_mb()
    with Timer() as timer:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("企业")
        sheet.append([c.header for c in ENTERPRISE_COLUMNS])
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return {
        "seconds": timer.seconds,
        "cpu": timer.cpu,
        "peak_mb": peak_mb(),
        "baseline_mb": baseline,
        "rows": len(rows),
        "bytes": buffer.tell(),
    }


def child_export() -> dict:
    child_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from openpyxl import load_workbook

    client = Client()
    client.force_login(get_user_model().objects.get(username=OFFICE_USERNAME))
    url = reverse("enterprise-list") + "?export=xlsx"
    baseline = peak_mb()

    def fetch():
        response = client.get(url, secure=True)
        return response, b"".join(response) if response.streaming else response.content

    with Timer() as timer:
        response, body = _maybe_profile("export", fetch)
    peak = peak_mb()
    if response.status_code != 200:
        raise SystemExit(f"export answered {response.status_code}")
    rows = sum(1 for _ in load_workbook(io.BytesIO(body), read_only=True).worksheets[0].iter_rows()) - 1
    return {
        "seconds": timer.seconds,
        "cpu": timer.cpu,
        "peak_mb": peak,
        "baseline_mb": baseline,
        "rows": rows,
        "bytes": len(body),
    }


def _maybe_profile(name: str, call):
    if os.environ.get("BENCH_PROFILE") != "1":
        return call()
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        return call()
    finally:
        profiler.stop()
        (OUT / f"pyinstrument-{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
        (OUT / f"pyinstrument-{name}.html").write_text(profiler.output_html())


CHILDREN = {
    "seed": child_seed,
    "generate": child_generate,
    "reset": child_reset,
    "read-floor": child_read_floor,
    "import": child_import,
    "write-floor": child_write_floor,
    "export": child_export,
}


# --- the parent --------------------------------------------------------------------------------------------------


def run_child(mode: str, *, profile: bool = False) -> dict:
    env = {**os.environ, **APP_ENV, "BENCH_PROFILE": "1" if profile else "0"}
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    argv = [a for a in sys.argv[1:] if a != "--profile"]
    result = subprocess.run(
        [sys.executable, __file__, *argv, "--child", mode], cwd=REPO, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        say(result.stdout)
        say(result.stderr)
        raise SystemExit(f"bench step {mode} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def recreate_database() -> None:
    import psycopg2

    admin = psycopg2.connect(f"{ARGS.pg.rstrip('/')}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{ARGS.db}"')
    admin.close()
    env = {**os.environ, **APP_ENV}
    for command in (["migrate", "--noinput"], ["load_reference_data"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True, capture_output=True)


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    OUT.mkdir(exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    say(f"bench/spreadsheets.py: {ARGS.rows:,} rows, {ARGS.towns} towns, database {ARGS.db}")
    say(f"commit {commit.stdout.strip()}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    if not ARGS.reuse_db:
        started = time.perf_counter()
        recreate_database()
        seeded = run_child("seed")
        say(f"database: migrated, reference data, {seeded['towns']} towns ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    if not (ARGS.reuse_file and FILE.exists()):
        run_child("generate")
    say(f"file: {FILE.name}, {FILE.stat().st_size / 2**20:.1f} MB ({time.perf_counter() - started:.1f} s)")

    runs: dict[str, list[dict]] = {"read-floor": [], "import": [], "reimport": [], "write-floor": [], "export": []}
    for n in range(ARGS.repeat):
        runs["read-floor"].append(run_child("read-floor"))
        run_child("reset")
        runs["import"].append(run_child("import"))
        runs["reimport"].append(run_child("import"))
        runs["write-floor"].append(run_child("write-floor"))
        runs["export"].append(run_child("export"))
        say(f"pass {n + 1}: " + ", ".join(f"{k} {v[-1]['seconds']:.2f} s" for k, v in runs.items()))
    if ARGS.profile:
        run_child("reset")
        run_child("import", profile=True)
        run_child("export", profile=True)
        say("profiles: bench/out/pyinstrument-import.{txt,html}, bench/out/pyinstrument-export.{txt,html}")

    result = {k: best(v) for k, v in runs.items()}
    created = result["import"]
    assert created["created"] == ARGS.rows and created["figures_created"] == ARGS.rows, created
    assert result["reimport"]["unchanged"] == ARGS.rows, result["reimport"]
    assert result["export"]["rows"] == result["write-floor"]["rows"], (result["export"], result["write-floor"])

    read, write = result["read-floor"], result["write-floor"]
    lines = [
        ("floor: openpyxl read-only read of the file", result["read-floor"], read, ""),
        (
            "import through `enterprise_import` (new enterprises)",
            result["import"],
            read,
            f"{created['created']:,} enterprises, {created['figures_created']:,} figures, "
            f"{created['audit_entries']:,} audit entries",
        ),
        ("re-import of the same file (nothing changes)", result["reimport"], read, "every row matched"),
        ("floor: openpyxl write-only of the export's rows", result["write-floor"], write, ""),
        (
            "export `GET /enterprises/?export=xlsx`",
            result["export"],
            write,
            f"{result['export']['rows']:,} rows, {result['export']['bytes'] / 2**20:.1f} MB",
        ),
    ]
    say()
    say("CPU = the process's CPU time plus its PostgreSQL backend's (robust when other work shares the machine).")
    say(f"{'measure':<52} {'wall s':>7} {'x floor':>7} {'CPU s':>7} {'x floor':>7} {'peak MB':>7}  notes")
    for label, r, floor, note in lines:
        say(
            f"{label:<52} {r['seconds']:>7.2f} {r['seconds'] / floor['seconds']:>7.2f} {r['cpu']:>7.2f} "
            f"{r['cpu'] / floor['cpu']:>7.2f} {r['peak_mb']:>7.0f}  {note}"
        )
    say()
    say("| measure | wall s | × floor | CPU s | × floor (CPU) | peak RSS MB | notes |")
    say("|---|---|---|---|---|---|---|")
    for label, r, floor, note in lines:
        say(
            f"| {label} | {r['seconds']:.2f} | {r['seconds'] / floor['seconds']:.2f} | {r['cpu']:.2f} | "
            f"{r['cpu'] / floor['cpu']:.2f} | {r['peak_mb']:.0f} | {note} |"
        )
    (OUT / "spreadsheets.json").write_text(json.dumps({"args": vars(ARGS), "runs": runs}, indent=2, default=str))


if __name__ == "__main__":
    if ARGS.child:
        print(json.dumps(CHILDREN[ARGS.child](), default=str))
    else:
        main()

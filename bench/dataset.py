"""The generated data set the benchmarks share: towns, enterprises, years of figures, task-board data.

``recreate_database`` drops and recreates a PostgreSQL database, migrates it and loads the reference data
(counties, bureaus, the plan's towns and enterprises, the 12 tasks and this year's measures);
``generate`` then adds, with COPY in one transaction:

- towns over the 14 counties (70 % city-level, 26 % potential, 4 % provincial; the reference towns count);
- enterprises spread over the towns with skewed (log-normal) sizes, at least 3 per town, 1-2 anchors and
  6-14 supporting firms each, valid GB 32100 credit codes;
- ``years`` of town and enterprise figures ending last year (every enterprise has every year);
- key projects and problem-ledger entries per town, and the counties' quarterly progress reports of last
  year on every task, each naming 3 of the county's towns.

Used by bench/evaluation.py and bench/web.py. Needs only psycopg2 (no Django setup in the caller).
"""

from __future__ import annotations

import collections
import datetime
import io
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from towns.validators import CREDIT_CODE_ALPHABET, credit_code_check_char  # noqa: E402

INDUSTRIES = {
    "manufacturing": ["水泵", "玻璃器皿", "纸包装", "机电制造", "外加剂", "铸造", "电机", "精细化工", "汽车零部件"],
    "agriculture": ["苹果", "花椒", "中药材", "蔬菜", "畜牧", "食用菌", "红枣"],
    "light_industry": ["剪纸", "木雕", "刺绣", "陶瓷", "澄泥砚", "布艺"],
}
SECTORS = [("manufacturing", 60), ("agriculture", 25), ("light_industry", 15)]
TIERS = [("city", 70), ("potential", 26), ("provincial", 4)]  # mostly city-level; some potential, few provincial


@dataclass
class Spec:
    """What to generate. Figures cover ``years`` years ending last year."""

    towns: int
    enterprises: int
    years: int = 5
    seed: int = 20230324
    projects_per_town: int = 2
    problems_per_town: int = 1
    last_year: int = field(default_factory=lambda: datetime.date.today().year - 1)

    def __post_init__(self) -> None:
        if self.enterprises < 3 * self.towns:
            raise ValueError("at least 3 enterprises per town")

    @property
    def first_year(self) -> int:
        return self.last_year - self.years + 1


def recreate_database(server_url: str, db: str, env: dict[str, str]) -> float:
    """Drop and create ``db`` on the server, then ``migrate`` and ``load_reference_data`` into it with the
    given environment (which must point DATABASE_URL at it). Returns the seconds taken."""
    started = time.perf_counter()
    admin = psycopg2.connect(f"{server_url.rstrip('/')}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{db}"')
    admin.close()
    env = {**os.environ, **env}
    for command in (["migrate", "--noinput"], ["load_reference_data"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def credit_code(division: str, seq: int) -> str:
    """A GB 32100-2015 code: 91 (enterprise), the county's division code, a 9-character serial, check char."""
    serial = []
    for _ in range(9):
        seq, digit = divmod(seq, 31)
        serial.append(CREDIT_CODE_ALPHABET[digit])
    first17 = "91" + (division or "140800") + "".join(reversed(serial))
    return first17 + credit_code_check_char(first17)


class Copier:
    """Rows buffered as COPY text and sent in chunks."""

    def __init__(self, cur, table: str, columns: list[str], chunk: int = 250_000):
        self.cur, self.table, self.columns, self.chunk = cur, table, columns, chunk
        self.lines: list[str] = []
        self.rows = 0

    def add(self, *values) -> None:
        self.lines.append("\t".join(r"\N" if v is None else str(v) for v in values))
        if len(self.lines) >= self.chunk:
            self.flush()

    def add_line(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        buf = io.StringIO("\n".join(self.lines) + "\n")
        self.cur.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", buf)
        self.rows += len(self.lines)
        self.lines = []


def generate(database_url: str, spec: Spec) -> dict:
    """The data set, with COPY in one transaction; foreign keys are consistent by construction, so their
    triggers are off during the load (session_replication_role = replica). Returns row counts and times."""
    rng = random.Random(spec.seed)
    started = time.perf_counter()
    conn = psycopg2.connect(database_url)
    cur = conn.cursor()
    cur.execute("SET session_replication_role = replica")
    cur.execute("SELECT id, name, division_code FROM towns_county ORDER BY sort_order")
    counties = cur.fetchall()
    cur.execute("SELECT id FROM tasks_registry_task ORDER BY number")
    task_ids = [r[0] for r in cur.fetchall()]
    cur.execute("SELECT id, county_id, tier, sector FROM towns_town ORDER BY id")
    towns = [list(r) for r in cur.fetchall()]  # [id, county_id, tier, sector]
    cur.execute("SELECT town_id, id, role, above_designated_size FROM towns_enterprise ORDER BY id")
    existing_enterprises = collections.defaultdict(list)
    for town_id, ent_id, role, above in cur.fetchall():
        existing_enterprises[town_id].append((ent_id, role, above))
    division = {cid: code for cid, _, code in counties}

    # Towns: the reference ones plus generated ones, evenly over the counties.
    town_copy = Copier(
        cur,
        "towns_town",
        ["id", "name", "leading_industry", "sector", "tier", "tier_since", "baseline_year", "description", "county_id"],
    )
    next_id = max((t[0] for t in towns), default=0) + 1
    for n in range(spec.towns - len(towns)):
        county_id, county_name, _ = counties[n % len(counties)]
        sector = pick(rng, SECTORS)
        tier = pick(rng, TIERS)
        industry = rng.choice(INDUSTRIES[sector])
        tier_since = None if tier == "potential" else datetime.date(spec.first_year, rng.randint(1, 12), 1)
        baseline = None if tier == "potential" else spec.first_year
        name = f"{county_name}{industry}{n + 1:05d}"
        town_copy.add(next_id, name, industry, sector, tier, tier_since, baseline, "", county_id)
        towns.append([next_id, county_id, tier, sector])
        next_id += 1
    town_copy.flush()
    cur.execute(
        "UPDATE towns_town SET baseline_year = %s WHERE baseline_year IS NULL AND tier <> 'potential'",
        [spec.first_year],
    )

    # Enterprise counts per town: three each, the rest spread with skewed (log-normal) weights.
    to_spread = spec.enterprises - sum(len(v) for v in existing_enterprises.values()) - 3 * len(towns)
    weights = [rng.lognormvariate(0, 0.8) * (0.5 if t[2] == "potential" else 1) for t in towns]
    total_weight = sum(weights)
    counts = [3 + int(to_spread * w / total_weight) for w in weights]
    for i in rng.sample(
        range(len(towns)), spec.enterprises - sum(len(v) for v in existing_enterprises.values()) - sum(counts)
    ):
        counts[i] += 1

    ent_copy = Copier(
        cur,
        "towns_enterprise",
        ["id", "name", "credit_code", "role", "above_designated_size", "main_products", "town_id"],
    )
    fig_columns = ["year", "output_wan", "local_jobs", "provincial_share_pct", "tax_wan"]
    efig_copy = Copier(cur, "towns_enterpriseyearfigures", [*fig_columns, "enterprise_id"])
    tfig_copy = Copier(cur, "towns_townyearfigures", [*fig_columns, "town_id"])
    years = range(spec.first_year, spec.last_year + 1)
    base_output = {"anchor": 20_000.0, "supporting": 2_000.0, "other": 300.0}
    cur.execute("SELECT coalesce(max(id), 0) FROM towns_enterprise")
    next_ent = cur.fetchone()[0] + 1
    for town, count in zip(towns, counts, strict=True):
        town_id, county_id, tier, sector = town
        members = list(existing_enterprises.get(town_id, []))
        anchors = 0 if tier == "potential" and rng.random() < 0.5 else (2 if count >= 60 else 1)
        anchors -= sum(1 for m in members if m[1] == "anchor")
        supporting = rng.randint(6, 14)
        for k in range(count):
            role = "anchor" if k < anchors else "supporting" if k < anchors + supporting else "other"
            above = role == "anchor" or rng.random() < (0.4 if role == "supporting" else 0.1)
            ent_copy.add(
                next_ent, f"企业{k + 1:05d}", credit_code(division[county_id], next_ent), role, above, "", town_id
            )
            members.append((next_ent, role, above))
            next_ent += 1
        totals = dict.fromkeys(years, 0.0)
        for ent_id, role, _above in members:
            output = base_output[role] * rng.lognormvariate(0, 0.6)
            growth = rng.gauss(1.06, 0.08)
            for year in years:
                totals[year] += output
                efig_copy.add_line(f"{year}\t{output:.2f}\t{int(output / 8) + 1}\t\\N\t{output * 0.04:.2f}\t{ent_id}")
                output *= growth
        share = f"{rng.uniform(1, 70):.2f}" if sector == "manufacturing" and tier != "potential" else r"\N"
        for year in years:
            output = totals[year] * rng.uniform(1.1, 1.4)
            tfig_copy.add_line(f"{year}\t{output:.2f}\t{int(output / 6) + 1}\t{share}\t{output * 0.05:.2f}\t{town_id}")
        if len(efig_copy.lines) > 200_000:  # enterprises before their figures
            ent_copy.flush()
            efig_copy.flush()
    for copier in (ent_copy, efig_copy, tfig_copy):
        copier.flush()

    # Key projects, problems and the counties' progress reports of the last year, which gather() reads.
    projects = Copier(
        cur,
        "tasks_registry_keyproject",
        [
            "name",
            "investment_wan",
            "stage",
            "planned_sign_on",
            "signed_on",
            "planned_start_on",
            "started_on",
            "planned_production_on",
            "in_production_on",
            "note",
            "town_id",
        ],
    )
    problems = Copier(
        cur,
        "tasks_registry_problem",
        [
            "number",
            "title",
            "description",
            "source",
            "found_on",
            "deadline",
            "status",
            "closed_at",
            "verification",
            "created_at",
            "responsible_county_id",
            "town_id",
        ],
    )
    year = spec.last_year
    now = datetime.datetime.now(datetime.UTC).isoformat()

    def day(y: int) -> datetime.date:
        return datetime.date(y, 1, 1) + datetime.timedelta(days=rng.randrange(365))

    serial = 0
    for town_id, county_id, _tier, _sector in towns:
        for k in range(spec.projects_per_town):
            sign = day(year)
            start = sign + datetime.timedelta(days=rng.randint(30, 120))
            production = start + datetime.timedelta(days=rng.randint(90, 400))
            signed = sign if rng.random() < 0.9 else None
            began = start + datetime.timedelta(days=rng.randint(-10, 60)) if signed and rng.random() < 0.7 else None
            produced = production if began and rng.random() < 0.5 else None
            stage = "in_production" if produced else "started" if began else "signed"
            projects.add(
                f"重点项目{k + 1}",
                f"{rng.uniform(1_000, 200_000):.2f}",
                stage,
                sign,
                signed,
                start,
                began,
                production,
                produced,
                "",
                town_id,
            )
        for _ in range(spec.problems_per_town):
            serial += 1
            found = day(year)
            deadline = found + datetime.timedelta(days=rng.choice([30, 60, 90]))
            closed = found + datetime.timedelta(days=rng.randint(5, 120)) if rng.random() < 0.6 else None
            problems.add(
                f"WT{year}-{serial:07d}",
                "要素保障问题",
                "基准测试生成的问题。",
                "field_research",
                found,
                deadline,
                "closed" if closed else "assigned",
                f"{closed}T10:00:00+08:00" if closed else None,
                "",
                now,
                county_id,
                town_id,
            )
    projects.flush()
    problems.flush()

    reports = Copier(
        cur,
        "tasks_registry_progressreport",
        ["id", "period", "kind", "narrative", "submitted_at", "updated_at", "county_id", "task_id"],
    )
    report_towns = Copier(cur, "tasks_registry_progressreport_towns", ["progressreport_id", "town_id"])
    by_county = collections.defaultdict(list)
    for town_id, county_id, _tier, _sector in towns:
        by_county[county_id].append(town_id)
    report_id = 0
    for county_id, _name, _code in counties:
        for task_id in task_ids:
            for quarter in range(1, 5):
                report_id += 1
                reports.add(
                    report_id, f"{year}-Q{quarter}", "unit", "基准测试生成的进展报告。", now, now, county_id, task_id
                )
                for town_id in rng.sample(by_county[county_id], min(3, len(by_county[county_id]))):
                    report_towns.add(report_id, town_id)
    reports.flush()
    report_towns.flush()

    for table in ("towns_town", "towns_enterprise", "tasks_registry_progressreport"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    cur.execute("SET session_replication_role = origin")
    conn.commit()
    loaded = time.perf_counter() - started
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE")
    conn.close()
    return {
        "towns": len(towns),
        "enterprises": next_ent - 1,
        "town_year_rows": tfig_copy.rows,
        "enterprise_year_rows": efig_copy.rows,
        "projects": projects.rows,
        "problems": problems.rows,
        "progress_reports": reports.rows,
        "load_seconds": loaded,
        "vacuum_analyze_seconds": time.perf_counter() - started - loaded,
    }


def data_counts(database_url: str) -> dict:
    """Row counts of an existing data set (for a reused database)."""
    counts = {}
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        for key, table in (
            ("towns", "towns_town"),
            ("enterprises", "towns_enterprise"),
            ("town_year_rows", "towns_townyearfigures"),
            ("enterprise_year_rows", "towns_enterpriseyearfigures"),
            ("progress_reports", "tasks_registry_progressreport"),
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[key] = cur.fetchone()[0]
    conn.close()
    return counts

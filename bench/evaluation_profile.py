"""The in-process half of bench/evaluation.py: one chunk of towns under a profiler, and finalize's writes.

Imported by bench/evaluation.py after it has set Django up."""

from __future__ import annotations

import collections
import random
import re
import time
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from evaluation import services as evaluation
from evaluation.models import EvaluationRun, TownEvaluation
from towns.models import Town

# --- 4. one town, in-process ----------------------------------------------------------------------------


def shape(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    match = re.match(r"(SELECT|UPDATE|INSERT INTO|DELETE FROM|SAVEPOINT|RELEASE SAVEPOINT)\b", sql)
    verb = match.group(1) if match else sql.split()[0]
    tables = re.findall(r'(?:FROM|INTO|UPDATE|JOIN) "(\w+)"', sql)
    where = re.search(r"WHERE (.{0,90})", sql)
    return f"{verb} {','.join(dict.fromkeys(tables))}" + (f" WHERE {where.group(1)}" if where else "")


def profile_towns(args, out: Path, year: int, per_task: int) -> dict:
    """evaluate_towns for a sample of towns in chunks of per_task on a scratch run (deleted afterwards):
    queries per town (a chunk's over its towns) with CaptureQueriesContext, then the same towns again on a
    second scratch run under pyinstrument."""
    rng = random.Random(args.seed + 1)
    ids = sorted(
        rng.sample(list(Town.objects.values_list("pk", flat=True)), min(args.profile_towns, Town.objects.count()))
    )
    tiers = dict(Town.objects.filter(pk__in=ids).values_list("pk", "tier"))
    per_town, shapes, seconds_per_town = [], collections.defaultdict(lambda: [0, 0.0]), []
    scratch = []
    try:
        run = EvaluationRun.objects.create(year=year, weights=evaluation.config_for(year).effective_weights())
        scratch.append(run.pk)
        for chunk in (ids[i : i + per_task] for i in range(0, len(ids), per_task)):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                evaluation.evaluate_towns(run_id=run.pk, town_ids=chunk)
                seconds_per_town += [(time.perf_counter() - started) / len(chunk)] * len(chunk)
            per_town += [(tiers[town_id], len(ctx.captured_queries) / len(chunk)) for town_id in chunk]
            for q in ctx.captured_queries:
                s = shapes[shape(q["sql"])]
                s[0] += 1
                s[1] += float(q["time"])
        by_tier = collections.defaultdict(list)
        for tier, n in per_town:
            by_tier[tier].append(n)
        profile_text = None
        try:
            from pyinstrument import Profiler
        except ImportError:
            Profiler = None
        if Profiler is not None:
            run2 = EvaluationRun.objects.create(year=year, weights=evaluation.config_for(year).effective_weights())
            scratch.append(run2.pk)
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for i in range(0, len(ids), per_task):
                evaluation.evaluate_towns(run_id=run2.pk, town_ids=ids[i : i + per_task])
            profiler.stop()
            profile_text = profiler.output_text(unicode=True, color=False, show_all=False)
            (out / "pyinstrument-evaluate_town.txt").write_text(profile_text)
            (out / "pyinstrument-evaluate_town.html").write_text(profiler.output_html())
    finally:
        EvaluationRun.objects.filter(pk__in=scratch).delete()
    total_sql = sum(t for _, t in shapes.values())
    return {
        "towns": len(ids),
        "queries_per_town": {tier: (min(v), max(v), round(sum(v) / len(v), 1)) for tier, v in by_tier.items()},
        "queries_per_town_mean": round(sum(n for _, n in per_town) / len(per_town), 1),
        "ms_per_town_mean": round(1000 * sum(seconds_per_town) / len(seconds_per_town), 2),
        "sql_ms_per_town_mean": round(1000 * total_sql / len(ids), 2),
        "query_shapes": sorted(
            ((k, n, round(1000 * t / len(ids), 3)) for k, (n, t) in shapes.items()), key=lambda r: -r[2]
        ),
        "pyinstrument": profile_text,
    }


class Rollback(Exception):
    pass


def profile_finalize(args, run_id: int, say) -> dict:
    """finalize() on the finished draft, rolled back: once as the project has it but with bulk_update given
    batch_size=500 (the proposed fix), and the project's bulk_update (no batch size: one UPDATE with a CASE
    of every row per column) against the batched one on growing prefixes of the results, to show how it
    grows. The as-is finalize of the full run is in the worker log (the table's "finalize")."""
    from django.db.models.query import QuerySet

    original = QuerySet.bulk_update
    timings = {"bulk_update_seconds": 0.0}

    def batched(self, objs, fields, batch_size=None):
        started = time.perf_counter()
        try:
            return original(self, objs, fields, batch_size=batch_size or args.finalize_batch)
        finally:
            timings["bulk_update_seconds"] += time.perf_counter() - started

    out: dict = {"batch_size": args.finalize_batch}
    try:
        with transaction.atomic():
            EvaluationRun.objects.filter(pk=run_id).update(status=EvaluationRun.Status.RUNNING)
            QuerySet.bulk_update = batched
            started = time.perf_counter()
            evaluation.finalize(run_id=run_id)
            out["finalize_batched_seconds"] = time.perf_counter() - started
            out["finalize_batched_bulk_update_seconds"] = timings["bulk_update_seconds"]
            raise Rollback
    except Rollback:
        pass
    finally:
        QuerySet.bulk_update = original
    results = list(TownEvaluation.objects.filter(run_id=run_id).order_by("pk"))
    out["scaling"] = []
    for n in args.finalize_prefixes:
        if n > len(results):
            break
        row = {"rows": n}
        for label, batch in (("as_is", None), ("batched", args.finalize_batch)):
            try:
                with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    TownEvaluation.objects.bulk_update(results[:n], ["score", "rank", "breakdown"], batch_size=batch)
                    row[f"{label}_seconds"] = time.perf_counter() - started
                    row[f"{label}_statements"] = len(ctx.captured_queries)
                    row[f"{label}_sql_kb"] = sum(len(q["sql"]) for q in ctx.captured_queries) // 1024
                    raise Rollback
            except Rollback:
                pass
        out["scaling"].append(row)
        say(
            f"   bulk_update of {n:,} results: as is {row['as_is_seconds']:.2f} s, "
            f"batched {row['batched_seconds']:.2f} s"
        )
    return out

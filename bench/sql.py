"""Benchmark of the SQL route: planning and execution per question, beside raw DuckDB (the anchor).

For each dev question: plan (offline planner), guard, execute (read-only connection, row cap,
DataFrame), present (summary + chart), and the anchor: the very same final SQL run directly through
``duckdb`` in this process into a DataFrame. Overhead = plan + guard + (execute - anchor).
Run on the demo database (scale 1) and on a ``--scale 10`` one built into a temporary folder.

    .venv/bin/python bench/sql.py [--repeat 5] [--no-scale10] [--questions FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "sql_dev.jsonl"
TODAY = dt.date(2026, 11, 20)
#: What the route may add beyond running its final SQL directly (plan + guard + execute - raw).
OVERHEAD_BUDGET_MS = 10.0
#: The whole offline answer in process (route.answer: plan, guard, run, reading, summary, chart).
WHOLE_ANSWER_AIM_MS = 30.0


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_database(path: Path, questions: list[str], repeat: int) -> dict[str, list[float]]:
    """Per-question medians (ms) of each stage on one DuckDB file."""
    import duckdb

    from tradeassist.core.question import Question
    from tradeassist.core.settings import Settings
    from tradeassist.sql.db.database import open_duckdb_readonly
    from tradeassist.sql.db.executor import Executor
    from tradeassist.sql.route import SqlRoute

    from tradeassist.sql.catalog.catalog import Catalog
    from tradeassist.sql.route import _fetcher

    settings = Settings(home=Path(tempfile.mkdtemp()), today=TODAY, db_url=str(path))
    route = SqlRoute(settings)
    started = time.perf_counter()
    database, planner = route.engine()
    connect_ms = _ms(started)
    started = time.perf_counter()
    Catalog.build(database.schema(), database.dialect, _fetcher(database, settings), settings)
    catalog_ms = _ms(started)  # value index + lexicon + join paths, schema already read
    executor = Executor(database, settings)
    raw = open_duckdb_readonly(str(path))
    stages: dict[str, list[float]] = {k: [] for k in ("plan", "guard", "execute", "anchor", "overhead", "present",
                                                      "whole")}
    for text in questions:
        runs: dict[str, list[float]] = {k: [] for k in stages}
        for _ in range(repeat):
            t = time.perf_counter()
            plan = planner.plan(text)
            runs["plan"].append(_ms(t))
            if not plan.ok:
                break
            t = time.perf_counter()
            guarded = executor.guard(plan.sql)
            runs["guard"].append(_ms(t))
            t = time.perf_counter()
            result = executor.run(guarded)
            runs["execute"].append(_ms(t))
            t = time.perf_counter()
            raw.execute(guarded.run_sql).fetchdf()
            runs["anchor"].append(_ms(t))
            runs["overhead"].append(runs["plan"][-1] + runs["guard"][-1] + runs["execute"][-1] - runs["anchor"][-1])
            t = time.perf_counter()
            route._present(Question(text), guarded, result, database.dialect, [])
            runs["present"].append(_ms(t))
            t = time.perf_counter()
            route.answer(Question(text))  # what a front end calls: every stage, the reading included
            runs["whole"].append(_ms(t))
        if not runs["execute"]:
            print(f"  (not answered: {text})")
            continue
        for key, values in runs.items():
            stages[key].append(statistics.median(values))
    raw.close()
    route.close()
    stages["catalog"] = [catalog_ms]
    stages["connect"] = [connect_ms]
    return stages


def print_table(name: str, stages: dict[str, list[float]]) -> None:
    """One table: p50 and p95 over questions for each stage."""
    print(f"\n{name}: {len(stages['plan'])} questions; first connection + schema + catalog "
          f"{stages['connect'][0]:.0f} ms, catalog alone (value index, lexicon) {stages['catalog'][0]:.0f} ms")
    print(f"{'stage':<40}{'p50 ms':>10}{'p95 ms':>10}")
    labels = [
        ("plan", "planning (offline planner)"),
        ("guard", "guard (parse, check, LIMIT)"),
        ("execute", "execution (read-only, DataFrame)"),
        ("anchor", "ANCHOR: same SQL, raw duckdb"),
        ("overhead", "overhead beyond raw = plan+guard+exec-raw"),
        (None, None),
        ("present", "presentation (summary, chart), separate"),
        ("whole", "whole answer (route.answer, in process)"),
    ]
    for key, label in labels:
        if key is None:
            print("-" * 60)
            continue
        values = stages[key]
        print(f"{label:<40}{statistics.median(values):>10.2f}{_pct(values, 0.95):>10.2f}")
    overhead = statistics.median(stages["overhead"])
    verdict = "within" if overhead <= OVERHEAD_BUDGET_MS else "over"
    print(f"overhead p50 {overhead:.2f} ms is {verdict} the {OVERHEAD_BUDGET_MS:.0f} ms budget "
          "(presentation is not part of it)")
    whole = statistics.median(stages["whole"])
    verdict = "within" if whole <= WHOLE_ANSWER_AIM_MS else "over"
    print(f"whole answer p50 {whole:.2f} ms is {verdict} the {WHOLE_ANSWER_AIM_MS:.0f} ms aim")


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-scale10", action="store_true", help="Only the scale-1 database.")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "true")
    from tradeassist.sql.demo.build import build_demo

    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{len(questions)} questions x {args.repeat} runs, medians per question")
    with tempfile.TemporaryDirectory() as folder:
        for scale in (1,) if args.no_scale10 else (1, 10):
            path = Path(folder) / f"demo_x{scale}.duckdb"
            started = time.perf_counter()
            summary = build_demo(path, today=TODAY, scale=scale)
            rows = sum(summary.rows.values())
            print(f"built scale {scale}: {rows:,} rows in {_ms(started) / 1000:.1f} s")
            print_table(f"demo database, scale {scale}", bench_database(path, questions, args.repeat))


if __name__ == "__main__":
    main()

"""SQL guard and executor benchmark: what checking and running a statement costs beyond the raw query.

Run: ``.venv/bin/python bench/sql_guard.py [--db PATH] [--repeat 30]``

For every gold statement of ``../shared/eval/sql_dev.jsonl`` (``{today}`` filled with 2026-11-20)
on the demo database (built in a temporary folder unless ``--db`` names one), in one process:

* the anchor: the guarded statement run directly on a native DuckDB cursor (``execute().df()``);
* ``guard_sql``: parse, check, resolve columns, LIMIT, regenerate;
* ``Executor.run``: the read-only connection with its time limit and row cap, on the same SQL;
* the overhead of guard + executor beyond the anchor, per statement.

Figures are medians over ``--repeat`` runs per statement, the three measurements taken in turn so
that all see the same machine load; the table gives p50/p95 across statements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from tradeassist.core.settings import Settings  # noqa: E402
from tradeassist.sql.db.database import DUCKDB_CONFIG, Database  # noqa: E402
from tradeassist.sql.db.executor import Executor  # noqa: E402
from tradeassist.sql.db.guard import guard_sql  # noqa: E402

TODAY = dt.date(2026, 11, 20)
EVAL = ROOT.parent / "shared" / "eval" / "sql_dev.jsonl"


def interleaved_medians(actions: list, repeat: int) -> list[float]:
    """Median wall time (ms) of each action, run in turn ``repeat`` times so all see the same load."""
    for action in actions:
        action()  # warm-up
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for index, action in enumerate(actions):
            started = time.perf_counter()
            action()
            samples[index].append((time.perf_counter() - started) * 1000)
    return [statistics.median(values) for values in samples]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main() -> None:
    """Measure and print the table."""
    import duckdb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a demo DuckDB file (default: build one in a temporary folder)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.db) if args.db else Path(folder) / "demo.duckdb"
        if not args.db:
            from tradeassist.sql.demo.build import build_demo

            build_demo(path, today=TODAY, scale=1)
        statements = [
            json.loads(line)["gold_sql"].replace("{today}", TODAY.isoformat())
            for line in EVAL.read_text().splitlines()
            if line.strip()
        ]
        settings = Settings(home=Path(folder) / "home")
        database = Database.connect(str(path))
        executor = Executor(database, settings)
        schema = database.schema()
        raw = duckdb.connect(str(path), read_only=True, config=dict(DUCKDB_CONFIG)).cursor()

        rows = []
        for sql in statements:
            guarded = guard_sql(
                sql, schema, "duckdb", default_limit=settings.sql_default_limit, max_rows=settings.sql_max_rows
            )
            anchor, guard, run = interleaved_medians(
                [
                    lambda: raw.execute(guarded.run_sql).df(),
                    lambda: guard_sql(
                        sql, schema, "duckdb", default_limit=settings.sql_default_limit, max_rows=settings.sql_max_rows
                    ),
                    lambda: executor.run(guarded),
                ],
                args.repeat,
            )
            rows.append((anchor, guard, run, guard + run - anchor))
        raw.close()
        database.close()

    print(f"SQL guard + executor on the demo database ({len(rows)} gold statements, median of {args.repeat} runs each)")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}, "
        f"python {platform.python_version()}"
    )
    print(f"{'figure (ms)':<38}{'p50':>8}{'p95':>8}")
    for label, index in (
        ("raw DuckDB cursor (anchor)", 0),
        ("guard_sql", 1),
        ("Executor.run (read-only, limits)", 2),
        ("overhead: guard + run - anchor", 3),
    ):
        values = [row[index] for row in rows]
        print(f"{label:<38}{percentile(values, 0.5):>8.2f}{percentile(values, 0.95):>8.2f}")


if __name__ == "__main__":
    main()

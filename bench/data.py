"""Data benchmark: building the demo database, importing a real file, copying into SQLite.

Run: ``.venv/bin/python bench/data.py [--repeat 3] [--scale10]``

Each figure is printed beside an anchor measured in the same process on the same data:

* ``build_demo`` (simulate + write, scale 1) beside the raw write: copying the finished tables
  into a fresh DuckDB file with ``CREATE TABLE AS`` (no simulation, no keys);
* ``import_file`` of the S&P 500 file into DuckDB (read, type, validate, dedupe, upsert) beside
  ``CREATE TABLE AS SELECT * FROM read_csv(...)`` of the same file (no checks, no keys);
* ``export_database`` into SQLite beside pandas ``DataFrame.to_sql`` of the same tables.

Medians over ``--repeat`` runs. The S&P rows are skipped when ``../shared/data`` is absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from tradeassist.sql.demo.build import build_demo, export_database  # noqa: E402
from tradeassist.sql.data.contract import TABLE_ORDER  # noqa: E402
from tradeassist.sql.data.importer import import_file  # noqa: E402

TODAY = dt.date(2026, 11, 20)
MARKET = ROOT.parent / "shared" / "data" / "market"


def median_s(action, repeat: int) -> float:
    """Median wall time of ``action()`` in seconds over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _fresh(folder: Path, name: str) -> Path:
    path = folder / name
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return path


def raw_copy(src: Path, dst: Path) -> None:
    """The anchor for a build: the same tables written into a new DuckDB file, nothing else."""
    import duckdb

    with duckdb.connect(str(src), read_only=True) as source, duckdb.connect(str(dst)) as target:
        for name in TABLE_ORDER:
            target.from_arrow(source.table(name).to_arrow_table()).create(name)


def raw_read_csv(csv: Path, dst: Path) -> None:
    """The anchor for an import: DuckDB's reader straight into a table."""
    import duckdb

    with duckdb.connect(str(dst)) as target:
        target.read_csv(str(csv)).create("daily_bars")


def pandas_to_sqlite(src: Path, dst: Path) -> None:
    """The anchor for an export: pandas ``to_sql`` of every table into SQLite."""
    import duckdb

    with duckdb.connect(str(src), read_only=True) as source, sqlite3.connect(dst) as target:
        for name in TABLE_ORDER:
            source.table(name).df().to_sql(name, target, index=False, if_exists="replace",
                                           chunksize=50_000)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale10", action="store_true", help="also time one scale-10 build")
    args = parser.parse_args()
    rows: list[tuple[str, str, float, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="tradeassist-bench-") as tmp:
        folder = Path(tmp)
        demo = folder / "demo.duckdb"
        summary = build_demo(demo, today=TODAY)
        build = median_s(lambda: build_demo(_fresh(folder, "b.duckdb"), today=TODAY), args.repeat)
        anchor = median_s(lambda: raw_copy(demo, _fresh(folder, "raw.duckdb")), args.repeat)
        rows.append(("build_demo scale 1", f"{summary.total_rows:,} rows", build,
                     "raw DuckDB write of the same tables", anchor))
        if args.scale10:
            started = time.perf_counter()
            big = build_demo(_fresh(folder, "big.duckdb"), today=TODAY, scale=10)
            rows.append(("build_demo scale 10", f"{big.total_rows:,} rows", time.perf_counter() - started,
                         "(one run)", float("nan")))
        sp500 = MARKET / "sp500_daily_2013_2018.csv.gz"
        if sp500.is_file():
            def do_import() -> None:
                import_file(sp500, table="daily_bars", db_url=str(_fresh(folder, "sp.duckdb")),
                            mapping={"Name": "symbol"},
                            instruments_file=MARKET / "sp500_constituents_2018.csv")

            imported = median_s(do_import, args.repeat)
            anchor = median_s(lambda: raw_read_csv(sp500, _fresh(folder, "spraw.duckdb")), args.repeat)
            rows.append(("import_file S&P 500 -> DuckDB", "619,040 rows", imported,
                         "read_csv into a table", anchor))
        exported = median_s(lambda: export_database(demo, f"sqlite:///{_fresh(folder, 'e.sqlite')}"),
                            args.repeat)
        anchor = median_s(lambda: pandas_to_sqlite(demo, _fresh(folder, "p.sqlite")), args.repeat)
        rows.append(("export_database -> SQLite", f"{summary.total_rows:,} rows", exported,
                     "pandas to_sql", anchor))

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"median of {args.repeat}")
    print(f"{'what':32} {'size':>16} {'seconds':>8}   {'anchor':38} {'seconds':>8}")
    for what, size, seconds, anchor_name, anchor_s in rows:
        print(f"{what:32} {size:>16} {seconds:8.2f}   {anchor_name:38} {anchor_s:8.2f}")


if __name__ == "__main__":
    main()

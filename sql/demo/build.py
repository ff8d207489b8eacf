"""The demo trading database: built offline and deterministically, and copied to SQLite or PostgreSQL.

``build_demo`` simulates prices (``tradeassist.sql.demo.market``) and trading activity (``tradeassist.sql.demo.trading``)
over a fixed universe of real instruments (``tradeassist.sql.demo.universe``) and writes them into a DuckDB file
with the schema contract of ``tradeassist.sql.data.contract``. The same ``seed`` and ``today`` always give the
same rows. ``export_database`` copies any such DuckDB file into SQLite or PostgreSQL.

Positions are long only: a simulated sell never exceeds what the account holds at that moment
(an order that would is booked as a buy). ``avg_cost`` is the moving weighted average cost: each
buy order moves it to the quantity-weighted average of the holding and the order's fill prices,
sells leave it unchanged, and it resets when the holding goes flat.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlglot import exp

from tradeassist.core.errors import BadInputError, ConfigError, DataSourceError
from tradeassist.sql.data.contract import TABLE_ORDER, create_contract_tables, table

DEFAULT_SEED = 7
MAX_SCALE = 100

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo`` wrote: row counts per table and the covered dates."""

    path: Path
    rows: dict[str, int]
    first_date: dt.date
    last_date: dt.date
    seed: int
    scale: int
    seconds: float = field(default=0.0, compare=False)

    @property
    def total_rows(self) -> int:
        """Rows over all tables."""
        return sum(self.rows.values())


def instruments_for_scale(scale: int = 1) -> tuple:
    """The instruments of a demo database at ``scale`` (synthetic equities are added above 1)."""
    from tradeassist.sql.demo.universe import CRYPTOS, EQUITIES, ETFS, synthetic_equities

    extra = synthetic_equities(len(EQUITIES) * (scale - 1)) if scale > 1 else ()
    return EQUITIES + extra + ETFS + CRYPTOS


def quiet(conn) -> None:
    """Turn off DuckDB's own progress bar on a connection (the CLI draws its own)."""
    conn.execute("SET enable_progress_bar = false")


def _insert_sql(name: str, source: str) -> str:
    columns = [column.name for column in table(name).columns]
    select = exp.select(*[exp.column(c) for c in columns]).from_(source)
    return exp.insert(select, exp.to_table(name), columns=columns).sql(dialect="duckdb")


def build_demo(path: str | Path, *, today: dt.date, scale: int = 1, seed: int = DEFAULT_SEED,
               progress: Progress | None = None) -> DemoSummary:
    """Write the demo trading database (DuckDB) at ``path``, replacing any file there atomically."""
    import duckdb
    import pandas as pd

    from tradeassist.sql.demo.market import simulate_market
    from tradeassist.sql.demo.trading import simulate_activity

    if not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise BadInputError(f"scale must be a whole number from 1 to {MAX_SCALE}, got {scale!r}")
    if not isinstance(today, dt.date):
        raise BadInputError(f"today must be a date, got {today!r}")
    if isinstance(today, dt.datetime):
        today = today.date()
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)

    # One generator drives everything, in a fixed order: same seed and today, same data.
    rng = np.random.default_rng(seed)
    specs = instruments_for_scale(scale)
    say(f"simulating prices for {len(specs)} instruments")
    market = simulate_market(specs, today, rng)
    say("simulating orders, trades, positions and transfers")
    activity = simulate_activity(market, today, rng, scale)
    frames = {
        "instruments": pd.DataFrame({
            "symbol": [s.symbol for s in specs],
            "name": [s.name for s in specs],
            "asset_class": [s.asset_class for s in specs],
            "sector": [s.sector for s in specs],
            "exchange": [s.exchange for s in specs],
            "currency": [s.currency for s in specs],
        }),
        "accounts": activity.accounts,
        "daily_bars": market.bars_frame(),
        "orders": activity.orders,
        "trades": activity.trades,
        "positions": activity.positions,
        "onchain_transfers": activity.transfers,
    }

    # Build next to the target, then rename: readers never see a half-written database.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB wants to create the file itself
    try:
        with duckdb.connect(str(tmp)) as conn:
            quiet(conn)
            create_contract_tables(conn)
            for name in TABLE_ORDER:
                say(f"writing {name} ({len(frames[name]):,} rows)")
                conn.register("frame", frames[name])
                conn.execute(_insert_sql(name, "frame"))
                conn.unregister("frame")
            conn.execute("CHECKPOINT")
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    dates = market.dates
    return DemoSummary(
        path=path,
        rows={name: len(frames[name]) for name in TABLE_ORDER},
        first_date=dates[0].astype(dt.date),
        last_date=dates[-1].astype(dt.date),
        seed=seed,
        scale=scale,
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# Export to other databases


def iso_text_select(conn, name: str) -> str:
    """A SELECT over a DuckDB table with dates and timestamps as ISO text (what SQLite stores)."""
    relation = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall()
    projections = []
    for column, data_type in relation:
        if data_type == "DATE":
            projections.append(exp.alias_(
                exp.func("strftime", exp.column(column), exp.Literal.string("%Y-%m-%d")), column))
        elif data_type.startswith("TIMESTAMP"):
            projections.append(exp.alias_(
                exp.func("strftime", exp.column(column), exp.Literal.string("%Y-%m-%d %H:%M:%S")),
                column))
        else:
            projections.append(exp.column(column))
    return exp.select(*projections).from_(name).sql(dialect="duckdb")


def _present_tables(conn) -> list[str]:
    names = {row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()}
    return [name for name in TABLE_ORDER if name in names]


def export_database(src_duckdb_path: str | Path, url: str, *, schema: str | None = None) -> None:
    """Copy every contract table of a DuckDB file into SQLite or PostgreSQL, replacing them there."""
    from tradeassist.sql.db.database import open_duckdb_readonly
    from tradeassist.sql.db.urls import hide_password, is_url, parse_url

    src = Path(src_duckdb_path).expanduser()
    if not src.is_file():
        raise BadInputError(f"No DuckDB database at {src}")
    if not is_url(url):
        raise ConfigError(f"Not a database URL: {hide_password(url)!r}; export takes a sqlite:// or postgresql:// URL")
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    with open_duckdb_readonly(str(src)) as conn:
        names = _present_tables(conn)
        if backend == "sqlite":
            if schema:
                raise ConfigError("SQLite has no schemas; leave schema unset for a sqlite:// URL")
            _export_sqlite(conn, names, parsed.database or "")
        elif backend in ("postgresql", "postgres"):
            _export_postgres(conn, names, parsed.set(drivername="postgresql+psycopg"), schema)
        else:
            raise ConfigError(f"Export supports sqlite:// and postgresql:// URLs, not {backend}://")


def _export_sqlite(conn, names: list[str], database: str) -> None:
    import sqlite3

    from tradeassist.sql.data.contract import create_table_ddl

    if not database or database == ":memory:":
        raise ConfigError("A sqlite:/// URL must name a file to export into")
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(Path(database).expanduser())
    try:
        with target:  # one transaction: all tables replaced, or none
            for name in reversed(names):
                target.execute(exp.Drop(tables=[exp.to_table(name)], kind="TABLE", exists=True)
                               .sql(dialect="sqlite"))
            for name in names:
                target.execute(create_table_ddl(name, "sqlite"))
                columns = [column.name for column in table(name).columns]
                insert = exp.insert(
                    exp.values([tuple(exp.Placeholder() for _ in columns)]),
                    exp.to_table(name), columns=columns).sql(dialect="sqlite")
                result = conn.execute(iso_text_select(conn, name))
                while batch := result.fetchmany(50_000):
                    target.executemany(insert, batch)
    except sqlite3.Error as exc:
        raise DataSourceError(f"Export to SQLite {database} failed: {exc}") from exc
    finally:
        target.close()


def _export_postgres(conn, names: list[str], url, schema: str | None) -> None:
    import sqlalchemy as sa
    from psycopg import sql as pgsql

    metadata = sa.MetaData()
    tables = {name: table(name).to_metadata(metadata, schema=schema) for name in names}
    engine = sa.create_engine(url)
    try:
        with engine.begin() as pg:
            if schema:
                pg.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
            cursor = pg.connection.driver_connection.cursor()
            for name in reversed(names):
                cursor.execute(pgsql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                    pgsql.Identifier(*([schema] if schema else []), name)))
            # Foreign keys are added after loading: one validation pass per key is much faster
            # than a lookup per copied row.
            for name in names:
                pg.execute(sa.schema.CreateTable(tables[name], include_foreign_key_constraints=[]))
            for name in names:
                _copy_table(conn, cursor, name, schema)
            for name in names:
                for constraint in tables[name].foreign_key_constraints:
                    if constraint.referred_table.name in tables:
                        pg.execute(sa.schema.AddConstraint(constraint))
    except sa.exc.SQLAlchemyError as exc:
        raise DataSourceError(f"Export to PostgreSQL failed: {exc}") from exc
    finally:
        engine.dispose()


def _copy_table(conn, cursor, name: str, schema: str | None) -> None:
    """Stream one table into PostgreSQL with COPY, as CSV made from Arrow batches in memory.

    The DuckDB side is a locked read-only connection without file access, so nothing is staged
    on disk.
    """
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv
    from psycopg import sql as pgsql

    columns = [column.name for column in table(name).columns]
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        pgsql.Identifier(*([schema] if schema else []), name),
        pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns),
    )
    options = pacsv.WriteOptions(include_header=False)
    reader = conn.execute(iso_text_select(conn, name)).to_arrow_reader(100_000)
    with cursor.copy(statement) as copy:
        for batch in reader:
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buffer, options)
            copy.write(buffer.getvalue())


def table_checksums(conn) -> dict[str, str]:
    """An order-independent digest of every contract table in a DuckDB connection (for comparisons)."""
    digests = {}
    for name in _present_tables(conn):
        query = exp.select(
            exp.func("count", exp.Star()), exp.func("sum", exp.func("hash", exp.column("t")))
        ).from_(exp.to_table(name).as_("t"))
        row = conn.execute(query.sql(dialect="duckdb")).fetchall()[0]
        digests[name] = f"{row[0]}:{row[1]}"
    return digests

"""Read-only loading of daily bars, instruments and on-chain transfers from any trading database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DataSourceError, UnknownNameError

if TYPE_CHECKING:
    import pandas as pd

#: Accepted spellings of the columns we need, first match wins (case-insensitive).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "symbol": ("symbol", "ticker", "name"),
    "date": ("date", "day", "trade_date", "bar_date", "ts", "timestamp"),
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
    "close": ("close", "adj_close"),
    "volume": ("volume",),
}
BARS_TABLE = "daily_bars"


def is_duckdb_path(db_url: str) -> bool:
    """True when ``db_url`` names a DuckDB file rather than a SQLAlchemy URL."""
    return "://" not in db_url or db_url.startswith("duckdb:///")


def _duckdb_file(db_url: str) -> str:
    path = db_url.removeprefix("duckdb:///")
    if not Path(path).expanduser().exists():
        raise DataSourceError(
            f"The trading database {path} does not exist. Run `tradeassist demo` or pass --db."
        )
    return str(Path(path).expanduser())


class BarReader:
    """A read-only view of one trading database: lists columns and runs built SELECTs."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.duckdb = is_duckdb_path(db_url)
        self._engine = None
        self._conn = None

    # Connections -------------------------------------------------------------------------
    def _duck(self):
        if self._conn is None:
            import duckdb

            from sql.db.database import open_duckdb_readonly

            try:
                self._conn = open_duckdb_readonly(_duckdb_file(self.db_url))
            except duckdb.Error as exc:
                raise DataSourceError(f"Cannot open the DuckDB database {self.db_url}: {exc}") from exc
        return self._conn

    def _sa_engine(self):
        if self._engine is None:
            import sqlalchemy as sa

            url = sa.engine.make_url(self.db_url)
            options: dict = {}
            if url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            if url.drivername.startswith("postgresql"):
                # Every statement runs inside a read-only transaction.
                options["execution_options"] = {"postgresql_readonly": True}
            if url.drivername.startswith("sqlite") and url.database:
                url = url.set(database=f"file:{url.database}?mode=ro", query={"uri": "true"})
            try:
                self._engine = sa.create_engine(url, **options)
            except Exception as exc:  # bad driver or URL
                raise DataSourceError(f"Cannot open the trading database {self.db_url}: {exc}") from exc
        return self._engine

    def close(self) -> None:
        """Release the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # Introspection -----------------------------------------------------------------------
    def columns(self, table: str) -> list[str]:
        """Column names of ``table``; an empty list when the table does not exist."""
        if self.duckdb:
            import sqlglot.expressions as exp

            query = (
                exp.select("column_name")
                .from_(exp.table_("columns", db="information_schema"))
                .where(exp.column("table_name").eq(exp.Literal.string(table)))
                .order_by("ordinal_position")
            )
            return [row[0] for row in self._duck().execute(query.sql("duckdb")).fetchall()]
        import sqlalchemy as sa

        try:
            inspector = sa.inspect(self._sa_engine())
            if not inspector.has_table(table):
                return []
            return [c["name"] for c in inspector.get_columns(table)]
        except sa.exc.SQLAlchemyError as exc:
            raise DataSourceError(f"Cannot read the schema of {self.db_url}: {exc}") from exc

    def has_table(self, table: str) -> bool:
        """True when the database has ``table``."""
        return bool(self.columns(table))

    # Queries -----------------------------------------------------------------------------
    def select(
        self,
        table: str,
        columns: dict[str, str],
        where_in: tuple[str, Sequence[str]] | None = None,
        where_ge: tuple[str, dt.date] | None = None,
        order_by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """SELECT real columns AS wanted names, with optional IN / >= filters, as a DataFrame."""
        if self.duckdb:
            return self._select_duckdb(table, columns, where_in, where_ge, order_by)
        return self._select_sqlalchemy(table, columns, where_in, where_ge, order_by)

    def _select_duckdb(self, table, columns, where_in, where_ge, order_by) -> pd.DataFrame:
        import duckdb
        import sqlglot.expressions as exp

        query = exp.select(
            *(exp.alias_(exp.column(real, quoted=True), wanted, quoted=True) for wanted, real in columns.items())
        ).from_(exp.table_(table, quoted=True))
        if where_in is not None:
            query = query.where(
                exp.column(where_in[0], quoted=True).isin(*(exp.Literal.string(v) for v in where_in[1]))
            )
        if where_ge is not None:
            query = query.where(
                exp.column(where_ge[0], quoted=True) >= exp.cast(exp.Literal.string(where_ge[1].isoformat()), "DATE")
            )
        for name in order_by:
            query = query.order_by(exp.column(name, quoted=True))
        try:
            return self._duck().execute(query.sql("duckdb")).df()
        except duckdb.Error as exc:
            raise DataSourceError(f"Reading {table} failed: {exc}") from exc

    def _select_sqlalchemy(self, table, columns, where_in, where_ge, order_by) -> pd.DataFrame:
        import pandas as pd
        import sqlalchemy as sa

        source = sa.table(table, *(sa.column(real) for real in set(columns.values())))
        query = sa.select(*(source.c[real].label(wanted) for wanted, real in columns.items()))
        if where_in is not None:
            query = query.where(source.c[where_in[0]].in_(list(where_in[1])))
        if where_ge is not None:
            query = query.where(source.c[where_ge[0]] >= where_ge[1])
        for name in order_by:
            query = query.order_by(sa.column(name))
        try:
            with self._sa_engine().connect() as conn:
                return pd.read_sql(query, conn)
        except sa.exc.SQLAlchemyError as exc:
            raise DataSourceError(f"Reading {table} failed: {exc}") from exc


def resolve_columns(available: Sequence[str], wanted: dict[str, tuple[str, ...]], table: str) -> dict[str, str]:
    """Map each wanted name to the table's real column, or raise a clear error."""
    lower = {name.lower(): name for name in available}
    found: dict[str, str] = {}
    for name, aliases in wanted.items():
        real = next((lower[a] for a in aliases if a in lower), None)
        if real is None:
            raise DataSourceError(
                f"Table {table} has no {name!r} column (looked for {', '.join(aliases)}); "
                f"it has: {', '.join(available)}."
            )
        found[name] = real
    return found


def load_bars(
    db_url: str,
    symbols: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Daily bars (symbol, date, open, high, low, close, volume) sorted by symbol and date."""
    import pandas as pd

    reader = BarReader(db_url)
    try:
        available = reader.columns(BARS_TABLE)
        if not available:
            raise DataSourceError(f"The database {db_url} has no {BARS_TABLE} table.")
        mapping = resolve_columns(available, COLUMN_ALIASES, BARS_TABLE)
        symbols = [s.upper() for s in symbols] if symbols else None
        frame = reader.select(
            BARS_TABLE,
            mapping,
            where_in=(mapping["symbol"], symbols) if symbols else None,
            where_ge=(mapping["date"], start) if start else None,
        )
    finally:
        reader.close()
    frame["date"] = pd.to_datetime(frame["date"]).dt.tz_localize(None).dt.normalize()
    if end is not None:
        frame = frame[frame["date"] <= pd.Timestamp(end)]
    for column in ("open", "high", "low", "close", "volume"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["symbol"] = frame["symbol"].astype(str)
    frame = frame.dropna(subset=["close"]).drop_duplicates(["symbol", "date"], keep="last")
    if symbols:
        missing = sorted(set(symbols) - set(frame["symbol"]))
        if missing and len(missing) == len(symbols):
            raise UnknownNameError(f"No daily bars for {', '.join(missing)} in {db_url}.")
    return frame.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)


def load_instruments(db_url: str) -> pd.DataFrame:
    """Instruments (symbol, sector, asset_class) when the database has them; else an empty frame."""
    import pandas as pd

    reader = BarReader(db_url)
    try:
        available = reader.columns("instruments")
        if not available:
            return pd.DataFrame(columns=["symbol", "sector", "asset_class"])
        lower = {c.lower(): c for c in available}
        mapping = {"symbol": lower.get("symbol") or lower.get("ticker")}
        for wanted in ("sector", "asset_class", "name"):
            if wanted in lower:
                mapping[wanted] = lower[wanted]
        if mapping["symbol"] is None:
            return pd.DataFrame(columns=["symbol", "sector", "asset_class"])
        frame = reader.select("instruments", mapping)
    finally:
        reader.close()
    for wanted in ("sector", "asset_class"):
        if wanted not in frame:
            frame[wanted] = None
    frame["symbol"] = frame["symbol"].astype(str)
    return frame


def load_table(db_url: str, table: str) -> pd.DataFrame | None:
    """A whole small table by name (e.g. onchain_transfers), or None when it is absent."""
    reader = BarReader(db_url)
    try:
        available = reader.columns(table)
        if not available:
            return None
        return reader.select(table, {name: name for name in available})
    finally:
        reader.close()

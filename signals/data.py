"""Read-only loading of daily bars, instruments and on-chain transfers from any trading database (through ``tradeassist.sql.db``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tradeassist.core.errors import DataSourceError, UnknownNameError

if TYPE_CHECKING:
    import pandas as pd

    from tradeassist.core.settings import Settings
    from tradeassist.sql.db.executor import Executor

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


#: Whole tables are read at once; a table larger than this is refused rather than cut short.
TABLE_ROW_CAP = 20_000_000


class BarReader:
    """Reads tables of one trading database through the read-only executor of ``tradeassist.sql.db``."""

    def __init__(self, executor: Executor):
        self.executor = executor

    @classmethod
    def open(cls, db_url: str, settings: Settings) -> BarReader:
        """A reader on ``db_url`` (a DuckDB/SQLite path or any database URL), opened read-only."""
        from tradeassist.sql.db.database import Database
        from tradeassist.sql.db.executor import Executor

        return cls(Executor(Database.connect(db_url, settings), settings, row_cap=TABLE_ROW_CAP))

    def close(self) -> None:
        """Release the connection."""
        self.executor.database.close()

    def __enter__(self) -> BarReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Introspection -----------------------------------------------------------------------
    def columns(self, table: str) -> list[str]:
        """Column names of ``table``; an empty list when the table does not exist."""
        found = self.executor.database.schema().table(table)
        return list(found.column_names) if found is not None else []

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
        _, result = self.executor.run_sql(query.sql(self.executor.database.dialect))
        if result.truncated:
            raise DataSourceError(f"{table} holds more than {self.executor.max_rows:,} rows; too many to read at once.")
        return result.frame


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
    reader: BarReader,
    symbols: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Daily bars (symbol, date, open, high, low, close, volume) sorted by symbol and date."""
    import pandas as pd

    available = reader.columns(BARS_TABLE)
    if not available:
        raise DataSourceError(f"The database {reader.executor.database.display_url} has no {BARS_TABLE} table.")
    mapping = resolve_columns(available, COLUMN_ALIASES, BARS_TABLE)
    symbols = [s.upper() for s in symbols] if symbols else None
    frame = reader.select(
        BARS_TABLE,
        mapping,
        where_in=(mapping["symbol"], symbols) if symbols else None,
        where_ge=(mapping["date"], start) if start else None,
    )
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
            raise UnknownNameError(
                f"No daily bars for {', '.join(missing)} in {reader.executor.database.display_url}.")
    return frame.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)


def load_instruments(reader: BarReader) -> pd.DataFrame:
    """Instruments (symbol, sector, asset_class) when the database has them; else an empty frame."""
    import pandas as pd

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
    for wanted in ("sector", "asset_class"):
        if wanted not in frame:
            frame[wanted] = None
    frame["symbol"] = frame["symbol"].astype(str)
    return frame


def load_table(reader: BarReader, table: str) -> pd.DataFrame | None:
    """A whole small table by name (e.g. onchain_transfers), or None when it is absent."""
    available = reader.columns(table)
    if not available:
        return None
    return reader.select(table, {name: name for name in available})

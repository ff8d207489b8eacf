"""Import users' own CSV and Parquet files into the trading database: map, validate, coerce, upsert.

The importer is the product's one write path into trading data. It never goes through the
read-only SQL guard, so it limits itself: it writes only the named contract table, plus missing
rows of ``instruments`` for symbols the file introduces. Files are read with DuckDB's readers in a
connection of the importer's own; bad rows are counted by reason and skipped, never half-written.
A re-import of the same file updates the same rows (an upsert on the primary key).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp

from tradeassist.core.errors import BadInputError, DataSourceError, UnknownNameError
from tradeassist.sql.data.contract import TABLE_ORDER
from tradeassist.sql.data.contract import table as contract_table

#: progress(done_rows, total_rows, message)
ImportProgress = Callable[[int, int, str], None]

#: Values used when a file lacks a column the contract requires.
COLUMN_DEFAULTS: dict[str, dict[str, object]] = {
    "instruments": {"asset_class": "equity", "currency": "USD"},
    "daily_bars": {"volume": 0},  # index levels (e.g. VIX) have no volume
}
#: Common column names of instruments files (case-insensitive) and the contract column they mean.
INSTRUMENT_ALIASES = {
    "symbol": "symbol", "ticker": "symbol", "name": "name", "security": "name",
    "company": "name", "sector": "sector", "gics sector": "sector", "exchange": "exchange",
    "asset_class": "asset_class", "currency": "currency",
}
#: Rows that make no sense as market data, per table: (reason, SQL condition over clean columns).
SANITY_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "daily_bars": (
        ("high below low", "high < low"),
        ("open or close outside the high-low range",
         "greatest(open, close) > high OR least(open, close) < low"),
        ("price not positive", "low <= 0"),
        ("negative volume", "volume < 0"),
    ),
    "trades": (("quantity or price not positive", "quantity <= 0 OR price <= 0"),),
    "orders": (("quantity not positive", "quantity <= 0"),),
    "onchain_transfers": (("amount negative", "amount < 0"),),
}
PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class ImportReport:
    """What an import did: rows read, written (new and updated), skipped by reason."""

    file: Path
    table: str
    db_url: str
    rows_read: int = 0
    rows_written: int = 0
    rows_new: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    instruments_added: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # target column <- file column
    filled: dict[str, object] = field(default_factory=dict)  # target column <- one value for all rows
    seconds: float = 0.0

    @property
    def rows_skipped(self) -> int:
        """Bad rows left out, over all reasons."""
        return sum(self.skipped.values())

    @property
    def rows_updated(self) -> int:
        """Rows that replaced ones already in the table (same primary key)."""
        return self.rows_written - self.rows_new

    def render(self):
        """A rich table summarising the import, for the CLI."""
        from rich.table import Table

        out = Table(title=f"Imported {self.file.name} into {self.table}", show_header=False)
        out.add_column("what")
        out.add_column("rows", justify="right")
        out.add_row("rows read", f"{self.rows_read:,}")
        out.add_row("rows written", f"{self.rows_written:,}")
        out.add_row("  new", f"{self.rows_new:,}")
        out.add_row("  updated (same key)", f"{self.rows_updated:,}")
        out.add_row("rows skipped", f"{self.rows_skipped:,}")
        for reason, count in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
            out.add_row(f"  {reason}", f"{count:,}")
        for column, value in self.filled.items():
            out.add_row(f"{column} (not in the file)", f"set to {value!r}")
        if self.instruments_added:
            out.add_row("instruments added", f"{self.instruments_added:,}")
        out.add_row("time", f"{self.seconds:.1f} s")
        return out


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["Name=symbol", ...]`` -> ``{"Name": "symbol"}``, with a clear error for malformed pairs."""
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise BadInputError(f"--map takes Source=target (a file column and a table column), got {pair!r}")
        mapping[source.strip()] = target.strip()
    return mapping


def sniff_format(path: Path) -> str:
    """'parquet' or 'csv' (plain or gzip), from the file's first bytes and then its suffix."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == PARQUET_MAGIC:
        return "parquet"
    if head[:2] == GZIP_MAGIC or path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return "csv"
    if b"\x00" in head:
        raise BadInputError(f"{path.name} is neither CSV nor Parquet")
    return "csv"


def _read_file(conn, path: Path):
    """A DuckDB relation over the file, types detected by DuckDB's readers."""
    import duckdb

    kind = sniff_format(path)
    try:
        if kind == "parquet":
            return conn.read_parquet(str(path))
        return conn.read_csv(str(path), header=True)
    except duckdb.Error as exc:
        raise BadInputError(f"Could not read {path.name} as {kind.upper()}: {exc}") from exc


def _resolve_columns(name: str, file_columns: list[str], mapping: dict[str, str],
                     path: Path, constants: dict[str, object]) -> dict[str, str]:
    """Target column -> file column: explicit ``--map`` pairs first, then same names (any case)."""
    contract = [column.name for column in contract_table(name).columns]
    by_lower = {column.lower(): column for column in file_columns}
    resolved: dict[str, str] = {}
    for source, target in mapping.items():
        if source.lower() not in by_lower:
            raise UnknownNameError(
                f"--map {source}={target}: {path.name} has no column {source!r}; "
                f"its columns are: {', '.join(file_columns)}")
        if target not in contract:
            raise UnknownNameError(
                f"--map {source}={target}: {name} has no column {target!r}; "
                f"its columns are: {', '.join(contract)}")
        resolved[target] = by_lower[source.lower()]
    taken = set(resolved.values())
    for column in contract:
        if column not in resolved and column in by_lower and by_lower[column] not in taken:
            resolved[column] = by_lower[column]
    for column in constants:
        if column in resolved:
            raise BadInputError(
                f"{path.name} already has a {column} column ({resolved[column]}); "
                f"leave out --{column}, or --map that column to another name")
    defaults = {**COLUMN_DEFAULTS.get(name, {}), **constants}
    required = [c.name for c in contract_table(name).columns if not c.nullable and c.name not in defaults]
    missing = [column for column in required if column not in resolved]
    if missing:
        raise BadInputError(
            f"{path.name} lacks the column(s) {', '.join(missing)} that {name} needs. "
            f"The file's columns are: {', '.join(file_columns)}. "
            "Rename a column with --map Source=target (e.g. --map Name=symbol)"
            + (", or give --symbol for a file of one instrument." if "symbol" in missing else "."))
    return resolved


def _clean_select(name: str, resolved: dict[str, str],
                  filled: dict[str, object]) -> tuple[exp.Select, exp.Expression]:
    """SELECT of typed contract columns from ``raw``, and a CASE over them naming why a row is bad."""
    from sqlalchemy.dialects import postgresql

    projections, reasons = [], []
    for column in contract_table(name).columns:
        type_sql = column.type.compile(dialect=postgresql.dialect())
        if column.name in resolved:
            source = exp.column(resolved[column.name], quoted=True)
            if type_sql == "VARCHAR":  # blank text is missing text
                value = exp.func("nullif", exp.func("trim", exp.cast(source, "VARCHAR")),
                                 exp.Literal.string(""))
            else:  # unparsable values become NULL and the row is counted as bad
                value = exp.TryCast(this=source, to=exp.DataType.build(type_sql, dialect="postgres"))
            if not column.nullable:
                reasons.append((exp.Is(this=exp.column(column.name), expression=exp.Null()),
                                f"blank or invalid {column.name}"))
        elif column.name in filled:
            value = exp.cast(exp.convert(filled[column.name]),
                             exp.DataType.build(type_sql, dialect="postgres"))
        else:
            value = exp.cast(exp.Null(), exp.DataType.build(type_sql, dialect="postgres"))
        projections.append(exp.alias_(value, column.name))
    select = exp.select(*projections).from_("raw")
    case = exp.Case()
    for condition, reason in reasons:
        case = case.when(condition, exp.Literal.string(reason))
    return select, case if reasons else exp.cast(exp.Null(), "VARCHAR")


def _constants(table_name: str, symbol: str | None) -> dict[str, object]:
    if symbol is None:
        return {}
    if "symbol" not in [c.name for c in contract_table(table_name).columns]:
        raise BadInputError(f"{table_name} has no symbol column; leave out --symbol")
    cleaned = symbol.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9.\-^=]{0,19}", cleaned):
        raise BadInputError(f"--symbol takes a ticker such as VIX or BRK.B, got {symbol!r}")
    return {"symbol": cleaned}


def _sanity_case(name: str) -> exp.Expression:
    """A CASE naming the first sanity rule a clean row breaks (NULL when it breaks none)."""
    from sqlglot import parse_one

    rules = SANITY_RULES.get(name, ())
    case = exp.Case()
    for reason, condition in rules:
        case = case.when(parse_one(condition, read="duckdb"), exp.Literal.string(reason))
    return case if rules else exp.cast(exp.Null(), "VARCHAR")


def import_file(path: str | Path, *, table: str, db_url: str, mapping: dict[str, str] | None = None,
                instruments_file: str | Path | None = None, symbol: str | None = None,
                progress: ImportProgress | None = None) -> ImportReport:
    """Import a CSV, CSV.gz or Parquet file into ``table`` of the database at ``db_url``.

    ``symbol`` names the instrument of a file that holds one and has no symbol column.
    """
    import duckdb

    started = time.perf_counter()
    path = Path(path).expanduser()
    if not path.is_file():
        raise UnknownNameError(f"No such file: {path}")
    if table not in TABLE_ORDER:
        raise UnknownNameError(
            f"Unknown table {table!r}; import into one of: {', '.join(TABLE_ORDER)}")
    say = progress or (lambda _done, _total, _message: None)
    report = ImportReport(file=path, table=table, db_url=db_url)

    from tradeassist.sql.demo.build import quiet

    work = duckdb.connect()  # the importer's own scratch space
    quiet(work)
    try:
        say(0, 0, f"Reading {path.name}")
        raw = _read_file(work, path)
        work.register("raw", raw)
        constants = _constants(table, symbol)
        report.columns = _resolve_columns(table, raw.columns, mapping or {}, path, constants)
        report.filled = {column: value for column, value in
                         {**COLUMN_DEFAULTS.get(table, {}), **constants}.items()
                         if column not in report.columns}
        select, blank_case = _clean_select(table, report.columns, report.filled)
        typed = exp.select("*", exp.alias_(blank_case, "_bad")).from_(select.subquery("typed"))
        checked = exp.select("*", exp.alias_(
            exp.func("coalesce", exp.column("_bad"), _sanity_case(table)), "_reason")).from_(
            typed.subquery("checked"))
        work.execute(exp.Create(this=exp.to_table("classified"), kind="TABLE",
                                expression=checked).sql(dialect="duckdb"))
        report.rows_read = work.execute("SELECT count(*) FROM classified").fetchall()[0][0]
        report.skipped = dict(work.execute(
            "SELECT _reason, count(*) FROM classified WHERE _reason IS NOT NULL GROUP BY 1").fetchall())
        columns = [column.name for column in contract_table(table).columns]
        keys = [column.name for column in contract_table(table).primary_key.columns]
        # Duplicate keys inside one file: the last row wins, the others are counted as skipped.
        deduped = exp.select(*columns).from_("classified").where("_reason IS NULL").qualify(
            exp.EQ(this=exp.Window(this=exp.RowNumber(), partition_by=[exp.column(k) for k in keys],
                                   order=exp.Order(expressions=[exp.Ordered(
                                       this=exp.column("rowid"), desc=True)])),
                   expression=exp.Literal.number(1)))
        work.execute(exp.Create(this=exp.to_table("clean"), kind="TABLE",
                                expression=deduped).sql(dialect="duckdb"))
        report.rows_written = work.execute("SELECT count(*) FROM clean").fetchall()[0][0]
        duplicates = report.rows_read - report.rows_skipped - report.rows_written
        if duplicates:
            report.skipped["duplicate key in the file (last row kept)"] = duplicates
        say(report.rows_written, report.rows_read, f"Validated {path.name}")
        new_instruments = _instrument_rows(work, table, instruments_file)

        from tradeassist.sql.data.writer import write_clean

        report.rows_new, report.instruments_added = write_clean(
            work, db_url, table, columns, keys, new_instruments,
            lambda done, message: say(done, report.rows_written, message))
    except duckdb.Error as exc:
        raise DataSourceError(f"Import of {path.name} failed: {exc}") from exc
    finally:
        work.close()
    report.seconds = time.perf_counter() - started
    say(report.rows_written, report.rows_written, "Done")
    return report


def _instrument_rows(work, table_name: str, instruments_file: str | Path | None) -> bool:
    """Prepare ``new_instruments`` (symbols of the clean rows, described by the instruments file)."""
    if table_name == "instruments" or "symbol" not in [c.name for c in contract_table(table_name).columns]:
        return False
    if instruments_file is not None:
        path = Path(instruments_file).expanduser()
        if not path.is_file():
            raise UnknownNameError(f"No such instruments file: {path}")
        relation = _read_file(work, path)
        by_alias = {}
        for column in relation.columns:
            target = INSTRUMENT_ALIASES.get(column.strip().lower())
            if target and target not in by_alias:
                by_alias[target] = column
        if "symbol" not in by_alias:
            raise BadInputError(
                f"{path.name} needs a Symbol (or Ticker) column; its columns are: "
                f"{', '.join(relation.columns)}")
        work.register("instrument_file", relation)
        picks = [exp.alias_(exp.func("trim", exp.cast(exp.column(by_alias[c], quoted=True), "VARCHAR")), c)
                 if c in by_alias else exp.alias_(exp.cast(exp.Null(), "VARCHAR"), c)
                 for c in ("symbol", "name", "sector", "exchange")]
        work.execute(exp.Create(this=exp.to_table("described"), kind="TABLE", expression=exp.select(
            *picks).from_("instrument_file").distinct(exp.column("symbol"))).sql(dialect="duckdb"))
    else:
        work.execute("CREATE TABLE described (symbol VARCHAR, name VARCHAR, sector VARCHAR, exchange VARCHAR)")
    work.execute("""
        CREATE TABLE new_instruments AS
        SELECT c.symbol, coalesce(d.name, c.symbol) AS name, 'equity' AS asset_class,
               coalesce(d.sector, 'Unknown') AS sector, d.exchange, 'USD' AS currency
        FROM (SELECT DISTINCT symbol FROM clean) c LEFT JOIN described d USING (symbol)
        ORDER BY c.symbol""")
    return True

"""Read-only connections to the trading database: DuckDB, SQLite, PostgreSQL or any SQLAlchemy URL.

``Database.connect`` opens a connection that cannot write, whatever SQL reaches it:

- DuckDB: ``read_only=True``, external access off (no files, no network, no extensions),
  replacement scans of Python variables off, a memory limit with no temporary files, and the
  configuration locked; each query must also be exactly one statement of type SELECT, checked by
  DuckDB's own parser.
- SQLite: ``mode=ro`` URI, ``PRAGMA query_only``, no ATTACH, and an authorizer that allows only
  reading.
- PostgreSQL (psycopg 3): every query runs in a ``READ ONLY`` transaction with a local
  ``statement_timeout`` and ``work_mem``, through a server-side cursor (which PostgreSQL declares
  only for one SELECT or VALUES: no COPY, DO, SET or stacked statements); a superuser URL logs in
  as ``tradeassist_reader``, a role that can only read (``backends.PostgresBackend``).

A result's values are weighed (text by length, lists by their elements) before it is returned,
and lists, arrays, structs and maps arrive as their JSON text.

It is safe to share one ``Database`` between threads: DuckDB and SQLite hand each thread its own
connection; PostgreSQL and other servers use a connection pool. The per-database connection code
lives in ``tradeassist.sql.db.backends``.
"""

from __future__ import annotations

import decimal
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradeassist.core.errors import ConfigError, DataSourceError
from tradeassist.sql.db.backends import (
    DUCKDB_CONFIG,
    SQLGLOT_DIALECTS,
    DialectBackend,
    DuckDBBackend,
    PostgresBackend,
    QueryMemoryError,
    SqlAlchemyBackend,
    SQLiteBackend,
    first_line,
    open_duckdb_readonly,
    timeout_message,
)
from tradeassist.sql.db.urls import existing_database_file, hide_password, is_url, parse_url
from tradeassist.sql.catalog.schema import Schema

if TYPE_CHECKING:  # pragma: no cover - typing only
    from tradeassist.core.settings import Settings

__all__ = ["DUCKDB_CONFIG", "open_duckdb_readonly", "SQLGLOT_DIALECTS", "Database", "QueryMemoryError", "QueryResult",
           "ResultTooLargeError", "timeout_message"]


_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file
_SQLITE_MAGIC = b"SQLite format 3\x00"
_DEFAULT_TIMEOUT_S = 20.0
_DEFAULT_MAX_ROWS = 10_000
#: What one value and one whole result may weigh (text and bytes counted by length, others 8 bytes).
DEFAULT_MAX_CELL_BYTES = 64 * 1024
DEFAULT_MAX_RESULT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class QueryResult:
    """Rows a query returned (at most the row cap), whether more existed, and how long it took."""

    frame: pd.DataFrame
    truncated: bool
    elapsed_ms: float
    row_count: int


class Database:
    """A read-only connection to one trading database, shared safely between threads."""

    def __init__(self, backend: DialectBackend, url: str, dialect: str) -> None:
        self._backend = backend
        self.url = url
        self.dialect = dialect
        self._schema: Schema | None = None
        self._schema_lock = threading.Lock()

    # ------------------------------------------------------------------ construction
    @classmethod
    def connect(cls, url_or_path: str | Path, settings: Settings | None = None) -> Database:
        """Open ``url_or_path`` read-only: a DuckDB/SQLite file path, or a database URL."""
        del settings  # limits are passed per query; accepted so callers can pass what they hold
        text = str(url_or_path).strip()
        if not text:
            raise ConfigError("No database given: pass a DuckDB file path or a database URL.")
        if not is_url(text):
            return cls._connect_file(Path(text).expanduser(), text)
        url = parse_url(text)
        driver = url.get_backend_name()
        if driver == "duckdb":
            return cls._connect_duckdb_url(url, text)
        if driver == "sqlite":
            return cls._connect_sqlite_url(url, text)
        if driver in ("postgresql", "postgres"):
            return cls(PostgresBackend(url), text, "postgres")
        return cls(SqlAlchemyBackend(url), text, SQLGLOT_DIALECTS.get(driver, driver))

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> Database:
        """An in-memory DuckDB database holding ``frames`` as tables, with the same protections."""
        if not frames:
            raise ConfigError("No DataFrames given: pass at least one {name: DataFrame}.")
        return cls(DuckDBBackend.from_frames(frames), "duckdb:///:memory:", "duckdb")

    @classmethod
    def _connect_file(cls, path: Path, text: str) -> Database:
        if not path.exists():
            raise DataSourceError(
                f"No database file at {path}: the path does not exist. Check it, or build the demo "
                "database with `tradeassist demo`."
            )
        if not path.is_file():
            raise DataSourceError(f"{path} is a folder, not a database file.")
        with path.open("rb") as handle:
            header = handle.read(16)
        if header[8:12] == _DUCKDB_MAGIC:
            return cls(DuckDBBackend.open_file(path), text, "duckdb")
        if header == _SQLITE_MAGIC:
            return cls(SQLiteBackend(path), text, "sqlite")
        raise DataSourceError(f"{path} is neither a DuckDB nor a SQLite database file.")

    @classmethod
    def _connect_duckdb_url(cls, url: Any, text: str) -> Database:
        path = existing_database_file(url, text, "DuckDB", "duckdb:///path/to/file.duckdb")
        return cls(DuckDBBackend.open_file(path), text, "duckdb")

    @classmethod
    def _connect_sqlite_url(cls, url: Any, text: str) -> Database:
        path = existing_database_file(url, text, "SQLite", "sqlite:///path/to/file.sqlite")
        return cls(SQLiteBackend(path), text, "sqlite")

    # ------------------------------------------------------------------ use
    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return hide_password(self.url)

    def schema(self) -> Schema:
        """Tables, views, columns and keys (introspected once, then cached)."""
        if self._schema is None:
            with self._schema_lock:
                if self._schema is None:
                    try:
                        self._schema = self._backend.introspect()
                    except DataSourceError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - any driver error is a data-source error
                        raise DataSourceError(
                            f"Could not read the tables of {self.display_url}: {first_line(exc)}"
                        ) from exc
        return self._schema

    def query(
        self,
        sql: str,
        *,
        timeout_s: float | None = None,
        max_rows: int | None = None,
        max_cell_bytes: int = DEFAULT_MAX_CELL_BYTES,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    ) -> QueryResult:
        """Run one read-only statement with a time limit, keeping at most ``max_rows`` rows.

        A result holding a value over ``max_cell_bytes``, or weighing over ``max_result_bytes``,
        is refused rather than returned. Low level: callers pass SQL that the guard produced
        (``tradeassist.sql.db.executor.Executor`` does).
        """
        timeout = float(timeout_s) if timeout_s is not None else _DEFAULT_TIMEOUT_S
        cap = int(max_rows) if max_rows is not None else _DEFAULT_MAX_ROWS
        if timeout <= 0 or cap < 1:
            raise ConfigError("The query time limit must be positive and the row cap at least 1.")
        started = time.perf_counter()
        frame = self._backend.query(sql, timeout, cap + 1)
        truncated = len(frame) > cap
        if truncated:
            frame = frame.iloc[:cap].reset_index(drop=True)
        check_result_weight(frame, max_cell_bytes, max_result_bytes)
        frame = nested_to_text(_decimals_to_float(frame))
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        return QueryResult(frame=frame, truncated=truncated, elapsed_ms=elapsed_ms, row_count=len(frame))

    def close(self) -> None:
        """Close every connection this object opened."""
        self._backend.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.display_url!r}, dialect={self.dialect!r})"


class ResultTooLargeError(DataSourceError):
    """A result holds a value, or weighs in all, more than the configured limit."""

    status = 400


def check_result_weight(frame: pd.DataFrame, max_cell_bytes: int, max_result_bytes: int) -> None:
    """Refuse a result with a value over ``max_cell_bytes`` or a total weight over ``max_result_bytes``.

    The row cap alone does not bound memory: ten rows of 40 MB strings are 400 MB to hold,
    serialise and send, and 500 rows of a 51,000-element list are 25 M values. Lengths are read per
    value (cheap), never by copying the data; list elements count, nested ones too.
    """
    total = 0
    for index, column in enumerate(frame.columns):
        values = frame.iloc[:, index]  # by position: a result may repeat a column name
        kind = values.dtype
        if (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)
                or pd.api.types.is_bool_dtype(kind)):
            total += 8 * len(values)
            continue
        budget = max_result_bytes - total
        sizes = values.map(lambda v: len(v) if isinstance(v, (str, bytes, bytearray)) else _weight(v, budget))
        largest = int(sizes.max()) if len(sizes) else 0
        if largest > max_cell_bytes:
            what = "characters" if pd.api.types.is_string_dtype(kind) and not _holds_nested(values) else "bytes"
            raise ResultTooLargeError(
                f"the result holds a value of {largest:,} {what} in column {str(column)[:40]!r}; the limit is "
                f"{max_cell_bytes:,} per value (TRADEASSIST_SQL_MAX_CELL_KB)")
        total += int(sizes.sum())
    if total > max_result_bytes:
        raise ResultTooLargeError(
            f"the result weighs about {total / 1e6:,.1f} MB; the limit is {max_result_bytes / 1e6:,.1f} MB "
            "(TRADEASSIST_SQL_MAX_RESULT_MB): select fewer columns or rows")


#: Values that hold other values: DuckDB lists (NumPy arrays), structs and maps (dicts), PostgreSQL arrays.
_NESTED = (np.ndarray, list, tuple, dict)


def _weight(value: object, budget: int) -> int:
    """What one value weighs: text by length, lists and structs by their elements, anything else 8 bytes."""
    # Nested elements count through (a list of lists), and counting stops once past ``budget``.
    if isinstance(value, (str, bytes, bytearray)):
        return len(value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        return int(value.nbytes)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, _NESTED):
        return 8
    total = 0
    for item in value:
        total += _weight(item, budget - total)
        if total > budget:
            break
    return total


def _holds_nested(values: pd.Series) -> bool:
    first = values.first_valid_index()
    return first is not None and isinstance(values[first], _NESTED)


def nested_to_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists, arrays, structs and maps as their JSON text, in place; returns ``frame``."""
    # Tables, summaries and charts compare and hash values: a NumPy array in a cell made them fail.
    for position, dtype in enumerate(frame.dtypes):
        if dtype != object:
            continue
        column = frame.iloc[:, position]
        if _holds_nested(column):
            frame.isetitem(position, column.map(_as_json, na_action="ignore"))
    return frame


def _as_json(value: object) -> object:
    if not isinstance(value, _NESTED):
        return value
    return json.dumps(_plain(value), ensure_ascii=False, default=str)


def _plain(value: object) -> object:
    """``value`` with NumPy arrays and scalars as lists and numbers, decimals as floats (for ``json.dumps``)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _decimals_to_float(frame: pd.DataFrame) -> pd.DataFrame:
    """NUMERIC/DECIMAL values arrive as ``decimal.Decimal``; tables and charts want floats."""
    for position, dtype in enumerate(frame.dtypes):
        if dtype != object:
            continue
        column = frame.iloc[:, position]
        sample = column.dropna()
        if len(sample) and isinstance(sample.iloc[0], decimal.Decimal):
            frame.isetitem(position, pd.to_numeric(column, errors="coerce").astype("float64"))
    return frame


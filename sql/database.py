"""Read-only connections to the trading database: DuckDB, SQLite, PostgreSQL or any SQLAlchemy URL.

``Database.connect`` opens a connection that cannot write, whatever SQL reaches it:

- DuckDB: ``read_only=True``, external access off (no files, no network, no extensions),
  replacement scans of Python variables off, and the configuration locked; each query must also
  be exactly one statement of type SELECT, checked by DuckDB's own parser.
- SQLite: ``mode=ro`` URI, ``PRAGMA query_only``, no ATTACH, and an authorizer that allows only
  reading.
- PostgreSQL (psycopg 3): every query runs in a ``READ ONLY`` transaction with a local
  ``statement_timeout``, through a server-side cursor (which PostgreSQL declares only for one
  SELECT or VALUES: no COPY, DO, SET or stacked statements); a superuser connection drops to the
  predefined ``pg_read_all_data`` role for each query.

It is safe to share one ``Database`` between threads: DuckDB and SQLite hand each thread its own
connection; PostgreSQL and other servers use a connection pool.
"""

from __future__ import annotations

import decimal
import logging
import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.errors import ConfigError, DataSourceError
from sql.schema import Schema

if TYPE_CHECKING:  # pragma: no cover - typing only
    from core.settings import Settings

#: SQLAlchemy dialect names mapped to sqlglot dialect names.
SQLGLOT_DIALECTS = {
    "duckdb": "duckdb",
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "tsql",
    "oracle": "oracle",
    "snowflake": "snowflake",
    "trino": "trino",
    "presto": "presto",
    "clickhouse": "clickhouse",
    "clickhousedb": "clickhouse",
    "bigquery": "bigquery",
    "redshift": "redshift",
    "databricks": "databricks",
    "hive": "hive",
    "spark": "spark",
    "teradata": "teradata",
    "doris": "doris",
    "starrocks": "starrocks",
}

DUCKDB_CONFIG = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "lock_configuration": True,
}
_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file
_SQLITE_MAGIC = b"SQLite format 3\x00"
logger = logging.getLogger(__name__)

_DEFAULT_TIMEOUT_S = 20.0
_DEFAULT_MAX_ROWS = 10_000
_CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True, eq=False)
class QueryResult:
    """Rows a query returned (at most the row cap), whether more existed, and how long it took."""

    frame: pd.DataFrame
    truncated: bool
    elapsed_ms: float
    row_count: int


def timeout_message(timeout_s: float) -> str:
    """The message shown when a query runs past the time limit."""
    return (
        f"the query ran longer than the {timeout_s:g} s limit and was stopped; "
        "narrow it (filters, a date range, fewer rows) or raise TRADEASSIST_SQL_TIMEOUT_S"
    )


class Database:
    """A read-only connection to one trading database, shared safely between threads."""

    def __init__(self, backend: _Backend, url: str, dialect: str) -> None:
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
        if "://" not in text:
            return cls._connect_file(Path(text).expanduser(), text)
        url = _parse_url(text)
        driver = url.get_backend_name()
        if driver == "duckdb":
            return cls._connect_duckdb_url(url, text)
        if driver == "sqlite":
            return cls._connect_sqlite_url(url, text)
        if driver in ("postgresql", "postgres"):
            return cls(_PostgresBackend(url), text, "postgres")
        return cls(_SqlAlchemyBackend(url), text, SQLGLOT_DIALECTS.get(driver, driver))

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> Database:
        """An in-memory DuckDB database holding ``frames`` as tables, with the same protections."""
        if not frames:
            raise ConfigError("No DataFrames given: pass at least one {name: DataFrame}.")
        return cls(_DuckDBBackend.from_frames(frames), "duckdb:///:memory:", "duckdb")

    @classmethod
    def _connect_file(cls, path: Path, text: str) -> Database:
        if not path.exists():
            raise DataSourceError(
                f"No database file at {path}: check the path, or build the demo database with "
                "`tradeassist demo`."
            )
        if not path.is_file():
            raise DataSourceError(f"{path} is a folder, not a database file.")
        with path.open("rb") as handle:
            header = handle.read(16)
        if header[8:12] == _DUCKDB_MAGIC:
            return cls(_DuckDBBackend.open_file(path), text, "duckdb")
        if header == _SQLITE_MAGIC:
            return cls(_SQLiteBackend(path), text, "sqlite")
        raise DataSourceError(f"{path} is neither a DuckDB nor a SQLite database file.")

    @classmethod
    def _connect_duckdb_url(cls, url: Any, text: str) -> Database:
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                f"{text!r} names an empty in-memory DuckDB database; give a file path "
                "(duckdb:///path/to/file.duckdb)."
            )
        path = Path(url.database).expanduser()
        if not path.is_file():
            raise DataSourceError(f"No DuckDB database file at {path}.")
        return cls(_DuckDBBackend.open_file(path), text, "duckdb")

    @classmethod
    def _connect_sqlite_url(cls, url: Any, text: str) -> Database:
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                f"{text!r} names an empty in-memory SQLite database; give a file path "
                "(sqlite:///path/to/file.sqlite)."
            )
        path = Path(url.database).expanduser()
        if not path.is_file():
            raise DataSourceError(f"No SQLite database file at {path}.")
        return cls(_SQLiteBackend(path), text, "sqlite")

    # ------------------------------------------------------------------ use
    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return _hide_password(self.url)

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
                            f"Could not read the tables of {self.display_url}: {_first_line(exc)}"
                        ) from exc
        return self._schema

    def query(
        self, sql: str, *, timeout_s: float | None = None, max_rows: int | None = None
    ) -> QueryResult:
        """Run one read-only statement with a time limit, keeping at most ``max_rows`` rows.

        Low level: callers pass SQL that the guard produced (``sql.executor.Executor`` does).
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
        frame = _decimals_to_float(frame)
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


# ---------------------------------------------------------------------- backends
class _Backend:
    """What each kind of database provides to ``Database``."""

    def introspect(self) -> Schema:  # pragma: no cover - interface
        raise NotImplementedError

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class _DuckDBBackend(_Backend):
    """Native DuckDB: one locked-down database instance, one cursor per thread."""

    def __init__(self, connection: Any, label: str) -> None:
        self._connection = connection
        self._label = label
        self._local = threading.local()
        self._cursors: list[Any] = []
        self._lock = threading.Lock()

    @classmethod
    def open_file(cls, path: Path) -> _DuckDBBackend:
        import duckdb

        try:
            connection = duckdb.connect(str(path), read_only=True, config=dict(DUCKDB_CONFIG))
        except duckdb.Error as exc:
            hint = ""
            if "different configuration" in str(exc):
                hint = " (this process already has the file open with other settings; close that connection first)"
            elif "lock" in str(exc).lower():
                hint = " (another process is writing to it; wait until it finishes)"
            raise DataSourceError(f"Cannot open the DuckDB database {path}: {_first_line(exc)}{hint}") from exc
        return cls(connection, str(path))

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> _DuckDBBackend:
        import duckdb
        import sqlglot.expressions as exp

        connection = duckdb.connect(":memory:", config={"python_enable_replacements": False})
        for name, frame in frames.items():
            if not isinstance(name, str) or not name.strip():
                raise ConfigError(f"Table names must be non-empty strings, not {name!r}.")
            if not isinstance(frame, pd.DataFrame):
                raise ConfigError(f"{name!r} is a {type(frame).__name__}, not a pandas DataFrame.")
            connection.register("__tradeassist_frame", frame)
            create = exp.Create(
                this=exp.Table(this=exp.to_identifier(name, quoted=True)),
                kind="TABLE",
                expression=exp.select("*").from_("__tradeassist_frame"),
            )
            connection.execute(create.sql(dialect="duckdb"))
            connection.unregister("__tradeassist_frame")
        # Tables exist now; from here on the database is as closed as a read-only file.
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
        return cls(connection, "memory")

    def _cursor(self) -> Any:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._lock:
                if self._connection is None:
                    raise DataSourceError("This database connection has been closed.")
                cursor = self._connection.cursor()
                self._cursors.append(cursor)
            self._local.cursor = cursor
        return cursor

    def introspect(self) -> Schema:
        from sql.schema import introspect_duckdb

        return introspect_duckdb(self._cursor())

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        import duckdb

        cursor = self._cursor()
        try:
            statements = cursor.extract_statements(sql)
        except duckdb.Error as exc:
            raise DataSourceError(f"DuckDB could not parse the query: {_first_line(exc)}") from exc
        if len(statements) != 1:
            raise DataSourceError(f"Exactly one statement may run at a time; got {len(statements)}.")
        if statements[0].type != duckdb.StatementType.SELECT:
            kind = str(statements[0].type).rsplit(".", 1)[-1]
            raise DataSourceError(f"Only SELECT statements may run on this connection; this is {kind}.")
        timer = _Deadline(timeout_s, cursor.interrupt)
        try:
            cursor.execute(statements[0])
            chunks = []
            fetched = 0
            vectors = max(1, math.ceil(fetch_rows / 2048))
            while fetched < fetch_rows:
                chunk = cursor.fetch_df_chunk(vectors)
                if len(chunk) == 0:
                    break
                chunks.append(chunk)
                fetched += len(chunk)
        except duckdb.InterruptException as exc:
            if timer.fired:
                raise DataSourceError(timeout_message(timeout_s)) from exc
            raise DataSourceError(f"The query was interrupted: {_first_line(exc)}") from exc
        except duckdb.Error as exc:
            if timer.fired:
                raise DataSourceError(timeout_message(timeout_s)) from exc
            raise DataSourceError(f"DuckDB error: {_first_line(exc)}") from exc
        finally:
            timer.cancel()
        if not chunks:
            return _empty_frame(cursor.description)
        frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
        return frame.iloc[:fetch_rows]

    def close(self) -> None:
        with self._lock:
            for cursor in self._cursors:
                try:
                    cursor.close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass
            self._cursors.clear()
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._local = threading.local()


# SQLite authorizer action codes that only read; everything else (writes, PRAGMA, ATTACH,
# transactions, schema changes) is denied even if it got past the guard.
_SQLITE_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, getattr(sqlite3, "SQLITE_RECURSIVE", 33)}
)
_SQLITE_DENIED_FUNCTIONS = frozenset({"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"})


class _SQLiteBackend(_Backend):
    """SQLite opened with ``mode=ro``: one connection per thread, each with a reading-only authorizer."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._uri = f"{path.resolve().as_uri()}?mode=ro"
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._connection()  # fail now, with a clear message, if the file cannot be opened

    def _open(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA query_only = 1")
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise DataSourceError(f"Cannot open the SQLite database {self._path}: {exc}") from exc
        connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        return connection

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._closed:
                raise DataSourceError("This database connection has been closed.")
            connection = self._open()
            connection.set_authorizer(_sqlite_authorizer)
            with self._lock:
                self._connections.append(connection)
            self._local.connection = connection
        return connection

    def introspect(self) -> Schema:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        from sql.schema import introspect_sqlalchemy

        # Introspection needs PRAGMA table_info, so it uses its own connection without the
        # authorizer (still mode=ro and query_only).
        engine = sa.create_engine("sqlite://", creator=self._open, poolclass=NullPool)
        try:
            return introspect_sqlalchemy(engine, "sqlite")
        finally:
            engine.dispose()

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        connection = self._connection()
        deadline = time.monotonic() + timeout_s
        timed_out = [False]

        def past_deadline() -> int:
            if time.monotonic() > deadline:
                timed_out[0] = True
                return 1  # non-zero aborts the statement
            return 0

        connection.set_progress_handler(past_deadline, 2000)
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            rows = cursor.fetchmany(fetch_rows)
            columns = [d[0] for d in cursor.description or ()]
        except (sqlite3.Error, sqlite3.Warning) as exc:
            if timed_out[0]:
                raise DataSourceError(timeout_message(timeout_s)) from exc
            raise DataSourceError(f"SQLite error: {exc}") from exc
        finally:
            cursor.close()
            connection.set_progress_handler(None, 0)
        return pd.DataFrame.from_records(rows, columns=columns)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for connection in self._connections:
                connection.close()
            self._connections.clear()
            self._local = threading.local()


def _sqlite_authorizer(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    if action not in _SQLITE_READ_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _SQLITE_DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and (arg1 or "").lower().startswith("sqlite_"):
        return sqlite3.SQLITE_DENY  # SQLite's own catalog tables are not trading data
    return sqlite3.SQLITE_OK


class _PostgresBackend(_Backend):
    """PostgreSQL through psycopg 3: pooled connections, each query in a READ ONLY transaction."""

    def __init__(self, url: Any) -> None:
        from sqlalchemy.pool import QueuePool

        self._params = _libpq_params(url)
        self._label = _hide_password(url.render_as_string(hide_password=True))
        self._pool = QueuePool(self._new_connection, pool_size=4, max_overflow=12, reset_on_return="rollback")
        # Connect once now so that a wrong host, port or password fails at connect time.
        self._pool.connect().close()

    def _new_connection(self) -> Any:
        import psycopg

        try:
            connection = psycopg.connect(connect_timeout=_CONNECT_TIMEOUT_S, **self._params)
        except psycopg.Error as exc:
            raise DataSourceError(f"Cannot connect to PostgreSQL at {self._label}: {_first_line(exc)}") from exc
        connection.read_only = True  # every transaction begins READ ONLY
        return connection

    def _checkout(self) -> Any:
        try:
            return self._pool.connect()
        except DataSourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - the pool wraps driver errors in its own types
            raise DataSourceError(f"Cannot connect to PostgreSQL at {self._label}: {_first_line(exc)}") from exc

    def introspect(self) -> Schema:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        from sql.schema import introspect_sqlalchemy

        engine = sa.create_engine("postgresql+psycopg://", creator=self._new_connection, poolclass=NullPool)
        try:
            return introspect_sqlalchemy(engine, "postgres")
        finally:
            engine.dispose()

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        import psycopg

        fairy = self._checkout()
        connection = fairy.driver_connection
        try:
            if "read_role" not in fairy.info:
                fairy.info["read_role"] = _read_role_for(connection)
            settings = {"statement_timeout": f"{max(1, int(timeout_s * 1000))}"}
            if fairy.info["read_role"]:
                settings["role"] = fairy.info["read_role"]
            with connection.cursor() as setup:
                # set_config(..., true) is SET LOCAL: it ends with this transaction.
                for name, value in settings.items():
                    setup.execute("SELECT set_config(%s, %s, true)", (name, value))
            # A server-side cursor: PostgreSQL declares it only for a single SELECT or VALUES,
            # so COPY, DO, SET and stacked statements fail here even if they got past the guard,
            # and rows stream in only as far as the cap.
            with connection.cursor(name="tradeassist_query") as cursor:
                cursor.execute(sql)
                rows = cursor.fetchmany(fetch_rows)
                columns = [d.name for d in cursor.description or ()]
            connection.rollback()
        except psycopg.errors.QueryCanceled as exc:
            _rollback_quietly(connection)
            raise DataSourceError(timeout_message(timeout_s)) from exc
        except psycopg.OperationalError as exc:
            fairy.invalidate()
            raise DataSourceError(f"PostgreSQL connection failed: {_first_line(exc)}") from exc
        except psycopg.Error as exc:
            _rollback_quietly(connection)
            raise DataSourceError(f"PostgreSQL error: {_first_line(exc)}") from exc
        finally:
            fairy.close()
        return pd.DataFrame.from_records(rows, columns=columns)

    def close(self) -> None:
        self._pool.dispose()


class _SqlAlchemyBackend(_Backend):
    """Any other SQLAlchemy URL: pooled, each query rolled back; time limits are the server's."""

    def __init__(self, url: Any) -> None:
        import sqlalchemy as sa
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        self._label = url.render_as_string(hide_password=True)
        try:
            self._engine = sa.create_engine(url, pool_pre_ping=True)
        except NoSuchModuleError as exc:
            raise ConfigError(
                f"Unknown database kind {url.drivername!r} in {self._label}; use a DuckDB path, "
                "sqlite:///, postgresql:// or an installed SQLAlchemy dialect."
            ) from exc
        except (ArgumentError, ImportError) as exc:
            raise ConfigError(f"Cannot use the database URL {self._label}: {_first_line(exc)}") from exc
        try:
            with self._engine.connect() as connection:
                connection.rollback()
        except Exception as exc:  # noqa: BLE001 - any driver failure means unreachable
            raise DataSourceError(f"Cannot connect to {self._label}: {_first_line(exc)}") from exc

    def introspect(self) -> Schema:
        from sql.schema import introspect_sqlalchemy

        return introspect_sqlalchemy(self._engine, SQLGLOT_DIALECTS.get(self._engine.dialect.name, ""))

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        del timeout_s  # no portable way to bound a statement; servers enforce their own limits
        try:
            with self._engine.connect() as connection:
                result = connection.exec_driver_sql(sql)
                columns = list(result.keys())
                rows = result.fetchmany(fetch_rows)
                connection.rollback()
        except Exception as exc:  # noqa: BLE001 - driver errors vary by dialect
            raise DataSourceError(f"Database error: {_first_line(exc)}") from exc
        return pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)

    def close(self) -> None:
        self._engine.dispose()


# ---------------------------------------------------------------------- helpers
class _Deadline:
    """Calls ``on_expiry`` once ``seconds`` have passed, unless cancelled first."""

    def __init__(self, seconds: float, on_expiry: Any) -> None:
        self.fired = False
        self._on_expiry = on_expiry
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.fired = True
        self._on_expiry()

    def cancel(self) -> None:
        self._timer.cancel()


def _parse_url(text: str) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            f"Malformed database URL {_hide_password(text)!r}: expected a DuckDB file path or a URL "
            "like sqlite:///data.sqlite or postgresql://user@host:5432/dbname."
        ) from exc
    if not url.drivername:
        raise ConfigError(f"Malformed database URL {_hide_password(text)!r}: it names no database kind.")
    return url


def _libpq_params(url: Any) -> dict[str, Any]:
    """Connection keywords for psycopg from a SQLAlchemy URL (query options such as ``options`` kept)."""
    params: dict[str, Any] = {}
    for key, value in (
        ("host", url.host),
        ("port", url.port),
        ("user", url.username),
        ("password", url.password),
        ("dbname", url.database),
    ):
        if value not in (None, ""):
            params[key] = value
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return params


def _hide_password(text: str) -> str:
    if "://" not in text or "@" not in text:
        return text
    try:
        from sqlalchemy.engine import make_url

        return make_url(text).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown without its credentials part
        scheme, rest = text.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[-1]}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]


def _read_role_for(connection: Any) -> str | None:
    """'pg_read_all_data' when connected as a superuser on PostgreSQL 14+, else None.

    A superuser can read server files and run programs (pg_read_file, COPY ... PROGRAM); each
    query's transaction drops to the predefined read-only role so that those are refused. The
    real fix is to connect as a role that can only read; this narrows the damage if one does not.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    connection.rollback()
    if not (row and row[0]):
        return None
    logger.warning(
        "Connected to PostgreSQL as a superuser; queries run as pg_read_all_data. "
        "Connect as a read-only role instead (see docs/security.md)."
    )
    return "pg_read_all_data" if connection.info.server_version >= 140000 else None


def _rollback_quietly(connection: Any) -> None:
    try:
        connection.rollback()
    except Exception:  # noqa: BLE001 - the pool discards a broken connection anyway
        pass


def _empty_frame(description: Any) -> pd.DataFrame:
    return pd.DataFrame(columns=[d[0] for d in description or ()])


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

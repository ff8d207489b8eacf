"""The connections behind ``tradeassist.sql.db.database.Database``: one class per kind of database.

Each backend opens its database so that it cannot write, runs one statement under a time limit,
and returns at most the rows asked for as a DataFrame:

- ``DuckDBBackend``: native DuckDB, read-only, external access off, a memory limit and no
  temporary files, configuration locked, one
  cursor per thread, SELECT statements only (checked by DuckDB's own parser), time limit through
  ``interrupt()`` from one shared watchdog thread;
- ``SQLiteBackend``: ``mode=ro``, ``query_only``, no ATTACH, a read-only authorizer, one connection
  per thread, time limit through a progress handler;
- ``PostgresBackend``: psycopg 3 pool, READ ONLY transactions with a local ``statement_timeout``
  and ``work_mem``, a server-side cursor (a single SELECT or VALUES only); a superuser URL logs in
  as a role that can only read (``PG_READER_ROLE``);
- ``SqlAlchemyBackend``: any other SQLAlchemy URL, each query rolled back.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

from tradeassist.core.errors import ConfigError, DataSourceError
from tradeassist.sql.catalog.schema import Schema
from tradeassist.sql.db.urls import hide_password

#: What one DuckDB database may hold in memory while it answers (hash tables, sorts, aggregates such
#: as string_agg over a join): past it a query fails with DuckDB's out-of-memory error instead of
#: growing the server. Nothing spills to disk: a reader writes no temporary files. Text that string
#: functions build while a row is computed is not held to it; the guard bounds that (``growth.py``).
DUCKDB_MEMORY_LIMIT = "1GB"
DUCKDB_CONFIG = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "memory_limit": DUCKDB_MEMORY_LIMIT,
    "max_temp_directory_size": "0KB",
    "lock_configuration": True,
}
#: Memory each sort or hash of one PostgreSQL query may use before it spills (PostgreSQL's work_mem).
PG_WORK_MEM = "64MB"
#: The role a superuser URL reads as: created with no right but pg_read_all_data (see PostgresBackend).
PG_READER_ROLE = "tradeassist_reader"
#: sqlglot's name for each SQLAlchemy driver's dialect.
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
logger = logging.getLogger(__name__)


def open_duckdb_readonly(path: str):
    """A read-only DuckDB connection with the one set of settings every reader in a process uses.

    DuckDB refuses a second connection to a file that is open with other settings, so the demo
    exporter, the signal engine and the SQL engine must all open files exactly like this.
    """
    import duckdb

    return duckdb.connect(str(path), read_only=True, config=dict(DUCKDB_CONFIG))

_CONNECT_TIMEOUT_S = 5


def timeout_message(timeout_s: float) -> str:
    """The message shown when a query runs past the time limit."""
    return (
        f"the query ran longer than the {timeout_s:g} s limit and was stopped; "
        "narrow it (filters, a date range, fewer rows) or raise TRADEASSIST_SQL_TIMEOUT_S"
    )


class QueryMemoryError(DataSourceError):
    """A query needed more memory than the database may use for one answer; it was stopped."""

    status = 400


def memory_message(limit: str | None) -> str:
    """The message shown when a query runs out of the memory it may use (``limit``: as configured)."""
    allowed = f"the {limit} one answer may use" if limit else "the database allows"
    return (f"the query needed more memory than {allowed} and was stopped; narrow it "
            "(filters, fewer rows or columns, no join that multiplies rows)")


class DialectBackend:
    """What each kind of database provides to ``tradeassist.sql.db.database.Database``."""

    def introspect(self) -> Schema:  # pragma: no cover - interface
        """Tables, views, columns and keys of the database."""
        raise NotImplementedError

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:  # pragma: no cover
        """Run one statement within ``timeout_s``; return at most ``fetch_rows`` rows."""
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        """Release every connection."""
        raise NotImplementedError


class DuckDBBackend(DialectBackend):
    """Native DuckDB: one locked-down database instance, one cursor per thread."""

    def __init__(self, connection: Any, label: str) -> None:
        self._connection = connection
        self._label = label
        self._local = threading.local()
        self._cursors: list[Any] = []
        self._lock = threading.Lock()

    @classmethod
    def open_file(cls, path: Path) -> DuckDBBackend:
        """Open a DuckDB file read-only with external access off and the configuration locked."""
        import duckdb

        try:
            connection = open_duckdb_readonly(str(path))
        except duckdb.Error as exc:
            hint = ""
            if "different configuration" in str(exc):
                hint = " (this process already has the file open with other settings; close that connection first)"
            elif "lock" in str(exc).lower():
                hint = " (another process is writing to it; wait until it finishes)"
            raise DataSourceError(f"Cannot open the DuckDB database {path}: {first_line(exc)}{hint}") from exc
        return cls(connection, str(path))

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> DuckDBBackend:
        """An in-memory database holding copies of ``frames`` as tables, then locked down."""
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
        for name, value in DUCKDB_CONFIG.items():
            if name != "python_enable_replacements":  # set at connect; lock_configuration comes last
                connection.execute(f"SET {name} = '{value}'")
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
        """See ``DialectBackend.introspect``."""
        from tradeassist.sql.catalog.schema import introspect_duckdb

        return introspect_duckdb(self._cursor())

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        """See ``DialectBackend.query``."""
        import duckdb

        cursor = self._cursor()
        try:
            statements = cursor.extract_statements(sql)
        except duckdb.Error as exc:
            raise DataSourceError(f"DuckDB could not parse the query: {first_line(exc)}") from exc
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
            raise DataSourceError(f"The query was interrupted: {first_line(exc)}") from exc
        except duckdb.OutOfMemoryException as exc:
            raise QueryMemoryError(memory_message(DUCKDB_MEMORY_LIMIT)) from exc
        except duckdb.Error as exc:
            if timer.fired:
                raise DataSourceError(timeout_message(timeout_s)) from exc
            raise DataSourceError(f"DuckDB error: {first_line(exc)}") from exc
        finally:
            timer.cancel()
        if not chunks:
            return _empty_frame(cursor.description)
        frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
        return frame.iloc[:fetch_rows]

    def close(self) -> None:
        """See ``DialectBackend.close``."""
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


class SQLiteBackend(DialectBackend):
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
        """See ``DialectBackend.introspect``."""
        # Introspection needs PRAGMA table_info, so it uses its own connection without the
        # authorizer (still mode=ro and query_only).
        return _introspect_through(self._open, "sqlite://", "sqlite")

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        """See ``DialectBackend.query``."""
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
        """See ``DialectBackend.close``."""
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


class PostgresBackend(DialectBackend):
    """PostgreSQL through psycopg 3: pooled connections, each query in a READ ONLY transaction.

    A superuser URL is never used as it is: a superuser can read server files and run programs,
    and a role dropped to for each query can be taken back from inside one (``set_config('role',
    'postgres', true)``). Connections log in as ``PG_READER_ROLE`` instead, created on first use with
    no right but ``pg_read_all_data``; where the server will not let that role log in (it has no
    password), each connection switches to it with ``SET SESSION AUTHORIZATION``, which a query can
    undo only through ``set_config('session_authorization', ...)``, a function the guard refuses.
    """

    def __init__(self, url: Any) -> None:
        from sqlalchemy.pool import QueuePool

        self._params = libpq_params(url)
        self._label = hide_password(url.render_as_string(hide_password=True))
        self._session_role: str | None = None
        # Connect once now so that a wrong host, port or password fails at connect time.
        first = self._connect(self._params)
        try:
            reader = _superuser_reader(first)
        finally:
            first.close()
        if reader is not None:
            self._params, self._session_role = _reader_login(self._params, reader)
        self._pool = QueuePool(self._new_connection, pool_size=4, max_overflow=12, reset_on_return="rollback")
        self._pool.connect().close()

    def _connect(self, params: dict[str, Any]) -> Any:
        import psycopg

        try:
            return psycopg.connect(connect_timeout=_CONNECT_TIMEOUT_S, autocommit=True, **params)
        except psycopg.Error as exc:
            raise DataSourceError(f"Cannot connect to PostgreSQL at {self._label}: {first_line(exc)}") from exc

    def _new_connection(self) -> Any:
        connection = self._connect(self._params)
        if self._session_role is not None:
            with connection.cursor() as cursor:
                cursor.execute(f'SET SESSION AUTHORIZATION "{self._session_role}"')
        connection.autocommit = False
        connection.read_only = True  # every transaction begins READ ONLY
        return connection

    def _checkout(self) -> Any:
        try:
            return self._pool.connect()
        except DataSourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - the pool wraps driver errors in its own types
            raise DataSourceError(f"Cannot connect to PostgreSQL at {self._label}: {first_line(exc)}") from exc

    def introspect(self) -> Schema:
        """See ``DialectBackend.introspect``."""
        return _introspect_through(self._new_connection, "postgresql+psycopg://", "postgres")

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        """See ``DialectBackend.query``."""
        import psycopg

        fairy = self._checkout()
        connection = fairy.driver_connection
        try:
            timeout_ms = f"{max(1, int(timeout_s * 1000))}"
            with connection.cursor() as setup:
                # set_config(..., true) is SET LOCAL: it ends with this transaction. A connection that
                # switched to the reader switches again, in case a statement switched it back.
                limits = "set_config('statement_timeout', %s, true), set_config('work_mem', %s, true)"
                if self._session_role is None:
                    setup.execute(f"SELECT {limits}", (timeout_ms, PG_WORK_MEM))
                else:
                    setup.execute(f"SELECT set_config('session_authorization', %s, false), {limits}",
                                  (self._session_role, timeout_ms, PG_WORK_MEM))
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
        except (psycopg.errors.OutOfMemory, psycopg.errors.ProgramLimitExceeded, MemoryError) as exc:
            _rollback_quietly(connection)
            raise QueryMemoryError(memory_message(None)) from exc
        except psycopg.OperationalError as exc:
            fairy.invalidate()
            raise DataSourceError(f"PostgreSQL connection failed: {first_line(exc)}") from exc
        except psycopg.Error as exc:
            _rollback_quietly(connection)
            raise DataSourceError(f"PostgreSQL error: {first_line(exc)}") from exc
        finally:
            fairy.close()
        return pd.DataFrame.from_records(rows, columns=columns)

    def close(self) -> None:
        """See ``DialectBackend.close``."""
        self._pool.dispose()


class SqlAlchemyBackend(DialectBackend):
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
            raise ConfigError(f"Cannot use the database URL {self._label}: {first_line(exc)}") from exc
        try:
            with self._engine.connect() as connection:
                connection.rollback()
        except Exception as exc:  # noqa: BLE001 - any driver failure means unreachable
            raise DataSourceError(f"Cannot connect to {self._label}: {first_line(exc)}") from exc

    def introspect(self) -> Schema:
        """See ``DialectBackend.introspect``."""
        from tradeassist.sql.catalog.schema import introspect_sqlalchemy

        return introspect_sqlalchemy(self._engine, SQLGLOT_DIALECTS.get(self._engine.dialect.name, ""))

    def query(self, sql: str, timeout_s: float, fetch_rows: int) -> pd.DataFrame:
        """See ``DialectBackend.query``."""
        del timeout_s  # no portable way to bound a statement; servers enforce their own limits
        try:
            with self._engine.connect() as connection:
                result = connection.exec_driver_sql(sql)
                columns = list(result.keys())
                rows = result.fetchmany(fetch_rows)
                connection.rollback()
        except Exception as exc:  # noqa: BLE001 - driver errors vary by dialect
            raise DataSourceError(f"Database error: {first_line(exc)}") from exc
        return pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)

    def close(self) -> None:
        """See ``DialectBackend.close``."""
        self._engine.dispose()


# ---------------------------------------------------------------------- helpers
def _introspect_through(creator: Any, engine_url: str, dialect: str) -> Schema:
    """Introspect through a throwaway SQLAlchemy engine whose one connection comes from ``creator``."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    from tradeassist.sql.catalog.schema import introspect_sqlalchemy

    engine = sa.create_engine(engine_url, creator=creator, poolclass=NullPool)
    try:
        return introspect_sqlalchemy(engine, dialect)
    finally:
        engine.dispose()


class _Deadline:
    """Calls ``on_expiry`` once ``seconds`` have passed, unless cancelled first."""

    def __init__(self, seconds: float, on_expiry: Any) -> None:
        self.fired = False
        self.cancelled = False
        self.at = time.monotonic() + seconds
        self._on_expiry = on_expiry
        self._lock = threading.Lock()
        _WATCHDOG.arm(self)

    def expire(self) -> None:
        """Fire now unless cancelled (called by the watchdog thread)."""
        with self._lock:
            if self.cancelled or self._on_expiry is None:
                return
            self.fired = True
            on_expiry, self._on_expiry = self._on_expiry, None
        on_expiry()

    def cancel(self) -> None:
        """Stop the deadline; after this returns it will not fire."""
        with self._lock:
            self.cancelled = True
            self._on_expiry = None  # let the connection go; the watchdog may hold this a while


class _Watchdog:
    """One daemon thread for every deadline: starting a thread per query costs more than most queries."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: _Deadline) -> None:
        """Watch ``deadline``; start the thread on first use (or after a fork)."""
        with self._condition:
            heapq.heappush(self._heap, (deadline.at, next(self._counter), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="tradeassist-sql-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while True:
                    # Drop cancelled deadlines at the front so the heap does not hold them for long.
                    while self._heap and self._heap[0][2].cancelled:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._condition.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        due = heapq.heappop(self._heap)[2]
                        break
                    self._condition.wait(wait)
            try:
                due.expire()
            except Exception:  # noqa: BLE001 - a failed interrupt must not stop the watchdog
                logger.exception("Could not stop a query past its time limit")


_WATCHDOG = _Watchdog()


def libpq_params(url: Any) -> dict[str, Any]:
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


def first_line(exc: BaseException) -> str:
    """The first line of an error message, for people (driver messages run long)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]


def _superuser_reader(connection: Any) -> str | None:
    """``PG_READER_ROLE`` (created if missing) when ``connection`` is a superuser's, else None.

    The role is created with no attribute but LOGIN and no password, a member of pg_read_all_data
    only (PostgreSQL 14+); one that exists with more (someone granted it rights) is refused.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return None
        if connection.info.server_version < 140000:
            logger.warning("Connected to PostgreSQL %s as a superuser and it has no pg_read_all_data role; "
                           "connect as a read-only role instead (see docs/security.md).",
                           connection.info.server_version)
            return None
        cursor.execute(_READER_RIGHTS, (PG_READER_ROLE,))
        found = cursor.fetchone()
        if found is None:
            _create_reader(cursor)
        elif any(found[:5]) or not set(found[5] or ()) <= {"pg_read_all_data"}:
            raise DataSourceError(
                f"The PostgreSQL role {PG_READER_ROLE}, which a superuser URL reads as, has more rights than "
                "reading (superuser, CREATEROLE, another role ...); drop it or connect as a read-only role.")
    return PG_READER_ROLE


# A reader role's attributes beyond reading, and the roles it is a member of.
_READER_RIGHTS = """
SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
       ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
             WHERE m.member = r.oid)
FROM pg_roles r WHERE r.rolname = %s
"""


def _create_reader(cursor: Any) -> None:
    import psycopg

    try:
        cursor.execute(f'CREATE ROLE "{PG_READER_ROLE}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                       "NOREPLICATION NOBYPASSRLS")
    except psycopg.errors.DuplicateObject:
        pass  # another process created it first: the same role
    cursor.execute(f'GRANT pg_read_all_data TO "{PG_READER_ROLE}"')


def _reader_login(params: dict[str, Any], reader: str) -> tuple[dict[str, Any], str | None]:
    """Connection keywords that log in as ``reader``, or the superuser's with the role to switch to.

    Logging in as the reader is the only drop a query cannot undo: a superuser login can always
    take its rights back with set_config('session_authorization', ...).
    """
    import psycopg

    as_reader = {k: v for k, v in params.items() if k not in ("user", "password")} | {"user": reader}
    try:
        psycopg.connect(connect_timeout=_CONNECT_TIMEOUT_S, **as_reader).close()
    except psycopg.Error:
        logger.warning(
            "Connected to PostgreSQL as a superuser and the server would not let %s log in; queries run after "
            "SET SESSION AUTHORIZATION %s. Connect as a read-only role instead (see docs/security.md).",
            reader, reader)
        return params, reader
    return as_reader, None


def _rollback_quietly(connection: Any) -> None:
    try:
        connection.rollback()
    except Exception:  # noqa: BLE001 - the pool discards a broken connection anyway
        pass


def _empty_frame(description: Any) -> pd.DataFrame:
    return pd.DataFrame(columns=[d[0] for d in description or ()])

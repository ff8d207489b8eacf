"""What one statement may cost: values that grow, gathered values copied into rows, the engines' memory limits,
and a PostgreSQL superuser URL that reads as a role which cannot take its rights back (docs/security.md)."""

from __future__ import annotations

import json
import shutil
import time

import pandas as pd
import psycopg
import pytest

from string_growth import FAMILY, run_in_child
from tradeassist.core.errors import DataSourceError, UnsafeSqlError
from tradeassist.core.jsonform import answer_to_json
from tradeassist.core.question import Question
from tradeassist.core.settings import Settings
from tradeassist.sql.db.database import ResultTooLargeError
from tradeassist.sql.db.executor import Database, Executor

A = "A" * 1000
REPORTED = (f"SELECT length(replace(replace(replace(upper(symbol),'A','{A}'),'A','{A}'),'A','{A[:100]}')) AS n "
            "FROM trades")


@pytest.fixture(scope="module")
def executor(db_url, tmp_path_factory):
    database = Database.connect(db_url)
    yield Executor(database, Settings(home=tmp_path_factory.mktemp("home"), sql_timeout_s=10))
    database.close()


# ---------------------------------------------------------------------- values that grow (High 1)
def test_string_growth_family_is_refused_and_memory_stays_under_1gb(demo_duckdb, tmp_path):
    # A child process under a 4 GB address-space limit: a bound that fails costs it, not the machine.
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_duckdb, db)
    report = run_in_child(db, tmp_path / "report.json", address_space_gb=4, timeout_s=500)
    results = report["results"]
    assert len(results) == len(FAMILY) == 20, report["stderr"]
    for result in results[:-1]:  # the guard refuses each, saying which function would grow the value
        assert result["outcome"] == "refused" and result["seconds"] < 5, result
        assert "can build a value" in result["message"] or "gathers many rows" in result["message"] \
            or "longer at every step" in result["message"], result
    # string_agg over a cross join passes the guard; DuckDB's memory_limit stops it.
    assert results[-1]["outcome"] == "QueryMemoryError" and results[-1]["seconds"] < 5, results[-1]
    peak = max(r["peak_mb"] for r in results)
    assert peak < 1024, f"peak RSS {peak:.0f} MB: {results}"


def test_the_reported_attack_is_refused_before_it_runs(executor):
    # Only the guard is asked here: should it ever let the statement through, this process must not run it.
    started = time.monotonic()
    with pytest.raises(UnsafeSqlError, match=r"replace can build a value of about 1,000,000 characters"):
        executor.guard(REPORTED)
    assert time.monotonic() - started < 5


GUARD_ONLY = [
    # (dialect, statement, the refusal's words): the guard alone is asked, nothing runs.
    ("duckdb", "SELECT string_agg(symbol, '') OVER (ORDER BY trade_id) AS s FROM trades", "over a window"),
    ("postgres", "SELECT array_agg(price) OVER (ORDER BY trade_id) AS l FROM trades", "over a window"),
    ("postgres", "SELECT format('" + "%1$s" * 200 + "', name) FROM instruments", "format can build a value"),
    ("duckdb", "SELECT format('" + "{0}" * 200 + "', name) FROM instruments", "format can build a value"),
    ("postgres", "SELECT regexp_replace(name, '(.)', '" + "\\1" * 120 + "', 'g') FROM instruments",
     "regexp_replace can build a value"),
    ("sqlite", f"SELECT replace(replace(name, 'a', '{A[:400]}'), 'A', '{A[:400]}') FROM instruments",
     "replace can build a value"),
    ("duckdb", "SELECT s FROM (SELECT string_agg(symbol, '') AS s FROM trades) a JOIN LATERAL "
               "(SELECT a.s || 'x' AS t) b ON TRUE", "cannot be joined"),
]


@pytest.mark.parametrize(("dialect", "sql", "reason"), GUARD_ONLY)
def test_more_ways_to_grow_are_refused_by_the_guard(dialect, sql, reason):
    from test_guard import SCHEMA
    from tradeassist.sql.db.guard import guard_sql

    with pytest.raises(UnsafeSqlError, match=reason):
        guard_sql(sql, SCHEMA, dialect, default_limit=10, max_rows=10)


ORDINARY = [
    "SELECT upper(name) || ' (' || symbol || ')' AS label, replace(name, '&', ' and ') FROM instruments",
    "SELECT concat_ws(', ', symbol, name, sector, exchange, currency) AS line FROM instruments",
    "SELECT symbol, string_agg(DISTINCT side, ',') AS sides FROM trades GROUP BY symbol",
    "SELECT count(*) FROM (SELECT lpad(symbol, 1000, '.') AS a, rpad(symbol, 1000, '.') AS b FROM trades) t",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) FROM r",
    "WITH RECURSIVE r(s, n) AS (SELECT symbol, 1 FROM instruments UNION ALL "
    "SELECT substr(s || '.', 1, 12), n + 1 FROM r WHERE n < 5) SELECT max(length(s)) FROM r",
    "SELECT a.symbol, a.n FROM (SELECT symbol, count(*) AS n FROM trades GROUP BY symbol) a "
    "JOIN instruments i ON i.symbol = a.symbol",
]


@pytest.mark.parametrize("sql", ORDINARY)
def test_ordinary_text_work_still_runs(executor, sql):
    if executor.database.dialect == "sqlite" and ("lpad" in sql or "string_agg" in sql or "concat_ws" in sql):
        pytest.skip("SQLite has no lpad, string_agg or concat_ws")
    _, result = executor.run_sql(sql)
    assert result.row_count > 0


# ---------------------------------------------------------------------- lists and arrays (Medium 3)
GATHERED_PER_ROW = {
    "duckdb": "SELECT (SELECT list(price) FROM trades) AS l FROM trades LIMIT 20",
    "postgres": "SELECT ARRAY(SELECT price FROM trades) AS l FROM trades LIMIT 20",
    "sqlite": "SELECT (SELECT group_concat(symbol, '') FROM trades) AS l FROM trades LIMIT 20",
}


def test_a_value_gathered_from_every_row_is_not_copied_into_every_row(executor):
    started = time.monotonic()
    with pytest.raises(UnsafeSqlError, match="gathers many rows into one value"):
        executor.run_sql(GATHERED_PER_ROW[executor.database.dialect])
    assert time.monotonic() - started < 5


def test_list_elements_count_toward_the_result_caps(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no lists")
    with Database.connect(db_url) as database:  # straight into the connection: the guard is not asked
        with pytest.raises(ResultTooLargeError, match="per value"):
            database.query(GATHERED_PER_ROW[database.dialect])
        per_symbol = ("SELECT symbol, list(price) AS l FROM trades GROUP BY symbol" if database.dialect == "duckdb"
                      else "SELECT symbol, array_agg(price) AS l FROM trades GROUP BY symbol")
        with pytest.raises(ResultTooLargeError, match="the result weighs"):
            database.query(per_symbol, max_cell_bytes=10**9, max_result_bytes=100_000)


def test_a_list_column_in_a_small_answer_is_shown_as_text(route):
    question = Question("", sql="SELECT side, list(DISTINCT symbol ORDER BY symbol) AS symbols, "
                                "[count(*), min(quantity)] AS info FROM trades GROUP BY side ORDER BY side")
    answer = route.answer(question)
    assert answer.error is None
    frame = answer.table.frame
    assert frame["symbols"].map(type).eq(str).all() and frame["symbols"][0].startswith('["')
    assert frame["info"][0].startswith("[")
    data = answer_to_json(answer)
    assert data["rows"][0][1] == frame["symbols"][0] and json.dumps(data)


# ---------------------------------------------------------------------- the engines' own limits
def test_duckdb_holds_a_memory_limit_and_writes_no_temporary_files(demo_duckdb):
    sql = "SELECT current_setting('memory_limit') AS m, current_setting('max_temp_directory_size') AS t"
    with Database.connect(demo_duckdb) as database, \
            Database.from_frames({"t": pd.DataFrame({"a": [1]})}) as frames:
        for db in (database, frames):
            row = db.query(sql).frame.iloc[0]
            assert row["m"] == "953.6 MiB" and row["t"] == "0 bytes", row


def test_postgres_queries_run_with_work_mem_and_a_statement_timeout(demo_postgres):
    with Database.connect(demo_postgres) as database:
        row = database.query("SELECT current_setting('work_mem') AS w, current_setting('statement_timeout') AS t",
                             timeout_s=7).frame.iloc[0]
    assert row["w"] == "64MB" and row["t"] == "7s", row


# ---------------------------------------------------------------------- PostgreSQL's reader (Low 11)
READER = "tradeassist_reader"  # backends.PG_READER_ROLE, as docs/security.md names it
TAKE_RIGHTS_BACK = [
    # The reported bypass: back to the superuser, then a file read through a query given as text.
    "SELECT set_config('role', 'postgres', true) AS r, "
    "query_to_xml('SELECT pg_read_file(''PG_VERSION'')', true, true, '') AS x",
    "SELECT set_config('session_authorization', 'postgres', false) AS r",
]


@pytest.mark.postgres
def test_a_superuser_url_logs_in_as_a_reader_that_cannot_take_rights_back(demo_postgres):
    with Database.connect(demo_postgres) as database:  # the guard is not asked: the connection alone holds
        for sql in TAKE_RIGHTS_BACK:
            with pytest.raises(DataSourceError, match="permission denied"):
                database.query(sql)
        who = database.query("SELECT session_user AS s, current_user AS c").frame.iloc[0]
        assert (who["s"], who["c"]) == (READER, READER)
        assert database.query("SELECT count(*) AS n FROM trades").frame["n"][0] > 0


@pytest.mark.postgres
def test_where_the_reader_cannot_log_in_the_session_is_switched_to_it(demo_postgres, monkeypatch):
    real_connect = psycopg.connect

    def no_reader_login(*args, **kwargs):
        if kwargs.get("user") == READER:
            raise psycopg.OperationalError("password authentication failed")
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", no_reader_login)
    with Database.connect(demo_postgres) as database:
        with pytest.raises(DataSourceError, match="permission denied"):
            database.query(TAKE_RIGHTS_BACK[0])
        who = database.query("SELECT session_user AS s, current_user AS c").frame.iloc[0]
        assert (who["s"], who["c"]) == (READER, READER)


@pytest.mark.parametrize(("function", "reason"), [
    ("set_config('role', 'postgres', true)", "changes the session's settings"),
    ("set_config('session_authorization', 'postgres', false)", "changes the session's settings"),
    ("query_to_xml('SELECT 1', true, true, '')", "runs a query given as text"),
    ("query_to_xml_and_xmlschema('SELECT 1', true, true, '')", "runs a query given as text"),
    ("table_to_xml('trades', true, true, '')", "reads a table given by name"),
    ("cursor_to_xml('c', 1, true, true, '')", "reads an open cursor"),
    ("dblink('dbname=test', 'SELECT 1')", "reaches another database"),
    ("dblink_exec('dbname=test', 'SELECT 1')", "reaches another database"),
])
def test_guard_refuses_session_changes_and_queries_given_as_text(function, reason):
    from tradeassist.sql.db.guard import guard_sql
    from test_guard import SCHEMA

    with pytest.raises(UnsafeSqlError, match=reason):
        guard_sql(f"SELECT {function} AS x", SCHEMA, "postgres", default_limit=10, max_rows=10)

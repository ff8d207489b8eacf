"""Table-driven tests of the SQL guard: what it lets through, how it rewrites, and why it refuses."""

from __future__ import annotations

import pytest

from tradeassist.core.errors import UnsafeSqlError
from tradeassist.sql.db.guard import GuardedSql, guard_sql
from tradeassist.sql.catalog.schema import ColumnSchema, ForeignKey, Schema, TableSchema, kind_of

COLUMNS = {
    "instruments": ["symbol", "name", "asset_class", "sector", "exchange", "currency"],
    "daily_bars": ["symbol", "date", "open", "high", "low", "close", "volume"],
    "accounts": ["account_id", "name", "desk", "strategy", "opened_on"],
    "orders": ["order_id", "account_id", "symbol", "placed_at", "side", "order_type", "quantity",
               "limit_price", "status", "filled_quantity"],
    "trades": ["trade_id", "order_id", "account_id", "symbol", "executed_at", "side", "quantity",
               "price", "fee"],
}


def demo_like_schema() -> Schema:
    """The demo contract's tables, built by hand so these tests need no database."""
    tables = {}
    for name, columns in COLUMNS.items():
        fks = (ForeignKey(("account_id",), "accounts", ("account_id",)),) if "account_id" in columns and name != "accounts" else ()
        tables[name] = TableSchema(name, {c: ColumnSchema(c, "VARCHAR", "text") for c in columns}, (columns[0],), fks)
    return Schema(tables)


SCHEMA = demo_like_schema()
DIALECTS = ("duckdb", "sqlite", "postgres")


def guard(sql: str, dialect: str = "duckdb", default_limit: int = 100, max_rows: int = 1000) -> GuardedSql:
    return guard_sql(sql, SCHEMA, dialect, default_limit=default_limit, max_rows=max_rows)


ALLOWED = [
    # (sql, tables read)
    ("SELECT * FROM trades", {"trades"}),
    ("select symbol, price from TRADES where price > 10 order by price desc", {"trades"}),
    ("SELECT t.symbol, a.desk FROM trades t JOIN accounts a ON a.account_id = t.account_id", {"trades", "accounts"}),
    ("SELECT a.desk, count(*) AS n FROM trades t LEFT JOIN accounts a USING (account_id) GROUP BY a.desk HAVING n > 1", {"trades", "accounts"}),
    ("WITH recent AS (SELECT symbol, close FROM daily_bars WHERE date >= '2026-01-01') SELECT symbol, avg(close) FROM recent GROUP BY symbol", {"daily_bars"}),
    ("WITH a AS (SELECT symbol FROM trades), b AS (SELECT symbol FROM a) SELECT * FROM b", {"trades"}),
    ("SELECT symbol FROM trades UNION SELECT symbol FROM orders", {"trades", "orders"}),
    ("SELECT symbol FROM trades INTERSECT SELECT symbol FROM orders", {"trades", "orders"}),
    ("SELECT symbol FROM instruments EXCEPT SELECT symbol FROM trades", {"instruments", "trades"}),
    ("SELECT symbol, close, close / LAG(close) OVER (PARTITION BY symbol ORDER BY date) - 1 AS ret FROM daily_bars", {"daily_bars"}),
    ("SELECT symbol, ROW_NUMBER() OVER (PARTITION BY symbol ORDER BY executed_at DESC) AS rn FROM trades", {"trades"}),
    ("SELECT * FROM (SELECT symbol, max(price) AS top FROM trades GROUP BY symbol) s WHERE s.top > 100", {"trades"}),
    ("SELECT symbol FROM trades WHERE account_id IN (SELECT account_id FROM accounts WHERE desk = 'Crypto')", {"trades", "accounts"}),
    ("SELECT symbol FROM trades t WHERE EXISTS (SELECT 1 FROM orders o WHERE o.order_id = t.order_id)", {"trades", "orders"}),
    ("SELECT CASE WHEN side = 'buy' THEN quantity ELSE -quantity END AS signed FROM trades", {"trades"}),
    ("SELECT COALESCE(limit_price, 0), CAST(quantity AS DOUBLE) FROM orders", {"orders"}),
    ("SELECT upper(name), length(name), substr(name, 1, 3), replace(name, 'a', 'b') FROM instruments", {"instruments"}),
    ("SELECT round(avg(price), 2), stddev(price), min(price), max(price), sum(fee) FROM trades", {"trades"}),
    ("SELECT count(DISTINCT symbol) FROM trades", {"trades"}),
    ("SELECT 1 AS one", set()),
    ("(SELECT symbol FROM trades)", {"trades"}),
    ("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s)", set()),
]

DATE_FUNCTIONS = {
    "duckdb": "SELECT date_trunc('month', executed_at) AS m, count(*) FROM trades WHERE executed_at >= current_date - INTERVAL 30 DAY GROUP BY m ORDER BY m",
    "sqlite": "SELECT strftime('%Y-%m', executed_at) AS m, count(*) FROM trades WHERE executed_at >= date('now', '-30 days') GROUP BY m",
    "postgres": "SELECT date_trunc('month', executed_at) AS m, extract(year FROM executed_at) AS y FROM trades WHERE executed_at >= now() - INTERVAL '30 days'",
}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sql", "tables"), ALLOWED)
def test_allowed_queries_pass_and_report_their_tables(sql, tables, dialect):
    guarded = guard(sql, dialect)
    assert guarded.tables == frozenset(tables)
    assert guarded.limit in (100,)
    assert "LIMIT 100" in guarded.sql


@pytest.mark.parametrize("dialect", DIALECTS)
def test_date_functions_of_each_dialect_pass(dialect):
    guarded = guard(DATE_FUNCTIONS[dialect], dialect)
    assert guarded.tables == {"trades"}


REFUSED = [
    # (sql, fragment of the reason)
    ("DELETE FROM trades", "only SELECT queries are allowed; this is a DELETE"),
    ("delete from trades where 1=1", "this is a DELETE"),
    ("INSERT INTO trades SELECT * FROM trades", "this is an INSERT"),
    ("UPDATE trades SET price = 0", "this is an UPDATE"),
    ("DROP TABLE orders", "this is a DROP"),
    ("CREATE TABLE x AS SELECT * FROM trades", "this is a CREATE"),
    ("ALTER TABLE trades ADD COLUMN x INT", "this is an ALTER"),
    ("TRUNCATE trades", "TRUNCATE"),
    ("PRAGMA table_info(trades)", "this is a PRAGMA"),
    ("ATTACH 'x.db' AS x", "this is an ATTACH"),
    ("COPY trades TO '/tmp/x.csv'", "this is a COPY"),
    ("SET threads = 1", "this is a SET"),
    ("CALL pragma_version()", "CALL command"),
    ("BEGIN", "only SELECT"),
    ("SELECT 1; SELECT 2", "only one statement is allowed; found 2"),
    ("SELECT * FROM trades; DROP TABLE trades", "only one statement"),
    ("WITH d AS (DELETE FROM trades RETURNING *) SELECT * FROM d", "contains a DELETE"),
    ("SELECT * INTO copy FROM trades", "SELECT ... INTO"),
    ("SELECT * FROM trades FOR UPDATE", "locking clauses"),
    ("SELECT foo FROM trades", "unknown column 'foo' in table trades"),
    ("SELECT pricee FROM trades", "did you mean 'price'"),
    ("SELECT t.nope FROM trades t", "unknown column 'nope'"),
    ("SELECT account_id FROM trades JOIN accounts ON trades.account_id = accounts.account_id", "ambiguous"),
    ("WITH x AS (SELECT symbol FROM trades) SELECT price FROM x", "unknown column 'price'"),
    ("SELECT * FROM tradez", "unknown table 'tradez' (did you mean 'trades'"),
    ("SELECT * FROM read_csv('/etc/passwd')", "function read_csv is not allowed"),
    ("SELECT * FROM read_parquet('x.parquet')", "function read_parquet is not allowed"),
    ("SELECT * FROM glob('*')", "function glob is not allowed"),
    ("SELECT getenv('HOME')", "function getenv is not allowed"),
    ("SELECT pg_read_file('/etc/passwd')", "function pg_read_file is not allowed"),
    ("SELECT lo_import('/etc/passwd')", "function lo_import is not allowed"),
    ("SELECT load_extension('x')", "function load_extension is not allowed"),
    ("SELECT current_setting('x')", "function current_setting is not allowed"),
    ("SELECT pg_sleep(10)", "function pg_sleep is not allowed"),
    ("SELECT * FROM duckdb_settings()", "function duckdb_settings is not allowed"),
    ("SELECT * FROM information_schema.tables", "qualified table names"),
    ("SELECT * FROM main.trades", "qualified table names"),
    ("SELECT * FROM sqlite_master", "unknown table 'sqlite_master'"),
    ("SELECT * FROM pg_user", "unknown table 'pg_user'"),
    ("WITH pg_user AS (SELECT 1 AS a) SELECT * FROM (SELECT 1 AS b) x, pg_shadow", "unknown table 'pg_shadow'"),
    ("SELECT * FROM trades WHERE symbol = ?", "query parameters"),
    ("SELECT 'x'::regclass", "not allowed"),
    ("SELECT * FROM trades LIMIT 10%", "PERCENT"),
    ("SELECT * FROM trades LIMIT (SELECT 5)", "LIMIT must be a whole number"),
    ("VALUES (1)", "VALUES"),
    ("", "the SQL is empty"),
    ("SELECT 1\x00", "control characters"),
    ("SELEC * FROM trades", "could not be parsed"),
    ("SELECT " + "(" * 3000 + "1" + ")" * 3000, "nested too deeply"),
]


@pytest.mark.parametrize(("sql", "reason"), REFUSED)
def test_refused_queries_say_why(sql, reason):
    with pytest.raises(UnsafeSqlError) as caught:
        guard(sql)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("sql", "expected_limit", "imposed"),
    [
        ("SELECT * FROM trades", 100, True),  # added: the default
        ("SELECT * FROM trades LIMIT 5", 5, False),  # kept
        ("SELECT * FROM trades LIMIT 5000", 1000, True),  # clamped to max_rows
        ("SELECT symbol FROM trades UNION SELECT symbol FROM orders LIMIT 7", 7, False),
        ("SELECT * FROM (SELECT * FROM trades LIMIT 99999) s", 100, True),  # nested LIMIT left alone
    ],
)
def test_limit_is_added_kept_or_clamped(sql, expected_limit, imposed):
    guarded = guard(sql)
    assert guarded.limit == expected_limit
    assert guarded.limit_imposed is imposed
    assert guarded.sql.endswith(f"LIMIT {expected_limit}")
    assert guarded.run_sql.endswith(f"LIMIT {expected_limit + 1 if imposed else expected_limit}")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_limit_stays_outermost_when_the_dialect_rewrites_the_query(dialect):
    import sqlglot

    sql = "SELECT symbol, price FROM trades QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY executed_at DESC) = 1"
    guarded = guard(sql, dialect)
    outer = sqlglot.parse_one(guarded.sql, read=dialect)
    assert outer.args["limit"].expression.this == "100"
    assert "LIMIT" not in outer.args["from_"].sql(dialect=dialect)


def test_fetch_first_becomes_a_clamped_limit():
    guarded = guard("SELECT * FROM trades FETCH FIRST 5000 ROWS ONLY", "postgres")
    assert guarded.limit == 1000


def test_output_is_in_the_target_dialect_and_without_comments():
    guarded = guard("SELECT symbol /* secret */ FROM trades -- note", "postgres")
    assert "secret" not in guarded.sql and "note" not in guarded.sql
    assert guard("SELECT strftime('%Y', executed_at) FROM trades", "sqlite").sql.startswith("SELECT STRFTIME")


def test_values_that_carry_sql_stay_values():
    import sqlglot

    guarded = guard("SELECT * FROM trades WHERE symbol = 'AAPL''; DROP TABLE trades;--'")
    assert "'AAPL''; DROP TABLE trades;--'" in guarded.sql
    assert len(sqlglot.parse(guarded.sql, read="duckdb")) == 1


def test_column_and_table_lookups_ignore_case():
    assert guard("SELECT Symbol, PRICE FROM Trades").tables == {"trades"}
    assert SCHEMA.table("TRADES").name == "trades"
    assert SCHEMA.column("Trades", "PRICE").name == "price"
    assert SCHEMA.table("nope") is None and SCHEMA.column("trades", "nope") is None


def test_guard_rejects_impossible_limits():
    with pytest.raises(UnsafeSqlError):
        guard_sql("SELECT 1", SCHEMA, "duckdb", default_limit=0, max_rows=10)


@pytest.mark.parametrize(
    ("sql_type", "kind"),
    [("BIGINT", "integer"), ("INTEGER", "integer"), ("DOUBLE", "number"), ("DECIMAL(18,4)", "number"),
     ("REAL", "number"), ("VARCHAR", "text"), ("TEXT", "text"), ("DATE", "date"),
     ("TIMESTAMP", "timestamp"), ("TIMESTAMP WITH TIME ZONE", "timestamp"), ("DATETIME", "timestamp"),
     ("BOOLEAN", "boolean"), ("BLOB", "other"), ("", "other"), ("NUMERIC(10, 2)", "number")],
)
def test_column_kinds_from_type_names(sql_type, kind):
    assert kind_of(sql_type) == kind

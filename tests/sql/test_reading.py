"""The reading of SQL in plain English: one line per statement and the sentence it must read as."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tradeassist.sql.catalog.definitions import ColumnDef, Definitions
from tradeassist.sql.reading import describe_sql, generic_reading, read_sql
from tradeassist.sql.reading_names import humanise
from catalog_fixture_dbs import build_duckdb
from hostile_sql import hostile_statements

# (dialect, SQL, expected reading)
READINGS = [
    # measures, aggregates, arithmetic
    ("duckdb", "SELECT AVG(close) FROM daily_bars WHERE symbol = 'MSFT'", "average close of MSFT, daily bars"),
    ("duckdb", "SELECT COUNT(*) FROM trades WHERE side = 'buy'", "count of trades where side is 'buy'"),
    ("duckdb", "SELECT COUNT(DISTINCT symbol) FROM trades", "number of distinct symbol, trades"),
    ("duckdb", "SELECT MAX(high), MIN(low) FROM daily_bars WHERE symbol = 'TSLA'",
     "maximum high and minimum low of TSLA, daily bars"),
    ("duckdb", "SELECT SUM(quantity * price) FROM trades", "sum of (quantity x price), trades"),
    ("duckdb", "SELECT AVG(high - low) FROM daily_bars WHERE symbol = 'QQQ'", "average (high - low) of QQQ, daily bars"),
    ("duckdb", "SELECT median(close), stddev(close) FROM daily_bars",
     "median close and standard deviation of close, daily bars"),
    ("duckdb", "SELECT quantile_cont(price, 0.9) FROM trades", "90th percentile of price, trades"),
    ("postgres", "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY price) FROM trades", "median price, trades"),
    ("duckdb", "SELECT 100.0 * COUNT(*) FILTER (WHERE status = 'rejected') / COUNT(*) FROM orders",
     "(count of orders where status is 'rejected') as a percent of count of orders"),
    ("duckdb", "SELECT SUM(CASE WHEN side = 'buy' THEN quantity ELSE -quantity END) FROM trades",
     "sum of (quantity if side is 'buy', else minus quantity), trades"),
    # GROUP BY, time parts, HAVING
    ("duckdb", "SELECT sector, COUNT(*) FROM instruments GROUP BY sector", "count of instruments per sector"),
    ("duckdb", "SELECT desk, side, COUNT(*) FROM trades t JOIN accounts a ON t.account_id = a.account_id "
               "GROUP BY desk, side", "count of rows per desk and side, trades (with accounts)"),
    ("duckdb", "SELECT date_trunc('month', date) AS month, AVG(close) FROM daily_bars WHERE symbol = 'AAPL' "
               "AND date >= DATE '2026-01-01' GROUP BY 1 ORDER BY 1",
     "average close of AAPL per month, daily bars since 2026-01-01, earliest first"),
    ("sqlite", "SELECT strftime('%Y-%m', executed_at) AS month, COUNT(*) FROM trades GROUP BY 1",
     "count of trades per month"),
    ("duckdb", "SELECT EXTRACT(hour FROM executed_at) AS h, COUNT(*) FROM trades GROUP BY 1 ORDER BY 2 DESC",
     "count of trades per hour of executed at, sorted by count of trades, largest first"),
    ("duckdb", "SELECT CAST(block_time AS DATE) AS day, SUM(usd_value) FROM onchain_transfers GROUP BY 1",
     "sum of USD value per day, onchain transfers"),
    ("duckdb", "SELECT symbol, stddev(close) AS vol FROM daily_bars GROUP BY symbol HAVING COUNT(*) > 20 "
               "ORDER BY vol DESC LIMIT 5",
     "standard deviation of close per symbol, daily bars, only groups where count of daily bars above 20, "
     "the 5 largest"),
    ("postgres", "SELECT account_id, AVG(fee) FROM trades GROUP BY account_id HAVING AVG(fee) >= 2.5",
     "average fee per account id, trades, only groups where average fee at least 2.5"),
    # WHERE: equality, IN, ranges, dates, LIKE, NULL
    ("duckdb", "SELECT symbol FROM instruments WHERE asset_class = 'crypto'",
     "symbol, instruments where asset class is 'crypto'"),
    ("duckdb", "SELECT date, close FROM daily_bars WHERE symbol IN ('BTC', 'ETH')", "date and close of BTC and ETH, daily bars"),
    ("duckdb", "SELECT * FROM orders WHERE status NOT IN ('filled', 'cancelled')",
     "all columns, orders where status is none of 'filled', 'cancelled'"),
    ("duckdb", "SELECT * FROM trades WHERE price BETWEEN 10 AND 20", "all columns, trades where price between 10 and 20"),
    ("duckdb", "SELECT COUNT(*) FROM onchain_transfers WHERE usd_value > 1000000",
     "count of onchain transfers where USD value above 1,000,000"),
    ("duckdb", "SELECT name FROM instruments WHERE name LIKE 'A%'", "name, instruments where name starts with 'A'"),
    ("postgres", "SELECT name FROM instruments WHERE name ILIKE '%bank%'",
     "name, instruments where name contains 'bank' (any case)"),
    ("duckdb", "SELECT symbol FROM instruments WHERE sector IS NULL", "symbol, instruments where sector is missing"),
    ("duckdb", "SELECT symbol FROM instruments WHERE sector IS NOT NULL OR exchange = 'NYSE'",
     "symbol, instruments where sector is present or exchange is 'NYSE'"),
    ("duckdb", "SELECT SUM(quantity * price) FROM trades t JOIN accounts a ON t.account_id = a.account_id "
               "WHERE t.executed_at >= '2026-11-01' AND t.executed_at < '2026-11-21'",
     "sum of (quantity x price), trades (with accounts) executed from 2026-11-01 to before 2026-11-21"),
    ("duckdb", 'SELECT AVG("close") AS "avg_close" FROM daily_bars WHERE ("symbol" = \'MSFT\' AND "date" >= '
               "CAST('2026-10-22' AS DATE)) AND \"date\" < CAST('2026-11-21' AS DATE)",
     "average close of MSFT, daily bars from 2026-10-22 to before 2026-11-21"),
    ("duckdb", "SELECT AVG(close) FROM daily_bars WHERE date > DATE '2026-11-20' - INTERVAL 30 DAY",
     "average close, daily bars after 2026-10-21"),
    ("duckdb", "SELECT COUNT(*) FROM trades WHERE CAST(executed_at AS DATE) >= date_trunc('month', DATE '2026-11-20')",
     "count of trades executed since 2026-11-01"),
    ("duckdb", "SELECT COUNT(*) FROM trades WHERE CAST(executed_at AS DATE) = DATE '2026-11-19'",
     "count of trades executed on 2026-11-19"),
    ("sqlite", "SELECT COUNT(*) FROM trades WHERE executed_at >= date('now', '-30 days')",
     "count of trades executed since 30 days before today"),
    ("postgres", "SELECT AVG(price) FROM trades WHERE executed_at >= CURRENT_DATE - INTERVAL '7 days'",
     "average price, trades executed since 7 days before today"),
    ("sqlite", "SELECT close FROM daily_bars WHERE date BETWEEN '2026-01-01' AND '2026-03-31'",
     "close, daily bars 2026-01-01..2026-03-31"),
    # ORDER BY + LIMIT, DISTINCT
    ("duckdb", "SELECT close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date DESC LIMIT 1",
     "close of AAPL, daily bars, the latest"),
    ("duckdb", "SELECT symbol, SUM(volume) AS total_volume FROM daily_bars GROUP BY symbol "
               "ORDER BY total_volume DESC LIMIT 5", "sum of volume per symbol, daily bars, the 5 largest"),
    ("duckdb", "SELECT account_id FROM positions WHERE symbol = 'AAPL' ORDER BY quantity DESC LIMIT 1",
     "account id of AAPL, positions, the largest by quantity"),
    ("sqlite", "SELECT symbol, close FROM daily_bars ORDER BY close ASC LIMIT 3",
     "symbol and close, daily bars, the 3 smallest by close"),
    ("duckdb", "SELECT name, desk FROM accounts ORDER BY name", "name and desk, accounts, sorted by name (A to Z)"),
    ("duckdb", "SELECT * FROM trades ORDER BY executed_at DESC LIMIT 10", "all columns, trades, the 10 latest"),
    ("duckdb", "SELECT symbol FROM trades LIMIT 20", "symbol, trades, at most 20 rows"),
    ("duckdb", "SELECT DISTINCT side FROM trades", "distinct side, trades"),
    # window functions
    ("duckdb", "SELECT date, close / LAG(close) OVER (ORDER BY date) - 1 AS ret FROM daily_bars WHERE symbol = 'SPY'",
     "date and fractional change from previous close (by date) to close of SPY, daily bars"),
    ("postgres", "SELECT symbol, date, AVG(close) OVER (PARTITION BY symbol ORDER BY date "
                 "ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) FROM daily_bars",
     "symbol, date and moving average close over 5 rows (per symbol, by date), daily bars"),
    ("duckdb", "SELECT symbol, SUM(quantity) OVER (PARTITION BY symbol ORDER BY executed_at) FROM trades",
     "symbol and running sum of quantity (per symbol, by executed at), trades"),
    # joins, CTEs, subqueries, UNION
    ("duckdb", "SELECT i.sector, SUM(b.volume) FROM daily_bars b JOIN instruments i ON i.symbol = b.symbol "
               "GROUP BY i.sector", "sum of volume per sector, daily bars (with instruments)"),
    ("duckdb", "WITH monthly AS (SELECT symbol, date_trunc('month', date) AS m, AVG(close) AS c FROM daily_bars "
               "GROUP BY 1, 2) SELECT symbol, MAX(c) FROM monthly GROUP BY symbol",
     "maximum average close per symbol, step 'monthly' (average close per symbol and month, daily bars)"),
    ("duckdb", "WITH s AS (SELECT date, close, MAX(close) OVER (ORDER BY date) AS peak FROM daily_bars "
               "WHERE symbol = 'SPY' AND date >= DATE '2026-01-01') SELECT MIN(close / peak - 1) * 100 FROM s",
     "minimum (fractional change from running maximum close (by date) to close) x 100, step 's' (date, close and "
     "running maximum close (by date) of SPY, daily bars since 2026-01-01)"),
    ("postgres", "SELECT SUM(quantity * price) FILTER (WHERE executed_at >= DATE '2026-11-01') AS this_month, "
                 "SUM(quantity * price) FILTER (WHERE executed_at >= DATE '2026-10-01' AND executed_at < "
                 "DATE '2026-11-01') AS last_month FROM trades",
     "sum of (quantity x price) where executed since 2026-11-01 and sum of (quantity x price) where executed "
     "from 2026-10-01 to before 2026-11-01, trades"),
    ("duckdb", "SELECT SUM(CASE WHEN executed_at >= '2026-10-01' AND executed_at < '2026-11-01' THEN quantity END) "
               "FROM trades", "sum of (quantity where executed from 2026-10-01 to before 2026-11-01), trades"),
    ("duckdb", "SELECT MAX(CASE WHEN r.in_period = 1 AND r.rn = 1 THEN r.close END) AS last_close FROM (SELECT close, "
               "CASE WHEN date >= DATE '2026-01-01' THEN 1 ELSE 0 END AS in_period, ROW_NUMBER() OVER (PARTITION BY "
               "symbol ORDER BY date DESC) AS rn FROM daily_bars) r",
     "maximum (close where date since 2026-01-01 and the latest row (per symbol)), a subquery (over daily bars)"),
    ("duckdb", "SELECT x FROM (SELECT symbol AS x, AVG(close) FROM daily_bars GROUP BY 1) s",
     "symbol, a subquery (average close per symbol, daily bars)"),
    ("duckdb", "SELECT symbol, close FROM daily_bars WHERE date = (SELECT MAX(date) FROM daily_bars)",
     "symbol and close, daily bars where date is the maximum date of daily bars"),
    ("postgres", "SELECT name FROM accounts WHERE account_id IN (SELECT account_id FROM trades WHERE symbol = 'BTC')",
     "name, accounts where account id in a subquery over trades"),
    ("sqlite", "SELECT name FROM accounts a WHERE EXISTS (SELECT 1 FROM trades t WHERE t.account_id = a.account_id)",
     "name, accounts where a matching row exists in trades"),
    ("duckdb", "SELECT symbol FROM trades UNION SELECT symbol FROM positions",
     "(symbol, trades) combined with (symbol, positions), duplicates removed"),
    ("duckdb", "SELECT symbol FROM trades UNION ALL SELECT symbol FROM positions ORDER BY 1 LIMIT 3",
     "(symbol, trades) combined with (symbol, positions), the first 3 by symbol (A to Z)"),
    # dialect-specific date parts, clock arithmetic, FETCH, QUALIFY, NULLIF, CASE groups
    ("sqlite", "SELECT SUM(volume) FROM daily_bars WHERE strftime('%Y', date) = '2025' AND symbol = 'SPY'",
     "sum of volume of SPY, daily bars where year of date is '2025'"),
    ("postgres", "SELECT to_char(date, 'YYYY-MM') AS m, ROUND(AVG(close)::numeric, 2) FROM daily_bars "
                 "GROUP BY 1 ORDER BY 1", "average close per month, daily bars, earliest first"),
    ("postgres", "SELECT COUNT(*) FROM trades WHERE executed_at >= DATE_TRUNC('month', CURRENT_DATE) - "
                 "INTERVAL '1 month' AND executed_at < DATE_TRUNC('month', CURRENT_DATE)",
     "count of trades executed from 1 month before the start of this month to before the start of this month"),
    ("postgres", "SELECT COUNT(*) FROM trades WHERE executed_at > NOW() - INTERVAL '7 days'",
     "count of trades executed after 7 days before now"),
    ("postgres", "SELECT symbol, COALESCE(SUM(quantity), 0) FROM positions GROUP BY symbol ORDER BY 2 DESC "
                 "FETCH FIRST 5 ROWS ONLY", "sum of quantity per symbol, positions, the 5 largest"),
    ("duckdb", "SELECT CASE WHEN price > 100 THEN 'expensive' ELSE 'cheap' END AS bucket, COUNT(*) FROM trades "
               "GROUP BY 1", "count of trades per ('expensive' if price above 100, else 'cheap')"),
    ("postgres", "SELECT SUM(quantity * price) / NULLIF(SUM(quantity), 0) FROM trades",
     "sum of (quantity x price) / sum of quantity, trades"),
    ("duckdb", "SELECT symbol, close FROM daily_bars QUALIFY ROW_NUMBER() OVER (PARTITION BY symbol "
               "ORDER BY date DESC) = 1",
     "symbol and close, daily bars, only the latest row (per symbol)"),
    ("postgres", "SELECT symbol FROM instruments WHERE symbol ILIKE ANY (ARRAY['a%', 'b%'])",
     "symbol, instruments where symbol matches any of 'a%', 'b%' (any case)"),
    ("duckdb", "SELECT symbol, side, SUM(quantity) FROM trades GROUP BY CUBE (symbol, side)",
     "sum of quantity per symbol and side, trades, with subtotals"),
    ("postgres", "SELECT symbol, side, SUM(quantity) FROM trades GROUP BY GROUPING SETS ((symbol), (side))",
     "sum of quantity per symbol and side, trades, with subtotals"),
    # latest values, scalar subqueries in arithmetic, days of timestamps
    ("duckdb", "SELECT SUM(p.quantity * l.last_close) FROM positions p JOIN (SELECT symbol, arg_max(close, date) "
               "AS last_close FROM daily_bars GROUP BY symbol) l ON l.symbol = p.symbol WHERE p.account_id = 3",
     "sum of (quantity x latest close (by date)), positions (with a subquery (latest close (by date) per symbol, "
     "daily bars)) where account id is 3"),
    ("duckdb", "SELECT 100 * ((SELECT close FROM daily_bars WHERE symbol = 'SPY' ORDER BY date DESC LIMIT 1) / "
               "(SELECT close FROM daily_bars WHERE symbol = 'SPY' AND date < DATE '2026-01-01' ORDER BY date DESC "
               "LIMIT 1) - 1)",
     "percent change from (close of SPY, daily bars before 2026-01-01, the latest) to (close of SPY, daily bars, "
     "the latest)"),
    ("duckdb", "SELECT arg_max(symbol, volume) FROM daily_bars", "symbol at the highest volume, daily bars"),
    ("duckdb", "SELECT COUNT(*) / COUNT(DISTINCT CAST(executed_at AS DATE)) FROM trades",
     "count of trades / number of distinct day of executed at"),
    ("duckdb", "SELECT p.sbDpClose FROM sbDailyPrice p JOIN sbTicker k ON k.sbTickerId = p.sbDpTickerId "
               "WHERE k.sbTickerSymbol = 'NVDA' ORDER BY p.sbDpDt DESC LIMIT 1",
     "sb dp close of NVDA, sb daily price (with sb ticker), the latest"),
    ("sqlite", "SELECT COUNT(*) FROM orders WHERE createdAt >= '2026-01-01'", "count of orders with created at since 2026-01-01"),
    ("sqlite", "SELECT date, (close - open) / open AS intraday FROM daily_bars WHERE symbol = 'AAPL'",
     "date and fractional change from open to close of AAPL, daily bars"),
    ("postgres", "SELECT symbol, (MAX(high) / MIN(low) - 1) * 100 FROM daily_bars GROUP BY symbol",
     "percent change from minimum low to maximum high per symbol, daily bars"),
    ("duckdb", "SELECT p.account_id, p.symbol, p.quantity, p.avg_cost, p.quantity * (SELECT close FROM daily_bars b "
               "WHERE b.symbol = p.symbol ORDER BY date DESC LIMIT 1) AS market_value FROM positions p "
               "WHERE p.account_id = 3 ORDER BY market_value DESC",
     "account id, symbol, quantity, quantity x (close, daily bars where symbol is symbol of positions, the latest) "
     "and 1 more columns, positions where account id is 3, sorted by quantity x (close, daily bars where symbol is "
     "symbol of positions, the latest), largest first"),
    # names humanised
    ("duckdb", "SELECT sbCustCountry, SUM(sbTxAmount) FROM sbTransaction GROUP BY sbCustCountry",
     "sum of sb transaction amount per sb customer country, sb transaction"),
    ("postgres", 'SELECT "orderQty" FROM "fxOrders" WHERE "ccyPair" = \'EURUSD\'',
     "order quantity, FX orders where currency pair is 'EURUSD'"),
]


@pytest.mark.parametrize("dialect, sql, expected", READINGS, ids=[f"{d}:{s[:60]}" for d, s, _ in READINGS])
def test_reading(dialect, sql, expected):
    assert read_sql(sql, dialect) == expected


@pytest.mark.parametrize("sql, dialect", [
    ("SELECT COUNT(*) FROM trades WHERE executed_at >= DATE '2026-11-01'", "duckdb"),
    ("SELECT COUNT(*) FROM trades WHERE executed_at >= '2026-11-01'", "sqlite"),
    ("SELECT COUNT(*) FROM trades WHERE executed_at >= DATE '2026-11-01'", "postgresql"),
    ("SELECT COUNT(*) FROM trades WHERE executed_at >= CAST('2026-11-01' AS DATE)", "postgres"),
])
def test_the_same_query_reads_the_same_in_every_dialect(sql, dialect):
    assert read_sql(sql, dialect) == "count of trades executed since 2026-11-01"


def test_a_limit_the_guard_imposed_is_not_part_of_the_reading():
    sql = "SELECT symbol, close FROM daily_bars ORDER BY close DESC LIMIT 1000"
    assert read_sql(sql).endswith("the 1,000 largest by close")
    assert read_sql(sql, imposed_limit=1000) == "symbol and close, daily bars, sorted by close, largest first"


def test_structure_for_summaries():
    reading = describe_sql("SELECT symbol, SUM(volume) AS v FROM daily_bars GROUP BY symbol ORDER BY v DESC LIMIT 3")
    assert reading.labels == ("symbol", "sum of volume")
    assert reading.limit == 3 and reading.grouped and reading.tables == ("daily_bars",)
    assert [(k.words, k.descending, k.position) for k in reading.order] == [("sum of volume", True, 1)]
    assert describe_sql("SELECT * FROM trades").labels == ()  # unknown columns: no labels to misplace


def test_catalog_descriptions_name_columns():
    definitions = Definitions(tables={}, columns={
        ("cx", "c7"): ColumnDef("cx", "c7", "Customer country", ()),
        ("cx", "c8"): ColumnDef("cx", "c8", "The amount the customer paid, in the account currency.", ()),
    }, metrics={})
    catalog = SimpleNamespace(definitions=definitions)
    # A short description is a name; a sentence is not used as one.
    assert read_sql("SELECT c7, SUM(c8) FROM cx GROUP BY c7", catalog=catalog) == "sum of c8 per customer country, cx"


UNDESCRIBED = [
    ("broker", 'SELECT "trdSym", SUM("trdQty") FROM "tblTrades" GROUP BY "trdSym"',
     "sum of quantity per symbol, trades"),
    ("broker", 'SELECT a."acctDesk", SUM(t."trdFeeAmt") FROM "tblTrades" t JOIN "tblAccounts" a '
               'ON a."acctNo" = t."acctNo" GROUP BY 1', "sum of fee amount per desk, trades (with accounts)"),
    ("broker", 'SELECT COUNT(*) FROM "tblTrades" WHERE "trdSide" = \'S\'', "count of trades where side is 'S' (sell)"),
    ("payments", 'SELECT m."mkMerchCtry", SUM(p."mkPayAmt") FROM "mkPayment" p JOIN "mkMerchant" m '
                 'ON m."mkMerchId" = p."mkPayMerchId" GROUP BY 1', "sum of amount per country, payments (with merchants)"),
    ("clearing", 'SELECT AVG("LMT_PX") FROM "T_ORD" WHERE "ORD_TKR" = \'AAPL\'', "average limit price of AAPL, orders"),
]


@pytest.fixture(scope="module")
def undescribed_catalogs(tmp_path_factory):
    """Catalogs of small databases nobody described (prefixed, abbreviated, upper-case names)."""
    from tradeassist.sql.catalog.catalog import Catalog
    from tradeassist.sql.db.database import Database

    folder = tmp_path_factory.mktemp("undescribed")
    catalogs = {}
    for name in {case[0] for case in UNDESCRIBED}:
        database = Database.connect(build_duckdb(folder / f"{name}.duckdb", name))
        try:
            catalogs[name] = Catalog.for_database(database)
        finally:
            database.close()
    return catalogs


@pytest.mark.parametrize("name, sql, expected", UNDESCRIBED)
def test_undescribed_databases_read_with_the_catalogs_words(undescribed_catalogs, name, sql, expected):
    assert read_sql(sql, "duckdb", undescribed_catalogs[name]) == expected


@pytest.mark.parametrize("name, words", [
    ("executed_at", "executed at"), ("sbCustCountry", "sb customer country"), ("TxAmountUSD", "transaction amount USD"),
    ("avg_px", "average price"), ("daily_bars", "daily bars"), ('"orderQty"', "order quantity"),
    ("ORD_STS", "order status"), ("usd_value", "USD value"),
])
def test_names_are_humanised(name, words):
    assert humanise(name) == words
    assert humanise("tblTrades", table=True) == "trades" and humanise("T_ORD", table=True) == "order"


@pytest.mark.parametrize("sql", [
    "", "   ", "not sql at all (", "SELECT FROM WHERE", "DROP TABLE trades", "SELECT " + "(" * 400 + "1" + ")" * 400,
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
    "SELECT * FROM read_csv('/etc/passwd')", "PRAGMA table_info(trades)", None, 42,
])
def test_never_raises_on_odd_input(sql):
    text = read_sql(sql)
    assert isinstance(text, str) and text


def test_never_raises_on_the_hostile_corpus():
    cases = hostile_statements()
    assert len(cases) > 200
    for case in cases:
        text = read_sql(case.sql)
        assert isinstance(text, str) and 0 < len(text) <= 300


def test_generic_reading_names_the_tables():
    import sqlglot

    tree = sqlglot.parse_one("SELECT * FROM trades JOIN instruments USING (symbol)")
    assert generic_reading(tree) == "a query over trades and instruments"
    assert generic_reading(None) == "a query"


def _gold_sql() -> list[str]:
    path = Path(__file__).resolve().parents[3] / "shared" / "eval" / "sql_dev.jsonl"
    if not path.is_file():
        pytest.skip("../shared/eval is absent")
    return [json.loads(line)["gold_sql"].replace("{today}", "2026-11-20") for line in path.read_text().splitlines()
            if line.strip()]


def test_every_dev_gold_statement_gets_a_specific_reading():
    for sql in _gold_sql():
        reading = read_sql(sql)
        assert not reading.startswith("a query"), (sql, reading)
        assert "{" not in reading and "None" not in reading, (sql, reading)


LABELLED = [
    "SELECT symbol, AVG(close) AS avg_close, MAX(high) FROM daily_bars GROUP BY symbol",
    "SELECT a.desk, COUNT(*), SUM(t.fee) FROM trades t JOIN accounts a ON a.account_id = t.account_id GROUP BY a.desk",
    "SELECT symbol, date, close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date DESC LIMIT 5",
]


@pytest.mark.parametrize("sql", LABELLED)
def test_one_label_per_result_column_on_every_dialect(sql, db_url):
    from tradeassist.sql.db.database import Database

    database = Database.connect(db_url)
    try:
        frame = database.query(sql, timeout_s=20, max_rows=100).frame
        reading = describe_sql(sql, database.dialect)
    finally:
        database.close()
    assert len(reading.labels) == len(frame.columns)
    assert not reading.text.startswith("a query")

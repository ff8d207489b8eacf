"""Table-driven tests of the offline planner on the demo database (DuckDB): question -> SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from tradeassist.core.errors import UnsafeSqlError
TODAY = dt.date(2026, 11, 20)  # the pinned date of tests/conftest.py

# One line per question: the exact DuckDB SQL the planner writes (dates resolved from TODAY).
CASES = [
    ("What is the latest closing price of AAPL?",
     """SELECT "date", "close" AS "close" FROM daily_bars WHERE "symbol" = 'AAPL' ORDER BY "date" DESC LIMIT 1"""),
    ("Average closing price of MSFT over the last 30 days",
     """SELECT AVG("close") AS "avg_close" FROM daily_bars WHERE ("symbol" = 'MSFT' AND "date" >= CAST('2026-10-22' AS DATE)) AND "date" < CAST('2026-11-21' AS DATE)"""),
    ("How many orders were cancelled?",
     """SELECT COUNT(*) AS "order_count" FROM orders WHERE "status" = 'cancelled'"""),
    ("Number of buy and sell trades for ETH",
     """SELECT "side", COUNT(*) AS "trade_count" FROM trades WHERE "side" IN ('buy', 'sell') AND "symbol" = 'ETH' GROUP BY "side" ORDER BY "side\""""),
    ("Which account holds the largest position in AAPL?",
     """SELECT "positions"."account_id", "accounts"."name", SUM("positions"."quantity") AS "total_quantity" FROM positions INNER JOIN accounts ON "positions"."account_id" = "accounts"."account_id" WHERE "positions"."symbol" = 'AAPL' GROUP BY "positions"."account_id", "accounts"."name" ORDER BY SUM("positions"."quantity") DESC, "positions"."account_id", "accounts"."name" LIMIT 1"""),
    ("What percentage of orders were rejected?",
     """SELECT 100.0 * SUM(CASE WHEN "status" = 'rejected' THEN 1 ELSE 0 END) / COUNT(*) AS "pct_rejected" FROM orders"""),
    ("How many transfers over $1,000,000 happened this year?",
     """SELECT COUNT(*) AS "transfer_count" FROM onchain_transfers WHERE ("usd_value" > 1000000 AND "block_time" >= CAST('2026-01-01 00:00:00' AS TIMESTAMP)) AND "block_time" < CAST('2026-11-21 00:00:00' AS TIMESTAMP)"""),
    ("Which sector had the highest total volume last month?",
     """SELECT "instruments"."sector", SUM("daily_bars"."volume") AS "total_volume" FROM daily_bars INNER JOIN instruments ON "daily_bars"."symbol" = "instruments"."symbol" WHERE "daily_bars"."date" >= CAST('2026-10-01' AS DATE) AND "daily_bars"."date" < CAST('2026-11-01' AS DATE) GROUP BY "instruments"."sector" ORDER BY SUM("daily_bars"."volume") DESC, "instruments"."sector" LIMIT 1"""),
    ("Average daily range (high minus low) of QQQ in the last 30 days",
     """SELECT AVG(("high" - "low")) AS "avg_range" FROM daily_bars WHERE ("symbol" = 'QQQ' AND "date" >= CAST('2026-10-22' AS DATE)) AND "date" < CAST('2026-11-21' AS DATE)"""),
    ("How many trades did account 3 make yesterday?",
     """SELECT COUNT(*) AS "trade_count" FROM trades WHERE ("account_id" = 3 AND "executed_at" >= CAST('2026-11-19 00:00:00' AS TIMESTAMP)) AND "executed_at" < CAST('2026-11-20 00:00:00' AS TIMESTAMP)"""),
    ("average close of Apple in March 2025",
     """SELECT AVG("close") AS "avg_close" FROM daily_bars WHERE ("symbol" = 'AAPL' AND "date" >= CAST('2025-03-01' AS DATE)) AND "date" < CAST('2025-04-01' AS DATE)"""),
    ("total fees between 2025-01-01 and 2025-03-31",
     """SELECT SUM("fee") AS "total_fee" FROM trades WHERE "executed_at" >= CAST('2025-01-01 00:00:00' AS TIMESTAMP) AND "executed_at" < CAST('2025-04-01 00:00:00' AS TIMESTAMP)"""),
    ("how many trades with more than 1000 shares?",
     """SELECT COUNT(*) AS "trade_count" FROM trades WHERE "quantity" > 1000"""),
    ("count of orders per status and side",
     """SELECT "status", "side", COUNT(*) AS "order_count" FROM orders GROUP BY "status", "side" ORDER BY "status", "side\""""),
    ("List all crypto instruments",
     """SELECT "symbol", "name", "asset_class", "sector", "exchange", "currency" FROM instruments WHERE "asset_class" = 'crypto' ORDER BY "symbol\""""),
    ("top 3 desks by traded value this month",
     """SELECT "accounts"."desk", SUM(("trades"."quantity" * "trades"."price")) AS "total_notional" FROM trades INNER JOIN accounts ON "trades"."account_id" = "accounts"."account_id" WHERE "trades"."executed_at" >= CAST('2026-11-01 00:00:00' AS TIMESTAMP) AND "trades"."executed_at" < CAST('2026-11-21 00:00:00' AS TIMESTAMP) GROUP BY "accounts"."desk" ORDER BY SUM(("trades"."quantity" * "trades"."price")) DESC, "accounts"."desk" LIMIT 3"""),
    ("weekly number of BTC transfers over the last 4 weeks",
     """SELECT CAST(DATE_TRUNC('WEEK', "block_time") AS DATE) AS "week", COUNT(*) AS "transfer_count" FROM onchain_transfers WHERE ("symbol" = 'BTC' AND "block_time" >= CAST('2026-10-24 00:00:00' AS TIMESTAMP)) AND "block_time" < CAST('2026-11-21 00:00:00' AS TIMESTAMP) GROUP BY CAST(DATE_TRUNC('WEEK', "block_time") AS DATE) ORDER BY CAST(DATE_TRUNC('WEEK', "block_time") AS DATE)"""),
]

# Questions whose SQL must contain these fragments (window functions, joins, follow-up edits).
FRAGMENTS = [
    ("daily returns of AAPL last 10 days", ["LAG(\"close\", 1) OVER (PARTITION BY \"symbol\" ORDER BY \"date\")",
                                            "\"r\".\"date\" >= CAST('2026-11-11' AS DATE)"]),
    ("median close of AAPL", ['MEDIAN("close")', "'AAPL'"]),
    ("95th percentile of BTC transfer values in USD this year", ['QUANTILE_CONT("usd_value", 0.95)', "'BTC'"]),
    ("VWAP of NVDA fills last month", ['SUM("quantity" * "price") / SUM("quantity")', "'NVDA'"]),
    ("market value by desk", ['latest_bar.close', 'ORDER BY latest_bar.date DESC LIMIT 1', '"accounts"."desk"']),
    ("5-day return of NVDA", ["LAG(\"close\", 5)", "\"rn_last\" = 1"]),
    ("worst performing crypto last month", ["\"instruments\".\"asset_class\" = 'crypto'", "ASC", "\"period_return\""]),
    ("best performing stocks this month", ["\"instruments\".\"asset_class\" = 'equity'", "DESC", "LIMIT 10"]),
    ("Total volume of energy stocks yesterday", ["\"instruments\".\"sector\" = 'Energy'",
                                                 "\"daily_bars\".\"date\" >= CAST('2026-11-19' AS DATE)"]),
    ("Show the daily close of BTC and ETH over the last 30 days", ["\"symbol\" IN ('BTC', 'ETH')", "ORDER BY \"date\""]),
    ("Monthly average close of XOM this year", ["DATE_TRUNC('MONTH', \"date\")", "AVG(\"close\")"]),
    ("Number of distinct symbols traded by each desk", ["COUNT(DISTINCT \"trades\".\"symbol\")", "\"accounts\".\"desk\""]),
    ("What was the all-time high of NVDA?", ["MAX(\"high\")", "'NVDA'"]),
    ("Who has the biggest position in TSLA?", ["\"account_id\"", "FROM positions", "LIMIT 1"]),
    ("Who are the top 5 traders by notional?", ["SUM((\"trades\".\"quantity\" * \"trades\".\"price\"))",
                                                 "GROUP BY \"trades\".\"account_id\", \"accounts\".\"name\"", "LIMIT 5"]),
    ("List the desks", ["\"desk\"", "FROM accounts", "GROUP BY \"desk\""]),
    ("Top 3 symbols traded by the Macro desk", ["\"accounts\".\"desk\" = 'Macro'", "GROUP BY \"trades\".\"symbol\" ORDER"]),
    ("How much did we trade in BTC yesterday?", ["SUM((\"quantity\" * \"price\"))", "'BTC'"]),
    ("Total number of shares traded in JPM since 2025-06-01", ["SUM(\"quantity\")", "2025-06-01"]),
    ("How many buys vs sells did we have for SOL?", ["COUNT(*)", "GROUP BY \"side\""]),
    ("Largest 5 ETH transfers this week", ["ORDER BY \"usd_value\" DESC", "LIMIT 5"]),
    ("Daily USD value of SOL transfers over the past 10 days", ["CAST(\"block_time\" AS DATE)", "SUM(\"usd_value\")"]),
    ("When did we first get bars for SOL?", ["MIN(\"date\")", "'SOL'"]),
    ("latest close", ["ROW_NUMBER() OVER (PARTITION BY \"symbol\" ORDER BY \"date\" DESC)", "\"rn\" = 1"]),
    ("How did Tesla do this month?", ["\"period_return\"", "'TSLA'"]),
    ("Number of unique accounts that traded ETH", ["COUNT(DISTINCT \"account_id\")", "FROM trades"]),
    ("How many different coins were transferred this year?", ["COUNT(DISTINCT \"onchain_transfers\".\"symbol\")",
                                                             "'crypto'"]),
    ("Give me the 3 accounts with the most orders", ["COUNT(*)", "GROUP BY \"orders\".\"account_id\"", "LIMIT 3"]),
]

CLARIFY = [
    "average quantity for TSLA",  # orders, trades or positions: ask
    "price of ZZZZ",  # an unknown name is not silently dropped
    "asdkjh qwe zzz",
    "blorp the frobnicator",
    "kurtosis of AAPL closes",  # an aggregate the planner does not do is not replaced by another
    "TSLA volume spikes",  # a word the plan would drop changes the question
    "latest close of AAPL' OR '1'='1",  # code in a value
    "close of AAPL in 99999",  # a number nothing explains
    "ä ö ü close",  # letters the catalog cannot hold
]


@pytest.fixture(scope="module")
def planner(demo_duckdb):
    """A planner over the demo database (catalog built once)."""
    from tradeassist.sql.catalog.catalog import Catalog
    from tradeassist.sql.db.database import Database
    from tradeassist.core.settings import Settings

    database = Database.connect(str(demo_duckdb))
    catalog = Catalog.for_database(database, Settings(today=TODAY))
    from tradeassist.sql.planner import Planner

    yield Planner(catalog, TODAY)
    database.close()


@pytest.mark.parametrize("question, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_question_to_sql(planner, question, expected):
    plan = planner.plan(question)
    assert plan.ok, plan.clarify
    assert plan.sql == expected


@pytest.mark.parametrize("question, fragments", FRAGMENTS, ids=[c[0][:40] for c in FRAGMENTS])
def test_sql_contains(planner, question, fragments):
    plan = planner.plan(question)
    assert plan.ok, plan.clarify
    for fragment in fragments:
        assert fragment in plan.sql


@pytest.mark.parametrize("question", CLARIFY)
def test_unsure_questions_ask_instead_of_guessing(planner, question):
    plan = planner.plan(question)
    assert not plan.ok
    assert plan.clarify
    assert plan.confidence < 0.6


def test_ambiguous_measure_offers_readings(planner):
    plan = planner.plan("average quantity for TSLA")
    assert len(plan.options) >= 2
    assert any("orders" in o for o in plan.options) and any("trades" in o for o in plan.options)


def test_unknown_name_lists_close_matches(planner):
    plan = planner.plan("latest close of AAPLE")
    assert not plan.ok
    assert "AAPL" in plan.clarify


@pytest.mark.parametrize("question", ["delete all trades", "drop table orders", "please update the orders",
                                      "truncate trades", "insert into trades values (1)"])
def test_write_requests_are_refused(planner, question):
    with pytest.raises(UnsafeSqlError, match="read-only"):
        planner.plan(question)


@pytest.mark.parametrize("question", ["what was the biggest price drop of AAPL this year",
                                      "how many orders were updated yesterday"])
def test_write_words_as_nouns_are_not_refused(planner, question):
    planner.plan(question)  # no UnsafeSqlError


def test_common_words_do_not_become_tickers(planner):
    # "T" (AT&T) and "V" (Visa) exist; ordinary words and lower-case "it"/"a" must not link to them.
    plan = planner.plan("how many trades were executed today")
    assert "'T'" not in plan.sql and "'V'" not in plan.sql
    assert "'T'" in planner.plan("average close of T this year").sql


FOLLOW_UPS = [
    ("average close of AAPL over the last 30 days", "and for MSFT?", ["'MSFT'", "AVG(\"close\")", "2026-10-22"]),
    ("average close of AAPL over the last 30 days", "what about last month?", ["'AAPL'", "2026-10-01", "2026-11-01"]),
    ("How many trades per desk this month?", "only buys", ["\"side\" = 'buy'", "\"desk\""]),
    ("How many trades were executed this month?", "now by desk", ["GROUP BY \"accounts\".\"desk\""]),
    ("Total volume of BTC this year", "same for ETH", ["'ETH'", "SUM(\"volume\")"]),
    ("Total fees by desk this year", "and by month", ["\"desk\"", "DATE_TRUNC('MONTH'"]),
]


@pytest.mark.parametrize("first, second, fragments", FOLLOW_UPS, ids=[f[1] for f in FOLLOW_UPS])
def test_follow_ups_edit_the_previous_plan(planner, first, second, fragments):
    from tradeassist.sql.planner.intent import Intent

    previous = planner.plan(first)
    assert previous.ok
    restored = Intent.from_json(previous.intent.to_json())  # the plan survives JSON
    plan = planner.plan(second, restored)
    assert plan.ok, plan.clarify
    for fragment in fragments:
        assert fragment in plan.sql


TIME_CASES = [
    ("last 30 days", dt.date(2026, 10, 22), dt.date(2026, 11, 21)),
    ("past week", dt.date(2026, 11, 14), dt.date(2026, 11, 21)),
    ("this month", dt.date(2026, 11, 1), dt.date(2026, 11, 21)),
    ("last month", dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
    ("this year", dt.date(2026, 1, 1), dt.date(2026, 11, 21)),
    ("last year", dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
    ("ytd", dt.date(2026, 1, 1), dt.date(2026, 11, 21)),
    ("since the start of the year", dt.date(2026, 1, 1), dt.date(2026, 11, 21)),
    ("yesterday", dt.date(2026, 11, 19), dt.date(2026, 11, 20)),
    ("today", dt.date(2026, 11, 20), dt.date(2026, 11, 21)),
    ("in 2024", dt.date(2024, 1, 1), dt.date(2025, 1, 1)),
    ("in march 2025", dt.date(2025, 3, 1), dt.date(2025, 4, 1)),
    ("since 2025-06-01", dt.date(2025, 6, 1), dt.date(2026, 11, 21)),
    ("between 2025-01-01 and 2025-01-31", dt.date(2025, 1, 1), dt.date(2025, 2, 1)),
    ("over the last 3 months", dt.date(2026, 8, 21), dt.date(2026, 11, 21)),
    ("past two weeks", dt.date(2026, 11, 7), dt.date(2026, 11, 21)),
]


@pytest.mark.parametrize("words, start, end", TIME_CASES, ids=[t[0] for t in TIME_CASES])
def test_time_words(words, start, end):
    from tradeassist.sql.timewords import find_periods

    found = find_periods(words, TODAY)
    assert len(found) == 1
    assert (found[0].period.start, found[0].period.end) == (start, end)


def test_generated_definitions_for_another_database(tmp_path):
    import duckdb
    import pandas as pd

    from tradeassist.core.settings import Settings
    from tradeassist.sql.catalog.catalog import Catalog
    from tradeassist.sql.db.database import Database
    from tradeassist.sql.planner import Planner

    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name VARCHAR, region VARCHAR)")
        conn.execute("CREATE TABLE sales (sale_id INTEGER, customer_id INTEGER, sold_on DATE, amount DOUBLE)")
        conn.execute("INSERT INTO customers VALUES (1, 'Ada', 'North'), (2, 'Bo', 'South')")
        conn.execute("INSERT INTO sales VALUES (1, 1, DATE '2026-11-01', 10), (2, 2, DATE '2026-11-02', 5),"
                     " (3, 1, DATE '2026-10-01', 7)")
    database = Database.connect(str(path))
    catalog = Catalog.for_database(database, Settings(today=TODAY))
    assert catalog.definitions.source == "generated"
    plan = Planner(catalog, TODAY).plan("total amount by region this month")
    assert plan.ok, plan.clarify
    frame = database.query(plan.sql).frame
    assert sorted(map(tuple, frame.itertuples(index=False))) == [("North", 10.0), ("South", 5.0)]
    assert isinstance(frame, pd.DataFrame)
    database.close()

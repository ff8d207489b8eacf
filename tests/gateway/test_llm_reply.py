"""Reading a model's reply: one statement out of prose, fences, other dialects; the product's clock."""

from __future__ import annotations

import datetime as dt

import pytest

from tradeassist.sql.llm_reply import extract_query, uncovered

TODAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(("reply", "expected"), [
    ("SELECT close FROM daily_bars", "SELECT close FROM daily_bars"),
    ("Sure!\n```sql\nSELECT close FROM daily_bars;\n```\nThis returns the closes.", "SELECT close FROM daily_bars"),
    ("I start with the bars; they hold prices.\nSELECT close FROM daily_bars\n\nDone.", "SELECT close FROM daily_bars"),
    ("```\nSELECT close FROM daily_bars", "SELECT close FROM daily_bars"),  # a fence never closed
    ("SELECT TOP 3 close FROM daily_bars", "SELECT close FROM daily_bars LIMIT 3"),  # T-SQL
    ("SELECT `close` FROM daily_bars", 'SELECT "close" FROM daily_bars'),  # MySQL quoting
    ("SELECT close FROM daily_bars WHERE date > CURRENT_DATE - INTERVAL 7 DAY",
     "SELECT close FROM daily_bars WHERE date > CAST('2026-11-20' AS DATE) - INTERVAL '7' DAY"),
    ("The average closing price of MSFT over the last 30 days is $1.2589.", None),  # a made-up number
    ("You can select the rows with the close column.", None),  # SQL words in English
    ("SELECT close FROM daily_bars WHERE symbol =", None),  # cut off: never shortened into another query
    ("SELECT 1", None),  # reads no table: not an answer to a data question
])
def test_extract_query(reply, expected):
    assert extract_query(reply, "duckdb", TODAY) == expected


TRADES_PER_DESK = [("trades", [("table", "trades")]), ("desk", [("column", "desk")])]
FILLED_ORDERS = [("filled", [("value", "status", "filled")]), ("orders", [("table", "orders")])]


@pytest.mark.parametrize(("sql", "mentions", "missing"), [
    ("SELECT a.desk, COUNT(*) FROM trades t JOIN accounts a ON t.account_id = a.account_id GROUP BY a.desk",
     TRADES_PER_DESK, []),
    ("SELECT * FROM accounts WHERE account_id = 123456", TRADES_PER_DESK, ["trades", "desk"]),
    ("SELECT COUNT(*) FROM orders WHERE status = 'filled'", FILLED_ORDERS, []),
    ("SELECT COUNT(*) FROM orders WHERE order_type = 'filled'", FILLED_ORDERS, ["filled"]),  # the wrong column
    ("SELECT close FROM daily_bars WHERE symbol = 'aapl'",
     [("AAPL", [("value", "symbol", "AAPL")]), ("MSFT", [("value", "symbol", "MSFT")])], ["MSFT"]),
    ("SELECT quantity FROM positions WHERE account_id = 3", [("account 3", [("value", "account_id", 3)])], []),
])
def test_uncovered(sql, mentions, missing):
    assert uncovered(sql, "duckdb", mentions) == missing

"""Reading a model's reply: one statement out of prose, fences, other dialects; the product's clock."""

from __future__ import annotations

import datetime as dt

import pytest

from sql.llm_reply import extract_query, missing_values

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


@pytest.mark.parametrize(("sql", "named", "missing"), [
    ("SELECT close FROM daily_bars WHERE symbol = 'AAPL'", [["AAPL"]], []),
    ("SELECT close FROM daily_bars WHERE symbol = 'aapl'", [["AAPL"], ["MSFT"]], ["MSFT"]),
    ("SELECT quantity FROM positions WHERE account_id = 3", [["3"]], []),
    ("SELECT close FROM daily_bars", [["Information Technology", "Tech"]], ["Information Technology"]),
])
def test_missing_values(sql, named, missing):
    assert missing_values(sql, "duckdb", named) == missing

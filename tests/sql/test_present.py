"""Result presentation: chart rules by result shape, one-sentence summaries, number formatting."""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
import pytest
import sqlalchemy as sa

from tradeassist.core.answer import Chart
from tradeassist.sql.db.database import open_duckdb_readonly
from tradeassist.sql.present import (
    choose_chart,
    classify_columns,
    column_label,
    format_number,
)
from tradeassist.sql.reading import describe_sql
from tradeassist.sql.summary import summarize

DAYS = pd.date_range("2026-10-01", periods=30, freq="D")


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


# (case id, frame, question, expected chart kind or None, expected trace types)
CHART_CASES = [
    ("single number", frame(avg_close=[412.3456]), "Average close of MSFT?", "indicator", ["indicator"]),
    ("one row with a date", frame(date=[dt.date(2026, 11, 20)], close=[187.23]),
     "Latest close of AAPL", "indicator", ["indicator"]),
    ("line over time", frame(date=DAYS, close=range(100, 130)), "NVDA closes", "line", ["scatter"]),
    ("iso text dates (SQLite)", frame(date=[d.strftime("%Y-%m-%d") for d in DAYS], close=range(30)),
     "closes", "line", ["scatter"]),
    ("price and volume", frame(date=DAYS, close=[100.0] * 30, volume=[1e7] * 30),
     "price and volume", "line", ["scatter", "scatter"]),
    ("one line per symbol", frame(date=list(DAYS[:3]) * 2, symbol=["BTC"] * 3 + ["ETH"] * 3,
                                  close=[1.0, 2, 3, 4, 5, 6]), "BTC and ETH", "line", ["scatter", "scatter"]),
    ("ohlc", frame(date=DAYS[:3], open=[1.0, 2, 3], high=[2.0, 3, 4], low=[0.5, 1, 2],
                   close=[1.5, 2.5, 3.5]), "AAPL candles", "candlestick", ["candlestick"]),
    ("bars by category", frame(sector=["Energy", "Utilities", "Financials"], n=[3, 9, 5]),
     "Instruments per sector", "bar", ["bar"]),
    ("grouped bars", frame(desk=["A", "A", "B", "B"], side=["buy", "sell"] * 2, trades=[1, 2, 3, 4]),
     "Trades per side per desk", "bar", ["bar", "bar"]),
    ("monthly by year number", frame(year=[2024, 2025, 2026], total=[1.0, 2.0, 3.0]),
     "Total by year", "line", ["scatter"]),
    ("scatter of two numbers", frame(quantity=[1.0, 2, 3], price=[3.0, 4, 5]), "quantity vs price",
     "scatter", ["scatter"]),
    ("only text", frame(symbol=["BTC", "ETH"]), "List crypto", None, None),
    ("only dates", frame(date=DAYS[:2]), "Which days", None, None),
    ("empty", frame(symbol=[], close=[]), "Nothing", None, None),
    ("ids are categories", frame(account_id=[1, 2, 3], fees=[10.0, 30.0, 20.0]), "Fees by account",
     "bar", ["bar"]),
]


@pytest.mark.parametrize("data, question, kind, traces", [c[1:] for c in CHART_CASES],
                         ids=[c[0] for c in CHART_CASES])
def test_chart_rules(data, question, kind, traces):
    chart = choose_chart(data, question)
    if kind is None:
        assert chart is None
        return
    assert isinstance(chart, Chart) and chart.kind == kind
    assert [trace.type for trace in chart.figure.data] == traces
    assert chart.figure.layout.title.text.lower().startswith(question.lower().rstrip("?")[:10])
    assert chart.figure.layout.template.layout.paper_bgcolor is not None  # the template is applied


def test_indicator_shows_the_number_itself():
    chart = choose_chart(frame(close=[187.23]), "What is the latest close of AAPL?")
    assert chart.figure.data[0].value == pytest.approx(187.23)
    assert chart.figure.data[0].mode == "number"
    assert chart.figure.layout.title.text == "What is the latest close of AAPL"


def test_bars_are_sorted_and_capped():
    data = frame(symbol=[f"S{i:02d}" for i in range(45)], volume=[float(i) for i in range(45)])
    chart = choose_chart(data, "Volume by symbol")
    bar = chart.figure.data[0]
    assert bar.orientation == "h" and len(bar.x) == 30
    assert list(bar.x) == sorted(bar.x)  # largest on top of a horizontal chart
    assert bar.y[-1] == "S44" and "top 30 of 45" in chart.figure.layout.title.text
    assert chart.figure.layout.xaxis.title.text == "Volume"


def test_axis_titles_come_from_columns():
    chart = choose_chart(frame(date=DAYS, total_volume=range(30)), "Volume")
    assert chart.figure.layout.xaxis.title.text == "Date"
    assert chart.figure.layout.yaxis.title.text == "Total volume"


def test_second_scale_gets_its_own_axis():
    chart = choose_chart(frame(date=DAYS, close=[100.0] * 30, volume=[1e7] * 30), "price and volume")
    assert chart.figure.data[1].yaxis == "y2"
    assert chart.figure.layout.yaxis.title.text == "Close"
    assert chart.figure.layout.yaxis2.title.text == "Volume"


def test_lines_per_category_are_capped():
    data = pd.DataFrame({"date": list(DAYS[:2]) * 20, "symbol": [f"S{i}" for i in range(20)] * 2,
                         "close": range(40)})
    chart = choose_chart(data, "closes")
    assert len(chart.figure.data) == 12 and "top 12 of 20" in chart.figure.layout.title.text


MONTHS = pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-06-01", "2026-07-01"])


def test_lines_keep_missing_months_as_gaps():
    chart = choose_chart(frame(month=MONTHS, total=[1.0, 2, 3, 4, 5]), "Monthly totals")
    trace = chart.figure.data[0]
    assert trace.connectgaps is False and "markers" in trace.mode
    ys = list(trace.y)
    # April and May are missing: one empty point sits between March and June, none elsewhere.
    assert len(ys) == 6 and math.isnan(ys[3]) and not any(math.isnan(v) for v in ys[:3] + ys[4:])
    assert pd.Timestamp(trace.x[2]) < pd.Timestamp(trace.x[3]) < pd.Timestamp(trace.x[4])


def test_daily_lines_allow_weekends_but_not_missing_weeks():
    business = pd.bdate_range("2026-09-01", "2026-10-30")
    kept = business[(business < "2026-10-05") | (business > "2026-10-16")]  # two weeks missing
    chart = choose_chart(frame(date=kept, close=[1.0] * len(kept)), "closes")
    ys = list(chart.figure.data[0].y)
    assert len(ys) == len(kept) + 1 and sum(math.isnan(v) for v in ys) == 1


def test_lines_per_category_keep_their_gaps():
    data = frame(month=list(MONTHS) * 2, desk=["A"] * 5 + ["B"] * 5, total=[1.0] * 10)
    chart = choose_chart(data, "totals per desk")
    assert [sum(math.isnan(v) for v in t.y) for t in chart.figure.data] == [1, 1]
    assert all(t.connectgaps is False for t in chart.figure.data)


def test_chart_says_what_was_computed_and_charts_the_computed_measure():
    sql = ("SELECT symbol, first_close, last_close, 100.0 * (last_close - first_close) / first_close AS pct "
           "FROM perf ORDER BY pct DESC")
    data = frame(symbol=["NFLX", "NVDA"], first_close=[400.0, 100], last_close=[480.0, 110], pct=[20.0, 10.0])
    chart = choose_chart(data, "best performers", reading=describe_sql(sql))
    assert list(chart.figure.data[0].y) == [20.0, 10.0]  # the change, not the first close
    assert "Computed: symbol, first close" in chart.figure.layout.title.text
    assert chart.figure.layout.yaxis.title.text == "Percent change from first close to last close"
    long = describe_sql("SELECT a.desk, SUM(t.quantity * t.price) FROM trades t JOIN accounts a "
                        "ON a.account_id = t.account_id WHERE t.executed_at >= '2026-11-01' "
                        "AND t.executed_at < '2026-11-21' AND t.side = 'buy' GROUP BY 1 ORDER BY 2 DESC LIMIT 3")
    wrapped = choose_chart(frame(desk=["A", "B"], n=[2.0, 1.0]), "notional per desk", reading=long)
    title = wrapped.figure.layout.title.text
    assert title.count("<sup>") == 2 and all(len(line) < 130 for line in title.split("<br>"))
    assert wrapped.figure.layout.margin.t > 60
    close = choose_chart(frame(date=DAYS, five_day_return=[1.0] * 30), "TSLA 5-day return",
                         reading=describe_sql("SELECT date, close AS five_day_return FROM daily_bars"))
    assert close.figure.layout.yaxis.title.text == "Close"


def test_one_row_per_thing_with_a_time_is_bars_not_lines():
    data = frame(tx_hash=["a1", "b2", "c3"], block_time=pd.to_datetime(["2026-11-02", "2026-10-25", "2026-11-10"]),
                 usd_value=[3.0, 2.0, 1.0])
    chart = choose_chart(data, "largest transfers")
    assert chart.kind == "bar" and list(chart.figure.data[0].y) == [3.0, 2.0, 1.0]


def test_column_roles_can_be_overridden():
    data = frame(code=[1, 2, 3], value=[3.0, 1.0, 2.0])
    assert classify_columns(data) == {"code": "number", "value": "number"}
    assert choose_chart(data, "values").kind == "scatter"
    assert choose_chart(data, "values", {"code": "category"}).kind == "bar"


# (SQL that produced the result or None, result frame, truncated, expected sentence). The SQL's
# reading labels the columns; the question's words never enter a summary.
SUMMARY_CASES = [
    ("SELECT close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date DESC LIMIT 1",
     frame(close=[187.23]), False, "Close: 187.23."),
    ("SELECT date, close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date DESC LIMIT 1",
     frame(date=[dt.date(2026, 11, 20)], close=[187.234]), False, "Close: 187.23 (date 2026-11-20)."),
    ("SELECT COUNT(*) FROM orders WHERE status = 'cancelled'", frame(**{"count_star()": [4476]}), False,
     "Count of orders: 4,476."),
    ("SELECT AVG(close) FROM daily_bars WHERE symbol = 'MSFT'", frame(**{"avg(close)": [412.3456]}), False,
     "Average close: 412.35."),
    ("SELECT account_id FROM positions WHERE symbol = 'AAPL' ORDER BY quantity DESC LIMIT 1",
     frame(account_id=[3]), False, "Account id: 3."),
    ("SELECT MIN(fee / (quantity * price)) AS n FROM trades", frame(n=[0.000123456]), False,
     "Minimum (fee / (quantity x price)): 0.0001235."),
    ("SELECT SUM(quantity * price) AS notional FROM trades", frame(notional=[21361257.000743005]), False,
     "Sum of (quantity x price): 21,361,257.00."),
    ("SELECT 100.0 * COUNT(*) FILTER (WHERE status = 'rejected') / COUNT(*) AS pct FROM orders",
     frame(pct=[4.1234]), False,
     "(count of orders where status is 'rejected') as a percent of count of orders: 4.12%."),
    # a close is named a close, whatever the alias or the question called it
    ("SELECT close AS five_day_return FROM daily_bars WHERE symbol = 'TSLA' ORDER BY date DESC LIMIT 1",
     frame(five_day_return=[593.49]), False, "Close: 593.49."),
    ("SELECT symbol, AVG(close) FROM daily_bars WHERE symbol = 'MSFT' GROUP BY symbol",
     frame(symbol=["MSFT"], avg_close=[412.3456]), False, "Average close: 412.35 (symbol MSFT)."),
    ("SELECT symbol, SUM(volume) AS total_volume FROM daily_bars GROUP BY symbol ORDER BY total_volume DESC LIMIT 5",
     frame(symbol=["NVDA", "TSLA", "AAPL", "SPY", "QQQ"], total_volume=[1.2e9, 9.8e8, 4.1e8, 3e8, 2e8]), False,
     "5 rows; highest sum of volume: NVDA (1.2B), then TSLA (980M) and AAPL (410M); lowest: QQQ (200M)."),
    ("SELECT symbol, SUM(volume) AS v FROM daily_bars GROUP BY symbol ORDER BY v ASC LIMIT 3",
     frame(symbol=["XOM", "JPM", "KO"], v=[1e6, 2e6, 3e6]), False,
     "3 rows; lowest sum of volume: XOM (1M), then JPM (2M) and KO (3M)."),
    # best performers: about the computed change, not the first close that leads the columns
    ("SELECT symbol, first_close, last_close, 100.0 * (last_close - first_close) / first_close AS pct "
     "FROM perf ORDER BY pct DESC LIMIT 4",
     frame(symbol=["NFLX", "NVDA", "AAPL", "XOM"], first_close=[400.0, 100, 200, 110],
           last_close=[480.0, 110, 210, 99], pct=[20.0, 10.0, 5.0, -10.0]), False,
     "4 rows; highest percent change from first close to last close: NFLX (20%), then NVDA (10%) "
     "and AAPL (5%); lowest: XOM (-10%)."),
    ("SELECT date, close FROM daily_bars WHERE symbol = 'NVDA' ORDER BY date",
     frame(date=DAYS, close=[100.0 + i for i in range(30)]), False,
     "30 rows from 2026-10-01 to 2026-10-30: close went from 100 to 129 (+29.0%), between 100 and 129."),
    ("SELECT date, close / LAG(close) OVER (ORDER BY date) - 1 AS ret FROM daily_bars WHERE symbol = 'SPY'",
     frame(date=DAYS[:3], ret=[0.01, -0.02, 0.005]), False,
     "3 rows from 2026-10-01 to 2026-10-03: fractional change from previous close (by date) to close went from "
     "0.01 to 0.005, between -0.02 and 0.01."),
    ("SELECT date, symbol, close FROM daily_bars WHERE symbol IN ('BTC', 'ETH') ORDER BY date",
     frame(date=list(DAYS[:2]) * 2, symbol=["BTC", "BTC", "ETH", "ETH"], close=[1.0, 2.5, 3.0, 4.25]), True,
     "4 rows (cut at the row limit) for 2 symbols from 2026-10-01 to 2026-10-02; latest close: BTC 2.50, ETH 4.25."),
    # one row per thing, with a time: ranked by the sorted measure, long names cut, not read as a series
    ("SELECT tx_hash, block_time, usd_value FROM onchain_transfers ORDER BY usd_value DESC LIMIT 3",
     frame(tx_hash=["9268774474d53edb3fd4df5a9c", "47e7fb18", "1a4bc901"],
           block_time=pd.to_datetime(["2026-11-02 10:00", "2026-10-25 08:30", "2026-11-10 16:45"]),
           usd_value=[20.1e6, 3.98e6, 1.53e6]), False,
     "3 rows; highest USD value: 9268774474d53edb3fd4df5… (20.1M), then 47e7fb18 (3.98M) and 1a4bc901 (1.53M)."),
    ("SELECT symbol FROM instruments WHERE asset_class = 'crypto'", frame(symbol=["BTC", "ETH", "SOL"]), False,
     "3 rows: BTC, ETH, SOL."),
    (None, frame(symbol=[], close=[]), False, "No rows matched."),
    ("SELECT quantity, price FROM trades", frame(quantity=[1.0, 2, 3], price=[3.0, 4.5, 5]), False,
     "3 rows: quantity from 1 to 3 and price from 3 to 5."),
    ("SELECT account_id, name, desk FROM accounts WHERE year(opened_on) = 2024",
     frame(account_id=[4, 6, 7], name=["Sector Rotation", "Crypto Momentum", "Crypto Basis"],
           desk=["Equities", "Crypto", "Crypto"]), False,
     "3 rows, name: Sector Rotation, Crypto Momentum, Crypto Basis."),
    # without a reading (a frame from elsewhere) labels come from the column names
    (None, frame(total_fees=[1234567.891]), False, "Total fees: 1,234,567.89."),
    (None, frame(desk=["A", "B"], n=[3, 5]), False, "2 rows; highest n: B (5), then A (3)."),
]

#: Questions whose words must never reach a summary (they once produced "The and for MSFT is ...").
QUESTIONS = ["and for MSFT?", "What was TSLA's 5-day return?", "which stocks performed best this quarter",
             "How many orders were cancelled?", ""]


@pytest.mark.parametrize("sql, data, truncated, expected", SUMMARY_CASES,
                         ids=[f"{i}:{(c[0] or 'no sql')[:50]}" for i, c in enumerate(SUMMARY_CASES)])
def test_summaries(sql, data, truncated, expected):
    reading = describe_sql(sql) if sql else None
    for question in QUESTIONS:
        assert summarize(data, question, truncated, reading=reading) == expected


def test_one_row_names_the_numbers_the_question_names():
    data = frame(date=[dt.date(2026, 11, 20)], open=[1.0], high=[2.0], low=[0.5], close=[1.5], volume=[1000])
    reading = describe_sql("SELECT date, open, high, low, close, volume FROM daily_bars ORDER BY date DESC LIMIT 1")
    assert summarize(data, "latest close of AAPL", reading=reading) == "Close: 1.50 (date 2026-11-20)."
    assert summarize(data, "latest closing prices", reading=reading) == "Close: 1.50 (date 2026-11-20)."
    assert summarize(data, "and for MSFT?", reading=reading) == (
        "Open: 1; high: 2; low: 0.5; close: 1.50 (date 2026-11-20, volume 1,000).")


RAW = [21361257.000743005, 0.000123456789, 187.234567891, 1e-9, 98765.4321987, -3.14159265358979]


@pytest.mark.parametrize("data", [
    frame(value=RAW[:1]), frame(value=[1e-9]), frame(value=[0.000123456789]),
    frame(symbol=["A", "B", "C", "D", "E", "F"], value=RAW),
    frame(date=DAYS[:6], value=RAW),
    frame(date=list(DAYS[:3]) * 2, symbol=["A"] * 3 + ["B"] * 3, value=RAW),
    frame(x=RAW, y=list(reversed(RAW))),
    frame(date=[pd.Timestamp("2026-11-20 00:00:00")], open=[RAW[2]], close=[RAW[4]]),
], ids=["one number", "tiny number", "small number", "ranking", "series", "series per symbol", "two numbers", "one row of several"])
def test_summary_numbers_are_for_people(data):
    text = summarize(data, "anything")
    assert not re.search(r"\.0*[1-9]\d{4,}", text), text  # no raw floats such as 21361257.000743005
    assert "00:00:00" not in text  # midnight timestamps read as dates
    assert "e-0" not in text and "nan" not in text.lower()


def test_series_summaries_follow_the_asked_number():
    data = frame(date=DAYS[:3], open=[1.0, 2, 3], close=[2.0, 3, 4], volume=[10, 20, 30])
    reading = describe_sql("SELECT date, open, close, volume FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date")
    assert summarize(data, "AAPL prices", reading=reading).startswith("3 rows from 2026-10-01 to 2026-10-03: close went")
    assert summarize(data, "AAPL volume lately", reading=reading).startswith(
        "3 rows from 2026-10-01 to 2026-10-03: volume went from 10 to 30")


SHAPES = [
    # a one-symbol series of closes and returns: a series of the computed return, not a ranking of closes
    ("SELECT date, symbol, close, close / LAG(close) OVER (ORDER BY date) - 1 AS ret FROM daily_bars "
     "WHERE symbol = 'TSLA' ORDER BY date",
     frame(date=DAYS[:3], symbol=["TSLA"] * 3, close=[100.0, 110, 99], ret=[None, 0.1, -0.1]), "TSLA daily returns",
     "3 rows from 2026-10-02 to 2026-10-03: fractional change from previous close (by date) to close went from "
     "0.1 to -0.1, between -0.1 and 0.1."),
    ("SELECT PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY usd_value) FROM onchain_transfers",
     frame(p95=[930373.69]), "95th percentile of transfer values", "95th percentile of USD value: 930,373.69."),
    # a question's "last month" does not pick the "last close" column
    ("SELECT symbol, MIN(close) AS base_close, MAX(close) AS last_close, 100 * (MAX(close) / MIN(close) - 1) "
     "AS period_return FROM daily_bars GROUP BY symbol ORDER BY period_return DESC LIMIT 1",
     frame(symbol=["KO"], base_close=[70.0], last_close=[78.8], period_return=[12.57]), "best performing stock last month?",
     "Minimum close: 70; maximum close: 78.80; percent change from minimum close to maximum close: 12.57% "
     "(symbol KO)."),
    ("SELECT account_id, name, desk FROM accounts WHERE account_id = 11",
     frame(account_id=[11], name=["Stat Arb One"], desk=["Quant"]), "same for account 11",
     "Account id 11, name Stat Arb One, desk Quant."),
    ("SELECT a.account_id, a.name, COUNT(DISTINCT t.symbol) AS n FROM trades t JOIN accounts a "
     "ON a.account_id = t.account_id GROUP BY 1, 2",
     frame(account_id=[8, 9], name=["Rates", "Macro One"], n=[35, 34]), "accounts with more than 30 symbols",
     "2 rows; highest number of distinct symbol: Rates (35), then Macro One (34)."),
]


@pytest.mark.parametrize("sql, data, question, expected", SHAPES, ids=[s[2] for s in SHAPES])
def test_summary_shapes(sql, data, question, expected):
    assert summarize(data, question, reading=describe_sql(sql)) == expected


def test_summaries_never_name_the_question():
    data = frame(close=[593.49])
    reading = describe_sql("SELECT close FROM daily_bars WHERE symbol = 'TSLA' ORDER BY date DESC LIMIT 1")
    text = summarize(data, "What was TSLA's 5-day return?", reading=reading)
    assert "return" not in text.lower() and "5-day" not in text
    assert "and for" not in summarize(frame(avg_close=[1.5]), "and for MSFT?").lower()


@pytest.mark.parametrize("value, compact, expected", [
    (51073, False, "51,073"),
    (187.234, False, "187.23"),
    (1531790354.82, False, "1,531,790,354.82"),
    (1531790354.82, True, "1.53B"),
    (12_345_678, True, "12.3M"),
    (0.0734, False, "0.0734"),
    (17.0, False, "17"),
    (float("nan"), False, "n/a"),
    (None, False, "n/a"),
    (-2.5, False, "-2.50"),
    (1e-9, False, "0.000000001"),
    (0.000123456, False, "0.0001235"),
])
def test_format_number(value, compact, expected):
    assert format_number(value, compact=compact) == expected


@pytest.mark.parametrize("name, label", [
    ("count_star()", "count"), ("avg(close)", "average close"), ("sum(volume)", "total volume"), ("n", "n"),
    ("max(high)", "highest high"), ("count(DISTINCT symbol)", "number of distinct symbol"),
    ("total_volume", "total volume"),
])
def test_column_labels(name, label):
    assert column_label(name) == label


def test_real_results_from_duckdb_and_sqlite(demo_duckdb, demo_sqlite):
    sql = ("SELECT date, symbol, close FROM daily_bars WHERE symbol IN ('BTC', 'ETH') "
           "AND date > DATE '2026-10-21' ORDER BY date")
    with open_duckdb_readonly(str(demo_duckdb)) as conn:
        from_duckdb = conn.execute(sql).fetchdf()
    engine = sa.create_engine(demo_sqlite)
    with engine.connect() as conn:
        from_sqlite = pd.read_sql(sa.text(sql.replace("DATE '2026-10-21'", "'2026-10-21'")), conn)
    engine.dispose()
    for data in (from_duckdb, from_sqlite):
        chart = choose_chart(data, "Daily close of BTC and ETH over the last 30 days")
        assert chart.kind == "line" and {t.name for t in chart.figure.data} == {"BTC", "ETH"}
        assert all(len(t.x) == 30 for t in chart.figure.data)
        assert summarize(data, "close", False).startswith("60 rows for 2 symbols from 2026-10-22 to 2026-11-20")

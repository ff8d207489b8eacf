"""Result presentation: chart rules by result shape, one-sentence summaries, number formatting."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from core.answer import Chart
from sql.database import open_duckdb_readonly
from sql.present import (
    DEFAULT_TEMPLATE,
    choose_chart,
    classify_columns,
    column_label,
    format_number,
    summarize,
)

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


def test_column_roles_can_be_overridden():
    data = frame(code=[1, 2, 3], value=[3.0, 1.0, 2.0])
    assert classify_columns(data) == {"code": "number", "value": "number"}
    assert choose_chart(data, "values").kind == "scatter"
    assert choose_chart(data, "values", {"code": "category"}).kind == "bar"


SUMMARY_CASES = [
    (frame(close=[187.23]), "What is the latest closing price of AAPL?", False,
     "The latest closing price of AAPL is 187.23."),
    (frame(date=[dt.date(2026, 11, 20)], close=[187.234]), "What is the latest close of AAPL?", False,
     "The latest close of AAPL is 187.23 (2026-11-20)."),
    (frame(**{"count_star()": [4476]}), "How many orders were cancelled?", False,
     "4,476 orders were cancelled."),
    (frame(**{"avg(close)": [412.3456]}), "Average closing price of MSFT over the last 30 days", False,
     "The average closing price of MSFT over the last 30 days is 412.35."),
    (frame(account_id=[3]), "Which account holds the largest position in AAPL?", False,
     "Account 3 holds the largest position in AAPL."),
    (frame(n=[0.000123456]), "What is the smallest fee ratio?", False,
     "The smallest fee ratio is 0.0001235."),
    (frame(symbol=["NVDA", "TSLA", "AAPL", "SPY", "QQQ"],
           total_volume=[1.2e9, 9.8e8, 4.1e8, 3e8, 2e8]), "Top 5 symbols by total volume", False,
     "5 rows: NVDA leads with total volume 1.2B, followed by TSLA (980M) and AAPL (410M); "
     "QQQ is lowest (200M)."),
    (frame(date=DAYS, close=[100.0 + i for i in range(30)]), "NVDA closes", False,
     "30 rows from 2026-10-01 to 2026-10-30: close went from 100 to 129 (+29.0%), between 100 and 129."),
    (frame(date=list(DAYS[:2]) * 2, symbol=["BTC", "BTC", "ETH", "ETH"], close=[1.0, 2.5, 3.0, 4.25]),
     "BTC and ETH", True,
     "4 rows (cut at the row limit) for 2 symbols from 2026-10-01 to 2026-10-02; "
     "latest close: BTC 2.50, ETH 4.25."),
    (frame(symbol=["BTC", "ETH", "SOL"]), "List all crypto instruments", False, "3 rows: BTC, ETH, SOL."),
    (frame(symbol=[], close=[]), "anything", False, "No rows matched."),
    (frame(quantity=[1.0, 2, 3], price=[3.0, 4.5, 5]), "quantity against price", False,
     "3 rows: quantity from 1 to 3 and price from 3 to 5."),
    (frame(account_id=[4, 6, 7], name=["Sector Rotation", "Crypto Momentum", "Crypto Basis"],
           desk=["Equities", "Crypto", "Crypto"]), "Which accounts were opened in 2024?", False,
     "3 rows, name: Sector Rotation, Crypto Momentum, Crypto Basis."),
]


@pytest.mark.parametrize("data, question, truncated, expected", SUMMARY_CASES)
def test_summaries(data, question, truncated, expected):
    assert summarize(data, question, truncated) == expected


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
])
def test_format_number(value, compact, expected):
    assert format_number(value, compact=compact) == expected


@pytest.mark.parametrize("name, label", [
    ("count_star()", "count"), ("avg(close)", "average close"), ("sum(volume)", "total volume"),
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

"""Tables for people (separators, decimals per column, plain dates) while raw values stay raw; one chart theme."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tradeassist.core.table_format import format_frame, markdown_table, sortable_frame

FRAME = pd.DataFrame({
    "account_id": [1001, 1002],
    "year": [2025, 2026],
    "notional": [21361257.000743005, 1234.5],
    "close": [187.234, 0.0734],
    "weight": [0.07341, -0.25],
    "quantity": [0.000123456, 0.0000311],
    "trades": [1000, 25],
    "day": pd.to_datetime(["2026-11-26", "2026-11-25"]),
    "executed_at": pd.to_datetime(["2026-11-26 10:30", "2026-11-25 00:00"]),
    "iso_text": ["2026-11-26T00:00:00.000", "2026-11-25T00:00:00.000"],
    "opened_on": [dt.date(2026, 1, 2), None],
    "symbol": ["AAPL", "DOGE"],
})


@pytest.mark.parametrize(("column", "expected"), [
    ("account_id", ["1001", "1002"]),  # identifiers and years are labels: never grouped
    ("year", ["2025", "2026"]),
    ("notional", ["21,361,257.00", "1,234.50"]),
    ("close", ["187.23", "0.0734"]),  # a small price keeps its significant digits beside large ones
    ("weight", ["0.0734", "-0.2500"]),
    ("quantity", ["0.0001235", "3.11e-05"]),
    ("trades", ["1,000", "25"]),
    ("day", ["2026-11-26", "2026-11-25"]),
    ("executed_at", ["2026-11-26 10:30", "2026-11-25 00:00"]),
    ("iso_text", ["2026-11-26", "2026-11-25"]),  # midnight time stamps from JSON become dates
    ("opened_on", ["2026-01-02", ""]),
    ("symbol", ["AAPL", "DOGE"]),
])
def test_each_column_is_formatted_as_a_whole(column, expected):
    assert list(format_frame(FRAME)[column]) == expected


def test_a_column_of_unlike_quantities_formats_each_value_on_its_own_scale():
    metrics = pd.DataFrame({"metric": ["return", "signals", "days", "drawdown", "turnover"],
                            "value": [0.0399, 1500.0, 749.0, -0.3486, 23.1917]})
    assert list(format_frame(metrics)["value"]) == ["0.0399", "1,500", "749", "-0.3486", "23.19"]
    assert sortable_frame(metrics)["value"].tolist() == [0.0399, 1500.0, 749.0, -0.3486, 23.19]


def test_the_raw_frame_is_left_as_it_is():
    before = FRAME.copy()
    format_frame(FRAME), markdown_table(FRAME), sortable_frame(FRAME)
    pd.testing.assert_frame_equal(FRAME, before)


def test_markdown_table_right_aligns_numbers_and_escapes_data():
    frame = pd.DataFrame({"name": ["a|b", "![x](http://h/i.png)"], "value": [1234.5, 2.25]})
    text = markdown_table(frame)
    lines = text.splitlines()
    assert lines[1] == "| --- | ---: |"
    assert lines[2] == "| a\\|b | 1,234.50 |"
    assert "![x](" not in text and "\\!\\[x\\]\\(" in text


def test_sortable_frame_keeps_numbers_numeric_and_rounded():
    shown = sortable_frame(FRAME)
    assert shown["notional"].tolist() == [21361257.0, 1234.5]
    assert pd.api.types.is_float_dtype(shown["notional"]) and pd.api.types.is_integer_dtype(shown["trades"])
    assert shown["close"].tolist() == [187.23, 0.0734]
    assert shown["day"].tolist() == ["2026-11-26", "2026-11-25"]


def test_chat_shows_long_results_in_a_sortable_table_and_short_ones_formatted():
    import asyncio

    from chainlit.context import init_http_context

    from tradeassist.chat.render import MESSAGE_TABLE_ROWS, answer_content
    from tradeassist.core.answer import Answer, Table

    long = pd.DataFrame({"n": range(MESSAGE_TABLE_ROWS + 1), "v": [1234.5678] * (MESSAGE_TABLE_ROWS + 1)})

    async def render(frame):
        init_http_context()
        return answer_content(Answer("sql", (Table(frame),)))

    content, elements = asyncio.run(render(long))
    assert [type(e).__name__ for e in elements] == ["Dataframe", "File"]
    assert '"v"' in elements[0].content and "1234.57" in elements[0].content
    assert "1234.5678" in elements[1].content.decode()  # the CSV keeps the raw value
    content, elements = asyncio.run(render(FRAME))
    assert "| 21,361,257.00 |" in content and "| 2026-11-26 10:30 |" in content


def test_every_route_s_chart_gets_the_one_transparent_theme():
    import json

    import plotly.graph_objects as go

    import pandas as pd

    from tradeassist.kernels.display import figure_bundle
    from tradeassist.signals.charts import ranking_bar

    figures = [go.Figure(go.Bar(x=["a"], y=[1]), layout={"template": "plotly_dark"}),
               ranking_bar(pd.DataFrame({"symbol": ["NVDA", "AAPL"], "breakout_score": [0.8, 0.4]}), strong=0.7)]
    for figure in figures:
        spec = figure_bundle(figure)[0]["application/vnd.plotly.v1+json"]
        layout = spec["layout"]["template"]["layout"]
        assert layout["paper_bgcolor"] == "rgba(0,0,0,0)" and layout["plot_bgcolor"] == "rgba(0,0,0,0)"
        assert json.dumps(spec["layout"]["template"]) == json.dumps(
            figure_bundle(figures[0])[0]["application/vnd.plotly.v1+json"]["layout"]["template"])
    assert figures[0].layout.template.layout.paper_bgcolor != "rgba(0,0,0,0)"  # the figure itself is untouched

"""Rich display of answers: HTML, Markdown, Plotly bundles, and the NotebookAnswer object."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from tradeassist.core.answer import Answer, Chart, Citation, Contribution, Explanation, Notice, Sql, Table, Text, error_answer
from tradeassist.core.errors import UnsafeSqlError
from tradeassist.kernels.display import PLOTLY_MIME, MAX_HTML_ROWS, NotebookAnswer, answer_bundles, markdown_to_html, output_items


@pytest.fixture
def sql_answer() -> Answer:
    frame = pd.DataFrame({"symbol": ["AAPL", "MSFT"], "avg_close": [189.5, 410.25]})
    figure = go.Figure(go.Bar(x=frame["symbol"], y=frame["avg_close"]), layout={"title": {"text": "avg close"}})
    return Answer(
        route="sql",
        parts=(
            Text("Average close by symbol."),
            Sql("SELECT symbol, AVG(close) AS avg_close FROM daily_bars GROUP BY symbol", "duckdb"),
            Table(frame),
            Chart(figure, kind="bar"),
        ),
        timings_ms={"total": 12.5},
    )


def test_table_and_chart_go_to_separate_outputs(sql_answer):
    bundles = answer_bundles(sql_answer)
    assert len(bundles) == 2
    first, _ = bundles[0]
    assert {"text/plain", "text/html", "text/markdown"} <= set(first)
    assert "<table" in first["text/html"] and "MSFT" in first["text/html"]
    assert "SELECT symbol" in first["text/html"]
    assert "route: sql" in first["text/html"]
    chart, _ = bundles[1]
    assert chart[PLOTLY_MIME]["data"][0]["type"] == "bar"
    assert chart[PLOTLY_MIME]["layout"]["title"]["text"] == "avg close"


def test_notebook_answer_attributes(sql_answer):
    result = NotebookAnswer(sql_answer, "average close by symbol")
    assert list(result.df.columns) == ["symbol", "avg_close"]
    assert isinstance(result.figure, go.Figure)
    assert result.sql.startswith("SELECT symbol")
    assert result.text == "Average close by symbol."
    assert result.json["rows"] == [["AAPL", 189.5], ["MSFT", 410.25]]
    assert result.citations == []
    combined = result._repr_mimebundle_()
    assert PLOTLY_MIME in combined and "<table" in combined["text/html"]
    assert "2 rows" in repr(result)


def test_long_tables_are_cut_in_html_but_whole_in_df():
    frame = pd.DataFrame({"n": range(MAX_HTML_ROWS + 40)})
    result = NotebookAnswer(Answer("sql", (Table(frame, truncated=True),)))
    html = result.bundles()[0][0]["text/html"]
    assert html.count("<tr") == MAX_HTML_ROWS + 1  # header row + shown rows
    assert f"{MAX_HTML_ROWS + 40} rows (cut by the row cap)" in html
    assert len(result.df) == MAX_HTML_ROWS + 40


def test_markdown_is_rendered_without_raw_html_or_images():
    rendered = markdown_to_html("**bold** <script>alert(1)</script> ![x](http://evil.example/x.png)")
    assert "<strong>bold</strong>" in rendered
    assert "<script>" not in rendered
    assert "<img" not in rendered


def test_citations_notices_and_explanations_render():
    answer = Answer(
        route="docs",
        parts=(
            Notice("Which meeting do you mean?", level="clarify", options=("2015-12", "2016-03")),
            Text("The Committee raised the target range."),
            Citation("20151216.txt", 2, "raise the target range <b>", 0.82),
            Explanation("NVDA", 0.71, 0.5, (Contribution("rsi_14", 71.0, 0.12),), "Why NVDA scores high"),
        ),
    )
    html = answer_bundles(answer)[0][0]["text/html"]
    assert "20151216.txt" in html and "p.&nbsp;2" in html
    assert "&lt;b&gt;" in html  # snippets are escaped text
    assert "2016-03" in html and "rsi_14" in html
    assert len(answer_bundles(answer)) == 1  # no chart, one output


def test_error_answers_show_the_message_only():
    answer = error_answer("sql", UnsafeSqlError("Only SELECT statements may run."))
    outputs = list(output_items(answer))
    assert len(outputs) == 1
    assert outputs[0]["output_type"] == "display_data"
    assert "Only SELECT statements may run." in outputs[0]["data"]["text/html"]
    assert NotebookAnswer(answer).error is answer.error

"""The notebook shows what an SQL answer computed first, in HTML, Markdown and plain text."""

from __future__ import annotations

import pandas as pd

from tradeassist.core.answer import Answer, Sql, Table, Text
from tradeassist.kernels.display import NotebookAnswer, answer_html, answer_markdown, answer_plain


def _answer(reading: str | None) -> Answer:
    frame = pd.DataFrame({"symbol": ["AAPL", "MSFT"], "avg_close": [189.5, 410.25]})
    return Answer("sql", (Text("2 rows; highest average close: MSFT (410.25), then AAPL (189.50)."),
                          Sql("SELECT symbol, AVG(close) AS avg_close FROM daily_bars GROUP BY symbol", "duckdb",
                              reading), Table(frame)))


def test_reading_comes_first_in_every_form():
    answer = _answer("average close per symbol, daily bars")
    page = answer_html(answer)
    assert page.index("tradeassist-reading") < page.index("tradeassist-text") < page.index("<table")
    assert "<b>Computed:</b> average close per symbol, daily bars" in page
    assert answer_markdown(answer).split("\n\n")[0] == "**Computed:** average close per symbol, daily bars"
    assert answer_plain(answer).splitlines()[0] == "Computed: average close per symbol, daily bars"
    assert NotebookAnswer(answer).reading == "average close per symbol, daily bars"
    assert NotebookAnswer(answer).json["reading"] == "average close per symbol, daily bars"


def test_reading_is_escaped():
    page = answer_html(_answer("name where name is '<script>alert(1)</script>'"))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "\\<script\\>" in answer_markdown(_answer("name where name is '<script>'"))


def test_answers_without_sql_have_no_reading_line():
    answer = Answer("docs", (Text("From the filing."),))
    assert "Computed" not in answer_html(answer) and "Computed" not in answer_plain(answer)
    assert NotebookAnswer(answer).reading is None

"""The chat shows what an SQL answer computed first, above the summary and the table."""

from __future__ import annotations

import asyncio

import pandas as pd

from tradeassist.core.answer import Answer, Notice, Sql, Table, Text


def _content(answer: Answer) -> tuple[str, list]:
    from chainlit.context import init_http_context

    from tradeassist.chat.render import answer_content

    async def render():
        init_http_context()  # elements (table, CSV) need a Chainlit context, as in a live chat
        return answer_content(answer)

    return asyncio.run(render())


def _answer(reading: str | None) -> Answer:
    frame = pd.DataFrame({"side": ["buy", "sell"], "n": [3, 5]})
    return Answer("sql", (Text("2 rows; highest count of trades: sell (5), then buy (3)."),
                          Sql("SELECT side, COUNT(*) AS n FROM trades GROUP BY side", "duckdb", reading),
                          Table(frame), Notice("The result was capped.", "warning")))


def test_reading_is_the_first_line_above_notices_summary_and_table():
    content, elements = _content(_answer("count of trades per side"))
    lines = content.split("\n\n")
    assert lines[0] == "**Computed:** count of trades per side"
    assert lines[1].startswith("⚠️") and lines[2].startswith("2 rows")
    # A short result is a formatted table in the message itself; the CSV keeps the raw values.
    assert lines[3].startswith("| side | n |")
    assert [type(e).__name__ for e in elements] == ["File"]


def test_reading_is_shown_as_text_not_markup():
    content, _ = _content(_answer("name, accounts where name is '*x*' [click](http://evil) <b>"))
    first = content.split("\n\n")[0]
    assert "[click](" not in first and "<b>" not in first and "*x*" not in first
    assert first.startswith("**Computed:** name, accounts where name is '\\*x\\*'")


def test_no_reading_no_line():
    content, _ = _content(_answer(None))
    assert "Computed" not in content

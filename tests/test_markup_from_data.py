"""Data is text in every renderer: values imported from a CSV never become links, images, tags or styles.

Account names are imported from a CSV (``tradeassist data import``) holding a Markdown link to
``javascript:``, an HTML link, a bare URL, a styled span, a script, a Markdown image and a name with
an apostrophe and an ampersand. Typed SQL then reads them back: the one-sentence summary, the table,
the chart's categories and hover text, and every front end (chat, notebook, exported notebook,
terminal, HTTP API) must show each value as written and nothing else.
"""

from __future__ import annotations

import asyncio
import html
import json
import re

import pandas as pd
import pytest
from markup_checks import HOSTILE, hostile_accounts_db, live_labels, live_markup, visible_text

from tradeassist.core.answer import Answer
from tradeassist.core.table_format import markdown_cell, markdown_literal

#: Typed SQL: a list of the names (summarised as "7 rows: ..., ... and 1 more.") and a ranking (a bar chart).
LIST = "SELECT name FROM accounts WHERE account_id <= 7 ORDER BY account_id"
RANKING = ("SELECT a.name, COUNT(*) AS trades FROM trades t JOIN accounts a ON a.account_id = t.account_id "
           "WHERE a.account_id <= 7 GROUP BY a.name ORDER BY trades DESC")
READABLE = ["AAPL", "BRK.B", "O'Neil", "2026-11-20", "1,234.50", "-3.2%", "snake_case_name", "Crypto Basis", "12:30"]


@pytest.fixture(scope="module")
def hostile_db(demo_duckdb, tmp_path_factory):
    """The demo database with accounts 1 to 7 renamed by importing a CSV."""
    return hostile_accounts_db(demo_duckdb, tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def settings_for(hostile_db, tmp_path_factory):
    from tradeassist.core.settings import Settings

    return Settings(home=tmp_path_factory.mktemp("home"), db_url=str(hostile_db), offline_only=True,
                    today="2026-11-20")


@pytest.fixture(scope="module")
def answers(settings_for) -> dict[str, Answer]:
    from tradeassist.core.backend import Backend
    from tradeassist.core.question import Question

    backend = Backend(settings_for)
    found = {sql: backend.ask(Question(sql)) for sql in (LIST, RANKING)}
    for answer in found.values():
        assert answer.error is None and answer.route == "sql", answer.error
    assert found[RANKING].chart is not None and found[RANKING].chart.kind == "bar"
    return found


def _shown(value: str) -> str:
    return " ".join(value.split())


def _chat_content(answer: Answer) -> tuple[str, list]:
    from chainlit.context import init_http_context

    from tradeassist.chat.render import answer_content

    async def render():
        init_http_context()  # elements (table, CSV, chart) need a Chainlit context, as in a live chat
        return answer_content(answer)

    return asyncio.run(render())


def _category_labels(figure_json: dict) -> list[str]:
    labels = []
    for trace in figure_json["data"]:
        axis = "y" if trace.get("orientation") == "h" else "x"
        labels += [html.unescape(str(v)) for v in trace.get(axis) or []]
    return labels


def test_summaries_quote_values_as_written(answers):
    listed = answers[LIST].text
    assert live_markup(listed) == [], listed
    for value in HOSTILE[:6]:  # the sentence names six and counts the rest
        assert _shown(value) in visible_text(listed), (value, listed)
    ranked = answers[RANKING].text
    assert live_markup(ranked) == [], ranked


def test_chat_message_table_and_chart_show_values_as_text(answers):
    for answer in answers.values():
        content, elements = _chat_content(answer)
        assert live_markup(content) == [], content
        for value in HOSTILE:  # every name is in the message's table, as written
            assert _shown(value) in visible_text(content), value
    _, elements = _chat_content(answers[RANKING])
    chart = json.loads(next(e for e in elements if type(e).__name__ == "Plotly").content)
    assert live_labels(chart) == []
    assert sorted(_category_labels(chart)) == sorted(HOSTILE)  # Plotly shows each name as written


def test_notebook_outputs_show_values_as_text(answers):
    from tradeassist.kernels.display import PLOTLY_MIME, answer_bundles

    for answer in answers.values():
        bundles = answer_bundles(answer)
        page = bundles[0][0]["text/html"]
        for tag in ("<a ", "<script", '<span style="color:red"', "<img"):
            assert tag not in page, tag
        assert live_markup(bundles[0][0]["text/markdown"]) == []
    chart = answer_bundles(answers[RANKING])[1][0][PLOTLY_MIME]
    assert live_labels(chart) == [] and sorted(_category_labels(chart)) == sorted(HOSTILE)


def test_exported_notebook_shows_values_as_text(answers, tmp_path):
    from tradeassist.chat.export import ExportTurn, build_notebook, light_json
    from tradeassist.sql.present import choose_chart

    turns = [ExportTurn(sql, light_json(sql, answer)) for sql, answer in answers.items()]
    turns.append(ExportTurn(HOSTILE[1], light_json(HOSTILE[1], answers[LIST])))  # a question holding a tag
    notebook = build_notebook(turns, "demo.duckdb")
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            # The route line is the export's own <small> tag; nothing else may be markup.
            found = [f for f in live_markup(cell.source) if "small>" not in f]
            assert found == [], cell.source
    # The notebook redraws the chart with the product's rules when it runs: labels are text there too.
    frame = answers[RANKING].table.frame
    figure = json.loads(choose_chart(frame, RANKING).figure.to_json())
    assert live_labels(figure) == [] and sorted(_category_labels(figure)) == sorted(HOSTILE)


def test_terminal_shows_values_as_text(answers):
    from rich.console import Console

    from tradeassist.core.render import render_answer

    for answer in answers.values():
        terminal = Console(force_terminal=True, color_system="truecolor", width=400)
        with terminal.capture() as captured:
            render_answer(answer, terminal)
        assert "\x1b]8;" not in captured.get()  # no terminal hyperlink
    plain = Console(width=400, color_system=None)
    with plain.capture() as captured:
        render_answer(answers[LIST], plain)
    assert HOSTILE[0] in captured.get() and HOSTILE[5] in captured.get()


def test_terminal_shows_notices_explanations_and_errors_as_written():
    from rich.console import Console

    from tradeassist.core.answer import Contribution, Explanation, Notice, error_answer
    from tradeassist.core.errors import BadInputError
    from tradeassist.core.render import render_answer

    markup = "[link=http://127.0.0.1:9/leak]Big[/link] [red]Fund[/red]"
    answers = [Answer("sql", (Notice(f"Which account: {markup}?", "clarify", (markup,)),)),
               Answer("signals", (Explanation(markup, 0.7, 0.5, (Contribution(markup, 1.0, 0.1),), markup),)),
               error_answer("sql", BadInputError(f"No account named {markup}"))]
    for answer in answers:
        # Without rich's own highlighting (which links URLs it sees), only the answer's markup could link.
        terminal = Console(force_terminal=True, color_system="truecolor", width=400, highlight=False)
        with terminal.capture() as captured:
            render_answer(answer, terminal)
        shown = captured.get()
        assert "\x1b]8;" not in shown and markup in re.sub(r"\x1b\[[0-9;]*m", "", shown), shown


def test_http_api_sends_values_as_text(settings_for):
    from fastapi.testclient import TestClient

    from tradeassist.chat.api import create_api
    from tradeassist.chat.ratelimit import TokenBucketLimiter
    from tradeassist.chat.service import BackendPool
    from tradeassist.chat.users import UserStore

    pool = BackendPool(settings_for)
    client = TestClient(create_api(pool, UserStore(settings_for, bcrypt_rounds=4),
                                   TokenBucketLimiter(rate_per_minute=60, burst=10), service_token="service-token-1"))
    for sql in (LIST, RANKING):
        body = client.post("/ask", json={"question": sql}, headers={"Authorization": "Bearer service-token-1"}).json()
        assert body["error"] is None and live_markup(body["text"]) == [], body["text"]
        assert sorted(row[0] for row in body["rows"]) == sorted(HOSTILE)  # rows are data: exactly as stored
    assert live_labels(body["chart"]) == [] and sorted(_category_labels(body["chart"])) == sorted(HOSTILE)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_is_literal_markdown_in_prose_and_in_a_table(value):
    for escaped in (markdown_literal(value), markdown_cell(value)):
        assert live_markup(escaped) == [], escaped
        assert visible_text(escaped) == _shown(value)
    table = f"| name |\n|---|\n| {markdown_cell(value)} |"
    assert live_markup(table) == [] and visible_text(table) == f"name {_shown(value)}"


@pytest.mark.parametrize("value", ["see www.evil.example now", "mail me@evil.example", "x.www.evil.example",
                                   "ftp://evil.example/f", "a\nb\n# not a heading", "- not a list", "1. not a list",
                                   "&lt;b&gt; stays an entity", "~~not struck~~", "$x$ and $y$", "`code`?"])
def test_urls_addresses_and_block_marks_in_data_stay_text(value):
    escaped = markdown_literal(value)
    assert live_markup(escaped) == [], escaped
    assert visible_text(escaped) == _shown(value)


def test_ordinary_values_stay_readable():
    # Numbers, dates, tickers and names are written as they are: nothing to escape.
    for value in READABLE:
        assert markdown_literal(value) == markdown_cell(value) == value


def test_chart_labels_titles_and_legends_from_data_are_text():
    from tradeassist.sql.present import choose_chart

    days = pd.date_range("2026-10-01", periods=4, freq="D")
    frames = {
        "bar": pd.DataFrame({"desk": HOSTILE[:4], "n": [4.0, 3, 2, 1]}),
        "grouped": pd.DataFrame({"desk": HOSTILE[:2] * 2, "side": [HOSTILE[3], HOSTILE[3], HOSTILE[4], HOSTILE[4]],
                                 "n": [1.0, 2, 3, 4]}),
        "line": pd.DataFrame({"date": list(days) * 2, "symbol": [HOSTILE[1]] * 4 + [HOSTILE[3]] * 4,
                              "close": [1.0, 2, 3, 4, 5, 6, 7, 8]}),
        "indicator": pd.DataFrame({"symbol": [HOSTILE[1]], HOSTILE[3]: [1.5]}),
    }
    for kind, frame in frames.items():
        chart = choose_chart(frame, f"{HOSTILE[1]} by {HOSTILE[3]}?")
        figure = json.loads(chart.figure.to_json())
        assert live_labels(figure) == [], (kind, live_labels(figure))
        title = html.unescape(figure["layout"]["title"]["text"])
        assert title.startswith(HOSTILE[1]), (kind, title)  # the question's words, as typed

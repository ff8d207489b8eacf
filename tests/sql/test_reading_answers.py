"""Every SQL answer carries its reading, whoever wrote the SQL, and the CLI and JSON show it first."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tradeassist.core.answer import Answer, Sql, Table, Text
from tradeassist.core.jsonform import answer_from_json, answer_to_json
from tradeassist.core.question import Question
from tradeassist.core.render import render_answer
from tradeassist.core.settings import Settings
from tradeassist.sql.reading import read_sql

TODAY = dt.date(2026, 11, 20)


def test_planner_answer_carries_the_reading_of_its_sql(route):
    answer = route.answer(Question("Top 5 symbols by total volume in the last 7 days"))
    assert answer.model.method == "planner"
    assert answer.sql.reading == read_sql(answer.sql.statement, "duckdb")
    assert answer.sql.reading.startswith("sum of volume per symbol, daily bars")
    assert answer.sql.reading.endswith("the 5 largest")


def test_typed_sql_answer_carries_its_reading_without_the_guards_limit(route):
    answer = route.answer(Question("SELECT side, COUNT(*) FROM trades WHERE symbol = 'BTC' GROUP BY side"))
    assert answer.model.method == "sql"
    assert "LIMIT" in answer.sql.statement.upper()  # the guard limited it; the reading does not say so
    assert answer.sql.reading == "count of trades of BTC per side"
    assert "count of trades" in answer.text.lower()  # the summary names the measure by the same words


def test_json_form_has_the_reading_and_round_trips():
    answer = Answer("sql", (Text("x"), Sql("SELECT 1", "duckdb", "the value 1")))
    data = answer_to_json(answer)
    assert data["reading"] == "the value 1" and list(data).index("reading") < list(data).index("rows")
    assert answer_from_json(data).sql.reading == "the value 1"
    assert answer_to_json(Answer("docs", (Text("no sql"),)))["reading"] is None


def test_terminal_rendering_shows_the_reading_first():
    import pandas as pd

    answer = Answer("sql", (Text("Count of trades: 3."), Sql("SELECT COUNT(*) FROM trades", "duckdb",
                                                              "count of trades [bold]x[/bold]"),
                            Table(pd.DataFrame({"n": [3]}))))
    out = io.StringIO()
    render_answer(answer, Console(file=out, width=200, color_system=None))
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines[0] == "Computed: count of trades [bold]x[/bold]"  # printed as text, not as rich markup
    assert lines[1].startswith("Count of trades: 3.")


@pytest.fixture
def cli_env(demo_duckdb, monkeypatch, tmp_path):
    monkeypatch.setenv("TRADEASSIST_DB_URL", str(demo_duckdb))
    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TRADEASSIST_OFFLINE_ONLY", "true")
    from tradeassist.cli.app import app

    return app


def test_cli_ask_prints_the_reading_first_and_in_json(cli_env):
    runner = CliRunner()
    question = "How many orders were cancelled?"
    text = runner.invoke(cli_env, ["ask", question, "--route", "sql"])
    assert text.exit_code == 0, text.output
    first = next(line for line in text.output.splitlines() if line.strip())
    assert first == "Computed: count of orders where status is 'cancelled'"
    data = json.loads(runner.invoke(cli_env, ["ask", question, "--route", "sql", "--json"]).output)
    assert data["reading"] == "count of orders where status is 'cancelled'"
    typed = json.loads(runner.invoke(cli_env, ["ask", "SELECT MAX(high) FROM daily_bars WHERE symbol = 'TSLA'",
                                               "--route", "sql", "--json"]).output)
    assert typed["reading"] == "maximum high of TSLA, daily bars"


def test_notebook_sql_carries_the_reading(demo_duckdb, tmp_path):
    from tradeassist.kernels.session import NotebookSession

    session = NotebookSession(Settings(home=tmp_path / "home", db_url=str(demo_duckdb), today=TODAY,
                                       offline_only=True))
    answer = session.run_sql("SELECT symbol, AVG(close) AS avg_close FROM daily_bars GROUP BY symbol")
    assert answer.error is None
    assert answer.sql.reading == "average close per symbol, daily bars"
    # Typed SQL is titled by what it computes, not by the statement.
    assert answer.chart.figure.layout.title.text.startswith("Average close per symbol, daily bars")

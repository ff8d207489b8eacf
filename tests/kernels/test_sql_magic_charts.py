"""``%sql`` draws the chart the SQL presentation rules choose for the statement itself, as before it asked the backend."""

from __future__ import annotations

import json

import pytest

STATEMENTS = [
    "SELECT symbol, MAX(close) AS top FROM daily_bars GROUP BY symbol ORDER BY top DESC",
    "SELECT date, open, high, low, close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date",
    "SELECT date, symbol, close FROM daily_bars WHERE symbol IN ('AAPL', 'MSFT') ORDER BY date",
    "SELECT side, COUNT(*) AS trades FROM trades GROUP BY side",
]


def _chart_chosen_for_the_statement(settings, statement: str):
    """The chart the notebook drew when it ran SQL itself: the rules fed the statement's own words."""
    from tradeassist.sql.db.database import Database
    from tradeassist.sql.db.executor import Executor
    from tradeassist.sql.present import choose_chart
    from tradeassist.sql.reading import describe_sql

    database = Database.connect(settings.resolved_db_url(), settings)
    try:
        guarded, result = Executor(database, settings).run_sql(statement)
        reading = describe_sql(guarded.expression, database.dialect,
                               imposed_limit=guarded.limit if guarded.limit_imposed else None)
        return choose_chart(result.frame, statement, reading=reading)
    finally:
        database.close()


def _drawn(chart) -> tuple:
    figure = json.loads(chart.figure.to_json())
    layout = figure["layout"]
    return (chart.kind, [trace["type"] for trace in figure["data"]], [trace.get("name") for trace in figure["data"]],
            layout["title"]["text"], layout.get("xaxis", {}).get("title", {}).get("text"),
            layout.get("yaxis", {}).get("title", {}).get("text"))


@pytest.mark.parametrize("statement", STATEMENTS)
def test_sql_magic_chart_is_the_one_chosen_for_the_statement(demo_env, statement):
    from tradeassist.kernels.session import NotebookSession

    answer = NotebookSession(demo_env["settings"]).run_sql(statement)
    assert answer.error is None and answer.chart is not None
    assert _drawn(answer.chart) == _drawn(_chart_chosen_for_the_statement(demo_env["settings"], statement))
    # Typed SQL is titled by what it computes, never by an empty question.
    assert answer.chart.figure.layout.title.text.lower().startswith(answer.sql.reading[:20].lower())

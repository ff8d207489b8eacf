"""Core contracts: answer parts check their input, the JSON form, the router and the backend."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from tradeassist.core.answer import Answer, Chart, Citation, Contribution, Explanation, FigureSpec, Notice, Sql, Table, Text
from tradeassist.core.backend import Backend
from tradeassist.core.errors import BadInputError, NoRouteError, TradeAssistError, UnknownNameError
from tradeassist.core.jsonform import KEYS, answer_from_json, answer_to_json, json_value
from tradeassist.core.question import Question


class KeywordRoute:
    """A route that claims questions containing its keyword and echoes them."""

    def __init__(self, name: str, keyword: str):
        self.name = name
        self.description = f"answers questions about {keyword}"
        self.keyword = keyword
        self.seen: list[Question] = []

    def claim(self, question: Question) -> float:
        return 0.9 if self.keyword in question.text.lower() else 0.0

    def answer(self, question: Question) -> Answer:
        self.seen.append(question)
        return Answer(route=self.name, parts=(Text(f"{self.name}: {question.text}"),))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Sql("  ", "duckdb"),
        lambda: Citation("", 1, "x", 0.5),
        lambda: Citation("a.pdf", 0, "x", 0.5),
        lambda: Citation("a.pdf", 1, "x", float("nan")),
        lambda: Notice("hm", level="shout"),
        lambda: Table([[1, 2]]),
        lambda: Chart({"data": []}),
        lambda: Explanation("", 0.5, 0.1, ()),
        lambda: Answer(route="", parts=()),
    ],
)
def test_parts_check_their_input(build):
    with pytest.raises(BadInputError):
        build()


def test_a_chart_given_as_a_spec_or_a_function_is_made_once_when_first_read():
    made = []

    def make() -> go.Figure:
        made.append(1)
        return go.Figure(go.Bar(x=[1], y=[2]))

    chart = Chart(make, kind="bar")
    assert made == []  # nothing is drawn until a front end shows the chart
    assert chart.figure is chart.figure and made == [1]
    spec = Chart(FigureSpec(({"type": "bar", "x": [1], "y": [2]},), {"title": {"text": "Volume"}}), kind="bar")
    assert spec.figure.data[0].type == "bar" and spec.figure.layout.title.text == "Volume"
    assert spec.figure.layout.template.layout.paper_bgcolor is not None  # the spec's template is applied
    with pytest.raises(BadInputError):
        FigureSpec(({"type": "bar"},), layout=[("title", "x")])


def test_json_form_has_every_key_and_safe_values():
    frame = pd.DataFrame(
        {"date": [dt.date(2026, 11, 20)], "close": [float("nan")], "ts": [pd.Timestamp("2026-11-20 10:00")]}
    )
    answer = Answer(
        route="sql",
        parts=(
            Text("One row."),
            Sql("SELECT 1", "duckdb"),
            Table(frame),
            Chart(go.Figure(go.Scatter(x=[1], y=[2])), kind="line"),
            Citation("a.pdf", 2, "quoted", 0.7),
            Explanation("NVDA", 0.8, 0.3, (Contribution("rsi_14", 71.0, 0.2),)),
            Notice("capped", level="warning"),
        ),
        timings_ms={"plan": 1.23456},
    )
    data = answer_to_json(answer)
    assert tuple(data) == KEYS
    assert data["rows"] == [["2026-11-20", None, "2026-11-20 10:00:00"]]
    assert data["citations"] == [{"source": "a.pdf", "page": 2, "snippet": "quoted", "score": 0.7}]
    assert data["error"] is None and data["sql"] == "SELECT 1"
    json.dumps(data)  # plain JSON all the way down
    rebuilt = answer_from_json(data)
    assert rebuilt.table.frame.shape == (1, 3) and rebuilt.citations[0].page == 2
    assert rebuilt.chart is not None and rebuilt.first(Explanation).subject == "NVDA"


def test_json_value_handles_numpy_and_decimal():
    import decimal

    import numpy as np

    assert json_value(np.int64(3)) == 3
    assert json_value(decimal.Decimal("1.5")) == 1.5
    assert json_value(float("inf")) is None


def test_router_picks_strongest_claim_and_override():
    prices, docs = KeywordRoute("sql", "price"), KeywordRoute("docs", "statement")
    backend = Backend(None, routes=(prices, docs))
    assert backend.ask("latest price of AAPL").route == "sql"
    assert backend.ask("what did the statement say").route == "docs"
    assert backend.ask("price in the statement", route="docs").route == "docs"
    answer = backend.ask("price of AAPL")
    assert "route" in answer.timings_ms and "total" in answer.timings_ms


def test_router_errors_are_clear():
    backend = Backend(None, routes=(KeywordRoute("sql", "price"),))
    with pytest.raises(NoRouteError, match="could not tell"):
        backend.ask("hello there")
    with pytest.raises(UnknownNameError, match="choose one of: sql"):
        backend.ask("price", route="nope")
    with pytest.raises(BadInputError, match="empty"):
        backend.ask("   ")
    failed = backend.ask_safely("hello there")
    assert isinstance(failed.error, TradeAssistError) and answer_to_json(failed)["error"]["type"] == "NoRouteError"


def test_follow_up_goes_to_previous_route():
    prices, docs = KeywordRoute("sql", "price"), KeywordRoute("docs", "statement")
    backend = Backend(None, routes=(docs, prices))
    first = Question("price of AAPL")
    answer = backend.ask(first)
    follow = first.follow_up("and for MSFT?", answer)
    assert backend.ask(follow).route == "sql"
    assert prices.seen[-1].context[-1].question == "price of AAPL"


def test_question_limits():
    with pytest.raises(BadInputError, match="limit"):
        Question("x" * 5000)
    assert Question("  hi  ").text == "hi"


def test_settings_from_environment(monkeypatch, tmp_path):
    from tradeassist.core.settings import Settings

    monkeypatch.setenv("TRADEASSIST_TODAY", "2026-11-20")
    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEASSIST_DB_URL", "")
    settings = Settings()
    assert settings.current_date() == dt.date(2026, 11, 20)
    assert settings.resolved_db_url() == str(tmp_path / "demo.duckdb")


def test_wrong_settings_get_a_clear_message(monkeypatch):
    from tradeassist.core.errors import ConfigError
    from tradeassist.core.settings import load_settings

    monkeypatch.setenv("TRADEASSIST_TODAY", "next tuesday")
    with pytest.raises(ConfigError, match="TRADEASSIST_TODAY"):
        load_settings()

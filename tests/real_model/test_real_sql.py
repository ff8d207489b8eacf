"""The vanna SQL engine with a real small model: its SQL passes the guard or is refused, never shown unchecked."""

from __future__ import annotations

import logging

import pytest

from tradeassist.core.gateway import Gateway
from tradeassist.core.question import Question
from tradeassist.sql.db.guard import guard_sql
from tradeassist.sql.llm_engine import VannaSqlEngine
from tradeassist.sql.route import SqlRoute

pytestmark = pytest.mark.real_model

#: The offline planner cannot plan this (no correlation intent), so the model is asked.
UNPLANNABLE = "correlation of AAPL and MSFT daily returns"


@pytest.fixture
def model_route(real_settings, demo_duckdb):
    settings = real_settings(db_url=str(demo_duckdb), llm_max_tokens=96, llm_sql_corrections=1)
    route = SqlRoute(settings)
    route.llm_engine = VannaSqlEngine(Gateway.from_settings(settings), settings, teacher=route.teacher(),
                                      database=lambda: route.engine()[0])
    yield route
    route.close()


def test_model_sql_is_guarded_or_refused_and_the_product_asks_back(model_route, caplog):
    caplog.set_level(logging.INFO, logger="tradeassist.sql.llm_engine")
    answer = model_route.answer(Question(UNPLANNABLE))
    assert answer.error is None
    asked = [r for r in caplog.records if r.name == "tradeassist.sql.llm_engine"]
    assert asked, "the model was not asked"
    if answer.model.method == "llm":
        # Shown only after the guard and the database's probe accepted it, with who wrote it.
        database, planner = model_route.engine()
        guard_sql(answer.sql.statement, planner.catalog.schema, database.dialect, default_limit=1000, max_rows=1000)
        assert answer.model.provider == "local" and answer.model.model.endswith(".gguf") and answer.table is not None
    else:
        # Refused: the planner's clarifying question, never the model's text or SQL.
        assert answer.needs_clarification and answer.model.method == "planner" and answer.sql is None
        # Refused after its corrections (or, on a starved CPU, not answering in time): asked back either way.
        assert any("refused" in r.getMessage() or "no model answered" in r.getMessage() for r in asked)


def test_a_confident_plan_stands_and_the_model_is_not_asked(model_route, caplog, llama_server):
    caplog.set_level(logging.INFO, logger="tradeassist.sql.llm_engine")
    answer = model_route.answer(Question("What is the latest closing price of AAPL?"))
    assert answer.error is None and answer.model.method == "planner" and len(answer.table.frame) == 1
    assert not [r for r in caplog.records if r.name == "tradeassist.sql.llm_engine"]

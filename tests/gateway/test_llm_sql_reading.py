"""SQL a language model wrote carries the same plain-English reading as any other SQL."""

from __future__ import annotations

from llm_server import LlmServer, Reply

from tradeassist.core.gateway import Gateway
from tradeassist.core.jsonform import answer_to_json
from tradeassist.core.question import Question
from tradeassist.sql.llm_engine import VannaSqlEngine
from tradeassist.sql.route import SqlRoute

MODEL_SQL = ("SELECT a.date, a.close AS aapl, m.close AS msft FROM daily_bars a JOIN daily_bars m "
             "ON a.date = m.date WHERE a.symbol = 'AAPL' AND m.symbol = 'MSFT' AND a.date >= DATE '2026-11-01' "
             "ORDER BY a.date")


def test_model_written_sql_answer_has_its_reading(model_settings, demo_duckdb):
    with LlmServer([Reply(f"```sql\n{MODEL_SQL}\n```")]) as local:
        settings = model_settings(local=local, cloud=None, db_url=str(demo_duckdb), llm_retries=0)
        route = SqlRoute(settings)
        route.llm_engine = VannaSqlEngine(Gateway.from_settings(settings), settings, teacher=route.teacher(),
                                          database=lambda: route.engine()[0])
        try:
            answer = route.answer(Question("correlation of AAPL daily returns with MSFT"))
        finally:
            route.close()
    assert answer.error is None and answer.model.method == "llm"
    # The two closes are told apart by their table, and the join's filters stay visible.
    assert answer.sql.reading == ("date (a), close (a) and close (m), daily bars (with daily bars) where "
                                  "symbol (a) is 'AAPL' and symbol (m) is 'MSFT' and date (a) since 2026-11-01, "
                                  "earliest first")
    assert answer_to_json(answer)["reading"] == answer.sql.reading

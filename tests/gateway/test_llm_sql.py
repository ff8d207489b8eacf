"""LLM text-to-SQL on vanna's prompt layer, through the gateway, against a scripted local server."""

from __future__ import annotations

import pytest
from llm_server import LlmServer, Reply, closed_port_url

from tradeassist.core.gateway import Gateway
from tradeassist.core.question import Question
from tradeassist.sql.llm_engine import GeneratedSql, VannaSqlEngine
from tradeassist.sql.route import SqlRoute

UNPLANNABLE = "correlation of AAPL and MSFT daily returns"
GOOD_SQL = ("SELECT a.date, a.close AS aapl, m.close AS msft FROM daily_bars a JOIN daily_bars m "
            "ON a.date = m.date WHERE a.symbol = 'AAPL' AND m.symbol = 'MSFT' ORDER BY a.date")


@pytest.fixture
def sql_setup(model_settings, demo_duckdb):
    """A SqlRoute over the demo database whose LLM engine talks to the given servers."""

    def build(*, local=None, cloud=None, **changes):
        settings = model_settings(local=local, cloud=cloud, db_url=str(demo_duckdb), llm_retries=0, **changes)
        route = SqlRoute(settings)
        engine = VannaSqlEngine(Gateway.from_settings(settings), settings, teacher=route.teacher(),
                                database=lambda: route.engine()[0])
        route.llm_engine = engine
        return route, engine

    return build


def _system(server: LlmServer, index: int = 0) -> str:
    return server.requests[index]["body"]["messages"][0]["content"]


def test_model_writes_guarded_sql_with_schema_definitions_and_taught_pairs(sql_setup):
    with LlmServer([Reply(f"Here you are:\n```sql\n{GOOD_SQL}\n```")]) as local:
        route, _engine = sql_setup(local=local)
        route.teacher().teach("latest close of AAPL", "SELECT close FROM daily_bars WHERE symbol = 'AAPL' "
                              "ORDER BY date DESC LIMIT 1", route.engine()[0])
        answer = route.answer(Question("correlation of AAPL daily returns with MSFT"))
    assert answer.error is None and answer.model.method == "llm"
    assert answer.model.provider == "vllm" and answer.model.tokens_out > 0  # provenance reaches the answer
    assert len(answer.table.frame) > 100 and list(answer.table.frame.columns) == ["date", "aapl", "msft"]
    assert "LIMIT" in answer.sql.statement.upper()  # the guard's limit was applied
    system = _system(local)
    assert "CREATE TABLE daily_bars" in system and "Daily OHLCV price bars" in system
    assert "===Response Guidelines" in system  # vanna's prompt layout
    messages = local.requests[0]["body"]["messages"]
    assert [m["role"] for m in messages[1:3]] == ["user", "assistant"]
    assert "latest close of AAPL" in messages[1]["content"]  # the taught pair as an example
    assert messages[-1]["content"] == "correlation of AAPL daily returns with MSFT"


def test_generated_sql_carries_provenance(sql_setup):
    with LlmServer([Reply(GOOD_SQL + ";", tokens_in=400, tokens_out=40)]) as local:
        route, engine = sql_setup(local=local)
        sql = engine.generate(Question(UNPLANNABLE), route.engine()[1].catalog, None)
    assert isinstance(sql, GeneratedSql) and sql.corrections == 0
    assert (sql.model.provider, sql.model.tokens_in, sql.model.tokens_out) == ("vllm", 400, 40)


def test_self_correction_from_the_guard(sql_setup):
    bad = "SELECT closing_price FROM daily_bars WHERE symbol = 'AAPL'"
    with LlmServer([Reply(bad), Reply(GOOD_SQL)]) as local:
        route, _engine = sql_setup(local=local)
        answer = route.answer(Question(UNPLANNABLE))
    assert answer.error is None and local.completions == 2
    retry = local.requests[1]["body"]["messages"]
    assert retry[-2] == {"role": "assistant", "content": bad}
    assert "closing_price" in retry[-1]["content"] and "That SQL failed" in retry[-1]["content"]


def test_self_correction_from_the_database(sql_setup):
    bad = "SELECT symbol + 1 AS x FROM instruments WHERE symbol IN ('AAPL', 'MSFT')"  # fails in DuckDB's binder
    with LlmServer([Reply(bad), Reply(GOOD_SQL)]) as local:
        route, _engine = sql_setup(local=local)
        answer = route.answer(Question(UNPLANNABLE))
    assert answer.error is None and local.completions == 2
    assert "No function matches" in local.requests[1]["body"]["messages"][-1]["content"]


def test_at_most_two_corrections_and_unsafe_sql_never_runs(sql_setup, caplog):
    with LlmServer([Reply("DROP TABLE trades"), Reply("SELECT * FROM read_csv('/etc/passwd')"),
                    Reply("DELETE FROM trades")]) as local:
        route, engine = sql_setup(local=local)
        catalog = route.engine()[1].catalog
        assert engine.generate(Question(UNPLANNABLE), catalog, None) is None  # refused: the route asks back
        answer = route.answer(Question(UNPLANNABLE))
    assert local.completions == 6 and "refused after 2 corrections" in caplog.text
    assert answer.needs_clarification and answer.sql is None and answer.model.method == "planner"
    count = route.engine()[0].query("SELECT COUNT(*) AS n FROM trades", timeout_s=5, max_rows=1).frame["n"][0]
    assert count > 0


def test_no_model_reachable_falls_back_to_the_planner(sql_setup):
    route, _engine = sql_setup(local=closed_port_url())
    answer = route.answer(Question(UNPLANNABLE))
    assert answer.error is None and answer.needs_clarification and answer.model.method == "planner"


def test_confidential_question_never_reaches_the_cloud(sql_setup):
    with LlmServer([Reply(GOOD_SQL)]) as cloud:
        route, _engine = sql_setup(cloud=cloud)
        answer = route.answer(Question(UNPLANNABLE, confidential=True))
        assert answer.needs_clarification and cloud.completions == 0
        assert route.answer(Question(UNPLANNABLE)).model.method == "llm" and cloud.completions == 1


def test_follow_up_sends_previous_sql_and_a_bounded_window(sql_setup):
    with LlmServer([Reply(GOOD_SQL)]) as local:
        route, engine = sql_setup(local=local, llm_context_turns=1)
        first = Question("first question about prices")
        second = first.follow_up("second question", None).follow_up("and the correlation?", None)
        engine.generate(second, route.engine()[1].catalog, "SELECT 1 AS previous_marker")
    messages = local.requests[0]["body"]["messages"]
    assert "previous_marker" in messages[0]["content"]
    texts = [m["content"] for m in messages]
    assert "second question" in texts and "first question about prices" not in texts


def test_notebook_frames_use_the_model_without_probing_another_database(model_settings):
    import pandas as pd

    frame = pd.DataFrame({"ticker": ["A", "B", "C"], "pnl": [1.0, -2.0, 3.5]})
    sql = "SELECT ticker, pnl FROM book WHERE pnl > 0 ORDER BY pnl DESC"
    with LlmServer([Reply(sql)]) as local:
        settings = model_settings(local=local, llm_retries=0)  # no trading database configured at all
        route = SqlRoute(settings)
        route.llm_engine = VannaSqlEngine(Gateway.from_settings(settings), settings,
                                          database=lambda: route.engine()[0])
        answer = route.answer(Question("the correlation-adjusted winners of my book", frames={"book": frame}))
    assert answer.error is None and answer.model.method == "llm"
    assert answer.table.frame["ticker"].tolist() == ["C", "A"] and local.completions == 1
    assert "CREATE TABLE book" in local.requests[0]["body"]["messages"][0]["content"]


@pytest.mark.parametrize("reply", [
    # prose first, "with" as an English word, SQL without a semicolon, then more prose
    "I will start with the daily bars; they hold prices.\nHere is the query:\n" + GOOD_SQL + "\n\nThis joins both.",
    # a MySQL habit in a DuckDB prompt, transpiled because DuckDB's parser refuses it
    GOOD_SQL.replace("a.date,", "a.`date`,"),
    # T-SQL's TOP in a DuckDB prompt
    GOOD_SQL.replace("SELECT ", "SELECT TOP 500 ", 1),
    # a fence the model never closed
    "```sql\n" + GOOD_SQL,
])
def test_real_model_replies_yield_the_statement(sql_setup, reply):
    with LlmServer([Reply(reply)]) as local:
        route, engine = sql_setup(local=local)
        sql = engine.generate(Question(UNPLANNABLE), route.engine()[1].catalog, None)
    assert sql is not None and sql.corrections == 0 and local.completions == 1
    assert "JOIN daily_bars" in sql and "'MSFT'" in sql


def test_cut_off_intermediate_or_off_topic_sql_is_sent_back(sql_setup):
    cut = GOOD_SQL.split(" WHERE")[0]  # syntactically whole, but the filter was never written
    with LlmServer([Reply(cut, finish_reason="length"),
                    Reply("-- intermediate_sql\nSELECT DISTINCT symbol FROM daily_bars"),
                    Reply("SELECT close FROM daily_bars WHERE symbol = 'NVDA'")]) as local:
        route, engine = sql_setup(local=local)
        assert engine.generate(Question(UNPLANNABLE), route.engine()[1].catalog, None) is None
    corrections = [r["body"]["messages"][-1]["content"] for r in local.requests[1:]]
    assert "cut off at the token limit" in corrections[0] and "intermediate query" in corrections[1]


def test_current_date_becomes_the_products_date(sql_setup):
    sql = ("SELECT date, close FROM daily_bars WHERE symbol = 'AAPL' AND date > CURRENT_DATE - INTERVAL 30 DAY "
           "ORDER BY date")
    with LlmServer([Reply(sql)]) as local:
        route, engine = sql_setup(local=local)
        generated = engine.generate(Question("AAPL closes with a correlation-adjusted trend"),
                                    route.engine()[1].catalog, None)
    assert "CURRENT_DATE" not in generated.upper() and "2026-11-20" in generated


def test_under_a_small_window_only_the_latest_failed_reply_goes_back(sql_setup):
    with LlmServer([Reply("first try: no SQL here"), Reply("second try: still none"), Reply(GOOD_SQL)]) as local:
        route, engine = sql_setup(local=None, local_url=local.url, local_context_tokens=2048)
        assert engine.generate(Question(UNPLANNABLE), route.engine()[1].catalog, None) is not None
    calls = [r["body"] for r in local.requests if r["path"] != "/v1/models"]
    last = calls[2]["messages"]
    assert [m["content"] for m in last if m["role"] == "assistant"] == ["second try: still none"]
    system = calls[0]["messages"][0]["content"]
    assert "also called" not in system and "values include 'buy', 'sell'" in system  # compact definitions
    assert calls[0]["max_tokens"] == 384  # room kept for the reply

"""``eval sql --model``: the model path scored beside the planner, against a scripted model server."""

from __future__ import annotations

import json

from llm_server import LlmServer, Reply

from tradeassist.sql.eval_model import evaluate_model

CASES = [
    {"id": "a", "question": "What is the latest closing price of AAPL?",
     "gold_sql": "SELECT close FROM daily_bars WHERE symbol='AAPL' ORDER BY date DESC LIMIT 1"},
    {"id": "b", "question": "correlation of AAPL and MSFT daily closes",
     "gold_sql": "SELECT corr(a.close, m.close) FROM daily_bars a JOIN daily_bars m ON a.date = m.date "
                 "WHERE a.symbol='AAPL' AND m.symbol='MSFT'"},
    {"id": "c", "question": "which desk paid the most fees per share of NVDA sold last quarter",
     "gold_sql": "SELECT 1"},
]
REPLIES = {
    "latest closing price": "SELECT close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date DESC LIMIT 1",
    # runs and names both symbols, but answers another question: a wrong answer shown as right
    "correlation": "```sql\nSELECT AVG(close) FROM daily_bars WHERE symbol IN ('AAPL', 'MSFT')\n```",
}


def _script(body: dict) -> Reply:
    question = body["messages"][-1]["content"]
    for cue, sql in REPLIES.items():
        if cue in question:
            return Reply(sql)
    return Reply("I am sorry, I cannot write that query.")


def test_model_path_is_scored_beside_the_planner(model_settings, demo_duckdb):
    with LlmServer(_script) as local:
        settings = model_settings(local_url=local.url, db_url=str(demo_duckdb), llm_retries=0,
                                  llm_sql_corrections=0)
        report = evaluate_model(CASES, settings)
    outcomes = {case.id: (case.planner, case.model, case.combined) for case in report.cases}
    assert outcomes["a"] == ("right", "right", "right")
    assert outcomes["b"] == ("clarified", "wrong", "wrong")  # the model made the product worse here
    planner_c, model_c, combined_c = outcomes["c"]
    assert model_c == "clarified" and combined_c == planner_c  # prose is refused: the planner's outcome stands
    assert report.counts("model") == {"right": 1, "clarified": 1, "wrong": 1, "error": 0}
    assert report.cases[0].model_name == "test-model" and "AVG(close)" in report.cases[1].sql
    assert "refused after 0 corrections: The reply held no SELECT" in report.cases[2].reason
    assert json.loads(json.dumps(report.to_json(), default=str))["counts"]["planner + model"]["wrong"] >= 1


def test_eval_sql_model_flag_prints_the_three_paths(monkeypatch, tmp_path, demo_duckdb):
    from typer.testing import CliRunner

    from tradeassist.cli.app import app

    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(case) for case in CASES[:2]) + "\n", encoding="utf-8")
    with LlmServer(_script) as local:
        monkeypatch.setenv("TRADEASSIST_LOCAL_URL", local.url)
        monkeypatch.setenv("TRADEASSIST_LLM_SQL_CORRECTIONS", "0")
        result = CliRunner().invoke(app, ["eval", "sql", str(cases), "--db", str(demo_duckdb), "--model", "--json"])
        table = CliRunner().invoke(app, ["eval", "sql", str(cases), "--db", str(demo_duckdb), "--model"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["counts"]
    assert counts["planner"]["wrong"] == 0 and counts["model"]["right"] == 1 and counts["model"]["wrong"] == 1
    assert table.exit_code == 0 and "planner + model" in table.output and "right / clarified / wrong" in table.output

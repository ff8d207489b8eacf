"""`tradeassist doctor` against live and dead endpoints, and the routes wired to the gateway."""

from __future__ import annotations

import json

from llm_server import LlmServer, Reply, closed_port_url
from typer.testing import CliRunner

from tradeassist.cli.app import app


def test_doctor_reports_reachable_and_unreachable_providers(monkeypatch, demo_duckdb):
    with LlmServer(model="local-model") as local:
        monkeypatch.setenv("TRADEASSIST_VLLM_URL", local.root)  # the bare address: /v1 is added
        monkeypatch.setenv("TRADEASSIST_VLLM_MODEL", "local-model")
        monkeypatch.setenv("TRADEASSIST_OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("TRADEASSIST_OPENAI_BASE_URL", closed_port_url())
        monkeypatch.setenv("TRADEASSIST_DB_URL", str(demo_duckdb))
        result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1, result.output  # a configured provider is down
    checks = {check["name"]: check for check in json.loads(result.output.strip().splitlines()[-1])}
    assert checks["vllm"]["ok"] and checks["vllm"]["latency_ms"] > 0 and "local, local-model" in checks["vllm"]["detail"]
    assert not checks["openai"]["ok"] and "unreachable" in checks["openai"]["detail"]
    assert checks["trading database"]["ok"] and "7 tables" in checks["trading database"]["detail"]
    assert checks["embedded"]["ok"]


def test_doctor_offline_and_wrong_model(monkeypatch):
    result = CliRunner().invoke(app, ["doctor", "--json"])
    checks = json.loads(result.output.strip().splitlines()[-1])
    assert result.exit_code == 0 and checks[0]["name"] == "offline"
    with LlmServer(model="other-model") as local:
        monkeypatch.setenv("TRADEASSIST_VLLM_URL", local.url)
        monkeypatch.setenv("TRADEASSIST_VLLM_MODEL", "local-model")
        result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1 and "other-model" in result.output


def test_default_routes_get_model_parts_only_when_configured(settings):
    from tradeassist.core.routes import default_routes
    from tradeassist.retrieval.grounded import GroundedWriter
    from tradeassist.sql.llm_engine import VannaSqlEngine

    sql, docs, _signals = default_routes(settings)
    assert sql.llm_engine is None and docs.writer is None
    sql, docs, _signals = default_routes(settings.model_copy(update={"vllm_url": "http://127.0.0.1:9/v1"}))
    assert isinstance(sql.llm_engine, VannaSqlEngine) and isinstance(docs.writer, GroundedWriter)
    assert sql.llm_engine.gateway is docs.writer.gateway  # one gateway: shared breakers and caps


def test_backend_answers_with_the_model_end_to_end(model_settings, demo_duckdb):
    from tradeassist.core.backend import Backend
    from tradeassist.core.jsonform import answer_to_json

    sql = ("SELECT symbol, AVG(high - low) AS avg_range FROM daily_bars WHERE symbol IN ('AAPL', 'MSFT') "
           "GROUP BY symbol ORDER BY avg_range DESC")
    with LlmServer([Reply(f"```sql\n{sql}\n```")]) as local:
        backend = Backend(model_settings(local=local, db_url=str(demo_duckdb)))
        answer = backend.ask("correlation of AAPL and MSFT daily returns", route="sql")
    assert answer.error is None and answer.model.method == "llm" and len(answer.table.frame) == 2
    assert answer_to_json(answer)["model"]["method"] == "llm" and local.completions == 1

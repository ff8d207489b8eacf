"""The ``local`` provider (llama.cpp / Ollama): its place in the fallback order and the doctor's report."""

from __future__ import annotations

import json

from llm_server import LlmServer, Reply, Status, closed_port_url
from typer.testing import CliRunner

from tradeassist.cli.app import app
from tradeassist.core.gateway import Gateway


def test_local_sits_after_vllm_and_before_the_cloud(model_settings):
    with LlmServer([Status(503)]) as vllm, LlmServer([Reply("from llama.cpp")]) as local, \
            LlmServer([Reply("from the cloud")]) as cloud:
        settings = model_settings(local=vllm, cloud=cloud, local_url=local.root, llm_retries=0)
        gateway = Gateway.from_settings(settings)
        assert [p.name for p in gateway.route(task="sql")] == ["vllm", "local", "openai"]
        result = gateway.complete("hello", task="sql")
    assert result.text == "from llama.cpp" and result.model.provider == "local"
    assert result.model.model == "test-model" and result.model.cost_usd == 0.0  # the name the server gives
    assert [a.provider for a in result.attempts] == ["vllm", "local"] and cloud.completions == 0
    assert local.requests[-1]["path"] == "/v1/chat/completions"  # the bare address got /v1


def test_confidential_calls_may_use_the_local_server_but_never_the_cloud(model_settings):
    with LlmServer([Reply("kept local")]) as local, LlmServer([Reply("cloud")]) as cloud:
        settings = model_settings(cloud=cloud, local_url=local.url, local_model="qwen2.5-coder:1.5b")
        gateway = Gateway.from_settings(settings)
        assert [p.name for p in gateway.route(task="complex")] == ["openai", "local"]  # cloud first for complex
        assert [p.name for p in gateway.route(task="complex", confidential=True)] == ["local"]
        result = gateway.complete("secret", task="complex", confidential=True)
    assert result.model.provider == "local" and cloud.completions == 0
    assert local.requests[-1]["body"]["model"] == "qwen2.5-coder:1.5b"


def test_doctor_reports_the_local_server_and_the_order(monkeypatch):
    with LlmServer(model="/models/SmolLM2-135M-Instruct.Q4_1.gguf") as local:
        monkeypatch.setenv("TRADEASSIST_LOCAL_URL", local.root)
        monkeypatch.setenv("TRADEASSIST_OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("TRADEASSIST_OPENAI_BASE_URL", closed_port_url())
        result = CliRunner().invoke(app, ["doctor", "--json"])
    checks = {check["name"]: check for check in json.loads(result.output.strip().splitlines()[-1])}
    assert checks["local"]["ok"] and "SmolLM2-135M-Instruct" in checks["local"]["detail"]
    assert checks["order"]["detail"] == "local -> openai -> offline methods"
    assert not checks["openai"]["ok"] and result.exit_code == 1


def test_doctor_fails_when_the_local_server_is_down_or_serves_another_model(monkeypatch):
    monkeypatch.setenv("TRADEASSIST_LOCAL_URL", closed_port_url())
    result = CliRunner().invoke(app, ["doctor", "--json"])
    checks = {check["name"]: check for check in json.loads(result.output.strip().splitlines()[-1])}
    assert result.exit_code == 1 and not checks["local"]["ok"] and "unreachable" in checks["local"]["detail"]
    with LlmServer(model="llama3.2:1b") as local:
        monkeypatch.setenv("TRADEASSIST_LOCAL_URL", local.url)
        monkeypatch.setenv("TRADEASSIST_LOCAL_MODEL", "qwen2.5:0.5b")
        result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1 and "llama3.2:1b" in result.output and "qwen2.5:0.5b" in result.output


def test_small_windows_shrink_prompts_and_route_picks_are_capped(model_settings):
    from tradeassist.core.classifier import ModelTieBreaker
    from tradeassist.core.question import Question
    from tradeassist.retrieval.grounded import GroundedWriter
    from tradeassist.retrieval.records import Chunk, DocumentInfo, Hit

    def hit(page: int) -> Hit:
        doc = DocumentInfo(key="report.pdf", source="report.pdf", path="/docs/report.pdf", content_hash="h")
        return Hit(chunk_id=f"c{page}", document=doc, chunk=Chunk(text=f"page {page} " + "revenue grew. " * 300,
                                                                 page=page), score=1.0, dense_score=0.5)

    with LlmServer([Reply("Revenue grew [report.pdf p.1].")]) as local:
        settings = model_settings(local_url=local.url, local_context_tokens=2048)
        gateway = Gateway.from_settings(settings)
        assert gateway.context_tokens(task="simple") == 2048
        GroundedWriter(gateway, settings).write(Question("how did revenue do?"), [hit(p) for p in range(1, 7)])
        body = local.requests[-1]["body"]
        assert sum(len(m["content"]) for m in body["messages"]) < (2048 - 256) * 3 and body["max_tokens"] == 256
        assert "[report.pdf p.1]" in body["messages"][-1]["content"]  # the strongest hits are kept
        ModelTieBreaker(gateway)(Question("price in the statement"), ())
        assert local.requests[-1]["body"]["max_tokens"] == 16
    with LlmServer([Reply("ok")]) as vllm:
        assert Gateway.from_settings(model_settings(local=vllm)).context_tokens() is None  # vLLM: large windows


def test_a_stream_ended_without_a_finish_reason_is_reported_as_cut(model_settings):
    import pytest

    from tradeassist.core.errors import ModelUnavailableError

    # What llama-cpp-python's server sends when a second request interrupts a stream: a clean end.
    with LlmServer([Reply("The answer is forty", finish_reason=None)]) as local:
        gateway = Gateway.from_settings(model_settings(local_url=local.url))
        pieces: list[str] = []
        with pytest.raises(ModelUnavailableError, match="stopped halfway"):
            for piece in gateway.stream("q"):
                pieces.append(piece)
        assert "".join(pieces) == "The answer is forty"  # shown text is reported cut, not replaced
    with LlmServer([Reply("a b c")]) as local:
        stream = Gateway.from_settings(model_settings(local_url=local.url)).stream("q")
        assert list(stream) == ["a", " b", " c"] and stream.finish_reason == "stop"

"""A provider whose SDK refuses to build its client is reported as failing, never skipped in silence."""

from __future__ import annotations

import json

import pytest
from llm_server import LlmServer, Reply
from typer.testing import CliRunner

from tradeassist.core.errors import ModelUnavailableError
from tradeassist.core.gateway import Gateway
from tradeassist.core.gateway import providers as providers_module


@pytest.fixture
def refusing_sdk(monkeypatch):
    """The client constructor raises as openai 3 did for an httpx.Timeout (the argument it no longer took)."""

    def refuse(provider, *, read_timeout):
        raise TypeError("Invalid timeout: expected a number, None, a tuple or httpx2.Timeout")

    monkeypatch.setattr(providers_module, "_build_chat", refuse)


def test_the_real_sdk_builds_every_openai_compatible_client(model_settings):
    """With the SDKs as installed, each provider's client is built for whole answers and for streams."""
    with LlmServer() as local, LlmServer() as cloud:
        for provider in Gateway.from_settings(model_settings(local=local, cloud=cloud)).providers:
            assert provider.chat() is not None and provider.chat(streaming=True) is not None


def test_a_client_that_cannot_be_built_fails_at_once_with_the_reason(model_settings, refusing_sdk):
    with LlmServer([Reply("never asked")]) as local:
        gateway = Gateway.from_settings(model_settings(local=local, llm_retries=2))
        with pytest.raises(ModelUnavailableError, match="client cannot be built .*TypeError: Invalid timeout"):
            gateway.complete("hello")
        with pytest.raises(ModelUnavailableError, match="client cannot be built"):
            list(gateway.stream("hello"))
        assert local.completions == 0


def test_the_sql_answer_says_the_configured_model_failed(model_settings, refusing_sdk, demo_duckdb):
    from tradeassist.core.backend import Backend
    from tradeassist.core.jsonform import answer_to_json

    with LlmServer() as local:
        backend = Backend(model_settings(local=local, db_url=str(demo_duckdb)))
        answer = answer_to_json(backend.ask("correlation of AAPL and MSFT daily returns", route="sql"))
    assert "client cannot be built" in (answer["model"]["failed"] or "")
    warnings = [n["message"] for n in answer["notices"] if n["level"] == "warning"]
    assert any("language model did not answer" in message for message in warnings), answer["notices"]


def test_doctor_fails_a_provider_whose_client_cannot_be_built(monkeypatch, refusing_sdk, demo_duckdb):
    from tradeassist.cli.app import app

    with LlmServer(model="local-model") as local:
        monkeypatch.setenv("TRADEASSIST_VLLM_URL", local.root)
        monkeypatch.setenv("TRADEASSIST_VLLM_MODEL", "local-model")
        monkeypatch.setenv("TRADEASSIST_DB_URL", str(demo_duckdb))
        result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1, result.output
    checks = {check["name"]: check for check in json.loads(result.output.strip().splitlines()[-1])}
    assert not checks["vllm"]["ok"] and "cannot be built" in checks["vllm"]["detail"]

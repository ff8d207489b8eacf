"""The gateway against scripted local servers: fallbacks, policy, retries, breaker, caps, streams."""

from __future__ import annotations

import threading
import time

import pytest
from llm_server import LlmServer, Malformed, Reply, Status, closed_port_url

from tradeassist.core.answer import ModelInfo
from tradeassist.core.errors import ModelUnavailableError
from tradeassist.core.gateway import Gateway
from tradeassist.core.gateway.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from tradeassist.core.gateway.policy import Policy
from tradeassist.core.gateway.providers import build_providers


def test_local_answers_first_with_provenance(model_settings):
    with LlmServer([Reply("forty two", tokens_in=30, tokens_out=3)]) as local, LlmServer() as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud))
        result = gateway.complete("what is six times seven?", task="sql")
    assert result.text == "forty two"
    assert isinstance(result.model, ModelInfo)
    assert (result.model.provider, result.model.model) == ("vllm", "local-model")
    assert (result.model.tokens_in, result.model.tokens_out) == (30, 3)
    assert result.model.cost_usd == 0.0 and result.model.latency_ms > 0
    assert cloud.completions == 0
    sent = local.requests[0]["body"]
    assert sent["model"] == "local-model" and sent["messages"][-1]["content"] == "what is six times seven?"


def test_fallback_order_vllm_then_cloud_then_offline(model_settings):
    with LlmServer([Status(503)]) as local, LlmServer([Reply("from the cloud", tokens_in=1000, tokens_out=500)]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud, llm_retries=0))
        result = gateway.complete("hello")
        assert result.model.provider == "openai" and result.text == "from the cloud"
        assert [a.provider for a in result.attempts] == ["vllm", "openai"]
        assert result.model.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
        cloud.script = [Status(503)]
        with pytest.raises(ModelUnavailableError, match="vllm: HTTP 503; openai: HTTP 503"):
            gateway.complete("hello")


def test_connection_refused_falls_over_fast(model_settings):
    with LlmServer([Reply("cloud")]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=closed_port_url(), cloud=cloud))
        started = time.perf_counter()
        result = gateway.complete("hi")
    assert result.model.provider == "openai"
    assert result.attempts[0].detail == "connection failed"
    assert time.perf_counter() - started < 2.0


def test_confidential_never_reaches_cloud(model_settings):
    with LlmServer([Status(503)]) as local, LlmServer([Reply("leak")]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud, llm_retries=0))
        with pytest.raises(ModelUnavailableError):
            gateway.complete("my positions", confidential=True, task="complex")
        with pytest.raises(ModelUnavailableError):
            Gateway.from_settings(model_settings(local=local, cloud=cloud, confidential=True, llm_retries=0)).complete("x")
        with pytest.raises(ModelUnavailableError, match="confidential"):
            Gateway.from_settings(model_settings(cloud=cloud)).stream("x", confidential=True)
    assert cloud.completions == 0 and local.completions == 2


def test_policy_sends_complex_to_cloud_first_and_sql_local_first(model_settings):
    with LlmServer([Reply("local")]) as local, LlmServer([Reply("cloud")]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud))
        assert gateway.complete("why", task="complex").model.provider == "openai"
        assert gateway.complete("sql", task="sql").model.provider == "vllm"
        no_cloud = Gateway.from_settings(model_settings(local=local, cloud=cloud, allow_cloud=False))
        assert [p.name for p in no_cloud.route(task="complex")] == ["vllm"]


@pytest.mark.parametrize("fault", [Status(429), Status(503), Malformed()], ids=["429", "503", "malformed"])
def test_retries_are_bounded_by_one_layer(model_settings, fault):
    with LlmServer([fault]) as local, LlmServer([Reply("cloud")]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud, llm_retries=2))
        result = gateway.complete("hi")
    assert result.model.provider == "openai"
    assert local.completions == 3  # retries + 1, no retries hidden in the client
    assert cloud.completions == 1


def test_retry_then_success_and_retry_after(model_settings):
    with LlmServer([Status(429, retry_after=0.05), Reply("second time")]) as local:
        gateway = Gateway.from_settings(model_settings(local=local, llm_retries=1))
        result = gateway.complete("hi")
    assert result.text == "second time" and local.completions == 2
    assert [a.outcome for a in result.attempts] == ["error", "ok"]


def test_slow_first_token_times_out_and_fails_over(model_settings):
    with LlmServer([Reply("late", first_delay_s=3.0)]) as local, LlmServer([Reply("cloud")]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud, llm_timeout_s=0.5,
                                                       llm_first_token_timeout_s=0.5))
        for provider in gateway.providers:  # build the clients outside the timed calls
            provider.chat(), provider.chat(streaming=True)
        result = gateway.complete("hi")
        assert result.model.provider == "openai" and local.completions == 1  # timeouts are not retried
        assert result.attempts[0].detail == "timed out" and result.attempts[0].ms < 2500  # not the 3 s delay
        stream = gateway.stream("hi")
        assert "".join(stream) == "cloud" and local.completions == 2
        assert [a.outcome for a in stream.attempts] == ["error", "ok"] and stream.attempts[0].detail == "timed out"


def test_breaker_opens_and_recovers(model_settings):
    with LlmServer([Status(503)]) as local, LlmServer([Reply("cloud")]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud, llm_retries=0,
                                                       llm_breaker_failures=2, llm_breaker_cooldown_s=0.3))
        for _ in range(4):
            assert gateway.complete("hi").model.provider == "openai"
        assert local.completions == 2  # open after two failures: later calls skip the local server
        assert gateway.providers[0].breaker.state == OPEN
        local.script = [Reply("local again")]
        time.sleep(0.35)
        assert gateway.complete("hi").model.provider == "vllm"  # the half-open probe succeeded
        assert gateway.providers[0].breaker.state == CLOSED


def test_breaker_half_open_lets_one_probe():
    now = [0.0]
    breaker = CircuitBreaker(failures=1, cooldown_s=10, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.state == OPEN and not breaker.allow()
    now[0] = 10.0
    assert breaker.state == HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one probe only
    breaker.record_failure()
    assert breaker.state == OPEN
    now[0] = 20.0
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == CLOSED and breaker.allow()


def test_concurrency_cap_holds_and_overflow_fails_over(model_settings):
    with LlmServer([Reply("slow", first_delay_s=0.4)]) as local, LlmServer([Reply("cloud")]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud, llm_local_concurrency=2,
                                                       llm_queue_timeout_s=0.05))
        providers: list[str] = []

        def ask():
            providers.append(gateway.complete("hi").model.provider)

        threads = [threading.Thread(target=ask) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert gateway.providers[0].limit.peak == 2
    assert providers.count("vllm") == 2 and providers.count("openai") == 3
    assert local.completions == 2


def test_stream_yields_pieces_and_usage(model_settings):
    with LlmServer([Reply("one two three four", tokens_in=7, tokens_out=4)]) as local:
        stream = Gateway.from_settings(model_settings(local=local)).stream([("system", "be brief"), ("user", "count")])
        assert list(stream) == ["one", " two", " three", " four"]
    assert stream.model.provider == "vllm" and (stream.model.tokens_in, stream.model.tokens_out) == (7, 4)
    assert local.requests[0]["body"]["stream"] is True


def test_cancelled_stream_closes_the_connection(model_settings):
    words = " ".join(f"w{i}" for i in range(200))
    with LlmServer([Reply(words, chunk_delay_s=0.01)]) as local:
        gateway = Gateway.from_settings(model_settings(local=local))
        with gateway.stream("talk") as stream:
            for index, _piece in enumerate(stream):
                if index == 2:
                    stream.cancel()
        deadline = time.time() + 3
        while not local.disconnects and time.time() < deadline:
            time.sleep(0.02)
        assert local.disconnects == 1 and local.finished_streams == 0
        assert local.chunks_sent[0] < 50
        assert stream.attempts[-1].outcome == "cancelled"


def test_stream_fails_over_before_first_piece_and_reports_a_cut(model_settings):
    with LlmServer([Status(503)]) as local, LlmServer([Reply("a b c d e f", cut_after=2)]) as cloud:
        gateway = Gateway.from_settings(model_settings(local=local, cloud=cloud, llm_retries=0))
        received: list[str] = []
        with pytest.raises(ModelUnavailableError, match="stopped halfway"):
            for piece in gateway.stream("hi"):
                received.append(piece)
        assert received == ["a", " b"] and cloud.completions == 1
        cloud.script = [Reply("whole answer")]
        assert "".join(gateway.stream("hi")) == "whole answer"


def test_anthropic_provider_through_its_client(settings):
    with LlmServer([Reply("claude says hi", tokens_in=5, tokens_out=4)]) as server:
        gateway = Gateway.from_settings(settings.model_copy(update=dict(
            anthropic_api_key="sk-ant-test", anthropic_base_url=server.root, anthropic_model="claude-haiku-4-5")))
        result = gateway.complete("hi")
    assert result.text == "claude says hi" and result.model.provider == "anthropic"
    headers = server.requests[0]["headers"]
    assert server.requests[0]["path"] == "/v1/messages" and "sk-ant-test" in (headers.get("x-api-key", "")
                                                                               + headers.get("authorization", ""))
    assert result.model.cost_usd == pytest.approx((5 * 1.0 + 4 * 5.0) / 1e6)


def test_offline_settings_have_no_providers(settings):
    assert build_providers(settings) == []
    assert build_providers(settings.model_copy(update=dict(vllm_url="http://x", offline_only=True))) == []
    with pytest.raises(ModelUnavailableError, match="No language model is configured"):
        Gateway.from_settings(settings).complete("hi")


def test_policy_rejects_unknown_task():
    from tradeassist.core.errors import BadInputError

    with pytest.raises(BadInputError, match="Unknown model task"):
        Policy().order([], task="poetry")


def test_in_process_engine_only_with_vllm_and_a_gpu(settings):
    import importlib.util

    from tradeassist.core.errors import ConfigError
    from tradeassist.core.gateway.engine import InProcessVllmChat

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed here; the engine is exercised by tests/gpu")
    assert build_providers(settings.model_copy(update={"vllm_engine_model": "/models/tiny"})) == []
    with pytest.raises(ConfigError, match="gpu extra"):
        InProcessVllmChat.shared("/models/tiny").invoke("hi")


def test_async_stream_and_task_cancellation(model_settings):
    import asyncio

    words = " ".join(f"w{i}" for i in range(200))
    with LlmServer([Status(503), Reply(words, chunk_delay_s=0.01)]) as local:
        gateway = Gateway.from_settings(model_settings(local=local, llm_retries=0))

        async def consume(stream, seen):
            async for piece in stream:
                seen.append(piece)

        async def scenario():
            failed_over = gateway.stream("hi")  # no cloud configured: the 503 leaves no provider
            with pytest.raises(ModelUnavailableError):
                await consume(failed_over, [])
            seen: list[str] = []
            stream = gateway.stream("talk")
            task = asyncio.create_task(consume(stream, seen))
            while len(seen) < 3:
                await asyncio.sleep(0.005)
            task.cancel()  # the person pressed stop, or the browser went away
            with pytest.raises(asyncio.CancelledError):
                await task
            return stream, seen

        stream, seen = asyncio.run(scenario())
        deadline = time.time() + 3
        while not local.disconnects and time.time() < deadline:
            time.sleep(0.02)
    assert local.disconnects == 1 and local.finished_streams == 0 and local.chunks_sent[-1] < 60
    assert stream.attempts[-1].outcome == "cancelled" and gateway.providers[0].limit.in_flight == 0


def test_conversation_window_is_bounded():
    from tradeassist.core.answer import Answer, Text
    from tradeassist.core.gateway import conversation_window
    from tradeassist.core.question import Question

    question = Question("q1")
    for index in range(2, 7):
        question = question.follow_up(f"q{index}", Answer("sql", (Text("a" * 50),)))
    window = conversation_window(question, max_turns=3)
    assert [text for role, text in window if role == "user"] == ["q3", "q4", "q5"]
    assert len(conversation_window(question, max_turns=3, max_chars=120)) == 4  # the two newest turns fit


def test_prices_from_yaml_and_settings(settings, tmp_path):
    from tradeassist.core.errors import ConfigError

    prices = tmp_path / "prices.yaml"
    prices.write_text("gpt-4o-mini: [1.0, 2.0]\nlocal-model: [0.5, 0.5]\n")
    configured = settings.model_copy(update=dict(vllm_url="http://127.0.0.1:9", vllm_model="local-model",
                                                 openai_api_key="sk", model_prices_file=prices,
                                                 model_prices={"gpt-4o-mini": [3.0, 4.0]}))
    local, cloud = build_providers(configured)
    assert (local.price_in, local.price_out) == (0.5, 0.5)  # a local model may carry a price (power, GPU time)
    assert (cloud.price_in, cloud.price_out) == (3.0, 4.0)  # the setting wins over the file
    assert cloud.cost(1_000_000, 500_000) == pytest.approx(5.0)
    prices.write_text("- not a mapping\n")
    with pytest.raises(ConfigError, match="must map model names"):
        build_providers(configured)
    prices.write_text("gpt-4o-mini: [1.0]\n")
    with pytest.raises(ConfigError, match="two numbers"):
        build_providers(configured.model_copy(update={"model_prices": {}}))

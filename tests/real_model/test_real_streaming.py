"""Real tokens through the gateway: the sync stream, the async stream, whole answers, cancellation."""

from __future__ import annotations

import asyncio
import time

import pytest

from tradeassist.core.gateway import Gateway

pytestmark = pytest.mark.real_model

COUNT = [("user", "Count from one to twenty in words, separated by commas.")]
STORY = [("user", "Write a long story about a stock trader in Tokyo, with many details about every day of "
                  "her week.")]


def test_sync_stream_hands_over_real_tokens_as_they_are_written(real_settings, llama_server):
    gateway = Gateway.from_settings(real_settings())
    arrivals: list[tuple[float, str]] = []
    started = time.perf_counter()
    with gateway.stream(COUNT) as stream:
        for piece in stream:
            arrivals.append((time.perf_counter() - started, piece))
    text = "".join(piece for _at, piece in arrivals)
    assert len(arrivals) >= 8 and text == stream.text and text.strip()
    assert arrivals[-1][0] - arrivals[0][0] > 0.05  # pieces arrive over time, not as one block
    assert not any(marker in text for marker in ("<|im_start|>", "<|im_end|>", "<|endoftext|>"))
    assert stream.model.provider == "local" and stream.model.method == "llm"
    assert stream.model.model == llama_server.model.name  # who wrote it: the served model, not "default"
    assert stream.attempts[-1].outcome == "ok" and 0 < stream.model.tokens_out <= 48


def test_async_stream_and_whole_answer_report_the_servers_usage(real_settings):
    gateway = Gateway.from_settings(real_settings(llm_max_tokens=16))

    async def collect() -> list[str]:
        stream = gateway.stream(COUNT)
        return [piece async for piece in stream]

    pieces = asyncio.run(collect())
    assert len(pieces) >= 4 and "".join(pieces).strip()
    whole = gateway.complete(COUNT, task="simple")
    assert whole.text.strip() and whole.model.provider == "local"
    # The server's own token counts (the chat template adds tokens beyond the words sent).
    assert whole.model.tokens_in > 15 and 0 < whole.model.tokens_out <= 16


def test_a_cancelled_stream_stops_the_servers_generation(real_settings, llama_server):
    gateway = Gateway.from_settings(real_settings(llm_max_tokens=1500))
    busy = []
    with gateway.stream(STORY) as stream:
        for index, _piece in enumerate(stream):
            if index == 2:
                mark = (time.perf_counter(), llama_server.cpu_seconds())
            if index == 22:
                busy.append((llama_server.cpu_seconds() - mark[1]) / (time.perf_counter() - mark[0]))
                stream.cancel()  # what the chat's stop button does
    cancelled_at = time.perf_counter()
    assert stream.attempts[-1].outcome == "cancelled" and len(stream.text) > 0
    time.sleep(0.5)  # the server notices the closed connection at its next token
    before, started = llama_server.cpu_seconds(), time.perf_counter()
    time.sleep(1.5)
    idle = (llama_server.cpu_seconds() - before) / (time.perf_counter() - started)
    # Relative to its own rate while writing: on a shared machine that rate may be a fraction of a core.
    assert busy[0] > 0.05, f"generation should use the CPU (measured {busy[0]:.2f} CPU-s/s)"
    assert idle < min(0.05, busy[0] / 3), f"the server kept generating after the client left ({idle:.2f} " \
        f"CPU-s/s after, {busy[0]:.2f} while writing)"
    # The next request is served soon: the rest of the 1,500-token story is not being written first.
    reply = Gateway.from_settings(real_settings(llm_max_tokens=4)).complete("Say OK.")
    assert reply.text.strip() and time.perf_counter() - cancelled_at < 30

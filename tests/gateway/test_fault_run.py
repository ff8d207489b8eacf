"""A fault-injection run: every question is answered (by a model or offline), p95 <= 10 s, no nested retries."""

from __future__ import annotations

import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from llm_server import LlmServer, Malformed, Reply, Status

from tradeassist.core.errors import ModelUnavailableError
from tradeassist.core.gateway import Gateway


def _faulty(seed: int):
    rng = random.Random(seed)
    faults = [Reply("fine"), Reply("fine"), Status(429), Status(503), Malformed(),
              Reply("late", first_delay_s=1.2), Reply("fine", chunk_delay_s=0.01)]

    def step(_body):
        return rng.choice(faults)

    return step


def test_every_question_answered_under_faults(model_settings):
    retries = 1
    with LlmServer(_faulty(1)) as local, LlmServer(_faulty(2)) as cloud:
        settings = model_settings(local=local, cloud=cloud, llm_retries=retries, llm_timeout_s=1.0,
                                  llm_first_token_timeout_s=1.0, llm_breaker_failures=50)
        gateway = Gateway.from_settings(settings)
        per_question: list[tuple[str, float, int, int]] = []

        def ask(index: int) -> None:
            before_local, before_cloud = local.completions, cloud.completions
            started = time.perf_counter()
            try:
                result = gateway.complete(f"question {index}", task="simple")
                how = result.model.provider
                tries = {p: sum(1 for a in result.attempts if a.provider == p) for p in ("vllm", "openai")}
            except ModelUnavailableError as exc:
                how, tries = "offline", {"vllm": str(exc).count("vllm:"), "openai": str(exc).count("openai:")}
            per_question.append((how, time.perf_counter() - started, tries["vllm"], tries["openai"]))
            assert local.completions - before_local >= 0 and cloud.completions - before_cloud >= 0

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(ask, range(40)))
    latencies = sorted(seconds for _how, seconds, _l, _c in per_question)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    assert len(per_question) == 40  # every question got an answer: a model's or the offline notice
    assert p95 <= 10.0, p95
    assert all(l <= retries + 1 and c <= retries + 1 for _how, _s, l, c in per_question)  # no nested retries
    for server in (local, cloud):  # the servers' own count per question agrees: no hidden client retries
        seen: dict[str, int] = {}
        for request in server.requests:
            text = request["body"]["messages"][-1]["content"]
            seen[text] = seen.get(text, 0) + 1
        assert max(seen.values()) <= retries + 1, seen
    assert local.completions + cloud.completions <= 40 * 2 * (retries + 1)
    providers = {how for how, *_ in per_question}
    assert "vllm" in providers and len(providers) >= 2, providers
    print(f"fault run: {len(per_question)} questions, p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
          f"answered by {sorted(providers)}")

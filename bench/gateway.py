"""Model gateway benchmark: its overhead beyond the bare client, failover time, and a fault run.

Run: ``.venv/bin/python bench/gateway.py [--repeat 200] [--questions 100]``

Everything runs in one process against the scripted OpenAI-compatible server of the tests
(``tests/gateway/llm_server.py``) on loopback, so the model's own time is ~0 and what is left is
client, HTTP and gateway cost:

* anchor: ``ChatOpenAI.invoke`` built exactly as the gateway builds it (``max_retries=0``), direct;
* ``Gateway.complete`` with that one provider: the overhead is the median of paired differences;
* failover: the first provider refuses connections / answers 503 / has an open breaker; the time
  to an answer from the second provider, beside the anchor (a direct call to that provider);
* a fault run: questions under random 429, 503, malformed JSON and slow first tokens, four at a
  time; p50/p95 per question, who answered, and the most upstream calls one provider got for one question;
* a real small model: llama.cpp's server with SmolLM2-135M-Instruct (the ``local-llm`` extra) beside
  the scripted server, both streamed through the gateway: time to the first token and tokens/s,
  with a direct ``ChatOpenAI.stream`` to the real server as the anchor for the gateway's share.

Figures are medians over ``--repeat`` runs, measurements interleaved so all see the same load.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "gateway"))

from llm_server import LlmServer, Malformed, Reply, Status, closed_port_url  # noqa: E402

from tradeassist.core.errors import ModelUnavailableError  # noqa: E402
from tradeassist.core.gateway import Gateway  # noqa: E402
from tradeassist.core.settings import Settings  # noqa: E402


def settings_for(local: str | None, cloud: str | None, **changes) -> Settings:
    """Settings whose providers are the given local and cloud URLs."""
    values: dict = dict(home=Path(os.environ.get("TMPDIR", "/tmp")) / "bench-gateway", llm_first_token_timeout_s=2.0,
                        llm_timeout_s=5.0, llm_retries=0)
    if local:
        values.update(vllm_url=local, vllm_model="local-model")
    if cloud:
        values.update(openai_api_key="sk-bench", openai_base_url=cloud, openai_model="gpt-4o-mini")
    values.update(changes)
    return Settings(**values)


def paired(actions: list, repeat: int) -> list[list[float]]:
    """Wall times (ms) of each action, run in turn ``repeat`` times after one warm-up each."""
    for action in actions:
        action()
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for index, action in enumerate(actions):
            started = time.perf_counter()
            action()
            samples[index].append((time.perf_counter() - started) * 1000)
    return samples


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def overhead(repeat: int) -> list[tuple[str, float, str]]:
    """Gateway vs the bare client against the same server."""
    rows = []
    with LlmServer([Reply("the answer is 42")]) as server:
        gateway = Gateway.from_settings(settings_for(server.url, None))
        provider = gateway.providers[0]
        direct = provider.chat()  # the very client the gateway uses

        anchor, through = paired([lambda: direct.invoke([("user", "q")]),
                                  lambda: gateway.complete([("user", "q")])], repeat)
    differences = [b - a for a, b in zip(anchor, through)]
    rows.append(("anchor: ChatOpenAI.invoke direct, p50", statistics.median(anchor), "ms"))
    rows.append(("Gateway.complete (1 provider), p50", statistics.median(through), "ms"))
    rows.append(("gateway overhead, p50 of paired differences", statistics.median(differences), "ms"))
    rows.append(("gateway overhead, p95 of paired differences", percentile(differences, 0.95), "ms"))
    return rows


def failover(repeat: int) -> list[tuple[str, float, str]]:
    """Time to an answer when the first provider is down, beside a direct call to the second."""
    rows = []
    with LlmServer([Reply("cloud answer")]) as cloud, LlmServer([Status(503)]) as failing:
        refused = Gateway.from_settings(settings_for(closed_port_url(), cloud.url))
        erroring = Gateway.from_settings(settings_for(failing.url, cloud.url, llm_breaker_failures=10**9))
        opened = Gateway.from_settings(settings_for(closed_port_url(), cloud.url, llm_breaker_failures=1,
                                                    llm_breaker_cooldown_s=3600))
        opened.complete("open the breaker")
        direct = refused.providers[1].chat()
        anchor, refused_ms, erroring_ms, open_ms = paired([
            lambda: direct.invoke([("user", "q")]),
            lambda: refused.complete("q"),
            lambda: erroring.complete("q"),
            lambda: opened.complete("q"),
        ], repeat)
    rows.append(("anchor: direct call to the second provider, p50", statistics.median(anchor), "ms"))
    rows.append(("failover, first refuses connections, p50", statistics.median(refused_ms), "ms"))
    rows.append(("failover, first answers 503 (no retry), p50", statistics.median(erroring_ms), "ms"))
    rows.append(("failover, first's breaker open, p50", statistics.median(open_ms), "ms"))
    return rows


def fault_run(questions: int, seed: int = 7) -> list[tuple[str, float, str]]:
    """Questions under random faults; every one answered by a model or reported for offline."""
    rng = random.Random(seed)
    lock = __import__("threading").Lock()
    faults = [Reply("fine"), Reply("fine"), Status(429), Status(503), Malformed(), Reply("late", first_delay_s=1.2)]

    def step(_body):
        with lock:
            return rng.choice(faults)

    latencies: list[float] = []
    answered: dict[str, int] = {}
    worst = 0
    retries = 1
    with LlmServer(step) as local, LlmServer(step) as cloud:
        gateway = Gateway.from_settings(settings_for(local.url, cloud.url, llm_retries=retries, llm_timeout_s=1.0,
                                                     llm_first_token_timeout_s=1.0, llm_breaker_failures=10**9))

        def ask(index: int) -> None:
            nonlocal worst
            started = time.perf_counter()
            try:
                result = gateway.complete(f"question {index}")
                who, attempts = result.model.provider, result.attempts
                per = max(sum(1 for a in attempts if a.provider == p.name) for p in gateway.providers)
            except ModelUnavailableError as exc:
                who = "offline"
                per = max(str(exc).count(f"{p.name}:") for p in gateway.providers)
            with lock:
                latencies.append(time.perf_counter() - started)
                answered[who] = answered.get(who, 0) + 1
                worst = max(worst, per)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(ask, range(questions)))
    rows = [(f"fault run: questions answered (of {questions})", float(len(latencies)), ""),
            ("fault run: p50 per question", statistics.median(latencies), "s"),
            ("fault run: p95 per question (target <= 10 s)", percentile(latencies, 0.95), "s"),
            (f"fault run: most upstream calls to one provider per question (retries={retries})", float(worst), "")]
    rows += [(f"fault run: answered by {who}", float(count), "") for who, count in sorted(answered.items())]
    return rows


def timed_stream(pieces) -> tuple[float, float, int]:
    """(ms to the first text piece, tokens/s after it, output tokens) of one streamed answer."""
    started = time.perf_counter()
    first = last = None
    tokens = count = 0
    for chunk in pieces:
        text = getattr(chunk, "content", chunk)
        usage = getattr(chunk, "usage_metadata", None) or {}
        tokens = max(tokens, int(usage.get("output_tokens") or 0))
        if text:
            now = time.perf_counter()
            first = first or now
            last = now
            count += 1
    tokens = tokens or count
    rate = (tokens - 1) / (last - first) if first and last and last > first else 0.0
    return ((first or time.perf_counter()) - started) * 1000, rate, tokens


def real_model(repeat: int) -> list[tuple[str, float, str]]:
    """The real local server beside the scripted one: first-token latency and tokens/s."""
    from tradeassist.core.gateway.local_server import LlamaCppServer, bundled_gguf, server_missing_reason

    reason = server_missing_reason()
    if reason is not None or repeat <= 0:
        print(f"real model: skipped ({reason or '--real-repeat 0'})")
        return []
    prompt = "Write a short story about a stock trader in Tokyo."
    rows = []
    with LlmServer([Reply(" ".join(f"w{i}" for i in range(64)))]) as scripted, \
            LlamaCppServer(bundled_gguf(), n_ctx=2048) as server:
        fake = Gateway.from_settings(settings_for(scripted.url, None, llm_max_tokens=64))
        real = Gateway.from_settings(settings_for(None, None, local_url=server.url, llm_max_tokens=64,
                                                  llm_first_token_timeout_s=120, llm_timeout_s=300))
        direct = real.providers[0].chat(streaming=True)
        samples: dict[str, list[tuple[float, float, int]]] = {"scripted": [], "direct": [], "gateway": []}
        for index in range(repeat):
            # A new opening for every call: llama.cpp's prefix cache would otherwise skip the prompt
            # of the second path, which then would not pay the prompt's evaluation.
            samples["scripted"].append(timed_stream(fake.stream([("user", f"(s{index}) {prompt}")])))
            samples["direct"].append(timed_stream(direct.stream([("user", f"(d{index}) {prompt}")])))
            samples["gateway"].append(timed_stream(real.stream([("user", f"(g{index}) {prompt}")])))
    model = Path(server.model).name
    rows.append(("anchor: scripted server via gateway, first token p50",
                 statistics.median(s[0] for s in samples["scripted"]), "ms"))
    rows.append((f"anchor: ChatOpenAI.stream direct to llama.cpp ({model}), first token p50",
                 statistics.median(s[0] for s in samples["direct"]), "ms"))
    rows.append(("llama.cpp via gateway, first token p50", statistics.median(s[0] for s in samples["gateway"]), "ms"))
    rows.append(("anchor: ChatOpenAI.stream direct to llama.cpp, tokens/s p50",
                 statistics.median(s[1] for s in samples["direct"]), "tok/s"))
    rows.append(("llama.cpp via gateway, tokens/s p50", statistics.median(s[1] for s in samples["gateway"]), "tok/s"))
    rows.append(("llama.cpp via gateway, output tokens per answer p50",
                 float(statistics.median(s[2] for s in samples["gateway"])), ""))
    return rows


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--real-repeat", type=int, default=5, help="answers from the real local model (0: skip)")
    parser.add_argument("--only-real", action="store_true", help="run only the real-model section")
    args = parser.parse_args()
    rows = [] if args.only_real else \
        overhead(args.repeat) + failover(max(20, args.repeat // 4)) + fault_run(args.questions)
    rows += real_model(args.real_repeat)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    width = max(len(name) for name, _value, _unit in rows)
    print(f"{'measure':<{width}}  value")
    for name, value, unit in rows:
        shown = f"{value:.0f}" if unit == "" else f"{value:.1f} {unit}" if unit == "tok/s" else f"{value:.2f} {unit}"
        print(f"{name:<{width}}  {shown}")


if __name__ == "__main__":
    main()

"""Load on the chat server: 50 concurrent clients over the websocket chat and over /api/ask.

Starts ``tradeassist chat`` on a free loopback port (temporary home, demo database, offline
methods only), then asks the same offline SQL questions three ways and prints p50/p95 latency
and errors for each:

- anchor: the backend in this process (``Backend(settings).ask``), one question at a time;
- websocket: N browser-like sessions (Chainlit's Socket.IO protocol) asking concurrently;
- api: N clients posting to ``/api/ask`` concurrently (httpx, bearer token).

Usage: ``python bench/chat_load.py [--clients 50] [--rounds 4]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

#: Offline SQL questions of the kinds people ask in the chat (prices, volumes, trades, positions).
QUESTIONS = (
    "What was the latest close of AAPL?",
    "Average daily volume of MSFT over the last 30 days",
    "Highest close of NVDA this year",
    "Total traded quantity by desk last month",
    "Number of cancelled orders per account",
    "Daily close of TSLA over the last 3 months",
    "Top 5 symbols by total trade notional last quarter",
    "Current positions of account 3",
)
PASSWORD = "bench password 123"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str, str]:
    """Start the chat server with a bench user; returns (process, url, API token)."""
    cli = str(Path(sys.executable).with_name("tradeassist"))
    subprocess.run([cli, "users", "add", "bench", "--password-stdin"], input=PASSWORD + "\n", env=env,
                   check=True, capture_output=True, text=True)
    token = subprocess.run([cli, "users", "token", "bench"], env=env, check=True, capture_output=True,
                           text=True).stdout.strip()
    port = _free_port()
    log = (home / "chat.log").open("wb")
    process = subprocess.Popen([cli, "chat", "--host", "127.0.0.1", "--port", str(port), "--headless"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"chat server exited; see {home / 'chat.log'}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return process, url, token
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("chat server did not start in 120 s")


def anchor(settings, rounds: int) -> tuple[list[float], int]:
    """The same questions answered by the backend in this process, one at a time."""
    from tradeassist.core.backend import Backend
    from tradeassist.core.question import Question

    backend = Backend(settings)
    for question in QUESTIONS:  # warm-up: catalogs, value indexes, connections
        backend.ask_safely(Question(question))
    latencies, errors = [], 0
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            answer = backend.ask_safely(Question(question))
            latencies.append(time.perf_counter() - started)
            errors += answer.error is not None
    return latencies, errors


async def websocket_load(url: str, clients: int, rounds: int) -> tuple[list[float], int]:
    """``clients`` chat sessions asking ``rounds`` questions each, all at once."""
    from tradeassist.chat.wsclient import ChatClient, login_cookie

    cookie = await login_cookie(url, "bench", PASSWORD)
    sessions = [ChatClient(url, cookie) for _ in range(clients)]
    await asyncio.gather(*(s.connect() for s in sessions))
    latencies: list[float] = []
    errors = 0

    async def run(index: int, session) -> None:
        nonlocal errors
        for round_ in range(rounds):
            question = QUESTIONS[(index + round_) % len(QUESTIONS)]
            try:
                reply = await session.ask(question, timeout=120)
                latencies.append(reply.seconds)
                failed = any(m.get("isError") for m in reply.messages) or "could not answer" in reply.text
                errors += failed
            except Exception:  # a timeout or a dropped socket counts as an error
                errors += 1

    await asyncio.gather(*(run(i, s) for i, s in enumerate(sessions)))
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return latencies, errors


async def api_load(url: str, token: str, clients: int, rounds: int) -> tuple[list[float], int]:
    """``clients`` HTTP clients posting ``rounds`` questions each to /api/ask, all at once."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits,
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        async def run(index: int) -> None:
            nonlocal errors
            for round_ in range(rounds):
                question = QUESTIONS[(index + round_) % len(QUESTIONS)]
                started = time.perf_counter()
                try:
                    response = await http.post("/api/ask", json={"question": question, "model": "offline"})
                    latencies.append(time.perf_counter() - started)
                    errors += response.status_code != 200 or response.json().get("error") is not None
                except httpx.HTTPError:
                    errors += 1

        await asyncio.gather(*(run(i) for i in range(clients)))
    return latencies, errors


def row(name: str, latencies: list[float], errors: int, wall: float) -> str:
    """One line of the results table (milliseconds)."""
    ms = [v * 1000 for v in latencies]
    rate = len(latencies) / wall if wall else float("nan")
    return (f"| {name:<26} | {len(latencies):>5} | {errors:>6} | "
            f"{statistics.median(ms) if ms else float('nan'):>8.1f} | {percentile(ms, 95):>8.1f} | "
            f"{max(ms) if ms else float('nan'):>8.1f} | {rate:>6.1f} |")


def main() -> None:
    """Run the three measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    from tradeassist.core.settings import Settings
    from tradeassist.sql.demo.build import build_demo

    today = dt.date(2026, 11, 20)
    with tempfile.TemporaryDirectory(prefix="tradeassist-chat-bench-") as tmp:
        home = Path(tmp)
        db = home / "demo.duckdb"
        build_demo(db, today=today, scale=1)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEASSIST_")}
        env.update(TRADEASSIST_HOME=str(home), TRADEASSIST_TODAY=today.isoformat(), TRADEASSIST_DB_URL=str(db),
                   TRADEASSIST_OFFLINE_ONLY="true", TRADEASSIST_API_RATE_PER_MINUTE="1000000",
                   TRADEASSIST_API_BURST="100000", DO_NOT_TRACK="true", HF_HUB_OFFLINE="1")
        settings = Settings(home=home, today=today, db_url=str(db), offline_only=True)

        print("measuring the in-process anchor...", file=sys.stderr)
        started = time.perf_counter()
        anchor_lat, anchor_err = anchor(settings, args.rounds)
        anchor_wall = time.perf_counter() - started

        process, url, token = start_server(home, env)
        try:
            # Warm the server's backend once (catalog, value index) before measuring.
            httpx.post(url + "/api/ask", json={"question": QUESTIONS[0]}, timeout=120,
                       headers={"Authorization": f"Bearer {token}"})
            print(f"{args.clients} websocket sessions...", file=sys.stderr)
            started = time.perf_counter()
            ws_lat, ws_err = asyncio.run(websocket_load(url, args.clients, args.rounds))
            ws_wall = time.perf_counter() - started
            print(f"{args.clients} API clients...", file=sys.stderr)
            started = time.perf_counter()
            api_lat, api_err = asyncio.run(api_load(url, token, args.clients, args.rounds))
            api_wall = time.perf_counter() - started
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:  # open websockets can hold a graceful shutdown
                process.kill()
                process.wait()

    print(f"chat load: {args.clients} concurrent clients x {args.rounds} questions, {len(QUESTIONS)} distinct "
          f"offline SQL questions; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print("| path                       |     n | errors | p50 (ms) | p95 (ms) | max (ms) | req/s  |")
    print("|----------------------------|-------|--------|----------|----------|----------|--------|")
    print(row("anchor: backend in-process", anchor_lat, anchor_err, anchor_wall))
    print(row(f"websocket chat ({args.clients} conc.)", ws_lat, ws_err, ws_wall))
    print(row(f"/api/ask ({args.clients} conc.)", api_lat, api_err, api_wall))


if __name__ == "__main__":
    main()

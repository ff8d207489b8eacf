"""Benchmark of the Jupyter front end: ``%ask`` overhead and TradeAssist-kernel round trips.

Figures (medians over repeated offline SQL questions on the demo database), each beside its anchor:

- ``%ask`` overhead: the magic's own time (option parsing, ``{var}`` expansion, the Question with its
  conversation, the NotebookAnswer) = the magic's wall time minus the backend call inside it;
  anchor: the same question through ``Backend.ask`` directly.
- rendering: building the display outputs (HTML table, Markdown, Plotly JSON) of that answer.
- kernel round trip: ``execute_request`` -> reply for the question in the TradeAssist kernel through
  jupyter_client; anchors: a ``%python 1`` round trip (messaging only) and the in-process backend.

Run: ``.venv/bin/python bench/notebook.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TODAY = dt.date(2026, 11, 20)
QUESTIONS = (
    "Show NVDA closing prices over the last 90 days",
    "top 5 symbols by total volume over the last 30 days",
    "average close of AAPL by month over the last 6 months",
)


def median_ms(samples: list[float]) -> float:
    """The median of samples in seconds, as milliseconds."""
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    """The 90th percentile of samples in seconds, as milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))] * 1000


class TimedSource:
    """Wraps the in-process source to record how long each backend call took."""

    def __init__(self, inner):
        self.inner = inner
        self.last_s = 0.0

    def ask(self, question):
        started = time.perf_counter()
        try:
            return self.inner.ask(question)
        finally:
            self.last_s = time.perf_counter() - started


def bench_magic(settings, repeat: int) -> dict[str, list[float]]:
    """Times Backend.ask, the %ask magic (minus its backend call) and rendering."""
    from IPython.core.interactiveshell import InteractiveShell

    from tradeassist.core.backend import Backend
    from tradeassist.core.question import Question
    from tradeassist.kernels.display import answer_bundles
    from tradeassist.kernels.extension import load_ipython_extension
    from tradeassist.kernels.session import LocalSource, NotebookSession

    backend = Backend(settings)
    timed = TimedSource(LocalSource(settings, backend))
    session = NotebookSession(settings, source=timed)
    shell = InteractiveShell.instance()
    load_ipython_extension(shell, session)
    shell.user_ns["days"] = 90
    for question in QUESTIONS:  # warm up: imports, catalog, first connection
        backend.ask(Question(question))
        shell.run_line_magic("ask", f"--new {question}")
    direct, overhead, render, magic_total = [], [], [], []
    for _ in range(repeat):
        for question in QUESTIONS:
            started = time.perf_counter()
            backend.ask(Question(question))
            direct.append(time.perf_counter() - started)

            started = time.perf_counter()
            result = shell.run_line_magic("ask", f"--new -o bench_answer {question}")
            total = time.perf_counter() - started
            magic_total.append(total)
            overhead.append(total - timed.last_s)

            started = time.perf_counter()
            answer_bundles(result.answer)
            render.append(time.perf_counter() - started)
            assert result.error is None, result.error
    return {"direct": direct, "overhead": overhead, "render": render, "magic": magic_total}


def bench_kernel(env: dict[str, str], repeat: int) -> dict[str, list[float]]:
    """Round trips of the TradeAssist kernel (question and %python 1) through jupyter_client."""
    from jupyter_client.manager import start_new_kernel

    from tradeassist.kernels.kernelspec import install

    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["JUPYTER_DATA_DIR"] = data_dir
        install(user=True)
        started = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="tradeassist", env=env)
        start_s = time.perf_counter() - started
        try:
            for question in QUESTIONS:  # warm up the kernel's backend
                client.execute_interactive(question, timeout=120, output_hook=lambda msg: None)
            noop, ask = [], []
            for _ in range(repeat):
                for question in QUESTIONS:
                    started = time.perf_counter()
                    client.execute_interactive("%python 1", timeout=60, output_hook=lambda msg: None)
                    noop.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    reply = client.execute_interactive(question, timeout=120, output_hook=lambda msg: None)
                    ask.append(time.perf_counter() - started)
                    assert reply["content"]["status"] == "ok"
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    return {"noop": noop, "ask": ask, "start": [start_s]}


def main() -> None:
    """Build the demo database, run both benchmarks, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="Rounds over the questions (default 10).")
    args = parser.parse_args()

    from tradeassist.core.settings import Settings
    from tradeassist.sql.demo.build import build_demo

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        db = Path(folder) / "demo.duckdb"
        build_demo(db, today=TODAY, scale=1)
        settings = Settings(home=home, db_url=str(db), today=TODAY, offline_only=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEASSIST_")}
        env.update(TRADEASSIST_HOME=str(home), TRADEASSIST_DB_URL=str(db), TRADEASSIST_TODAY=TODAY.isoformat(),
                   TRADEASSIST_OFFLINE_ONLY="true")
        magic = bench_magic(settings, args.repeat)
        kernel = bench_kernel(env, args.repeat)

    n = len(magic["direct"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, load avg {load:.1f}; "
          f"python {platform.python_version()}; {n} offline SQL questions per figure, demo database")
    rows = [
        ("anchor: Backend.ask directly", magic["direct"]),
        ("%ask magic, total", magic["magic"]),
        ("%ask overhead (total - backend call)", magic["overhead"]),
        ("render outputs (HTML, Markdown, Plotly JSON)", magic["render"]),
        ("anchor: kernel round trip, %python 1", kernel["noop"]),
        ("kernel round trip, offline SQL question", kernel["ask"]),
    ]
    print(f"{'figure':<48} {'p50 ms':>9} {'p90 ms':>9}")
    for label, samples in rows:
        print(f"{label:<48} {median_ms(samples):>9.2f} {p90_ms(samples):>9.2f}")
    print(f"{'kernel start (start_new_kernel, once)':<48} {kernel['start'][0] * 1000:>9.0f}")


if __name__ == "__main__":
    main()

"""Benchmark of the signal engine: score + SHAP for one symbol, and a full-universe scan.

Each figure is printed beside its anchor measured in the same process on the same feature rows:
XGBoost's own ``Booster.predict`` (no rules, no SHAP, no pandas). Medians (p50) are quoted.

    .venv/bin/python bench/signals.py                 # real S&P 500 history when ../shared/data exists
    .venv/bin/python bench/signals.py --db demo.duckdb
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SP500 = ROOT.parent / "shared" / "data" / "market"


def build_sp500(path: Path) -> Path:
    """Import the real S&P 500 daily file (and GICS sectors) into a DuckDB file with the product's importer."""
    from tradeassist.sql.data.importer import import_file

    import_file(SP500 / "sp500_daily_2013_2018.csv.gz", table="daily_bars", db_url=str(path),
                mapping={"Name": "symbol"}, instruments_file=SP500 / "sp500_constituents_2018.csv")
    return path


def build_demo_db(path: Path) -> Path:
    """The synthetic demo database, when the real history is absent."""
    import datetime as dt

    from tradeassist.sql.demo.build import build_demo

    build_demo(path, today=dt.date(2026, 11, 20))
    return path


def p50(function, repeat: int) -> float:
    """Median wall time of ``function()`` in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="A trading database (default: S&P 500 history, else the demo).")
    parser.add_argument("--home", help="Product home holding a trained model (default: a temporary one).")
    parser.add_argument("--repeat", type=int, default=300, help="Single-symbol repetitions.")
    args = parser.parse_args()

    os.environ.setdefault("DO_NOT_TRACK", "true")
    work = Path(tempfile.mkdtemp(prefix="bench-signals-"))
    started = time.perf_counter()
    if args.db:
        db = args.db
    elif (SP500 / "sp500_daily_2013_2018.csv.gz").is_file():
        db = str(build_sp500(work / "sp500.duckdb"))
    else:
        db = str(build_demo_db(work / "demo.duckdb"))
    import_s = time.perf_counter() - started

    import xgboost as xgb

    from tradeassist.core.question import Question
    from tradeassist.core.settings import Settings
    from tradeassist.signals.engine import SignalEngines
    from tradeassist.signals.features import FEATURES
    from tradeassist.signals.route import SignalsRoute

    settings = Settings(home=Path(args.home) if args.home else work / "home", db_url=db)
    engine = SignalEngines().get(settings)
    load_started = time.perf_counter()
    engine.frame()
    features_s = time.perf_counter() - load_started
    train_started = time.perf_counter()
    record, booster, trained = engine.model()
    train_s = time.perf_counter() - train_started
    explainer = engine.explainer("xgboost")
    engine.explainer("shap")
    latest = engine.latest()
    symbols = list(latest["symbol"])
    matrix = latest[list(FEATURES)].to_numpy(dtype="float32")
    row_of = {symbol: matrix[i:i + 1] for i, symbol in enumerate(symbols)}

    cycle = iter(range(10**9))

    def next_symbol() -> str:
        return symbols[next(cycle) % len(symbols)]

    def anchor_one() -> None:
        booster.predict(xgb.DMatrix(row_of[next_symbol()], feature_names=list(FEATURES), nthread=1))

    def ours_one(method: str = "xgboost") -> None:
        explanation, scored = engine.explain(next_symbol(), method=method)
        assert len(explanation.contributions) == len(FEATURES) and len(scored) == 1

    def anchor_scan() -> None:
        booster.predict(xgb.DMatrix(matrix, feature_names=list(FEATURES)))

    def ours_scan() -> None:
        scored, _ = engine.score()
        explainer.contributions(engine.latest())
        assert len(scored) == len(symbols)

    route = SignalsRoute(settings)
    route.answer(Question(f"what's {symbols[0]}'s breakout score?"))  # warm the charts' imports

    figures = [
        ("score + SHAP, one symbol (pred_contribs)", p50(ours_one, args.repeat), p50(anchor_one, args.repeat), 10.0),
        ("score + SHAP, one symbol (shap.TreeExplainer)", p50(lambda: ours_one("shap"), args.repeat),
         p50(anchor_one, args.repeat), 10.0),
        (f"full scan, {len(symbols)} symbols, score + SHAP", p50(ours_scan, 9), p50(anchor_scan, 9), 2000.0),
        ("route answer 'what's X's breakout score?' (charts)",
         p50(lambda: route.answer(Question(f"what's {next_symbol()}'s breakout score?")), 15), p50(anchor_one, 15), None),
    ]

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"python {platform.python_version()}, xgboost {xgb.__version__}")
    print(f"data: {db} -- {len(engine.bars()):,} bars, {len(symbols)} symbols scored as of {engine.as_of().date()}")
    print(f"setup: import {import_s:.1f} s, features {features_s:.1f} s, "
          f"{'training' if trained else 'model load'} {train_s:.1f} s "
          f"(model {record.version}, {booster.num_boosted_rounds()} trees, walk-forward AUC {record.metric:.3f})")
    print()
    print(f"| {'measurement':<52} | {'ours p50 ms':>11} | {'anchor p50 ms':>13} | {'ratio':>6} | {'aim ms':>6} |")
    print(f"|{'-' * 54}|{'-' * 13}|{'-' * 15}|{'-' * 8}|{'-' * 8}|")
    for name, ours, anchor, aim in figures:
        print(f"| {name:<52} | {ours:>11.2f} | {anchor:>13.3f} | {ours / anchor:>6.1f} | {aim or '':>6} |")
    print("\nanchor: xgboost Booster.predict on the same feature rows (DMatrix built per call), same process.")


if __name__ == "__main__":
    main()

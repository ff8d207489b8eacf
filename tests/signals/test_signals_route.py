"""The signals route end to end: the four example questions through `tradeassist ask`, claims, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tradeassist.core.answer import Chart, Explanation, Notice, Table
from tradeassist.core.errors import SignalError, UnknownNameError
from tradeassist.core.question import Question
from tradeassist.signals.route import SignalsRoute, intent_of, parse_backtest_options, parse_since

EXAMPLES = [
    "what's NVDA's breakout score?",
    "which tickers have the strongest signals today?",
    "why is TSLA flagged?",
    "backtest the breakout strategy on tech stocks since 2024",
]


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory) -> Path:
    """One product home for this module: the model trained on first use is reused after."""
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture(scope="module")
def cli_answers(demo_duckdb, cli_home) -> list[dict]:
    """The four example questions answered by one `tradeassist ask -` process on the demo database."""
    env = dict(os.environ)
    env.update(TRADEASSIST_HOME=str(cli_home), TRADEASSIST_TODAY="2026-11-20",
               TRADEASSIST_DB_URL=str(demo_duckdb), TRADEASSIST_OFFLINE_ONLY="true")
    exe = Path(sys.executable).parent / "tradeassist"
    done = subprocess.run([str(exe), "ask", "-"], input="\n".join(EXAMPLES) + "\n", capture_output=True,
                          text=True, env=env, timeout=300)
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(answers) == 4, done.stderr[-2000:]
    return answers


def test_breakout_score_question(cli_answers):
    answer = cli_answers[0]
    assert answer["error"] is None and answer["route"] == "signals"
    assert "NVDA" in answer["text"] and "breakout score" in answer["text"]
    assert answer["model"]["method"] == "xgboost-meta-model"
    assert any("trained now" in n["message"] for n in answer["notices"])  # first use trains a model
    assert any("redistributed" in n["message"] for n in answer["notices"])  # no sentiment/macro/news data
    components = dict(zip((r[0] for r in answer["rows"]), answer["rows"]))
    assert {"meta-model probability", "momentum", "breakout score"} <= set(components)
    total = components["breakout score"][1]
    assert total == pytest.approx(0.6 * components["meta-model probability"][1] + 0.4 * components["momentum"][1], abs=1e-3)
    assert answer["chart"]["data"][0]["type"] == "candlestick"
    assert answer["explanation"]["subject"] == "NVDA" and len(answer["explanation"]["contributions"]) == 14


def test_strongest_signals_question(cli_answers):
    answer = cli_answers[1]
    assert answer["error"] is None and answer["route"] == "signals"
    frame = pd.DataFrame(answer["rows"], columns=answer["columns"])
    assert list(frame["rank"]) == list(range(1, len(frame) + 1)) and len(frame) == 10
    assert frame["breakout_score"].is_monotonic_decreasing
    assert answer["chart"]["data"][0]["type"] == "bar"
    assert frame["symbol"].iloc[0] in answer["text"]


def test_why_flagged_question(cli_answers):
    answer = cli_answers[2]
    assert answer["error"] is None and answer["route"] == "signals"
    contributions = answer["explanation"]["contributions"]
    sizes = [abs(c["contribution"]) for c in contributions]
    assert sizes == sorted(sizes, reverse=True)  # largest |SHAP| first
    assert answer["chart"]["data"][0]["orientation"] == "h"  # the SHAP bar chart comes first
    assert "TSLA" in answer["text"] and "flagged" in answer["text"]


def test_backtest_question(cli_answers):
    answer = cli_answers[3]
    assert answer["error"] is None and answer["route"] == "signals"
    frame = pd.DataFrame(answer["rows"], columns=answer["columns"])
    assert {"metric", "strategy", "buy_and_hold"} <= set(frame.columns)
    assert {"Sharpe (annualised)", "Max drawdown", "Win rate per signal", "Turnover (x per year)"} <= set(frame["metric"])
    assert "Information Technology" in answer["text"] and "2024" in answer["text"]
    assert [t["name"] for t in answer["chart"]["data"]] == ["strategy (net of costs)", "buy and hold"]
    assert any("out-of-sample" in n["message"] for n in answer["notices"])


@pytest.mark.parametrize(
    ("question", "strong"),
    [
        ("what's NVDA's breakout score?", True),
        ("which tickers have the strongest signals today?", True),
        ("why is TSLA flagged?", True),
        ("backtest the breakout strategy on tech stocks since 2024", True),
        ("show AAPL's RSI and MACD", True),
        ("explain the meta-model's SHAP values for AMD", True),
        ("average close of MSFT over the last 30 days", False),
        ("what did the FOMC say about inflation?", False),
    ],
)
def test_claims(settings, question, strong):
    claim = SignalsRoute(settings).claim(Question(question))
    assert (claim >= 0.7) if strong else (claim == 0.0)


@pytest.mark.parametrize(
    ("text", "intent", "since", "options"),
    [
        ("backtest top 5 tech stocks since March 2024 holding 10 days at 5 bps", "backtest", "2024-03-01",
         {"top_n": 5, "hold": 10, "cost_bps": 5.0}),
        ("backtest crypto from 2025-02-03", "backtest", "2025-02-03", {}),
        ("why is AMD flagged?", "why", None, {}),
        ("top 3 signals today", "rank", None, {"top_n": 3}),
        ("NVDA breakout score", "score", None, {}),
        ("and for MSFT?", None, None, {}),
    ],
)
def test_question_parsing(text, intent, since, options):
    assert intent_of(text) == intent
    assert (str(parse_since(text)) if parse_since(text) else None) == since
    assert parse_backtest_options(text) == options


def test_route_in_process_follow_up_crypto_and_errors(demo_duckdb, cli_home, cli_answers):
    from tradeassist.core.settings import Settings

    settings = Settings(home=cli_home, db_url=str(demo_duckdb), today="2026-11-20")
    route = SignalsRoute(settings)
    first = route.answer(Question("why is NVDA flagged?"))
    assert isinstance(first.first(Explanation), Explanation) and len(first.of(Chart)) == 2
    follow = Question("why is NVDA flagged?").follow_up("and for AAPL?", first)
    second = route.answer(follow)
    assert second.first(Explanation).subject == "AAPL"  # the follow-up kept the question's kind
    crypto = route.answer(Question("which crypto has the strongest signals?"))
    ranked = crypto.table.frame
    assert set(ranked["symbol"]) <= {"BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "AVAX", "LTC"}
    assert ranked["onchain_flow"].notna().any()  # crypto gets the on-chain flow class
    among = route.answer(Question("which of AAPL, MSFT and NVDA has the strongest signal?")).table.frame
    assert sorted(among["symbol"]) == ["AAPL", "MSFT", "NVDA"] and list(among["rank"]) == [1, 2, 3]
    with pytest.raises(SignalError, match="Which ticker"):
        route.answer(Question("why is it flagged?"))
    with pytest.raises(UnknownNameError):
        route.engine().latest(["ZZZZ"])
    assert isinstance(crypto.notices[0], Notice) and "redistributed" in crypto.notices[0].message
    assert isinstance(crypto.table, Table)


def test_short_history_answers_from_rules_with_a_notice(tmp_path):
    from tradeassist.core.answer import ModelInfo
    from tradeassist.core.settings import Settings
    from signals_synthetic import synthetic_bars, write_duckdb

    bars = synthetic_bars(n_symbols=0, n_days=70, names=["NVDA", "AMD", "MSFT"], seed=4)
    db = write_duckdb(bars, tmp_path / "short.duckdb")
    settings = Settings(home=tmp_path / "home", db_url=str(db), today="2023-06-30")
    answer = SignalsRoute(settings).answer(Question("what's NVDA's breakout score?"))
    assert answer.model == ModelInfo(method="rules")
    assert any("rules only" in n.message and "Not enough history" in n.message for n in answer.notices)
    components = answer.table.frame.set_index("component")
    assert components.loc["breakout score", "score"] == pytest.approx(components.loc["momentum", "score"])
    assert answer.first(Explanation) is None and answer.chart.figure.data[0].type == "candlestick"


def test_engine_cache_is_reused_until_the_database_changes(tmp_path):
    import os

    from tradeassist.core.settings import Settings
    from tradeassist.signals.engine import SignalEngines
    from signals_synthetic import synthetic_bars, write_duckdb

    db = write_duckdb(synthetic_bars(n_symbols=2, n_days=60), tmp_path / "cache.duckdb")
    settings = Settings(home=tmp_path / "home", db_url=str(db))
    engines = SignalEngines()
    first = engines.get(settings)
    assert engines.get(settings) is first  # features and model stay kept by their owner
    stat = os.stat(db)
    os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the file was rebuilt
    assert engines.get(settings) is not first

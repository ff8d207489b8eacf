"""The backtest's arithmetic on a case small enough to check by hand, and breakout score rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradeassist.core.errors import ConfigError, SignalError
from tradeassist.signals.backtest import BacktestConfig, run_backtest
from tradeassist.signals.breakout import BreakoutConfig, OnchainFlowProvider, blend, missing_classes, rule_scores
from tradeassist.signals.onchain import LARGE_USD, daily_flows, hub_addresses


def _bars(closes: dict[str, list[float]]) -> pd.DataFrame:
    dates = pd.bdate_range("2024-01-01", periods=len(next(iter(closes.values()))))
    return pd.concat(
        [pd.DataFrame({"symbol": s, "date": dates, "close": c}) for s, c in closes.items()], ignore_index=True
    )


def test_top1_hold1_matches_hand_calculation():
    bars = _bars({"A": [100, 110, 99, 99], "B": [100, 100, 100, 120]})
    dates = sorted(bars["date"].unique())
    # Day 0 prefers A, day 1 prefers B, day 2 prefers B.
    scores = pd.DataFrame({
        "symbol": ["A", "B", "A", "B", "A", "B"],
        "date": [dates[0], dates[0], dates[1], dates[1], dates[2], dates[2]],
        "score": [0.9, 0.1, 0.2, 0.8, 0.3, 0.7],
    })
    result = run_backtest(scores, bars, BacktestConfig(top_n=1, hold=1, cost_bps=100.0))
    net = result.daily["strategy"].to_numpy()
    # Day 0: buy A (turnover 1, cost 1%), earn A's +10%. Day 1: switch to B (turnover 2, cost 2%), B flat.
    assert net[0] == pytest.approx(0.10 - 0.01)
    assert net[1] == pytest.approx(0.00 - 0.02)
    assert len(net) == 2  # the last scored day has no next close inside the period
    # Buy-and-hold of A and B from day 0: (1.10 + 1.00) / 2 = 1.05, then (0.99 + 1.00) / 2.
    assert result.daily["benchmark"].to_numpy()[0] == pytest.approx(0.05)
    assert result.daily["benchmark"].to_numpy()[1] == pytest.approx(0.995 / 1.05 - 1)
    # Per-signal: A bought day 0 (+10%), B day 1 (0%), B day 2 (+20%), each net of 2% round-trip cost.
    assert sorted(result.signals["net_return"].round(6)) == [-0.02, 0.08, 0.18]
    assert result.metrics["win_rate"] == pytest.approx(2 / 3)
    assert result.metrics["max_drawdown"] == pytest.approx(-0.02)
    table = result.table()
    assert {"strategy", "buy_and_hold"} <= set(table.columns) and "Sharpe (annualised)" in set(table["metric"])


def test_holding_period_splits_capital_into_tranches():
    bars = _bars({"A": [100, 100, 100, 100, 100], "B": [100, 100, 100, 100, 100]})
    dates = sorted(bars["date"].unique())
    scores = pd.DataFrame({"symbol": ["A", "B"] * 4, "date": np.repeat(dates[:4], 2),
                           "score": [1, 0, 0, 1, 1, 0, 0, 1]})
    result = run_backtest(scores, bars, BacktestConfig(top_n=1, hold=2, cost_bps=0.0))
    # Day 0: half the book in A; day 1: A's tranche still held plus a new B tranche.
    turnover = result.daily["turnover"].to_numpy()
    assert turnover[0] == pytest.approx(0.5) and turnover[1] == pytest.approx(0.5)
    assert result.metrics["total_return"] == pytest.approx(0.0)


def test_backtest_refuses_empty_or_bad_input():
    bars = _bars({"A": [1.0, 2.0, 3.0]})
    with pytest.raises(SignalError):
        run_backtest(pd.DataFrame(columns=["symbol", "date", "score"]), bars)
    with pytest.raises(SignalError):
        BacktestConfig(top_n=0)


def _frame_for_rules(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "symbol": ["BTC", "NVDA", "ETH"][:n],
        "date": pd.Timestamp("2024-05-01"),
        "rsi_14": [70.0, 40.0, 55.0], "ema_gap": [0.02, -0.02, 0.0], "macd_hist": [0.01, -0.01, 0.0],
        "atr_pct": [0.02, 0.02, 0.02], "bb_pctb": [1.2, 0.0, 0.5], "adx_14": [40.0, 40.0, 15.0],
        "volume_spike": [2.5, 0.5, 1.5],
    })


class FixedProvider:
    """A provider with set answers, standing in for a sentiment feed."""

    def __init__(self, signal_class: str, values: list[float]):
        self.signal_class = signal_class
        self.values = values

    def scores(self, frame):
        return pd.Series(self.values, index=frame.index)


def test_missing_classes_have_their_weight_redistributed():
    from tradeassist.signals.breakout import MomentumProvider

    frame = _frame_for_rules()
    table = rule_scores(frame, [MomentumProvider(), FixedProvider("sentiment", [1.0, np.nan, 0.0])])
    momentum = table["momentum"]
    assert momentum.iloc[0] > 0.9 and momentum.iloc[1] < 0.1  # strong thrust vs none
    # BTC: momentum (0.25) and sentiment (0.20) present -> weights renormalised to 0.25/0.45, 0.20/0.45.
    expected = (0.25 * momentum.iloc[0] + 0.20 * 1.0) / 0.45
    assert table["rule_score"].iloc[0] == pytest.approx(expected)
    assert table["rule_score"].iloc[1] == pytest.approx(momentum.iloc[1])  # only momentum present
    assert missing_classes(table.iloc[1]) == ["onchain_flow", "sentiment", "macro", "news"]
    assert table["weight_used"].iloc[0] == pytest.approx(0.45)


def test_blend_and_configuration():
    config = BreakoutConfig(model_weight=0.6, strong=0.73)
    assert blend(0.9, 0.5, config) == pytest.approx(0.6 * 0.9 + 0.4 * 0.5)
    assert blend(None, 0.5, config) == 0.5  # no model: the rule score alone
    assert blend(0.8, 0.6, BreakoutConfig(model_weight=1.0)) == pytest.approx(0.8)
    with pytest.raises(ConfigError):
        BreakoutConfig(model_weight=1.5)
    with pytest.raises(ConfigError):
        rule_scores(_frame_for_rules(), [FixedProvider("astrology", [0.5, 0.5, 0.5])])


def test_onchain_flow_reads_exchange_outflows_and_whales():
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=140, freq="D")
    hub, rows = "hub-1", []
    for i, day in enumerate(days):
        for _ in range(6):
            holder = f"w{rng.integers(0, 400)}"
            # The last ten days: coins leave the exchange hub in size (accumulation, whales).
            outflow = i >= 130 or rng.random() < 0.5
            value = 2_000_000.0 if i >= 130 else float(rng.uniform(1e4, 5e4))
            rows.append({"symbol": "BTC", "block_time": day + pd.Timedelta(hours=3),
                         "from_address": hub if outflow else holder, "to_address": holder if outflow else hub,
                         "usd_value": value})
    transfers = pd.DataFrame(rows)
    assert hub in hub_addresses(transfers)["BTC"]
    daily = daily_flows(transfers)
    assert (daily.loc[daily["date"] >= days[130], "large_count"] == 6).all() and LARGE_USD <= 2_000_000
    provider = OnchainFlowProvider(daily)
    frame = pd.DataFrame({"symbol": ["BTC", "BTC", "NVDA"], "date": [days[60], days[139], days[139]]})
    scores = provider.scores(frame)
    assert scores.iloc[1] > 0.9 and scores.iloc[1] > scores.iloc[0]
    assert np.isnan(scores.iloc[2])  # an equity has no on-chain flow: the class is missing, not zero

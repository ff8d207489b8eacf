"""Daily top-N portfolio backtests with costs and a holding period, beside buy-and-hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradeassist.core.errors import SignalError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class BacktestConfig:
    """Portfolio rules: how many names a day, how long each is held, costs per unit traded."""

    top_n: int = 10
    hold: int = 5
    cost_bps: float = 10.0

    def __post_init__(self) -> None:
        if self.top_n < 1 or self.hold < 1 or self.cost_bps < 0:
            raise SignalError("Backtest needs top >= 1, hold >= 1 day and non-negative costs.")


@dataclass
class BacktestResult:
    """Daily returns and equity of the strategy and of buy-and-hold, plus summary metrics."""

    daily: pd.DataFrame  # date, strategy, benchmark, turnover, equity, benchmark_equity
    signals: pd.DataFrame  # one row per (date, symbol) pick with its holding-period return
    metrics: dict[str, float]
    benchmark_metrics: dict[str, float]
    config: BacktestConfig

    def table(self) -> pd.DataFrame:
        """Metrics of the strategy beside buy-and-hold of the same universe."""
        import pandas as pd

        names = {
            "total_return": "Total return",
            "cagr": "Annualised return",
            "sharpe": "Sharpe (annualised)",
            "max_drawdown": "Max drawdown",
            "win_rate": "Win rate per signal",
            "avg_return_per_signal": "Avg return per signal",
            "turnover": "Turnover (x per year)",
            "active_sharpe": "Sharpe of return over buy-and-hold",
            "n_signals": "Signals taken",
            "days": "Days",
        }
        rows = [
            {"metric": label, "strategy": self.metrics.get(key), "buy_and_hold": self.benchmark_metrics.get(key)}
            for key, label in names.items()
        ]
        return pd.DataFrame(rows)


def _periods_per_year(dates: pd.DatetimeIndex) -> float:
    span_days = (dates[-1] - dates[0]).days
    if span_days < 30:
        return 252.0
    # 252 for weekday markets, 365 when the universe trades every day (crypto).
    return round(len(dates) / (span_days / 365.25))


def _summary(returns: pd.Series, periods: float) -> dict[str, float]:
    import numpy as np

    equity = (1.0 + returns).cumprod()
    years = max(len(returns) / periods, 1e-9)
    std = returns.std(ddof=1)
    return {
        "total_return": float(equity.iloc[-1] - 1.0),
        "cagr": float(equity.iloc[-1] ** (1.0 / years) - 1.0) if equity.iloc[-1] > 0 else -1.0,
        "sharpe": float(returns.mean() / std * np.sqrt(periods)) if std > 0 else 0.0,
        "max_drawdown": float((equity / equity.cummax() - 1.0).min()),
        "days": float(len(returns)),
    }


def run_backtest(scores: pd.DataFrame, bars: pd.DataFrame, config: BacktestConfig = BacktestConfig()) -> BacktestResult:
    """Each day buy the ``top_n`` highest scores, hold each pick ``hold`` days, pay ``cost_bps``.

    ``scores`` (symbol, date, score) must be knowable at that day's close (out-of-sample
    predictions); picks earn from the next close on. The book is ``hold`` overlapping tranches,
    each 1/hold of capital split equally among its picks; costs are charged on every change of
    weight. Buy-and-hold holds the same universe equally weighted from the first scored day.
    """
    import numpy as np
    import pandas as pd

    scores = scores.dropna(subset=["score"])
    if scores.empty:
        raise SignalError("No out-of-sample scores to backtest in the chosen period.")
    start = scores["date"].min()
    end = scores["date"].max()
    universe = sorted(scores["symbol"].unique())
    prices = bars[bars["symbol"].isin(universe)].pivot(index="date", columns="symbol", values="close").sort_index()
    prices = prices[(prices.index >= start)]
    returns = prices.ffill().pct_change(fill_method=None).fillna(0.0)
    dates = prices.index[prices.index <= end]
    if len(dates) < 3:
        raise SignalError("The backtest period is too short (fewer than 3 trading days).")
    board = scores.pivot_table(index="date", columns="symbol", values="score").reindex(index=dates, columns=prices.columns)
    ranks = board.rank(axis=1, ascending=False, method="first")
    picks = (ranks <= config.top_n).astype(float)
    counts = picks.sum(axis=1).replace(0.0, np.nan)
    tranche = picks.div(counts, axis=0).fillna(0.0)
    weights = tranche.rolling(config.hold, min_periods=1).sum() / config.hold
    turnover = weights.diff().abs().sum(axis=1)
    turnover.iloc[0] = weights.iloc[0].abs().sum()
    # Weights set at day t's close earn day t+1's return; costs are paid when trading at t.
    next_returns = returns.reindex(dates).shift(-1).fillna(0.0)
    gross = (weights * next_returns).sum(axis=1)
    net = gross - turnover * config.cost_bps / 1e4
    net = net.iloc[:-1]  # the last day's picks have no next close inside the period
    periods = _periods_per_year(dates)

    first_prices = prices.loc[dates[0]]
    held = first_prices.dropna().index
    bench_equity = (prices.loc[dates, held].ffill() / first_prices[held]).mean(axis=1)
    # Like the strategy, the benchmark's row t holds the move from close t to close t+1.
    bench = bench_equity.pct_change().shift(-1).iloc[:-1]

    metrics = _summary(net, periods)
    metrics["turnover"] = float(turnover.iloc[:-1].sum() / 2.0 / (len(net) / periods))
    active = net - bench
    metrics["active_sharpe"] = float(active.mean() / active.std(ddof=1) * np.sqrt(periods)) if active.std(ddof=1) > 0 else 0.0
    bench_metrics = _summary(bench, periods)
    bench_metrics["turnover"] = 0.0

    # Per-signal results: each pick's close-to-close return over the holding period, net of costs.
    stacked = picks.stack().reset_index()
    stacked.columns = ["date", "symbol", "picked"]
    stacked = stacked[stacked["picked"] > 0]
    forward = (prices.ffill().shift(-config.hold) / prices.ffill() - 1.0).stack().rename("hold_return").reset_index()
    signals = stacked.merge(forward, on=["date", "symbol"], how="left").dropna(subset=["hold_return"])
    signals["net_return"] = signals["hold_return"] - 2.0 * config.cost_bps / 1e4
    metrics["win_rate"] = float((signals["net_return"] > 0).mean()) if len(signals) else float("nan")
    metrics["avg_return_per_signal"] = float(signals["net_return"].mean()) if len(signals) else float("nan")
    metrics["n_signals"] = float(len(signals))

    daily = pd.DataFrame(
        {
            "strategy": net,
            "benchmark": bench,
            "turnover": turnover.iloc[:-1],
            "equity": (1.0 + net).cumprod(),
            "benchmark_equity": (1.0 + bench).cumprod(),
        }
    ).rename_axis("date").reset_index()
    return BacktestResult(daily=daily, signals=signals.drop(columns="picked"), metrics=metrics,
                          benchmark_metrics=bench_metrics, config=config)

"""The breakout score: a weighted convergence of signal classes, blended with the meta-model.

Each signal class has a provider that scores rows in [0, 1] (NaN where it has nothing to say).
Classes our data cannot feed (sentiment, macro, news by default) have their weight shared out
among the classes present, row by row, and the answer names what was missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from core.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

#: Weights of the original design.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "momentum": 0.25,
    "onchain_flow": 0.25,
    "sentiment": 0.20,
    "macro": 0.15,
    "news": 0.15,
}


@dataclass(frozen=True)
class BreakoutConfig:
    """How rule classes are weighted and blended with the model; when a breakout is "strong"."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    model_weight: float = 0.6
    strong: float = 0.73

    def __post_init__(self) -> None:
        if not 0.0 <= self.model_weight <= 1.0:
            raise ConfigError(f"model_weight must be between 0 and 1, not {self.model_weight}.")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ConfigError("Signal class weights must be non-negative and not all zero.")


@runtime_checkable
class Provider(Protocol):
    """Scores one signal class for feature rows: a Series in [0, 1], NaN where it cannot say."""

    #: The signal class this provider feeds (a key of the weights).
    signal_class: str

    def scores(self, frame: pd.DataFrame) -> pd.Series:
        """One score per row of ``frame`` (same index)."""
        ...


def _clip01(series):
    return series.clip(lower=0.0, upper=1.0)


class MomentumProvider:
    """Momentum from bars: RSI, EMA trend, MACD histogram, Bollinger %B, ADX and volume spike."""

    signal_class = "momentum"

    def scores(self, frame: pd.DataFrame) -> pd.Series:
        """Mean of six sub-scores in [0, 1]; a row needs its indicators to be scored."""
        import numpy as np
        import pandas as pd

        trend_up = (frame["ema_gap"] > 0).astype(float)
        parts = pd.DataFrame(
            {
                # RSI from 40 (no thrust) to 70 (strong thrust).
                "rsi": _clip01((frame["rsi_14"] - 40.0) / 30.0),
                # EMA-12 above EMA-26, graded by the gap in units of 2%.
                "ema": _clip01(0.5 + frame["ema_gap"] / 0.04),
                # MACD histogram relative to daily volatility.
                "macd": 1.0 / (1.0 + np.exp(-frame["macd_hist"] / frame["atr_pct"].clip(lower=1e-6) * 10.0)),
                # Close at or above the upper Bollinger band is a breakout.
                "bollinger": _clip01(frame["bb_pctb"]),
                # A trend that is strong (ADX 15 -> 40) counts only when it points up.
                "adx": _clip01((frame["adx_14"] - 15.0) / 25.0) * trend_up,
                # Volume from its 20-day average (1x) to twice it.
                "volume": _clip01(frame["volume_spike"] - 1.0),
            },
            index=frame.index,
        )
        needed = frame[["rsi_14", "ema_gap", "macd_hist", "atr_pct", "bb_pctb", "adx_14", "volume_spike"]]
        return parts.mean(axis=1).where(needed.notna().all(axis=1))


class OnchainFlowProvider:
    """On-chain flow for crypto: exchange net outflow and large-transfer activity, as z-scores.

    ``daily`` holds one row per (symbol, date) with ``net_outflow`` and ``large_count`` (see
    ``signals.onchain``); each is z-scored against the symbol's trailing 90 days, so a row sees
    only its own past.
    """

    signal_class = "onchain_flow"

    def __init__(self, daily: pd.DataFrame, window: int = 90):
        self.daily = daily
        self.window = window
        self._keyed: pd.Series | None = None

    def daily_scores(self) -> pd.Series:
        """The score of every (symbol, date) with transfers, computed once."""
        if self._keyed is None:
            self._keyed = self._compute()
        return self._keyed

    def scores(self, frame: pd.DataFrame) -> pd.Series:
        """Logistic of the mean of the two z-scores, for rows of symbols with transfers."""
        import numpy as np
        import pandas as pd

        if self.daily is None or self.daily.empty:
            return pd.Series(np.nan, index=frame.index)
        keyed = self.daily_scores()
        index = pd.MultiIndex.from_arrays([frame["symbol"], frame["date"]])
        return pd.Series(keyed.reindex(index).to_numpy(), index=frame.index)

    def _compute(self) -> pd.Series:
        import numpy as np

        daily = self.daily.sort_values(["symbol", "date"]).copy()
        by_symbol = daily.groupby("symbol", sort=False)
        for column in ("net_outflow", "large_count"):
            smoothed = by_symbol[column].transform(lambda s: s.rolling(7, min_periods=1).sum())
            mean = smoothed.groupby(daily["symbol"]).transform(lambda s: s.rolling(self.window, min_periods=20).mean())
            std = smoothed.groupby(daily["symbol"]).transform(lambda s: s.rolling(self.window, min_periods=20).std())
            daily[f"z_{column}"] = ((smoothed - mean) / std.replace(0.0, np.nan)).clip(-4, 4)
        daily["onchain_score"] = 1.0 / (1.0 + np.exp(-daily[["z_net_outflow", "z_large_count"]].mean(axis=1)))
        return daily.set_index(["symbol", "date"])["onchain_score"]


def rule_scores(
    frame: pd.DataFrame,
    providers: Sequence[Provider],
    config: BreakoutConfig = BreakoutConfig(),
) -> pd.DataFrame:
    """Per-row class scores, the redistributed rule score, and which classes had data."""
    import numpy as np
    import pandas as pd

    classes = list(config.weights)
    table = pd.DataFrame(np.nan, index=frame.index, columns=classes)
    for provider in providers:
        if provider.signal_class not in config.weights:
            raise ConfigError(f"Provider class {provider.signal_class!r} has no weight; known: {classes}.")
        table[provider.signal_class] = provider.scores(frame).to_numpy()
    weights = pd.Series(config.weights, dtype="float64")
    present = table.notna()
    used_weight = present.mul(weights, axis=1).sum(axis=1)
    weighted = table.fillna(0.0).mul(weights, axis=1).sum(axis=1)
    table["rule_score"] = (weighted / used_weight).where(used_weight > 0)
    table["weight_used"] = used_weight
    return table


def blend(probability, rule, config: BreakoutConfig = BreakoutConfig()):
    """Final score = model_weight x probability + (1 - model_weight) x rule; rule alone if no model."""
    import pandas as pd

    if probability is None:
        return rule
    if isinstance(rule, pd.Series):
        rule = rule.fillna(probability) if isinstance(probability, pd.Series) else rule.fillna(float(probability))
    return config.model_weight * probability + (1.0 - config.model_weight) * rule


def missing_classes(table_row: pd.Series, config: BreakoutConfig = BreakoutConfig()) -> list[str]:
    """The signal classes that had no data for one scored row."""
    return [name for name in config.weights if name not in table_row or table_row[name] != table_row[name]]

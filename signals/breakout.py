"""The breakout score: a weighted convergence of signal classes, blended with the meta-model.

Each signal class has a provider that scores rows in [0, 1] (NaN where it has nothing to say).
Classes our data cannot feed (sentiment, macro, news by default) have their weight shared out
among the classes present, row by row, and the answer names what was missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tradeassist.core.errors import ConfigError

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
class SignalClassProvider(Protocol):
    """Scores one signal class for feature rows: a Series in [0, 1], NaN where it cannot say."""

    #: The signal class this provider feeds (a key of the weights).
    signal_class: str

    def scores(self, frame: pd.DataFrame) -> pd.Series:
        """One score per row of ``frame`` (same index)."""
        ...


MOMENTUM_INPUTS = ("rsi_14", "ema_gap", "macd_hist", "atr_pct", "bb_pctb", "adx_14", "volume_spike")


class MomentumProvider:
    """Momentum from bars: RSI, EMA trend, MACD histogram, Bollinger %B, ADX and volume spike."""

    signal_class = "momentum"

    def scores(self, frame: pd.DataFrame) -> pd.Series:
        """Mean of six sub-scores in [0, 1]; a row needs all its indicators to be scored."""
        import numpy as np
        import pandas as pd

        # NumPy on one array: scoring a single symbol must take microseconds, not pandas' milliseconds.
        values = frame[list(MOMENTUM_INPUTS)].to_numpy(dtype="float64")
        rsi, gap, hist, atr, pctb, adx, volume = values.T
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            parts = np.column_stack([
                np.clip((rsi - 40.0) / 30.0, 0.0, 1.0),  # RSI from 40 (no thrust) to 70 (strong thrust)
                np.clip(0.5 + gap / 0.04, 0.0, 1.0),  # EMA-12 over EMA-26, graded by the gap in 2% units
                1.0 / (1.0 + np.exp(-hist / np.maximum(atr, 1e-6) * 10.0)),  # MACD histogram vs volatility
                np.clip(pctb, 0.0, 1.0),  # at or above the upper Bollinger band is a breakout
                np.clip((adx - 15.0) / 25.0, 0.0, 1.0) * (gap > 0),  # a strong trend counts only pointing up
                np.clip(volume - 1.0, 0.0, 1.0),  # volume from its 20-day average (1x) to twice it
            ])
            score = parts.mean(axis=1)
        score[~np.isfinite(values).all(axis=1)] = np.nan
        return pd.Series(score, index=frame.index)


class OnchainFlowProvider:
    """On-chain flow for crypto: exchange net outflow and large-transfer activity, as z-scores.

    ``daily`` holds one row per (symbol, date) with ``net_outflow`` and ``large_count`` (see
    ``tradeassist.signals.onchain``); each is z-scored against the symbol's trailing 90 days, so a row sees
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
    providers: Sequence[SignalClassProvider],
    config: BreakoutConfig = BreakoutConfig(),
) -> pd.DataFrame:
    """Per-row class scores, the redistributed rule score, and the weight of the classes present."""
    import numpy as np
    import pandas as pd

    classes = list(config.weights)
    table = np.full((len(frame), len(classes)), np.nan)
    for provider in providers:
        if provider.signal_class not in config.weights:
            raise ConfigError(f"Provider class {provider.signal_class!r} has no weight; known: {classes}.")
        table[:, classes.index(provider.signal_class)] = provider.scores(frame).to_numpy()
    weights = np.array([config.weights[c] for c in classes], dtype="float64")
    present = ~np.isnan(table)
    used_weight = present @ weights
    weighted = np.nan_to_num(table) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        rule = np.where(used_weight > 0, weighted / used_weight, np.nan)
    out = pd.DataFrame(table, index=frame.index, columns=classes)
    out["rule_score"] = rule
    out["weight_used"] = used_weight
    return out


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

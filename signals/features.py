"""Technical indicators over all symbols at once, and forward-return labels that never leak."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Scale-free columns the meta-model learns from (raw price levels stay out: they do not transfer).
FEATURES: tuple[str, ...] = (
    "rsi_14",
    "ema_gap",
    "ema_cross",
    "adx_14",
    "macd_line",
    "macd_signal",
    "macd_hist",
    "atr_pct",
    "bb_pctb",
    "bb_width",
    "volume_spike",
    "ret_1",
    "ret_5",
    "ret_20",
)

#: Indicator levels kept for charts and rule scores, not for the model.
LEVELS: tuple[str, ...] = ("ema_12", "ema_26", "bb_upper", "bb_lower", "bb_mid", "atr_14")


@dataclass(frozen=True)
class LabelSpec:
    """A label: did the close rise more than ``threshold`` over the next ``horizon`` bars."""

    horizon: int = 5
    threshold: float = 0.02


def _symbol_indicators(group: pd.DataFrame) -> pd.DataFrame:
    """Indicators the ``ta`` library computes vectorised for one symbol's bars (sorted by date)."""
    import pandas as pd
    from ta.momentum import RSIIndicator
    from ta.trend import EMAIndicator, MACD
    from ta.volatility import BollingerBands

    close = group["close"]
    out = pd.DataFrame(index=group.index)
    out["rsi_14"] = RSIIndicator(close, window=14).rsi()
    out["ema_12"] = EMAIndicator(close, window=12).ema_indicator()
    out["ema_26"] = EMAIndicator(close, window=26).ema_indicator()
    macd = MACD(close, window_slow=26, window_fast=12, window_sign=9)
    out["macd_line"] = macd.macd() / close
    out["macd_signal"] = macd.macd_signal() / close
    out["macd_hist"] = macd.macd_diff() / close
    bands = BollingerBands(close, window=20, window_dev=2)
    out["bb_upper"] = bands.bollinger_hband()
    out["bb_lower"] = bands.bollinger_lband()
    out["bb_mid"] = bands.bollinger_mavg()
    return out


def wilder_smooth(values: pd.Series, symbols: pd.Series, n: int, start: int) -> pd.Series:
    """Wilder's moving average per symbol, seeded by the mean of ``n`` values from position ``start``.

    ``ta`` computes ATR and ADX with a Python loop over every bar (seconds per hundred symbols);
    an exponential mean with alpha = 1/n over a seeded series is the same recursion, vectorised.
    """
    import numpy as np

    position = values.groupby(symbols, sort=False).cumcount()
    seed = _per_symbol(values.where(position >= start).groupby(symbols, sort=False).rolling(n, min_periods=n).mean())
    seeded = values.where(position > start + n - 1).mask(position == start + n - 1, seed)
    seeded = seeded.where(position >= start + n - 1, np.nan)
    return _per_symbol(seeded.groupby(symbols, sort=False).ewm(alpha=1.0 / n, adjust=False).mean())


def _per_symbol(result: pd.Series) -> pd.Series:
    """A grouped window result (symbol, row) back on the frame's row index."""
    return result.droplevel(0).sort_index()


def _atr_adx(frame: pd.DataFrame, n: int = 14) -> tuple[pd.Series, pd.Series]:
    """ATR-n and ADX-n (Wilder) for every symbol at once."""
    import numpy as np

    symbols = frame["symbol"]
    by_symbol = frame.groupby("symbol", sort=False)
    prev_close = by_symbol["close"].shift(1)
    high, low = frame["high"], frame["low"]
    true_range = np.maximum(high - low, np.maximum((high - prev_close).abs(), (low - prev_close).abs()))
    up = high - by_symbol["high"].shift(1)
    down = by_symbol["low"].shift(1) - low
    plus_dm = up.where((up > down) & (up > 0), 0.0).where(up.notna())
    minus_dm = down.where((down > up) & (down > 0), 0.0).where(down.notna())
    atr = wilder_smooth(true_range, symbols, n, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        plus_di = 100.0 * wilder_smooth(plus_dm, symbols, n, 1) / atr
        minus_di = 100.0 * wilder_smooth(minus_dm, symbols, n, 1) / atr
        dx = 100.0 * (plus_di - minus_di).abs() / (plus_di + minus_di)
    adx = wilder_smooth(dx.replace([np.inf, -np.inf], np.nan), symbols, n, n)
    return atr, adx


def compute_indicators(bars: pd.DataFrame) -> pd.DataFrame:
    """Bars plus indicator and feature columns; features at row t use only bars up to t."""
    import numpy as np
    import pandas as pd

    if bars.empty:
        return bars.assign(**{name: pd.Series(dtype="float64") for name in FEATURES + LEVELS})
    bars = bars.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    pieces = [_symbol_indicators(group) for _, group in bars.groupby("symbol", sort=False)]
    frame = pd.concat([bars, pd.concat(pieces).sort_index()], axis=1)
    frame["atr_14"], frame["adx_14"] = _atr_adx(frame, 14)
    by_symbol = frame.groupby("symbol", sort=False)
    close = frame["close"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["ema_gap"] = frame["ema_12"] / frame["ema_26"] - 1.0
        above = np.sign(frame["ema_12"] - frame["ema_26"])
        # +1 on the bar where EMA-12 crosses above EMA-26, -1 where it crosses below, else 0.
        previous = above.groupby(frame["symbol"], sort=False).shift(1)
        frame["ema_cross"] = np.where(previous.isna(), np.nan, np.where(above > previous, 1.0, np.where(above < previous, -1.0, 0.0)))
        frame["atr_pct"] = frame["atr_14"] / close
        band = frame["bb_upper"] - frame["bb_lower"]
        frame["bb_pctb"] = ((close - frame["bb_lower"]) / band).where(band > 0)
        frame["bb_width"] = band / frame["bb_mid"]
        average_volume = _per_symbol(by_symbol["volume"].rolling(20, min_periods=20).mean())
        frame["volume_spike"] = (frame["volume"] / average_volume).where(average_volume > 0)
        for days in (1, 5, 20):
            frame[f"ret_{days}"] = close / by_symbol["close"].shift(days) - 1.0
    frame[list(FEATURES)] = frame[list(FEATURES)].replace([np.inf, -np.inf], np.nan)
    return frame


def add_labels(frame: pd.DataFrame, spec: LabelSpec = LabelSpec()) -> pd.DataFrame:
    """Add ``fwd_ret`` (close t -> t+horizon), ``label``, ``label_end`` and ``next_ret`` (close t -> t+1).

    Rows whose window runs past the last bar keep NaN labels: they can be scored, never trained on.
    """
    import numpy as np

    by_symbol = frame.groupby("symbol", sort=False)["close"]
    frame = frame.copy()
    frame["fwd_ret"] = by_symbol.shift(-spec.horizon) / frame["close"] - 1.0
    # The label's last day: walk-forward purges on it, since calendars differ (crypto trades weekends).
    frame["label_end"] = frame.groupby("symbol", sort=False)["date"].shift(-spec.horizon)
    frame["next_ret"] = by_symbol.shift(-1) / frame["close"] - 1.0
    frame["label"] = np.where(frame["fwd_ret"].isna(), np.nan, (frame["fwd_ret"] > spec.threshold).astype(float))
    return frame


def training_rows(frame: pd.DataFrame, features: tuple[str, ...] | list[str] = FEATURES) -> pd.DataFrame:
    """Rows with a full label window and every feature present, in time order."""
    needed = [*features, "label"]
    rows = frame.dropna(subset=needed)
    return rows.sort_values(["date", "symbol"], kind="stable").reset_index(drop=True)


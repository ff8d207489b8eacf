"""Indicators against independent hand-written formulas, and labels that never leak into features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradeassist.signals.features import FEATURES, LabelSpec, add_labels, compute_indicators, training_rows
from signals_synthetic import synthetic_bars

WARM = 250  # rows after which differently seeded recursive averages agree to ~1e-8


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return synthetic_bars(n_symbols=3, n_days=400, seed=11, drift=0.0005)


@pytest.fixture(scope="module")
def frame(bars) -> pd.DataFrame:
    return compute_indicators(bars)


def _one(frame: pd.DataFrame, symbol: str = "S01") -> pd.DataFrame:
    return frame[frame["symbol"] == symbol].reset_index(drop=True)


def wilder(values: np.ndarray, n: int, start: int) -> np.ndarray:
    """Wilder's smoothing seeded by the simple mean of the first n values from ``start``."""
    out = np.full(len(values), np.nan)
    out[start + n - 1] = values[start:start + n].mean()
    for t in range(start + n, len(values)):
        out[t] = (out[t - 1] * (n - 1) + values[t]) / n
    return out


def ref_ema(values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(len(values), np.nan)
    out[n - 1] = values[:n].mean()
    alpha = 2.0 / (n + 1)
    for t in range(n, len(values)):
        out[t] = alpha * values[t] + (1 - alpha) * out[t - 1]
    return out


def ref_rsi(close: np.ndarray, n: int = 14) -> np.ndarray:
    change = np.diff(close, prepend=np.nan)
    gain, loss = np.where(change > 0, change, 0.0), np.where(change < 0, -change, 0.0)
    avg_gain, avg_loss = wilder(gain, n, 1), wilder(loss, n, 1)
    return 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)


def ref_true_range(high, low, close) -> np.ndarray:
    prev = np.roll(close, 1)
    tr = np.maximum.reduce([high - low, np.abs(high - prev), np.abs(low - prev)])
    tr[0] = high[0] - low[0]
    return tr


def ref_adx(high, low, close, n: int = 14) -> np.ndarray:
    up = np.diff(high, prepend=np.nan)
    down = -np.diff(low, prepend=np.nan)
    plus_dm = np.where((up > down) & (up > 0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0), down, 0.0)
    tr = ref_true_range(high, low, close)
    smooth = lambda x: wilder(x, n, 1)  # noqa: E731 - ratios are unchanged by Wilder's sum vs mean form
    plus_di = 100 * smooth(plus_dm) / smooth(tr)
    minus_di = 100 * smooth(minus_dm) / smooth(tr)
    dx = 100 * np.abs(plus_di - minus_di) / (plus_di + minus_di)
    return wilder(dx, n, n)


def test_rsi_matches_wilder(frame):
    data = _one(frame)
    expected = ref_rsi(data["close"].to_numpy())
    np.testing.assert_allclose(data["rsi_14"].to_numpy()[WARM:], expected[WARM:], rtol=1e-6)
    assert data["rsi_14"].between(0, 100).all() or data["rsi_14"].isna().any()


def test_ema_and_cross_match_reference(frame):
    data = _one(frame)
    close = data["close"].to_numpy()
    ema12, ema26 = ref_ema(close, 12), ref_ema(close, 26)
    np.testing.assert_allclose(data["ema_12"].to_numpy()[WARM:], ema12[WARM:], rtol=1e-8)
    np.testing.assert_allclose(data["ema_gap"].to_numpy()[WARM:], (ema12 / ema26 - 1)[WARM:], atol=1e-8)
    above = np.sign(ema12 - ema26)
    cross = np.where(above > np.roll(above, 1), 1.0, np.where(above < np.roll(above, 1), -1.0, 0.0))
    np.testing.assert_array_equal(data["ema_cross"].to_numpy()[WARM:], cross[WARM:])


def test_macd_matches_reference(frame):
    data = _one(frame)
    close = data["close"].to_numpy()
    line = ref_ema(close, 12) - ref_ema(close, 26)
    signal = np.full(len(line), np.nan)
    signal[25:] = ref_ema(line[25:], 9)
    np.testing.assert_allclose(data["macd_line"].to_numpy()[WARM:], (line / close)[WARM:], atol=1e-9)
    np.testing.assert_allclose(data["macd_hist"].to_numpy()[WARM:], ((line - signal) / close)[WARM:], atol=1e-9)


def test_atr_and_adx_match_wilder(frame):
    data = _one(frame)
    high, low, close = (data[c].to_numpy() for c in ("high", "low", "close"))
    atr = wilder(ref_true_range(high, low, close), 14, 1)
    np.testing.assert_allclose(data["atr_14"].to_numpy()[14:], atr[14:], rtol=1e-9)
    np.testing.assert_allclose(data["adx_14"].to_numpy()[30:], ref_adx(high, low, close)[30:], rtol=1e-9)
    assert data["adx_14"].iloc[:27].isna().all() and data["atr_14"].iloc[:14].isna().all()


def test_bollinger_volume_and_returns_match_reference(frame):
    data = _one(frame)
    close, volume = data["close"].to_numpy(), data["volume"].to_numpy()
    t = 300
    window = close[t - 19:t + 1]
    mid, std = window.mean(), window.std()  # Bollinger uses the population deviation
    assert data.loc[t, "bb_upper"] == pytest.approx(mid + 2 * std, rel=1e-10)
    assert data.loc[t, "bb_pctb"] == pytest.approx((close[t] - (mid - 2 * std)) / (4 * std), rel=1e-9)
    assert data.loc[t, "volume_spike"] == pytest.approx(volume[t] / volume[t - 19:t + 1].mean(), rel=1e-10)
    for days in (1, 5, 20):
        assert data.loc[t, f"ret_{days}"] == pytest.approx(close[t] / close[t - days] - 1, rel=1e-10)


def test_symbols_do_not_mix(bars, frame):
    """Grouping: a symbol's indicators equal those computed on that symbol alone."""
    alone = compute_indicators(bars[bars["symbol"] == "S02"].reset_index(drop=True))
    together = _one(frame, "S02")
    pd.testing.assert_frame_equal(alone[list(FEATURES)], together[list(FEATURES)])
    assert together["ret_20"].iloc[:20].isna().all()  # no return reaches into another symbol's bars


def test_features_use_only_the_past(bars):
    """Cutting off the future (and scrambling it) changes no feature of earlier days."""
    cut = pd.Timestamp(bars["date"].sort_values().unique()[300])
    past = bars[bars["date"] <= cut]
    scrambled = bars.copy()
    future = scrambled["date"] > cut
    scrambled.loc[future, ["open", "high", "low", "close", "volume"]] *= 3.0
    a = compute_indicators(past)
    b = compute_indicators(scrambled)
    b = b[b["date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(a[list(FEATURES)], b[list(FEATURES)])


def test_labels_look_only_at_the_next_window(frame):
    spec = LabelSpec(horizon=5, threshold=0.02)
    labelled = add_labels(frame, spec)
    data = _one(labelled)
    close = data["close"].to_numpy()
    t = 200
    assert data.loc[t, "fwd_ret"] == pytest.approx(close[t + 5] / close[t] - 1)
    assert data.loc[t, "label"] == float(close[t + 5] / close[t] - 1 > 0.02)
    assert data["label"].iloc[-5:].isna().all() and data["label"].iloc[-6:-5].notna().all()
    rows = training_rows(labelled)
    assert rows["label"].notna().all() and rows[list(FEATURES)].notna().all().all()
    assert rows["date"].is_monotonic_increasing

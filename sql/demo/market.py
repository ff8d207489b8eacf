"""Simulated daily prices for the demo database: factor model, volatility regimes, GARCH noise, jumps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradeassist.sql.demo.universe import InstrumentSpec

# Per-calendar-day volatilities of the common factors in calm and stressed regimes. Equity weekend
# moves accumulate into Monday's bar, so calendar-day figures are what drives both asset kinds.
EQUITY_MARKET_VOL = (0.0075, 0.0170)
CRYPTO_MARKET_VOL = (0.0190, 0.0380)
SECTOR_VOL = (0.0045, 0.0080)
# Regime switching: daily probability of entering and of leaving the stressed regime.
STRESS_ENTER, STRESS_EXIT = 0.012, 0.045
# GARCH(1,1) persistence of the idiosyncratic noise.
GARCH_ALPHA, GARCH_BETA = 0.07, 0.90
# Yearly drifts (log) of the market factors.
EQUITY_DRIFT, CRYPTO_DRIFT = 0.07, 0.20
# Daily pull of log prices back towards their drift path: keeps multi-year paths plausible
# (half-life about a year) without visibly damping day-to-day moves.
MEAN_REVERSION = 0.002


@dataclass(frozen=True)
class MarketData:
    """Daily OHLCV for every instrument on a common calendar; NaN where the asset did not trade."""

    specs: tuple[InstrumentSpec, ...]
    dates: np.ndarray  # datetime64[D], every calendar day of the history
    trading: np.ndarray  # bool (instrument, day): a bar exists
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray  # int64, 0 where no bar
    price_decimals: np.ndarray  # int per instrument: how prices are rounded

    @property
    def symbols(self) -> list[str]:
        """Instrument symbols in row order."""
        return [spec.symbol for spec in self.specs]

    def bars_frame(self) -> pd.DataFrame:
        """The ``daily_bars`` rows (symbol, date, open, high, low, close, volume), sorted."""
        inst, day = np.nonzero(self.trading)
        return pd.DataFrame({
            "symbol": np.asarray(self.symbols, dtype=object)[inst],
            "date": self.dates[day],
            "open": self.open[inst, day],
            "high": self.high[inst, day],
            "low": self.low[inst, day],
            "close": self.close[inst, day],
            "volume": self.volume[inst, day],
        })


def calendar(today: dt.date, years: float = 3.3) -> np.ndarray:
    """Every calendar day from ``years`` before ``today`` through ``today`` as datetime64[D]."""
    start = today - dt.timedelta(days=round(years * 365.25))
    return np.arange(np.datetime64(start, "D"), np.datetime64(today, "D") + 1)


def _regimes(rng: np.random.Generator, days: int) -> np.ndarray:
    """A two-state Markov chain of volatility regimes (0 calm, 1 stressed)."""
    draws = rng.random(days)
    state = np.zeros(days, dtype=np.int8)
    for t in range(1, days):
        if state[t - 1] == 0:
            state[t] = draws[t] < STRESS_ENTER
        else:
            state[t] = draws[t] >= STRESS_EXIT
    return state


def _garch_noise(rng: np.random.Generator, annual_vol: np.ndarray, days: int) -> np.ndarray:
    """Idiosyncratic returns with GARCH(1,1) volatility clustering, one row per instrument."""
    long_var = (annual_vol / np.sqrt(365.0)) ** 2
    omega = long_var * (1.0 - GARCH_ALPHA - GARCH_BETA)
    shocks = rng.standard_t(df=5, size=(annual_vol.size, days)) / np.sqrt(5.0 / 3.0)
    out = np.empty_like(shocks)
    var = long_var.copy()
    for t in range(days):
        out[:, t] = np.sqrt(var) * shocks[:, t]
        var = omega + GARCH_ALPHA * out[:, t] ** 2 + GARCH_BETA * var
    return out


def _log_path(log_start: np.ndarray, returns: np.ndarray, drift: np.ndarray) -> np.ndarray:
    """Log prices from daily returns, pulled gently towards each asset's drift path."""
    out = np.empty_like(returns)
    out[:, 0] = log_start  # the first day closes at the start price
    for t in range(1, returns.shape[1]):
        anchor = log_start + drift * t
        out[:, t] = out[:, t - 1] + returns[:, t] - MEAN_REVERSION * (out[:, t - 1] - anchor)
    return out


def _round_prices(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    scale = 10.0 ** decimals[:, None]
    return np.round(values * scale) / scale


def simulate_market(specs: tuple[InstrumentSpec, ...], today: dt.date,
                    rng: np.random.Generator) -> MarketData:
    """Simulate correlated daily bars for ``specs`` over the history ending on ``today``."""
    dates = calendar(today)
    days = dates.size
    n = len(specs)
    kind = np.array([spec.asset_class for spec in specs])
    is_crypto = kind == "crypto"
    beta = np.array([spec.beta for spec in specs])
    idio_vol = np.array([spec.idio_vol for spec in specs])
    start = np.array([spec.start_price for spec in specs])

    # Common factors, all driven by shared regimes so that stress hits every asset at once.
    eq_regime = _regimes(rng, days)
    crypto_regime = np.maximum(eq_regime, _regimes(rng, days))
    eq_vol = np.where(eq_regime == 1, EQUITY_MARKET_VOL[1], EQUITY_MARKET_VOL[0])
    equity_market = EQUITY_DRIFT / 365.0 + eq_vol * rng.standard_normal(days)
    crypto_vol = np.where(crypto_regime == 1, CRYPTO_MARKET_VOL[1], CRYPTO_MARKET_VOL[0])
    crypto_market = (CRYPTO_DRIFT / 365.0 + 0.9 * (equity_market - EQUITY_DRIFT / 365.0)
                     + crypto_vol * rng.standard_normal(days))

    sectors = sorted({spec.sector for spec in specs if spec.asset_class == "equity"})
    sector_index = {name: i for i, name in enumerate(sectors)}
    sector_vol = np.where(eq_regime == 1, SECTOR_VOL[1], SECTOR_VOL[0])
    sector_factor = sector_vol * rng.standard_normal((len(sectors), days))

    factor = np.where(is_crypto[:, None], crypto_market[None, :], equity_market[None, :])
    returns = beta[:, None] * factor
    for i, spec in enumerate(specs):
        if spec.asset_class == "equity":
            returns[i] += sector_factor[sector_index[spec.sector]]
        elif spec.symbol == "QQQ" and "Information Technology" in sector_index:
            # The Nasdaq-100 tilts towards technology.
            returns[i] += 0.5 * sector_factor[sector_index["Information Technology"]]
    stress_scale = 1.0 + 0.6 * np.where(is_crypto[:, None], crypto_regime[None, :], eq_regime[None, :])
    returns += _garch_noise(rng, idio_vol, days) * stress_scale

    # Jumps: earnings gaps for stocks, liquidation cascades and rallies for crypto.
    jump_prob = np.where(is_crypto, 0.006, np.where(kind == "etf", 0.0005, 0.004))
    jumps = rng.random((n, days)) < jump_prob[:, None]
    jump_size = np.where(is_crypto[:, None], 0.09, 0.06) * rng.standard_normal((n, days))
    returns += np.where(jumps, jump_size, 0.0)

    log_close = _log_path(np.log(start), returns,
                          np.where(is_crypto, CRYPTO_DRIFT, EQUITY_DRIFT) * beta / 365.0)
    day_vol = np.sqrt(beta[:, None] ** 2 * np.where(is_crypto[:, None], crypto_vol, eq_vol) ** 2
                      + (idio_vol[:, None] / np.sqrt(365.0)) ** 2 * stress_scale ** 2)

    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    trading = np.where(is_crypto[:, None], True, (weekday < 5)[None, :])

    close = np.exp(log_close)
    prev_close = np.full_like(close, np.nan)
    for i in range(n):
        idx = np.flatnonzero(trading[i])
        prev_close[i, idx[1:]] = close[i, idx[:-1]]
        prev_close[i, idx[0]] = close[i, idx[0]] * np.exp(0.005 * rng.standard_normal())
    # Stocks gap at the open by part of the day's move; crypto trades round the clock, so its daily
    # candle opens at the previous close.
    move = np.log(close / prev_close)
    gap = rng.uniform(0.1, 0.6, (n, days)) * move + 0.002 * rng.standard_normal((n, days))
    open_ = np.where(is_crypto[:, None], prev_close, prev_close * np.exp(gap))
    wick = np.abs(rng.standard_normal((2, n, days))) * 0.6 * day_vol
    high = np.maximum(open_, close) * np.exp(wick[0])
    low = np.minimum(open_, close) * np.exp(-wick[1])

    decimals = np.where(start >= 1.0, 2, 5).astype(np.int64)
    open_, high, low, close = (_round_prices(a, decimals) for a in (open_, high, low, close))
    # Rounding can cross the bars' invariants; restore them.
    high = np.maximum.reduce([high, open_, close])
    low = np.maximum(np.minimum.reduce([low, open_, close]), 10.0 ** -decimals[:, None])

    # Volume: log-normal around each asset's typical size, heavier on big moves, lighter on weekends.
    surprise = np.abs(move) / day_vol
    weekend = np.where(is_crypto[:, None], np.where(weekday >= 5, 0.7, 1.0)[None, :], 1.0)
    avg_volume = np.array([spec.avg_volume for spec in specs])
    volume = (avg_volume[:, None] * np.exp(0.35 * rng.standard_normal((n, days)) - 0.06)
              * (0.55 + 0.45 * surprise) * weekend)
    volume = np.where(trading, np.maximum(np.round(volume), 1.0), 0.0).astype(np.int64)

    mask = lambda a: np.where(trading, a, np.nan)  # noqa: E731 - no bar, no price
    return MarketData(specs, dates, trading, mask(open_), mask(high), mask(low), mask(close),
                      volume, decimals)

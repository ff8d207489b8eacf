"""Synthetic daily bars for signal tests: random walks, optionally with a weak learnable pattern."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


#: Ticker-like names with sectors, so routes can be asked about "NVDA" or "tech stocks".
TICKERS: dict[str, str] = {
    "AAPL": "Information Technology", "MSFT": "Information Technology", "NVDA": "Information Technology",
    "AMD": "Information Technology", "ORCL": "Information Technology", "CSCO": "Information Technology",
    "TSLA": "Consumer Discretionary", "AMZN": "Consumer Discretionary", "JPM": "Financials",
    "XOM": "Energy", "PFE": "Health Care", "KO": "Consumer Staples",
}


def synthetic_bars(n_symbols: int = 24, n_days: int = 520, seed: int = 1, drift: float = 0.0,
                   pattern: float = 0.0, start: str = "2023-01-02", names: list[str] | None = None) -> pd.DataFrame:
    """Weekday OHLCV random walks; ``pattern`` > 0 adds short-term mean reversion (learnable)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(start, periods=n_days)
    names = names or [f"S{i:02d}" for i in range(n_symbols)]
    frames = []
    for i, name in enumerate(names):
        noise = rng.normal(0.0, 0.02, n_days)
        returns = np.empty(n_days)
        past = 0.0
        for t in range(n_days):
            # Returns lean against the last five days' move: the pattern a model can find.
            returns[t] = drift + noise[t] - pattern * past
            past = 0.8 * past + returns[t]
        close = 50.0 * np.exp(np.cumsum(returns))
        opens = close * np.exp(rng.normal(0.0, 0.004, n_days))
        high = np.maximum(opens, close) * (1.0 + np.abs(rng.normal(0.0, 0.008, n_days)))
        low = np.minimum(opens, close) * (1.0 - np.abs(rng.normal(0.0, 0.008, n_days)))
        volume = np.round(rng.lognormal(13.0, 0.35, n_days))
        frames.append(pd.DataFrame({"symbol": name, "date": dates, "open": opens, "high": high,
                                    "low": low, "close": close, "volume": volume}))
    return pd.concat(frames, ignore_index=True)


def write_duckdb(bars: pd.DataFrame, path: Path, sectors: dict[str, str] | None = None) -> Path:
    """Write bars (and an instruments table) into a DuckDB file with the product's table names."""
    import duckdb

    conn = duckdb.connect(str(path))
    frame = bars.assign(date=bars["date"].dt.date)
    conn.register("bars_frame", frame)
    conn.execute("CREATE TABLE daily_bars AS SELECT symbol, date, open, high, low, close, CAST(volume AS BIGINT) AS volume FROM bars_frame")
    symbols = sorted(bars["symbol"].unique())
    instruments = pd.DataFrame({
        "symbol": symbols,
        "name": symbols,
        "asset_class": "equity",
        "sector": [(sectors or TICKERS).get(s, "Information Technology" if i % 2 == 0 else "Health Care")
                   for i, s in enumerate(symbols)],
    })
    conn.register("instruments_frame", instruments)
    conn.execute("CREATE TABLE instruments AS SELECT * FROM instruments_frame")
    conn.close()
    return path

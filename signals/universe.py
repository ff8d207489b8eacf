"""Words to symbols: tickers and company names in a question, and universe words like "tech stocks"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tradeassist.core.errors import UnknownNameError

if TYPE_CHECKING:
    import pandas as pd

#: Upper-case words that are English (or indicator names) far more often than tickers.
NOT_TICKERS = frozenset(
    "A I AN ALL AND ARE AS AT BE BY DO FOR IF IN IS IT ME MY NO OF ON OR SO THE TO UP US WE "
    "RSI MACD ADX ATR EMA SMA SHAP ETF ETFS USD AI OK".split()
)
#: Sector words: "tech" is the GICS Information Technology sector.
SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "Information Technology": ("tech", "technology", "information technology", "software", "semiconductor"),
    "Communication Services": ("communication services", "communications", "telecom", "media"),
    "Health Care": ("health care", "healthcare", "pharma", "biotech"),
    "Financials": ("financials", "financial", "banks", "bank"),
    "Energy": ("energy", "oil"),
    "Consumer Discretionary": ("consumer discretionary", "retail"),
    "Consumer Staples": ("consumer staples", "staples"),
    "Industrials": ("industrials", "industrial"),
    "Utilities": ("utilities", "utility"),
    "Real Estate": ("real estate", "reits", "reit"),
    "Materials": ("materials",),
}
ASSET_WORDS: dict[str, tuple[str, ...]] = {
    "crypto": ("crypto", "cryptos", "cryptocurrency", "cryptocurrencies", "coins", "tokens"),
    "etf": ("etf", "etfs", "funds"),
}
_TOKEN = re.compile(r"\$?[A-Za-z][A-Za-z0-9.\-]{0,11}")


def _words_in(text: str, phrases: Sequence[str]) -> bool:
    lower = f" {text.lower()} "
    return any(re.search(rf"(?<![a-z]){re.escape(p)}(?![a-z])", lower) for p in phrases)


def find_symbols(text: str, symbols: Sequence[str], instruments: pd.DataFrame | None = None) -> list[str]:
    """Tickers named in ``text`` (upper case or $-prefixed), then company names ("Nvidia" -> NVDA)."""
    known = {s.upper(): s for s in symbols}
    found: list[str] = []
    for token in _TOKEN.findall(text):
        bare = token.lstrip("$").rstrip(".-")
        upper = bare.upper()
        if upper not in known:
            continue
        explicit = token.startswith("$")
        if explicit or (bare == upper and upper not in NOT_TICKERS and len(bare) >= 2):
            if known[upper] not in found:
                found.append(known[upper])
    if instruments is not None and len(instruments) and "name" in instruments:
        lower = text.lower()
        for symbol, name in zip(instruments["symbol"], instruments["name"]):
            if not isinstance(name, str) or symbol not in known.values():
                continue
            first = re.split(r"[\s,.]+", name.strip())[0].lower()
            if len(first) >= 4 and re.search(rf"(?<![a-z]){re.escape(first)}(?![a-z])", lower) and symbol not in found:
                found.append(symbol)
    return found


def resolve_universe(words: str, symbols: Sequence[str], instruments: pd.DataFrame) -> tuple[list[str], str]:
    """Symbols for universe words ("tech", "crypto", "stocks", "all", or tickers) and a label."""
    text = words.strip()
    if not text or text.lower() in ("all", "everything", "all symbols"):
        return sorted(symbols), "all symbols"
    chosen: set[str] = set()
    labels: list[str] = []
    have_meta = instruments is not None and len(instruments) > 0
    if have_meta:
        for sector, phrases in SECTOR_WORDS.items():
            if _words_in(text, phrases) or _words_in(text, (sector.lower(),)):
                members = set(instruments.loc[instruments["sector"] == sector, "symbol"])
                if members:
                    chosen |= members
                    labels.append(f"{sector} sector")
        for asset_class, phrases in ASSET_WORDS.items():
            if _words_in(text, phrases):
                members = set(instruments.loc[instruments["asset_class"].astype(str).str.lower() == asset_class, "symbol"])
                if members:
                    chosen |= members
                    labels.append(asset_class)
        if not chosen and _words_in(text, ("stocks", "equities", "shares")):
            members = set(instruments.loc[instruments["asset_class"].astype(str).str.lower() == "equity", "symbol"])
            if members:
                chosen |= members
                labels.append("stocks")
    tickers = find_symbols(text.upper() if "," in text or text.isupper() else text, symbols, instruments)
    if tickers:
        chosen |= set(tickers)
        labels.append(", ".join(tickers))
    chosen &= set(symbols)
    if not chosen:
        if _words_in(text, ("stocks", "equities", "tickers", "symbols", "everything", "all")) and not have_meta:
            return sorted(symbols), "all symbols"
        raise UnknownNameError(
            f"I could not tell which symbols {words!r} means. Use 'tech', 'crypto', 'all', a sector, "
            "or tickers like 'AAPL,MSFT'."
        )
    return sorted(chosen), " + ".join(labels)

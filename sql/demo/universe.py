"""The demo database's fixed universe: real instruments, the trading accounts, wallet address styles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstrumentSpec:
    """One tradable instrument and the parameters its simulated prices start from."""

    symbol: str
    name: str
    asset_class: str  # 'equity', 'etf' or 'crypto'
    sector: str  # GICS sector for equities, 'ETF', 'Crypto'
    exchange: str
    start_price: float  # price on the first day of the history
    beta: float  # loading on the market factor of its asset class
    idio_vol: float  # annualised idiosyncratic volatility
    avg_volume: float  # typical daily volume (shares or coins)
    currency: str = "USD"


def _eq(symbol: str, name: str, sector: str, exchange: str, price: float, beta: float,
        vol: float, volume_m: float) -> InstrumentSpec:
    return InstrumentSpec(symbol, name, "equity", sector, exchange, price, beta, vol, volume_m * 1e6)


#: Real large-cap US equities over the eleven GICS sectors; prices roughly where they traded in 2023.
EQUITIES: tuple[InstrumentSpec, ...] = (
    # Information Technology
    _eq("AAPL", "Apple Inc.", "Information Technology", "NASDAQ", 178.0, 1.10, 0.18, 55),
    _eq("MSFT", "Microsoft Corporation", "Information Technology", "NASDAQ", 322.0, 1.05, 0.17, 24),
    _eq("NVDA", "NVIDIA Corporation", "Information Technology", "NASDAQ", 45.0, 1.60, 0.38, 420),
    _eq("AVGO", "Broadcom Inc.", "Information Technology", "NASDAQ", 85.0, 1.30, 0.28, 30),
    _eq("ORCL", "Oracle Corporation", "Information Technology", "NYSE", 115.0, 1.00, 0.25, 9),
    _eq("CRM", "Salesforce, Inc.", "Information Technology", "NYSE", 215.0, 1.20, 0.27, 6),
    _eq("AMD", "Advanced Micro Devices, Inc.", "Information Technology", "NASDAQ", 110.0, 1.70, 0.40, 55),
    _eq("CSCO", "Cisco Systems, Inc.", "Information Technology", "NASDAQ", 54.0, 0.85, 0.18, 18),
    # Communication Services
    _eq("GOOGL", "Alphabet Inc.", "Communication Services", "NASDAQ", 130.0, 1.10, 0.24, 28),
    _eq("META", "Meta Platforms, Inc.", "Communication Services", "NASDAQ", 300.0, 1.30, 0.32, 17),
    _eq("NFLX", "Netflix, Inc.", "Communication Services", "NASDAQ", 430.0, 1.25, 0.33, 5),
    _eq("DIS", "The Walt Disney Company", "Communication Services", "NYSE", 88.0, 1.05, 0.24, 10),
    _eq("T", "AT&T Inc.", "Communication Services", "NYSE", 14.5, 0.60, 0.19, 35),
    # Consumer Discretionary
    _eq("AMZN", "Amazon.com, Inc.", "Consumer Discretionary", "NASDAQ", 135.0, 1.25, 0.28, 50),
    _eq("TSLA", "Tesla, Inc.", "Consumer Discretionary", "NASDAQ", 240.0, 1.90, 0.50, 110),
    _eq("HD", "The Home Depot, Inc.", "Consumer Discretionary", "NYSE", 325.0, 1.00, 0.19, 4),
    _eq("MCD", "McDonald's Corporation", "Consumer Discretionary", "NYSE", 285.0, 0.65, 0.15, 3),
    _eq("NKE", "NIKE, Inc.", "Consumer Discretionary", "NYSE", 105.0, 1.05, 0.27, 8),
    _eq("SBUX", "Starbucks Corporation", "Consumer Discretionary", "NASDAQ", 98.0, 0.95, 0.24, 7),
    # Consumer Staples
    _eq("WMT", "Walmart Inc.", "Consumer Staples", "NYSE", 52.0, 0.55, 0.15, 20),
    _eq("PG", "The Procter & Gamble Company", "Consumer Staples", "NYSE", 154.0, 0.45, 0.13, 7),
    _eq("KO", "The Coca-Cola Company", "Consumer Staples", "NYSE", 61.0, 0.55, 0.12, 13),
    _eq("PEP", "PepsiCo, Inc.", "Consumer Staples", "NASDAQ", 182.0, 0.55, 0.13, 5),
    _eq("COST", "Costco Wholesale Corporation", "Consumer Staples", "NASDAQ", 550.0, 0.75, 0.17, 2),
    # Health Care
    _eq("JNJ", "Johnson & Johnson", "Health Care", "NYSE", 166.0, 0.50, 0.14, 7),
    _eq("UNH", "UnitedHealth Group Incorporated", "Health Care", "NYSE", 495.0, 0.65, 0.22, 3),
    _eq("PFE", "Pfizer Inc.", "Health Care", "NYSE", 36.0, 0.60, 0.22, 30),
    _eq("LLY", "Eli Lilly and Company", "Health Care", "NYSE", 540.0, 0.70, 0.28, 3),
    _eq("MRK", "Merck & Co., Inc.", "Health Care", "NYSE", 108.0, 0.50, 0.18, 8),
    _eq("ABBV", "AbbVie Inc.", "Health Care", "NYSE", 148.0, 0.55, 0.19, 6),
    # Financials
    _eq("JPM", "JPMorgan Chase & Co.", "Financials", "NYSE", 148.0, 1.05, 0.19, 9),
    _eq("BAC", "Bank of America Corporation", "Financials", "NYSE", 30.0, 1.20, 0.22, 38),
    _eq("WFC", "Wells Fargo & Company", "Financials", "NYSE", 42.0, 1.15, 0.22, 18),
    _eq("GS", "The Goldman Sachs Group, Inc.", "Financials", "NYSE", 330.0, 1.25, 0.21, 2.5),
    _eq("V", "Visa Inc.", "Financials", "NYSE", 240.0, 0.90, 0.15, 6),
    _eq("MA", "Mastercard Incorporated", "Financials", "NYSE", 405.0, 0.95, 0.15, 3),
    # Energy
    _eq("XOM", "Exxon Mobil Corporation", "Energy", "NYSE", 110.0, 0.85, 0.22, 17),
    _eq("CVX", "Chevron Corporation", "Energy", "NYSE", 160.0, 0.85, 0.21, 8),
    _eq("COP", "ConocoPhillips", "Energy", "NYSE", 117.0, 1.00, 0.25, 6),
    _eq("SLB", "Schlumberger Limited", "Energy", "NYSE", 58.0, 1.15, 0.28, 9),
    # Industrials
    _eq("CAT", "Caterpillar Inc.", "Industrials", "NYSE", 280.0, 1.05, 0.23, 3),
    _eq("BA", "The Boeing Company", "Industrials", "NYSE", 225.0, 1.20, 0.30, 7),
    _eq("HON", "Honeywell International Inc.", "Industrials", "NASDAQ", 190.0, 0.90, 0.16, 3),
    _eq("UPS", "United Parcel Service, Inc.", "Industrials", "NYSE", 170.0, 0.95, 0.21, 4),
    _eq("GE", "General Electric Company", "Industrials", "NYSE", 112.0, 1.15, 0.26, 6),
    # Utilities
    _eq("NEE", "NextEra Energy, Inc.", "Utilities", "NYSE", 70.0, 0.60, 0.20, 11),
    _eq("DUK", "Duke Energy Corporation", "Utilities", "NYSE", 92.0, 0.45, 0.15, 3),
    # Materials
    _eq("LIN", "Linde plc", "Materials", "NASDAQ", 385.0, 0.85, 0.16, 2),
    _eq("FCX", "Freeport-McMoRan Inc.", "Materials", "NYSE", 40.0, 1.40, 0.33, 14),
    # Real Estate
    _eq("AMT", "American Tower Corporation", "Real Estate", "NYSE", 185.0, 0.80, 0.22, 2.5),
    _eq("PLD", "Prologis, Inc.", "Real Estate", "NYSE", 125.0, 0.95, 0.21, 4),
)

ETFS: tuple[InstrumentSpec, ...] = (
    InstrumentSpec("SPY", "SPDR S&P 500 ETF Trust", "etf", "ETF", "NYSE Arca", 445.0, 1.00, 0.02, 75e6),
    InstrumentSpec("QQQ", "Invesco QQQ Trust", "etf", "ETF", "NASDAQ", 370.0, 1.20, 0.05, 45e6),
)

CRYPTOS: tuple[InstrumentSpec, ...] = (
    InstrumentSpec("BTC", "Bitcoin", "crypto", "Crypto", "Coinbase", 29_300.0, 1.00, 0.15, 25_000),
    InstrumentSpec("ETH", "Ethereum", "crypto", "Crypto", "Coinbase", 1_850.0, 1.15, 0.2, 350_000),
    InstrumentSpec("SOL", "Solana", "crypto", "Crypto", "Coinbase", 24.0, 1.50, 0.45, 3_000_000),
    InstrumentSpec("XRP", "XRP", "crypto", "Crypto", "Coinbase", 0.62, 1.20, 0.45, 900_000_000),
    InstrumentSpec("ADA", "Cardano", "crypto", "Crypto", "Coinbase", 0.29, 1.30, 0.4, 400_000_000),
    InstrumentSpec("DOGE", "Dogecoin", "crypto", "Crypto", "Coinbase", 0.073, 1.40, 0.5, 1_500_000_000),
    InstrumentSpec("AVAX", "Avalanche", "crypto", "Crypto", "Coinbase", 12.5, 1.50, 0.45, 8_000_000),
    InstrumentSpec("LTC", "Litecoin", "crypto", "Crypto", "Coinbase", 82.0, 1.10, 0.35, 600_000),
)

GICS_SECTORS: tuple[str, ...] = tuple(dict.fromkeys(spec.sector for spec in EQUITIES))


def synthetic_equities(count: int) -> tuple[InstrumentSpec, ...]:
    """Extra made-up equities (``SX0001``...) that make ``--scale N`` databases larger."""
    specs = []
    for i in range(count):
        sector = GICS_SECTORS[i % len(GICS_SECTORS)]
        # Spread prices and sizes deterministically so the extra names look varied.
        price = 20.0 + (i * 37) % 380
        specs.append(InstrumentSpec(
            f"SX{i + 1:04d}", f"Synthetic Holdings {i + 1:04d} Inc.", "equity", sector,
            "NYSE" if i % 2 else "NASDAQ", price, 0.6 + (i % 9) * 0.12, 0.18 + (i % 7) * 0.04,
            (1 + (i * 13) % 40) * 1e6,
        ))
    return tuple(specs)


@dataclass(frozen=True)
class AccountSpec:
    """One trading account: its desk and strategy, and when it opened relative to the history."""

    name: str
    desk: str  # 'Equities', 'Crypto', 'Macro', 'Quant'
    strategy: str
    opened_offset_days: int  # days after the first bar (negative: opened before the history starts)
    fee_bps: float  # commission in basis points of notional
    size_usd: float  # median order notional


DESKS: tuple[str, ...] = ("Equities", "Crypto", "Macro", "Quant")

#: Offsets place some openings before the history, several in its second calendar year
#: (2024 for a history that starts in 2023) and a few later ones.
ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec("Large Cap Growth", "Equities", "Momentum", -1460, 1.0, 60_000),
    AccountSpec("US Value", "Equities", "Mean reversion", -700, 0.8, 45_000),
    AccountSpec("Equity Market Making", "Equities", "Market making", -200, 0.5, 20_000),
    AccountSpec("Sector Rotation", "Equities", "Sector rotation", 190, 1.2, 35_000),
    AccountSpec("Digital Assets Prime", "Crypto", "Market making", -400, 1.5, 15_000),
    AccountSpec("Crypto Momentum", "Crypto", "Momentum", 230, 2.0, 12_000),
    AccountSpec("Crypto Basis", "Crypto", "Arbitrage", 420, 1.8, 25_000),
    AccountSpec("Global Macro", "Macro", "Macro trend", -1100, 1.0, 120_000),
    AccountSpec("Rates and Indices", "Macro", "Hedging", 300, 0.7, 150_000),
    AccountSpec("Macro Opportunities", "Macro", "Event driven", 820, 1.1, 80_000),
    AccountSpec("Stat Arb One", "Quant", "Statistical arbitrage", -30, 0.5, 25_000),
    AccountSpec("Quant Momentum", "Quant", "Momentum", 160, 0.6, 30_000),
    AccountSpec("Quant Mean Reversion", "Quant", "Mean reversion", 470, 0.6, 28_000),
    AccountSpec("Volatility Harvest", "Quant", "Volatility", 1010, 0.9, 22_000),
)

#: For each desk: probability that an order is in equities, ETFs, crypto (in that order).
DESK_ASSET_MIX: dict[str, tuple[float, float, float]] = {
    "Equities": (0.92, 0.08, 0.0),
    "Crypto": (0.04, 0.02, 0.94),
    "Macro": (0.30, 0.45, 0.25),
    "Quant": (0.60, 0.15, 0.25),
}

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
HEX = "0123456789abcdef"

#: Wallet address shape per chain: prefix, alphabet, body length.
ADDRESS_STYLE: dict[str, tuple[str, str, int]] = {
    "BTC": ("bc1q", BECH32, 38),
    "ETH": ("0x", HEX, 40),
    "SOL": ("", BASE58, 44),
    "XRP": ("r", BASE58, 33),
    "ADA": ("addr1q", BECH32, 52),
    "DOGE": ("D", BASE58, 33),
    "AVAX": ("0x", HEX, 40),
    "LTC": ("ltc1q", BECH32, 38),
}
#: Transaction hash shape per chain: EVM chains show a 0x prefix.
TX_HASH_PREFIX: dict[str, str] = {"ETH": "0x", "AVAX": "0x"}

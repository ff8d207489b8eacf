"""A small brokerage database that no definitions file describes, for held-out SQL questions.

Five tables with prefixed camelCase names and abbreviated columns (cust, tx, qty, px, amt, ccy,
dt), keys where DuckDB allows them, and column comments (some listing the possible values).
Everything comes from one seeded NumPy generator and fixed dates, so ``build(path)`` always writes
the same rows; every date lies before 2026-11-20, the pinned evaluation date.

    python -m tests.sql.heldout.unfamiliar_db /tmp/unfamiliar.duckdb
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import numpy as np

SEED = 20261120
FIRST_DAY = dt.date(2025, 1, 2)
LAST_DAY = dt.date(2026, 11, 19)
N_CUSTOMERS = 150
N_TRANSACTIONS = 3000

DDL = (
    """CREATE TABLE sbBroker (
        sbBrokerId INTEGER PRIMARY KEY,
        sbBrokerName VARCHAR NOT NULL,
        sbBrokerCountry VARCHAR NOT NULL,
        sbBrokerFeeBps DOUBLE NOT NULL)""",
    """CREATE TABLE sbCustomer (
        sbCustId INTEGER PRIMARY KEY,
        sbCustName VARCHAR NOT NULL,
        sbCustEmail VARCHAR NOT NULL,
        sbCustCountry VARCHAR NOT NULL,
        sbCustTier VARCHAR NOT NULL,
        sbCustJoinDt DATE NOT NULL,
        sbCustStatus VARCHAR NOT NULL,
        sbCustBrokerId INTEGER NOT NULL REFERENCES sbBroker (sbBrokerId))""",
    """CREATE TABLE sbTicker (
        sbTickerId INTEGER PRIMARY KEY,
        sbTickerSymbol VARCHAR NOT NULL UNIQUE,
        sbTickerName VARCHAR NOT NULL,
        sbTickerType VARCHAR NOT NULL,
        sbTickerExchange VARCHAR NOT NULL,
        sbTickerCcy VARCHAR NOT NULL)""",
    """CREATE TABLE sbDailyPrice (
        sbDpTickerId INTEGER NOT NULL REFERENCES sbTicker (sbTickerId),
        sbDpDt DATE NOT NULL,
        sbDpOpen DOUBLE NOT NULL,
        sbDpHigh DOUBLE NOT NULL,
        sbDpLow DOUBLE NOT NULL,
        sbDpClose DOUBLE NOT NULL,
        sbDpVolume BIGINT NOT NULL,
        PRIMARY KEY (sbDpTickerId, sbDpDt))""",
    """CREATE TABLE sbTransaction (
        sbTxId INTEGER PRIMARY KEY,
        sbTxCustId INTEGER NOT NULL REFERENCES sbCustomer (sbCustId),
        sbTxTicker VARCHAR NOT NULL REFERENCES sbTicker (sbTickerSymbol),
        sbTxQty DOUBLE NOT NULL,
        sbTxPx DOUBLE NOT NULL,
        sbTxAmount DOUBLE NOT NULL,
        sbTxFeeAmt DOUBLE NOT NULL,
        sbTxCcy VARCHAR NOT NULL,
        sbTxDt TIMESTAMP NOT NULL,
        sbTxType VARCHAR NOT NULL,
        sbTxStatus VARCHAR NOT NULL)""",
)

COMMENTS = {
    ("sbBroker", "sbBrokerFeeBps"): "Commission charged by the broker, in basis points of the amount",
    ("sbCustomer", "sbCustTier"): "Customer segment; possible values: retail, professional, institutional",
    ("sbCustomer", "sbCustStatus"): "Account state; possible values: active, dormant, closed",
    ("sbCustomer", "sbCustJoinDt"): "Date the customer opened the account",
    ("sbTicker", "sbTickerType"): "Kind of instrument; possible values: stock, etf, crypto",
    ("sbDailyPrice", "sbDpClose"): "Closing price of the day, in the ticker's currency",
    ("sbTransaction", "sbTxQty"): "Units traded (shares, or coins for crypto)",
    ("sbTransaction", "sbTxPx"): "Execution price per unit",
    ("sbTransaction", "sbTxAmount"): "Gross amount of the transaction: quantity times price, in sbTxCcy",
    ("sbTransaction", "sbTxType"): "Direction; possible values: buy, sell",
    ("sbTransaction", "sbTxStatus"): "Settlement state; possible values: success, fail, pending",
}

BROKERS = (
    (1, "Northgate Securities", "United States", 5.0),
    (2, "Rhein Capital Markets", "Germany", 8.0),
    (3, "Lumière Bourse", "France", 7.5),
    (4, "Harbour Street Brokers", "United Kingdom", 6.0),
    (5, "Sakura Trading", "Japan", 4.0),
)

#: symbol, name, type, exchange, currency, starting price, daily volatility.
TICKERS = (
    ("AAPL", "Apple Inc.", "stock", "NASDAQ", "USD", 190.0, 0.016),
    ("MSFT", "Microsoft Corp.", "stock", "NASDAQ", "USD", 410.0, 0.015),
    ("NVDA", "NVIDIA Corp.", "stock", "NASDAQ", "USD", 120.0, 0.030),
    ("AMZN", "Amazon.com Inc.", "stock", "NASDAQ", "USD", 180.0, 0.019),
    ("JPM", "JPMorgan Chase & Co.", "stock", "NYSE", "USD", 200.0, 0.013),
    ("XOM", "Exxon Mobil Corp.", "stock", "NYSE", "USD", 110.0, 0.014),
    ("SAP", "SAP SE", "stock", "XETRA", "EUR", 180.0, 0.015),
    ("SIE", "Siemens AG", "stock", "XETRA", "EUR", 175.0, 0.014),
    ("MC", "LVMH", "stock", "Euronext Paris", "EUR", 700.0, 0.017),
    ("ASML", "ASML Holding", "stock", "Euronext Amsterdam", "EUR", 850.0, 0.022),
    ("SHEL", "Shell plc", "stock", "LSE", "GBP", 26.0, 0.013),
    ("7203", "Toyota Motor Corp.", "stock", "TSE", "JPY", 2900.0, 0.015),
    ("SPY", "SPDR S&P 500 ETF", "etf", "NYSE Arca", "USD", 480.0, 0.009),
    ("QQQ", "Invesco QQQ Trust", "etf", "NASDAQ", "USD", 420.0, 0.012),
    ("EXSA", "iShares STOXX Europe 600", "etf", "XETRA", "EUR", 48.0, 0.010),
    ("BTC", "Bitcoin", "crypto", "Coinbase", "USD", 45000.0, 0.024),
    ("ETH", "Ether", "crypto", "Coinbase", "USD", 2400.0, 0.03),
    ("SOL", "Solana", "crypto", "Coinbase", "USD", 100.0, 0.038),
)

COUNTRIES = ("Germany", "France", "United Kingdom", "United States", "Japan", "Switzerland",
             "Spain", "Italy", "Singapore", "Canada")
COUNTRY_WEIGHTS = (0.2, 0.14, 0.14, 0.18, 0.06, 0.07, 0.06, 0.06, 0.05, 0.04)
FIRST_NAMES = ("Anna", "Lukas", "Marie", "Jonas", "Sophie", "Paul", "Emma", "Louis", "Chloe",
               "Oliver", "Amelia", "James", "Hiro", "Yuki", "Lucia", "Marco", "Giulia", "Pablo",
               "Wei", "Noah", "Liam", "Mia", "Elena", "Felix", "Clara")
LAST_NAMES = ("Muller", "Schmidt", "Dubois", "Martin", "Smith", "Brown", "Tanaka", "Sato",
              "Rossi", "Garcia", "Keller", "Weber", "Lefevre", "Taylor", "Wilson", "Tan",
              "Lopez", "Bianchi", "Fischer", "Meyer")


def _trading_days(kind: str) -> list[dt.date]:
    """Every calendar day for crypto, weekdays for the rest."""
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
    return days if kind == "crypto" else [d for d in days if d.weekday() < 5]


def _prices(rng: np.random.Generator) -> tuple[dict, dict]:
    """Daily OHLCV rows, and each ticker's closes by day (to price the transactions)."""
    cols: dict[str, list] = {k: [] for k in ("tid", "dt", "o", "h", "l", "c", "v")}
    closes: dict[str, dict[dt.date, float]] = {}
    for tid, (symbol, _, kind, _, _, start, vol) in enumerate(TICKERS, start=1):
        days = _trading_days(kind)
        rets = rng.normal(0.0003, vol, len(days))
        close = start * np.exp(np.cumsum(rets))
        opens = np.concatenate(([start], close[:-1])) * np.exp(rng.normal(0, vol / 4, len(days)))
        highs = np.maximum(opens, close) * (1 + np.abs(rng.normal(0, vol / 2, len(days))))
        lows = np.minimum(opens, close) * (1 - np.abs(rng.normal(0, vol / 2, len(days))))
        base = 2e9 / start if kind != "crypto" else 3e9 / start
        volume = np.round(base * np.exp(rng.normal(0, 0.35, len(days)))).astype(np.int64)
        digits = 0 if symbol == "7203" else 2
        closes[symbol] = {}
        for i, day in enumerate(days):
            cols["tid"].append(tid)
            cols["dt"].append(day.isoformat())
            cols["o"].append(round(float(opens[i]), digits))
            cols["h"].append(round(float(highs[i]), digits))
            cols["l"].append(round(float(lows[i]), digits))
            cols["c"].append(round(float(close[i]), digits))
            cols["v"].append(int(volume[i]))
            closes[symbol][day] = cols["c"][-1]
    return cols, closes


def _customers(rng: np.random.Generator) -> dict[str, list]:
    """Customers with a country, tier, join date, status and broker."""
    cols: dict[str, list] = {k: [] for k in ("id", "name", "email", "country", "tier", "join",
                                            "status", "broker")}
    span = (LAST_DAY - dt.date(2019, 1, 1)).days - 60
    for cid in range(1, N_CUSTOMERS + 1):
        first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
        last = LAST_NAMES[rng.integers(len(LAST_NAMES))]
        cols["id"].append(cid)
        cols["name"].append(f"{first} {last}")
        cols["email"].append(f"{first.lower()}.{last.lower()}{cid}@example.com")
        cols["country"].append(COUNTRIES[rng.choice(len(COUNTRIES), p=COUNTRY_WEIGHTS)])
        cols["tier"].append(("retail", "professional", "institutional")[
            rng.choice(3, p=(0.7, 0.2, 0.1))])
        cols["join"].append((dt.date(2019, 1, 1) + dt.timedelta(days=int(rng.integers(span))))
                            .isoformat())
        cols["status"].append(("active", "dormant", "closed")[rng.choice(3, p=(0.8, 0.12, 0.08))])
        cols["broker"].append(int(rng.integers(1, len(BROKERS) + 1)))
    return cols


def _transactions(rng: np.random.Generator, customers: dict, closes: dict) -> dict[str, list]:
    """Transactions priced near the day's close, each amount equal to quantity times price."""
    cols: dict[str, list] = {k: [] for k in ("id", "cust", "ticker", "qty", "px", "amt", "fee",
                                            "ccy", "dt", "type", "status")}
    fee_bps = {b[0]: b[3] for b in BROKERS}
    # Institutional customers trade more often and in larger size.
    activity = np.array([{"retail": 1.0, "professional": 3.0, "institutional": 6.0}[t]
                         for t in customers["tier"]])
    size = {"retail": 1.0, "professional": 4.0, "institutional": 20.0}
    ticker_weights = np.array([3, 3, 3, 2, 2, 1, 2, 1, 1, 1, 1, 1, 3, 2, 1, 3, 2, 1], dtype=float)
    for tx_id in range(1, N_TRANSACTIONS + 1):
        ci = int(rng.choice(N_CUSTOMERS, p=activity / activity.sum()))
        symbol, _, kind, _, ccy, _, _ = TICKERS[rng.choice(len(TICKERS),
                                                            p=ticker_weights / ticker_weights.sum())]
        join = dt.date.fromisoformat(customers["join"][ci])
        days = [d for d in closes[symbol] if d >= join]
        day = days[int(rng.integers(len(days)))]
        px = closes[symbol][day] * (1 + rng.normal(0, 0.004))
        px = round(px, 0 if symbol == "7203" else (2 if px >= 1 else 4))
        notional = float(np.exp(rng.normal(8.3, 0.9))) * size[customers["tier"][ci]]
        qty = round(notional / px, 4) if kind == "crypto" else max(1.0, float(round(notional / px)))
        amount = round(qty * px, 2)
        seconds = int(rng.integers(8 * 3600, 20 * 3600)) if kind != "crypto" else int(
            rng.integers(0, 86400))
        cols["id"].append(tx_id)
        cols["cust"].append(customers["id"][ci])
        cols["ticker"].append(symbol)
        cols["qty"].append(qty)
        cols["px"].append(px)
        cols["amt"].append(amount)
        cols["fee"].append(round(amount * fee_bps[customers["broker"][ci]] / 10_000, 2))
        cols["ccy"].append(ccy)
        cols["dt"].append((dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds))
                          .isoformat(sep=" "))
        cols["type"].append("buy" if rng.random() < 0.56 else "sell")
        cols["status"].append(("success", "fail", "pending")[rng.choice(3, p=(0.9, 0.06, 0.04))])
    return cols


def _insert(conn, table: str, columns: dict[str, list], select: str) -> None:
    """Insert column lists through a registered NumPy view (no per-row round trips)."""
    conn.register("_src", {k: np.array(v, dtype=object) for k, v in columns.items()})
    conn.execute(f"INSERT INTO {table} {select} FROM _src")
    conn.unregister("_src")


def build(path: str | Path) -> Path:
    """Write the database at ``path`` (replacing any file there) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    rng = np.random.default_rng(SEED)
    prices, closes = _prices(rng)
    customers = _customers(rng)
    transactions = _transactions(rng, customers, closes)
    conn = duckdb.connect(str(path))
    try:
        for ddl in DDL:
            conn.execute(ddl)
        conn.executemany("INSERT INTO sbBroker VALUES (?, ?, ?, ?)", BROKERS)
        conn.executemany("INSERT INTO sbTicker VALUES (?, ?, ?, ?, ?, ?)",
                         [(i, *t[:5]) for i, t in enumerate(TICKERS, start=1)])
        _insert(conn, "sbCustomer", customers,
                "SELECT CAST(id AS INTEGER), name, email, country, tier, CAST(\"join\" AS DATE),"
                " status, CAST(broker AS INTEGER)")
        _insert(conn, "sbDailyPrice", prices,
                "SELECT CAST(tid AS INTEGER), CAST(dt AS DATE), CAST(o AS DOUBLE), CAST(h AS DOUBLE),"
                " CAST(l AS DOUBLE), CAST(c AS DOUBLE), CAST(v AS BIGINT)")
        _insert(conn, "sbTransaction", transactions,
                "SELECT CAST(id AS INTEGER), CAST(cust AS INTEGER), ticker, CAST(qty AS DOUBLE),"
                " CAST(px AS DOUBLE), CAST(amt AS DOUBLE), CAST(fee AS DOUBLE), ccy,"
                " CAST(dt AS TIMESTAMP), type, status")
        for (table, column), text in COMMENTS.items():
            quoted = text.replace("'", "''")
            conn.execute(f"COMMENT ON COLUMN {table}.{column} IS '{quoted}'")
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return path


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "unfamiliar.duckdb"
    print(build(target))

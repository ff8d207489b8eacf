"""Small trading databases nobody described, in naming styles unlike the demo, for catalog tests.

- ``broker``: ``tblAccounts``/``tblInstruments``/``tblTrades`` with camelCase columns sharing a
  per-table prefix (``trdQty``, ``trdPx``), abbreviations, no declared foreign keys, and column
  comments with possible values (DuckDB and PostgreSQL keep comments; SQLite has none).
- ``payments``: every table and column carries the prefix ``mk`` (``mkMerchant.mkMerchCtry``,
  ``mkPayment.mkPayAmt``), the style of a vendor export, with an integer-coded column whose
  comment says what each code means.
- ``clearing``: upper-case ``T_`` tables with abbreviated snake_case columns and declared keys.

Data are drawn from a seeded generator, so every build holds the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager
from typing import Iterator

from tradeassist.sql.db.urls import sqlalchemy_url

BROKER_DDL = (
    'CREATE TABLE "tblAccounts" ("acctNo" INTEGER PRIMARY KEY, "acctNm" VARCHAR, "acctDesk" VARCHAR, '
    '"acctCcy" VARCHAR, "acctOpenDt" DATE)',
    'CREATE TABLE "tblInstruments" ("instSym" VARCHAR PRIMARY KEY, "instNm" VARCHAR, '
    '"instAssetCls" VARCHAR, "instExch" VARCHAR)',
    'CREATE TABLE "tblTrades" ("trdId" INTEGER PRIMARY KEY, "acctNo" INTEGER, "trdSym" VARCHAR, '
    '"trdSide" VARCHAR, "trdQty" INTEGER, "trdPx" DOUBLE PRECISION, "trdCcy" VARCHAR, '
    '"trdDt" TIMESTAMP, "trdFeeAmt" DOUBLE PRECISION)',
)
BROKER_COMMENTS = (
    ("tblTrades", None, "Executed trades (fills) of client accounts."),
    ("tblTrades", "trdSide", "Trade direction. Possible values: B = buy, S = sell"),
    ("tblTrades", "trdFeeAmt", "Commission charged on the fill, in the trade currency"),
    ("tblAccounts", "acctDesk", "Desk that owns the account. Possible values: Rates, Equities, Macro"),
    ("tblInstruments", "instAssetCls", "Asset class of the instrument"),
)
PAYMENTS_DDL = (
    'CREATE TABLE "mkMerchant" ("mkMerchId" INTEGER PRIMARY KEY, "mkMerchNm" VARCHAR, '
    '"mkMerchCtry" VARCHAR, "mkMerchCat" VARCHAR)',
    'CREATE TABLE "mkPayment" ("mkPayId" INTEGER PRIMARY KEY, "mkPayMerchId" INTEGER, '
    '"mkPayAmt" DOUBLE PRECISION, "mkPayCcy" VARCHAR, "mkPayTs" TIMESTAMP, "mkPayStatus" VARCHAR, '
    '"mkPayMethod" INTEGER)',
)
PAYMENTS_COMMENTS = (
    ("mkPayment", "mkPayMethod", "How the customer paid. Possible values: 1 = card, 2 = wire, 3 = cash"),
)
CLEARING_DDL = (
    'CREATE TABLE "T_CLIENT_ACCT" ("CLNT_ACCT_ID" INTEGER PRIMARY KEY, "CLNT_NM" VARCHAR, '
    '"CNTRY" VARCHAR, "RISK_LVL" VARCHAR, "OPEN_DT" DATE)',
    'CREATE TABLE "T_ORD" ("ORD_ID" INTEGER PRIMARY KEY, "CLNT_ACCT_ID" INTEGER REFERENCES '
    '"T_CLIENT_ACCT" ("CLNT_ACCT_ID"), "ORD_TKR" VARCHAR, "ORD_SIDE" VARCHAR, "ORD_QTY" INTEGER, '
    '"LMT_PX" DOUBLE PRECISION, "ORD_STS" VARCHAR, "ORD_TS" TIMESTAMP)',
)

_SYMBOLS = (("AAPL", "Apple Inc.", "Equity", "NASDAQ", 190.0), ("MSFT", "Microsoft Corp", "Equity", "NASDAQ", 410.0),
            ("VOD", "Vodafone Group", "Equity", "LSE", 0.7), ("BTCUSD", "Bitcoin", "Crypto", "COINBASE", 60000.0),
            ("SPY", "SPDR S&P 500 ETF", "ETF", "NYSE", 560.0))
_COUNTRIES = ("Germany", "France", "United States", "Japan", "Brazil")


def _when(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    return start + dt.timedelta(days=rng.randrange(days), minutes=rng.randrange(9 * 60, 17 * 60))


def broker_rows(seed: int = 7) -> dict[str, list[tuple]]:
    """Rows of the broker database, by table."""
    rng = random.Random(seed)
    desks = ("Rates", "Equities", "Macro")
    accounts = [(n, f"Fund {chr(64 + n)}", desks[n % 3], ("USD", "EUR", "GBP")[n % 3],
                 dt.date(2020 + n % 5, 1 + n % 12, 1 + n)) for n in range(1, 9)]
    instruments = [(s, name, cls, exch) for s, name, cls, exch, _ in _SYMBOLS]
    start = dt.datetime(2026, 6, 1)
    trades = []
    for n in range(1, 301):
        sym, _, _, _, px = rng.choice(_SYMBOLS)
        qty = rng.randrange(1, 50) * (1 if sym == "BTCUSD" else 10)
        price = round(px * rng.uniform(0.9, 1.1), 2)
        trades.append((n, rng.randrange(1, 9), sym, rng.choice("BS"), qty, price, "USD",
                       _when(rng, start, 170), round(qty * price * 0.0005, 2)))
    return {"tblAccounts": accounts, "tblInstruments": instruments, "tblTrades": trades}


def payments_rows(seed: int = 11) -> dict[str, list[tuple]]:
    """Rows of the payments database, by table."""
    rng = random.Random(seed)
    cats = ("Grocery", "Travel", "Electronics")
    merchants = [(n, f"Shop {n:02d}", _COUNTRIES[n % 5], cats[n % 3]) for n in range(1, 13)]
    payments = [(n, rng.randrange(1, 13), round(rng.uniform(5, 900), 2), rng.choice(("EUR", "USD")),
                 _when(rng, dt.datetime(2026, 5, 1), 200), rng.choice(("settled", "settled", "refunded", "failed")),
                 rng.choice((1, 1, 2, 3)))
                for n in range(1, 401)]
    return {"mkMerchant": merchants, "mkPayment": payments}


def clearing_rows(seed: int = 5) -> dict[str, list[tuple]]:
    """Rows of the clearing database, by table."""
    rng = random.Random(seed)
    clients = [(n, f"Client {n}", _COUNTRIES[n % 5], ("LOW", "MEDIUM", "HIGH")[n % 3], dt.date(2019, n, 1))
               for n in range(1, 11)]
    orders = [(n, rng.randrange(1, 11), rng.choice(("AAPL", "MSFT", "SPY")), rng.choice(("BUY", "SELL")),
               rng.randrange(1, 40) * 5, round(rng.uniform(100, 600), 2), rng.choice(("FILLED", "CANCELLED", "OPEN")),
               _when(rng, dt.datetime(2026, 7, 1), 140)) for n in range(1, 251)]
    return {"T_CLIENT_ACCT": clients, "T_ORD": orders}


DATABASES = {
    "broker": (BROKER_DDL, broker_rows, BROKER_COMMENTS),
    "payments": (PAYMENTS_DDL, payments_rows, PAYMENTS_COMMENTS),
    "clearing": (CLEARING_DDL, clearing_rows, ()),
}


def _comment_sql(table: str, column: str | None, text: str) -> str:
    quoted = text.replace("'", "''")
    target = f'TABLE "{table}"' if column is None else f'COLUMN "{table}"."{column}"'
    return f"COMMENT ON {target} IS '{quoted}'"


def build_duckdb(path, name: str) -> str:
    """Write database ``name`` into a new DuckDB file; returns its path as text."""
    import duckdb
    import pandas as pd

    ddl, rows_of, comments = DATABASES[name]
    with duckdb.connect(str(path)) as con:
        for statement in ddl:
            con.execute(statement.replace("DOUBLE PRECISION", "DOUBLE"))
        for table, rows in rows_of().items():
            # One INSERT from a DataFrame: DuckDB's executemany takes seconds for a few hundred rows.
            frame = pd.DataFrame(rows)
            con.register("incoming", frame)
            con.execute(f'INSERT INTO "{table}" SELECT * FROM incoming')
            con.unregister("incoming")
        for comment in comments:
            con.execute(_comment_sql(*comment))
    return str(path)


def build_sqlalchemy(url: str, name: str, *, comments: bool = True) -> str:
    """Write database ``name`` through SQLAlchemy (SQLite file or a PostgreSQL schema); returns the URL."""
    import sqlalchemy as sa

    ddl, rows_of, notes = DATABASES[name]
    engine = sa.create_engine(url)
    try:
        with engine.begin() as con:
            for statement in ddl:
                con.exec_driver_sql(statement)
            for table, rows in rows_of().items():
                marks = ", ".join(f":c{i}" for i in range(len(rows[0])))
                con.execute(sa.text(f'INSERT INTO "{table}" VALUES ({marks})'),
                            [{f"c{i}": v for i, v in enumerate(row)} for row in rows])
            if comments and engine.dialect.name != "sqlite":
                for note in notes:
                    con.exec_driver_sql(_comment_sql(*note))
    finally:
        engine.dispose()
    return url


def build_all(folder) -> dict[str, str]:
    """broker and payments as DuckDB files, clearing as SQLite, all in ``folder``: name -> path or URL."""
    return {
        "broker": build_duckdb(folder / "broker.duckdb", "broker"),
        "payments": build_duckdb(folder / "payments.duckdb", "payments"),
        "clearing": build_sqlalchemy(f"sqlite:///{folder / 'clearing.sqlite'}", "clearing"),
    }


@contextmanager
def broker_in_postgres(postgres_url: str, schema: str) -> Iterator[str]:
    """The broker database (with its comments) in a fresh PostgreSQL ``schema``, dropped afterwards; yields its URL."""
    import sqlalchemy as sa

    admin = sa.create_engine(sqlalchemy_url(postgres_url))
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{postgres_url}?options=-csearch_path%3D{schema}"
        build_sqlalchemy(sqlalchemy_url(url), "broker")
        yield url
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()

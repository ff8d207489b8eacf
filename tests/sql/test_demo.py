"""The demo trading database: schema contract, realistic and consistent data, determinism, export."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa

from tradeassist.core.errors import BadInputError, ConfigError
from tradeassist.sql.db.database import open_duckdb_readonly
from tradeassist.sql.db.urls import sqlalchemy_url
from tradeassist.sql.demo.build import build_demo, export_database, table_checksums
TODAY = dt.date(2026, 11, 20)  # the pinned date of tests/conftest.py

CONTRACT = {
    "instruments": {"symbol": "VARCHAR", "name": "VARCHAR", "asset_class": "VARCHAR",
                    "sector": "VARCHAR", "exchange": "VARCHAR", "currency": "VARCHAR"},
    "daily_bars": {"symbol": "VARCHAR", "date": "DATE", "open": "DOUBLE", "high": "DOUBLE",
                   "low": "DOUBLE", "close": "DOUBLE", "volume": "BIGINT"},
    "accounts": {"account_id": "BIGINT", "name": "VARCHAR", "desk": "VARCHAR",
                 "strategy": "VARCHAR", "opened_on": "DATE"},
    "orders": {"order_id": "BIGINT", "account_id": "BIGINT", "symbol": "VARCHAR",
               "placed_at": "TIMESTAMP", "side": "VARCHAR", "order_type": "VARCHAR",
               "quantity": "DOUBLE", "limit_price": "DOUBLE", "status": "VARCHAR",
               "filled_quantity": "DOUBLE"},
    "trades": {"trade_id": "BIGINT", "order_id": "BIGINT", "account_id": "BIGINT",
               "symbol": "VARCHAR", "executed_at": "TIMESTAMP", "side": "VARCHAR",
               "quantity": "DOUBLE", "price": "DOUBLE", "fee": "DOUBLE"},
    "positions": {"account_id": "BIGINT", "symbol": "VARCHAR", "quantity": "DOUBLE",
                  "avg_cost": "DOUBLE"},
    "onchain_transfers": {"tx_hash": "VARCHAR", "symbol": "VARCHAR", "block_time": "TIMESTAMP",
                          "from_address": "VARCHAR", "to_address": "VARCHAR", "amount": "DOUBLE",
                          "usd_value": "DOUBLE"},
}

FOREIGN_KEYS = {
    ("daily_bars", "symbol", "instruments"), ("orders", "account_id", "accounts"),
    ("orders", "symbol", "instruments"), ("trades", "order_id", "orders"),
    ("trades", "account_id", "accounts"), ("trades", "symbol", "instruments"),
    ("positions", "account_id", "accounts"), ("positions", "symbol", "instruments"),
    ("onchain_transfers", "symbol", "instruments"),
}


@pytest.fixture(scope="module")
def db(demo_duckdb):
    """A read-only connection to the session's demo database."""
    conn = open_duckdb_readonly(str(demo_duckdb))
    yield conn
    conn.close()


def one(conn, sql: str, params=None):
    """The single value of a one-row, one-column query."""
    return conn.execute(sql, params or []).fetchall()[0][0]


def test_contract_columns_and_types(db):
    for name, columns in CONTRACT.items():
        found = dict(db.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall())
        assert found == columns, name


def test_primary_and_foreign_keys_are_declared(db):
    rows = db.execute(
        "SELECT table_name, constraint_type, constraint_column_names, referenced_table "
        "FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')").fetchall()
    fks = {(t, cols[0], ref) for t, kind, cols, ref in rows if kind == "FOREIGN KEY"}
    assert FOREIGN_KEYS <= fks
    pks = {t: tuple(cols) for t, kind, cols, _ in rows if kind == "PRIMARY KEY"}
    assert pks["daily_bars"] == ("symbol", "date")
    assert pks["positions"] == ("account_id", "symbol")
    assert {"instruments", "accounts", "orders", "trades", "onchain_transfers"} <= set(pks)


def test_universe_counts(db):
    assert one(db, "SELECT count(*) FROM instruments WHERE asset_class = 'equity'") >= 40
    assert one(db, "SELECT count(DISTINCT sector) FROM instruments WHERE asset_class = 'equity'") >= 8
    assert one(db, "SELECT name FROM instruments WHERE symbol = 'AAPL'") == "Apple Inc."
    for symbol in ("MSFT", "NVDA", "AMZN", "TSLA", "JPM", "XOM", "GOOGL", "LLY", "NEE", "PLD"):
        assert one(db, "SELECT asset_class FROM instruments WHERE symbol = ?", [symbol]) == "equity"
    etfs = db.execute("SELECT symbol, sector FROM instruments WHERE asset_class = 'etf'").fetchall()
    assert {("SPY", "ETF"), ("QQQ", "ETF")} <= set(etfs)
    cryptos = dict(db.execute(
        "SELECT symbol, name FROM instruments WHERE asset_class = 'crypto' AND sector = 'Crypto'"
    ).fetchall())
    assert len(cryptos) >= 5 and cryptos["BTC"] == "Bitcoin" and {"ETH", "SOL"} <= set(cryptos)
    assert one(db, "SELECT count(*) FROM accounts") >= 12
    assert {r[0] for r in db.execute("SELECT DISTINCT desk FROM accounts").fetchall()} == {
        "Equities", "Crypto", "Macro", "Quant"}
    ids = [r[0] for r in db.execute("SELECT account_id FROM accounts ORDER BY 1").fetchall()]
    assert ids == list(range(1, len(ids) + 1))
    assert one(db, "SELECT count(*) FROM orders") >= 20_000
    assert one(db, "SELECT count(*) FROM trades") >= 20_000


def test_history_spans_three_years_and_ends_today(db):
    first, last = db.execute("SELECT min(date), max(date) FROM daily_bars").fetchall()[0]
    assert last == TODAY and (TODAY - first).days >= 3 * 365
    # Today (a Friday) has a bar for every instrument.
    assert one(db, "SELECT count(*) FROM daily_bars WHERE date = ?", [TODAY]) == one(
        db, "SELECT count(*) FROM instruments")
    start_aapl = one(db, "SELECT close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date LIMIT 1")
    start_btc = one(db, "SELECT close FROM daily_bars WHERE symbol = 'BTC' ORDER BY date LIMIT 1")
    assert 150 <= start_aapl <= 230 and 25_000 <= start_btc <= 100_000


def test_ohlc_invariants(db):
    bad = one(db, """SELECT count(*) FROM daily_bars WHERE NOT (
        low > 0 AND low <= least(open, close) AND greatest(open, close) <= high AND volume > 0)""")
    assert bad == 0


def test_crypto_trades_every_day_and_equities_only_on_weekdays(db):
    weekend_equity = one(db, """SELECT count(*) FROM daily_bars b JOIN instruments i USING (symbol)
        WHERE i.asset_class <> 'crypto' AND isodow(b.date) >= 6""")
    assert weekend_equity == 0
    days = one(db, "SELECT date_diff('day', min(date), max(date)) + 1 FROM daily_bars")
    per_crypto = db.execute("""SELECT b.symbol, count(*) FROM daily_bars b JOIN instruments i
        USING (symbol) WHERE i.asset_class = 'crypto' GROUP BY 1""").fetchall()
    assert all(count == days for _, count in per_crypto)
    weekdays = one(db, """SELECT count(*) FROM daily_bars WHERE symbol = 'AAPL'""")
    assert weekdays == one(db, """SELECT count(DISTINCT date) FROM daily_bars
        WHERE isodow(date) <= 5""")


def test_prices_move_realistically(db):
    # Daily log returns: volatile but bounded, stocks of one sector more alike than across sectors.
    stats = db.execute("""WITH r AS (
            SELECT symbol, ln(close / lag(close) OVER (PARTITION BY symbol ORDER BY date)) AS r
            FROM daily_bars)
        SELECT symbol, stddev(r) FROM r GROUP BY symbol""").fetchall()
    vol = dict(stats)
    assert 0.005 < vol["SPY"] < 0.02 and vol["BTC"] > vol["SPY"] and vol["TSLA"] > vol["KO"]
    corr = dict(db.execute("""WITH r AS (
            SELECT symbol, date, ln(close / lag(close) OVER (PARTITION BY symbol ORDER BY date)) AS r
            FROM daily_bars WHERE symbol IN ('XOM', 'CVX', 'PG'))
        SELECT 'energy', corr(a.r, b.r) FROM r a JOIN r b USING (date)
            WHERE a.symbol = 'XOM' AND b.symbol = 'CVX'
        UNION ALL SELECT 'cross', corr(a.r, b.r) FROM r a JOIN r b USING (date)
            WHERE a.symbol = 'XOM' AND b.symbol = 'PG'""").fetchall())
    assert corr["energy"] > corr["cross"] > 0


def test_orders_follow_their_rules(db):
    shares = dict(db.execute(
        "SELECT status, count(*) / sum(count(*)) OVER () FROM orders GROUP BY 1").fetchall())
    assert 0.70 < shares["filled"] < 0.80 and 0.05 < shares["partially_filled"] < 0.11
    assert 0.08 < shares["cancelled"] < 0.16 and 0.03 < shares["rejected"] < 0.07
    assert one(db, """SELECT count(*) FROM orders WHERE NOT (
        side IN ('buy', 'sell') AND order_type IN ('market', 'limit', 'stop') AND quantity > 0
        AND ((order_type = 'limit') = (limit_price IS NOT NULL))
        AND CASE status WHEN 'filled' THEN filled_quantity = quantity
                        WHEN 'partially_filled' THEN filled_quantity > 0 AND filled_quantity < quantity
                        ELSE filled_quantity = 0 END)""") == 0
    # Equity orders in market hours on weekdays.
    assert one(db, """SELECT count(*) FROM orders o JOIN instruments i USING (symbol)
        WHERE i.asset_class <> 'crypto' AND (isodow(placed_at) >= 6
            OR CAST(placed_at AS TIME) < TIME '09:30:00' OR CAST(placed_at AS TIME) >= TIME '16:00:00')""") == 0
    # Desks trade fitting instruments.
    equities_desk_crypto = one(db, """SELECT count(*) FROM orders JOIN accounts USING (account_id)
        JOIN instruments USING (symbol) WHERE desk = 'Equities' AND asset_class = 'crypto'""")
    crypto_share = one(db, """SELECT avg((asset_class = 'crypto')::INT) FROM orders
        JOIN accounts USING (account_id) JOIN instruments USING (symbol) WHERE desk = 'Crypto'""")
    assert equities_desk_crypto == 0 and crypto_share > 0.8
    assert one(db, """SELECT count(*) FROM orders JOIN accounts USING (account_id)
        WHERE CAST(placed_at AS DATE) < opened_on""") == 0


def test_trades_match_orders_and_bars(db):
    assert one(db, """SELECT count(*) FROM (
        SELECT o.order_id FROM orders o LEFT JOIN trades t USING (order_id)
        GROUP BY o.order_id, o.filled_quantity
        HAVING abs(coalesce(sum(t.quantity), 0) - o.filled_quantity) > 1e-6)""") == 0
    assert one(db, """SELECT count(*) FROM trades t JOIN orders o USING (order_id)
        JOIN daily_bars b ON b.symbol = t.symbol AND b.date = CAST(t.executed_at AS DATE)
        WHERE t.price < b.low OR t.price > b.high OR t.executed_at < o.placed_at
            OR CAST(t.executed_at AS DATE) <> CAST(o.placed_at AS DATE)
            OR t.side <> o.side OR t.account_id <> o.account_id OR t.symbol <> o.symbol
            OR t.fee <= 0 OR t.fee > t.quantity * t.price * 0.001 + 1""") == 0
    # Every trade found its bar, and limit orders never filled through their limit.
    assert one(db, """SELECT count(*) FROM trades t LEFT JOIN daily_bars b
        ON b.symbol = t.symbol AND b.date = CAST(t.executed_at AS DATE) WHERE b.symbol IS NULL""") == 0
    assert one(db, """SELECT count(*) FROM trades t JOIN orders o USING (order_id)
        WHERE o.order_type = 'limit' AND ((o.side = 'buy' AND t.price > o.limit_price)
            OR (o.side = 'sell' AND t.price < o.limit_price))""") == 0


def test_positions_are_consistent_with_trades(db):
    mismatches = one(db, """WITH net AS (
            SELECT account_id, symbol,
                   sum(CASE side WHEN 'buy' THEN quantity ELSE -quantity END) AS qty,
                   min(price) FILTER (WHERE side = 'buy') AS lo,
                   max(price) FILTER (WHERE side = 'buy') AS hi
            FROM trades GROUP BY 1, 2)
        SELECT count(*) FROM net FULL JOIN positions p USING (account_id, symbol)
        WHERE abs(coalesce(net.qty, 0) - coalesce(p.quantity, 0)) > 1e-6
           OR (p.quantity IS NOT NULL AND (p.quantity <= 0
               OR p.avg_cost < net.lo - 1e-6 OR p.avg_cost > net.hi + 1e-6))""")
    assert mismatches == 0
    assert one(db, "SELECT count(*) FROM positions") > 50
    # More than one account holds AAPL, so "who holds the most" has a real answer.
    assert one(db, "SELECT count(*) FROM positions WHERE symbol = 'AAPL'") >= 2


def test_activity_on_today_yesterday_and_every_month(db):
    for day in (TODAY, TODAY - dt.timedelta(days=1)):
        assert one(db, "SELECT count(*) FROM trades WHERE CAST(executed_at AS DATE) = ?", [day]) > 0
        assert one(db, "SELECT count(*) FROM orders WHERE CAST(placed_at AS DATE) = ?", [day]) > 0
        assert one(db, """SELECT count(DISTINCT symbol) FROM onchain_transfers
            WHERE CAST(block_time AS DATE) = ?""", [day]) >= 5
    months = one(db, "SELECT count(DISTINCT date_trunc('month', date)) FROM daily_bars")
    assert one(db, "SELECT count(DISTINCT date_trunc('month', executed_at)) FROM trades") == months
    assert one(db, "SELECT max(placed_at) FROM orders").date() == TODAY


def test_onchain_transfers(db):
    assert one(db, """SELECT count(*) FROM onchain_transfers t JOIN daily_bars b
        ON b.symbol = t.symbol AND b.date = CAST(t.block_time AS DATE)
        WHERE abs(t.usd_value - t.amount * b.close) > 0.01 + 1e-9 * t.usd_value
           OR t.from_address = t.to_address OR t.amount <= 0""") == 0
    assert one(db, """SELECT count(*) FROM onchain_transfers t JOIN instruments i USING (symbol)
        WHERE i.asset_class <> 'crypto'""") == 0
    whales = dict(db.execute("""SELECT year(block_time), count(*) FROM onchain_transfers
        WHERE usd_value > 1000000 GROUP BY 1""").fetchall())
    first_year = one(db, "SELECT year(min(block_time)) FROM onchain_transfers")
    assert all(whales.get(year, 0) > 0 for year in range(first_year, TODAY.year + 1))
    assert one(db, "SELECT count(*) FROM onchain_transfers WHERE symbol = 'ETH' "
                   "AND tx_hash NOT SIMILAR TO '0x[0-9a-f]{64}'") == 0
    assert one(db, "SELECT count(DISTINCT CAST(block_time AS DATE)) FROM onchain_transfers "
                   "WHERE symbol = 'BTC'") == one(db, "SELECT count(*) FROM daily_bars WHERE symbol = 'BTC'")


def test_accounts_open_in_the_past_some_in_2024(db):
    assert one(db, "SELECT max(opened_on) FROM accounts") <= TODAY
    assert one(db, "SELECT count(*) FROM accounts WHERE year(opened_on) = 2024") >= 2
    assert one(db, "SELECT count(*) FROM accounts WHERE opened_on < DATE '2024-01-01'") >= 2


def test_same_seed_same_data_other_seed_other_data(demo_duckdb, tmp_path):
    again = build_demo(tmp_path / "again.duckdb", today=TODAY)
    assert again.rows["orders"] == 40_000 and again.last_date == TODAY
    with open_duckdb_readonly(str(demo_duckdb)) as conn:
        original = table_checksums(conn)
    with duckdb.connect(str(again.path), read_only=True) as conn:
        assert table_checksums(conn) == original
    # Rebuilding over an existing file replaces it and leaves no scratch files behind.
    other = build_demo(again.path, today=TODAY, seed=8)
    with duckdb.connect(str(other.path), read_only=True) as conn:
        changed = table_checksums(conn)
    assert changed["daily_bars"] != original["daily_bars"] and changed["trades"] != original["trades"]
    assert [p.name for p in tmp_path.iterdir()] == ["again.duckdb"]


def test_bad_arguments_are_refused(tmp_path, demo_duckdb):
    with pytest.raises(BadInputError, match="scale"):
        build_demo(tmp_path / "x.duckdb", today=TODAY, scale=0)
    with pytest.raises(BadInputError, match="No DuckDB database"):
        export_database(tmp_path / "missing.duckdb", f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(ConfigError, match="sqlite:// and postgresql://"):
        export_database(demo_duckdb, "mysql://localhost/db")
    with pytest.raises(ConfigError, match="Not a database URL"):
        export_database(demo_duckdb, "not a url")


SUMS = {
    "instruments": "count(*)",
    "accounts": "sum(account_id)",
    "daily_bars": "sum(close * 1.0) + sum(volume * 1.0)",
    "orders": "sum(quantity) + sum(coalesce(limit_price, 0))",
    "trades": "sum(quantity * price) + sum(fee)",
    "positions": "sum(quantity * avg_cost)",
    "onchain_transfers": "sum(usd_value)",
}


def _figures(conn_execute) -> dict[str, tuple[int, float]]:
    out = {}
    for name, expression in SUMS.items():
        count, total = conn_execute(f"SELECT count(*), {expression} FROM {name}")
        out[name] = (count, float(total))
    return out


def _sa_figures(url: str) -> dict[str, tuple[int, float]]:
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            figures = _figures(lambda sql: conn.execute(sa.text(sql)).fetchall()[0])
            times = conn.execute(sa.text(
                "SELECT min(executed_at), max(executed_at) FROM trades")).fetchall()[0]
        return figures, [str(t) for t in times]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def duckdb_figures(db):
    figures = _figures(lambda sql: db.execute(sql).fetchall()[0])
    times = db.execute("SELECT min(executed_at), max(executed_at) FROM trades").fetchall()[0]
    return figures, [str(t) for t in times]


@pytest.mark.parametrize("fixture_name", ["demo_sqlite", pytest.param("demo_postgres", marks=pytest.mark.postgres)])
def test_export_keeps_every_row(request, fixture_name, duckdb_figures):
    url = request.getfixturevalue(fixture_name)
    figures, times = _sa_figures(url)
    expected, expected_times = duckdb_figures
    assert times == expected_times
    for name, (count, total) in expected.items():
        assert figures[name][0] == count, name
        assert figures[name][1] == pytest.approx(total, rel=1e-9), name
    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        inspector = sa.inspect(engine)
        assert {fk["referred_table"] for fk in inspector.get_foreign_keys("trades")} == {
            "orders", "accounts", "instruments"}
        assert inspector.get_pk_constraint("daily_bars")["constrained_columns"] == ["symbol", "date"]
    finally:
        engine.dispose()


def test_export_replaces_tables_on_a_second_run(demo_duckdb, demo_sqlite, duckdb_figures):
    export_database(demo_duckdb, demo_sqlite)  # same data again: tables replaced, not appended
    figures, _ = _sa_figures(demo_sqlite)
    for name, (count, total) in duckdb_figures[0].items():
        assert figures[name] == (count, pytest.approx(total, rel=1e-9)), name


def test_scale_makes_a_larger_database(tmp_path):
    summary = build_demo(tmp_path / "big.duckdb", today=TODAY, scale=2)
    assert summary.rows["orders"] == 80_000
    assert summary.rows["instruments"] > 100 and summary.rows["daily_bars"] > 90_000
    assert summary.rows["onchain_transfers"] > 40_000

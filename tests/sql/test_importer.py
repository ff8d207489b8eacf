"""Importing users' files: mapping, validation, bad rows, idempotent upserts, every database kind, CLI."""

from __future__ import annotations

import gzip
import os
import shutil

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tradeassist.core.errors import BadInputError, DataSourceError, UnknownNameError
from tradeassist.sql.demo.build import table_checksums
from tradeassist.sql.data.importer import import_file, parse_mapping
from tradeassist.sql.db.urls import sqlalchemy_url

BARS_CSV = """Date,Ticker,Open,High,Low,Close,Volume
2024-01-02,ACME,10.0,11.0,9.5,10.5,1000
2024-01-03,ACME,10.5,11.5,10.0,11.0,1200
2024-01-04,ACME,11.0,11.2,10.1,,900
2024-01-05,ACME,11.0,10.0,10.5,10.8,800
2024-01-08,ACME,abc,11.0,10.0,10.5,700
notadate,ACME,10.0,11.0,9.5,10.5,100
2024-01-02,ZETA,50.0,52.0,49.0,51.0,5000
2024-01-03,ZETA,51.0,53.0,50.0,52.5,5100
2024-01-03,ZETA,51.0,53.0,50.0,52.0,5200
"""


@pytest.fixture
def bars_csv(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(BARS_CSV)
    return path


@pytest.fixture
def instruments_csv(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("Symbol,Name,Sector\nACME,Acme Corporation,Industrials\nOTHER,Other Inc.,Energy\n")
    return path


def rows(db_path, sql: str):
    with duckdb.connect(str(db_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_import_csv_into_a_new_duckdb_file(bars_csv, instruments_csv, tmp_path):
    db = tmp_path / "mine.duckdb"
    seen = []
    report = import_file(bars_csv, table="daily_bars", db_url=str(db), mapping={"Ticker": "symbol"},
                         instruments_file=instruments_csv, progress=lambda *a: seen.append(a))
    assert report.rows_read == 9
    assert report.rows_written == 4 and report.rows_new == 4 and report.rows_updated == 0
    assert report.skipped == {
        "blank or invalid close": 1,
        "blank or invalid open": 1,
        "blank or invalid date": 1,
        "high below low": 1,
        "duplicate key in the file (last row kept)": 1,
    }
    assert report.instruments_added == 2
    assert report.columns["symbol"] == "Ticker" and report.columns["date"] == "Date"
    assert seen and seen[-1][2] == "Done"
    # A new file gets the whole contract, empty where nothing was imported.
    tables = {r[0] for r in rows(db, "SELECT table_name FROM information_schema.tables")}
    assert {"instruments", "daily_bars", "orders", "trades", "positions", "accounts",
            "onchain_transfers"} <= tables
    assert rows(db, "SELECT symbol, date::VARCHAR, close, volume FROM daily_bars ORDER BY 1, 2") == [
        ("ACME", "2024-01-02", 10.5, 1000), ("ACME", "2024-01-03", 11.0, 1200),
        ("ZETA", "2024-01-02", 51.0, 5000), ("ZETA", "2024-01-03", 52.0, 5200)]
    assert rows(db, "SELECT * FROM instruments ORDER BY symbol") == [
        ("ACME", "Acme Corporation", "equity", "Industrials", None, "USD"),
        ("ZETA", "ZETA", "equity", "Unknown", None, "USD")]


def test_reimport_is_idempotent_and_updates_changed_rows(bars_csv, tmp_path):
    db = tmp_path / "again.duckdb"
    first = import_file(bars_csv, table="daily_bars", db_url=str(db), mapping={"Ticker": "symbol"})
    before = rows(db, "SELECT * FROM daily_bars ORDER BY symbol, date")
    second = import_file(bars_csv, table="daily_bars", db_url=str(db), mapping={"Ticker": "symbol"})
    assert rows(db, "SELECT * FROM daily_bars ORDER BY symbol, date") == before
    assert second.rows_new == 0 and second.rows_updated == first.rows_written
    assert second.instruments_added == 0
    bars_csv.write_text(BARS_CSV.replace("2024-01-02,ACME,10.0,11.0,9.5,10.5,1000",
                                         "2024-01-02,ACME,10.0,11.0,9.5,10.75,1000"))
    import_file(bars_csv, table="daily_bars", db_url=str(db), mapping={"Ticker": "symbol"})
    assert rows(db, "SELECT close FROM daily_bars WHERE symbol = 'ACME' AND date = '2024-01-02'") == [(10.75,)]
    assert rows(db, "SELECT count(*) FROM daily_bars") == [(4,)]


def test_missing_columns_are_named_with_the_files_columns(bars_csv, tmp_path):
    with pytest.raises(BadInputError) as info:
        import_file(bars_csv, table="daily_bars", db_url=str(tmp_path / "x.duckdb"))
    message = str(info.value)
    assert "symbol" in message and "Ticker" in message and "--map" in message
    assert not (tmp_path / "x.duckdb").exists()  # nothing written


@pytest.mark.parametrize("call, error, text", [
    (dict(table="daily_bars", mapping={"Nope": "symbol"}), UnknownNameError, "no column 'Nope'"),
    (dict(table="daily_bars", mapping={"Ticker": "ticker_symbol"}), UnknownNameError, "no column 'ticker_symbol'"),
    (dict(table="prices", mapping={}), UnknownNameError, "Unknown table 'prices'"),
])
def test_bad_arguments_get_clear_messages(bars_csv, tmp_path, call, error, text):
    with pytest.raises(error, match=text):
        import_file(bars_csv, db_url=str(tmp_path / "x.duckdb"), **call)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(UnknownNameError, match="No such file"):
        import_file(tmp_path / "absent.csv", table="daily_bars", db_url=str(tmp_path / "x.duckdb"))
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    with pytest.raises(BadInputError):
        import_file(binary, table="daily_bars", db_url=str(tmp_path / "x.duckdb"))


@pytest.mark.parametrize("pairs, expected", [
    (["Name=symbol"], {"Name": "symbol"}),
    (["A = b", "C=d"], {"A": "b", "C": "d"}),
])
def test_parse_mapping(pairs, expected):
    assert parse_mapping(pairs) == expected


@pytest.mark.parametrize("bad", ["Name", "=symbol", "Name="])
def test_parse_mapping_rejects_malformed_pairs(bad):
    with pytest.raises(BadInputError, match="Source=target"):
        parse_mapping([bad])


def test_parquet_into_sqlite(tmp_path):
    frame = pd.DataFrame({
        "symbol": ["ACME", "ACME", "BETA"],
        "date": pd.to_datetime(["2024-02-01", "2024-02-02", "2024-02-01"]).date,
        "open": [1.0, 2.0, 3.0], "high": [1.5, 2.5, 3.5], "low": [0.5, 1.5, 2.5],
        "close": [1.2, 2.2, 3.2], "volume": [10, 20, 30],
    })
    path = tmp_path / "bars.parquet"
    frame.to_parquet(path)
    url = f"sqlite:///{tmp_path / 'mine.sqlite'}"
    report = import_file(path, table="daily_bars", db_url=url)
    assert report.rows_written == 3 and report.rows_new == 3 and report.instruments_added == 2
    again = import_file(path, table="daily_bars", db_url=url)
    assert again.rows_new == 0
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT symbol, date, close, typeof(date) FROM daily_bars "
                                   "ORDER BY symbol, date")).fetchall()
    engine.dispose()
    assert got == [("ACME", "2024-02-01", 1.2, "text"), ("ACME", "2024-02-02", 2.2, "text"),
                   ("BETA", "2024-02-01", 3.2, "text")]


@pytest.fixture
def pg_url(postgres_url):
    """A fresh PostgreSQL schema for one test; skips when PostgreSQL is absent."""
    PG_URL = postgres_url
    schema = f"tradeassist_import_{os.getpid()}"
    engine = sa.create_engine(sqlalchemy_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.mark.postgres
def test_gzipped_csv_into_postgres(pg_url, tmp_path, instruments_csv):
    path = tmp_path / "bars.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(BARS_CSV)
    report = import_file(path, table="daily_bars", db_url=pg_url, mapping={"Ticker": "symbol"},
                         instruments_file=instruments_csv)
    assert report.rows_written == 4 and report.rows_new == 4 and report.instruments_added == 2
    again = import_file(path, table="daily_bars", db_url=pg_url, mapping={"Ticker": "symbol"})
    assert again.rows_new == 0 and again.rows_updated == 4
    engine = sa.create_engine(sqlalchemy_url(pg_url))
    try:
        with engine.connect() as conn:
            got = conn.execute(sa.text(
                "SELECT symbol, date::text, close FROM daily_bars ORDER BY 1, 2")).fetchall()
            names = conn.execute(sa.text("SELECT symbol, name, sector FROM instruments ORDER BY 1")).fetchall()
        keys = sa.inspect(engine).get_foreign_keys("daily_bars")
    finally:
        engine.dispose()
    assert got == [("ACME", "2024-01-02", 10.5), ("ACME", "2024-01-03", 11.0),
                   ("ZETA", "2024-01-02", 51.0), ("ZETA", "2024-01-03", 52.0)]
    assert names == [("ACME", "Acme Corporation", "Industrials"), ("ZETA", "ZETA", "Unknown")]
    assert keys[0]["referred_table"] == "instruments"


def test_import_writes_only_the_named_tables(demo_duckdb, tmp_path, bars_csv):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_duckdb, db)
    with duckdb.connect(str(db), read_only=True) as conn:
        before = table_checksums(conn)
    report = import_file(bars_csv, table="daily_bars", db_url=str(db), mapping={"Ticker": "symbol"})
    with duckdb.connect(str(db), read_only=True) as conn:
        after = table_checksums(conn)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"daily_bars", "instruments"}
    assert report.instruments_added == 2 and report.rows_new == 4


def test_one_instrument_file_with_symbol_option(tmp_path):
    path = tmp_path / "index.csv"
    path.write_text("DATE,OPEN,HIGH,LOW,CLOSE\n2024-01-02,13.2,14.0,12.9,13.5\n"
                    "2024-01-03,13.5,13.9,13.0,13.1\n")
    db = tmp_path / "index.duckdb"
    with pytest.raises(BadInputError, match="--symbol"):
        import_file(path, table="daily_bars", db_url=str(db))
    report = import_file(path, table="daily_bars", db_url=str(db), symbol="vix")
    assert report.rows_written == 2 and report.filled == {"volume": 0, "symbol": "VIX"}
    assert rows(db, "SELECT symbol, close, volume FROM daily_bars ORDER BY date") == [
        ("VIX", 13.5, 0), ("VIX", 13.1, 0)]
    with pytest.raises(BadInputError, match="ticker"):
        import_file(path, table="daily_bars", db_url=str(db), symbol="x'; drop table t;--")


def test_symbol_option_conflicts_with_a_symbol_column(bars_csv, tmp_path):
    with pytest.raises(BadInputError, match="already has a symbol column"):
        import_file(bars_csv, table="daily_bars", db_url=str(tmp_path / "x.duckdb"),
                    mapping={"Ticker": "symbol"}, symbol="ACME")


def test_reimport_into_a_referenced_table(demo_duckdb, tmp_path):
    # Orders are referenced by trades: unchanged rows are left alone; DuckDB cannot rewrite a
    # referenced row, so a change to one is refused with a clear message and nothing written.
    db = tmp_path / "orders.duckdb"
    shutil.copy(demo_duckdb, db)
    export = tmp_path / "orders.csv"
    query = "SELECT * FROM orders WHERE order_id <= 50 ORDER BY order_id"
    with duckdb.connect(str(db), read_only=True) as conn:
        conn.sql(query).write_csv(str(export))
        before = conn.execute(query).fetchall()
    report = import_file(export, table="orders", db_url=str(db))
    assert report.rows_written == 50 and report.rows_new == 0
    traded = rows(db, "SELECT min(order_id) FROM trades")[0][0]
    frame_ = pd.read_csv(export)
    frame_.loc[frame_["order_id"] == traded, "order_type"] = "stop"
    frame_.to_csv(export, index=False)
    with pytest.raises(DataSourceError, match="other tables reference"):
        import_file(export, table="orders", db_url=str(db))
    assert rows(db, query) == before


def test_instruments_table_import_uses_defaults(instruments_csv, tmp_path):
    db = tmp_path / "names.duckdb"
    report = import_file(instruments_csv, table="instruments", db_url=str(db))
    assert report.rows_written == 2
    assert rows(db, "SELECT symbol, asset_class, currency, sector FROM instruments ORDER BY 1") == [
        ("ACME", "equity", "USD", "Industrials"), ("OTHER", "equity", "USD", "Energy")]


def test_sp500_file_imports_in_one_call(shared_data, tmp_path):
    db = tmp_path / "sp500.duckdb"
    market = shared_data / "market"
    report = import_file(market / "sp500_daily_2013_2018.csv.gz", table="daily_bars", db_url=str(db),
                         mapping={"Name": "symbol"},
                         instruments_file=market / "sp500_constituents_2018.csv")
    assert report.rows_read == 619_040
    assert report.rows_written + report.rows_skipped == 619_040
    assert report.skipped["blank or invalid open"] == 11  # the file's 11 rows with blank fields
    assert 11 <= report.rows_skipped <= 40
    assert report.instruments_added == 505
    assert rows(db, "SELECT count(*), count(DISTINCT symbol), min(date)::VARCHAR, max(date)::VARCHAR "
                    "FROM daily_bars") == [(report.rows_written, 505, "2013-02-08", "2018-02-07")]
    assert rows(db, "SELECT name, sector FROM instruments WHERE symbol = 'AAPL'") == [
        ("Apple Inc.", "Information Technology")]
    assert rows(db, "SELECT count(*) FROM instruments WHERE sector = 'Unknown'")[0][0] == 505 - 498


def test_cli_import_and_demo(tmp_path, bars_csv, monkeypatch):
    from tradeassist.cli.app import app

    runner = CliRunner()
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["data", "import", str(bars_csv), "--table", "daily_bars",
                                 "--map", "Ticker=symbol", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "rows written" in result.output and "duplicate key" in result.output
    assert rows(db, "SELECT count(*) FROM daily_bars") == [(4,)]

    demo = tmp_path / "demo.duckdb"
    result = runner.invoke(app, ["demo", "--db", str(demo)])
    assert result.exit_code == 0, result.output
    assert "onchain_transfers" in result.output and "2026-11-20" in result.output
    result = runner.invoke(app, ["demo", "--db", str(demo)])
    assert result.exit_code != 0 and "--force" in str(result.exception)
    result = runner.invoke(app, ["demo", "--db", str(demo), "--if-missing"])
    assert result.exit_code == 0 and "already exists" in result.output

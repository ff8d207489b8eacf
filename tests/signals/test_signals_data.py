"""Reading bars read-only from DuckDB, SQLite and PostgreSQL gives the same frame."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.errors import DataSourceError, UnknownNameError
from signals.data import load_bars, load_instruments, load_table


def _sample(url: str) -> pd.DataFrame:
    return load_bars(url, symbols=["AAPL", "BTC"], start=dt.date(2026, 6, 1))


def test_duckdb_bars_are_clean_and_filtered(demo_duckdb):
    bars = _sample(str(demo_duckdb))
    assert set(bars["symbol"]) == {"AAPL", "BTC"}
    assert bars["date"].min() >= pd.Timestamp("2026-06-01")
    assert list(bars.columns) == ["symbol", "date", "open", "high", "low", "close", "volume"]
    assert bars.groupby("symbol")["date"].is_monotonic_increasing.all()
    # Crypto trades every day, equities on weekdays.
    assert bars.loc[bars["symbol"] == "BTC", "date"].dt.day_of_week.max() == 6
    assert bars.loc[bars["symbol"] == "AAPL", "date"].dt.day_of_week.max() <= 4
    instruments = load_instruments(str(demo_duckdb))
    assert "Information Technology" in set(instruments["sector"])
    assert load_table(str(demo_duckdb), "onchain_transfers") is not None
    assert load_table(str(demo_duckdb), "no_such_table") is None


def test_sqlite_matches_duckdb(demo_duckdb, demo_sqlite):
    pd.testing.assert_frame_equal(_sample(demo_sqlite), _sample(str(demo_duckdb)), check_dtype=False)


@pytest.mark.postgres
def test_postgres_matches_duckdb(demo_duckdb, demo_postgres):
    pd.testing.assert_frame_equal(_sample(demo_postgres), _sample(str(demo_duckdb)), check_dtype=False)


def test_reading_is_read_only(demo_duckdb, demo_sqlite, tmp_path):
    import duckdb

    from signals.data import BarReader

    reader = BarReader(str(demo_duckdb))
    try:
        with pytest.raises(duckdb.Error):
            reader._duck().execute("CREATE TABLE scratch (x INTEGER)")
    finally:
        reader.close()
    import sqlalchemy as sa

    sqlite_reader = BarReader(demo_sqlite)
    with pytest.raises(sa.exc.OperationalError, match="readonly"):
        with sqlite_reader._sa_engine().begin() as conn:
            conn.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
    sqlite_reader.close()


def test_clear_errors(demo_duckdb, tmp_path):
    with pytest.raises(UnknownNameError, match="ZZZZ"):
        load_bars(str(demo_duckdb), symbols=["ZZZZ"])
    with pytest.raises(DataSourceError, match="does not exist"):
        load_bars(str(tmp_path / "missing.duckdb"))

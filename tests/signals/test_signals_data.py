"""Reading bars read-only from DuckDB, SQLite and PostgreSQL gives the same frame."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tradeassist.core.errors import DataSourceError, UnknownNameError, UnsafeSqlError
from tradeassist.signals.data import BarReader, load_bars, load_instruments, load_table


def _sample(url: str, settings) -> pd.DataFrame:
    with BarReader.open(url, settings) as reader:
        return load_bars(reader, symbols=["AAPL", "BTC"], start=dt.date(2026, 6, 1))


def test_duckdb_bars_are_clean_and_filtered(demo_duckdb, settings):
    bars = _sample(str(demo_duckdb), settings)
    assert set(bars["symbol"]) == {"AAPL", "BTC"}
    assert bars["date"].min() >= pd.Timestamp("2026-06-01")
    assert list(bars.columns) == ["symbol", "date", "open", "high", "low", "close", "volume"]
    assert bars.groupby("symbol")["date"].is_monotonic_increasing.all()
    # Crypto trades every day, equities on weekdays.
    assert bars.loc[bars["symbol"] == "BTC", "date"].dt.day_of_week.max() == 6
    assert bars.loc[bars["symbol"] == "AAPL", "date"].dt.day_of_week.max() <= 4
    with BarReader.open(str(demo_duckdb), settings) as reader:
        instruments = load_instruments(reader)
        assert "Information Technology" in set(instruments["sector"])
        assert load_table(reader, "onchain_transfers") is not None
        assert load_table(reader, "no_such_table") is None


def test_whole_tables_are_read_past_the_question_row_cap(demo_duckdb, settings):
    """Bars are read whole: the row cap for answers to questions does not cut them short."""
    assert settings.sql_max_rows < 50_000
    with BarReader.open(str(demo_duckdb), settings) as reader:
        assert len(load_bars(reader)) > settings.sql_max_rows


def test_sqlite_matches_duckdb(demo_duckdb, demo_sqlite, settings):
    pd.testing.assert_frame_equal(_sample(demo_sqlite, settings), _sample(str(demo_duckdb), settings),
                                  check_dtype=False)


@pytest.mark.postgres
def test_postgres_matches_duckdb(demo_duckdb, demo_postgres, settings):
    pd.testing.assert_frame_equal(_sample(demo_postgres, settings), _sample(str(demo_duckdb), settings),
                                  check_dtype=False)


@pytest.mark.parametrize("which", ["duckdb", "sqlite"])
def test_reading_is_read_only(demo_duckdb, demo_sqlite, settings, which):
    url = str(demo_duckdb) if which == "duckdb" else demo_sqlite
    with BarReader.open(url, settings) as reader:
        # The guard refuses a write, and so does the read-only connection below it.
        with pytest.raises(UnsafeSqlError):
            reader.executor.run_sql("CREATE TABLE scratch (x INTEGER)")
        with pytest.raises(DataSourceError):
            reader.executor.database.query("CREATE TABLE scratch (x INTEGER)")
        assert "scratch" not in reader.executor.database.schema()


def test_clear_errors(demo_duckdb, tmp_path, settings):
    with BarReader.open(str(demo_duckdb), settings) as reader:
        with pytest.raises(UnknownNameError, match="ZZZZ"):
            load_bars(reader, symbols=["ZZZZ"])
    with pytest.raises(DataSourceError, match="does not exist"):
        BarReader.open(str(tmp_path / "missing.duckdb"), settings)

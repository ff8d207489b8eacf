"""Database connections: opening and errors, introspection, read-only enforcement below the guard,
DataFrames as tables, and concurrent use."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
import tempfile
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from checksums import database_checksum, file_digest, files_under, leftover_objects
from hostile_sql import hostile_statements

from tradeassist.core.errors import ConfigError, DataSourceError
from tradeassist.sql.db.database import Database
from tradeassist.sql.catalog.schema import ForeignKey

SECRET = "ta-sentinel-4b1e-connection-level"
PROBE = "ta_hostile_probe"


# ---------------------------------------------------------------------- fixtures
@pytest.fixture()
def small_files(tmp_path):
    """A tiny DuckDB file and SQLite file with a view and a foreign key."""
    ddl = (
        "CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, desk VARCHAR);"
        "CREATE TABLE trades (trade_id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts (account_id),"
        " price DECIMAL(18, 4), executed_at TIMESTAMP, done BOOLEAN, day DATE);"
        "INSERT INTO accounts VALUES (1, 'Crypto'), (2, 'Macro');"
        "INSERT INTO trades VALUES (10, 1, 12.5, '2026-11-19 10:00:00', TRUE, '2026-11-19');"
        "CREATE VIEW big_trades AS SELECT * FROM trades WHERE price > 10;"
    )
    duck = tmp_path / "small.duckdb"
    with duckdb.connect(str(duck)) as connection:
        connection.execute(ddl)
    lite = tmp_path / "small.sqlite"
    connection = sqlite3.connect(lite)
    connection.executescript(ddl)
    connection.commit()
    connection.close()
    return {"duckdb": str(duck), "sqlite": f"sqlite:///{lite}"}


@pytest.fixture()
def outside():
    """A world-writable folder with a world-readable sentinel file (see test_executor)."""
    folder = Path(tempfile.mkdtemp(prefix="ta-conn-"))
    os.chmod(folder, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    sentinel = folder / "sentinel.csv"
    sentinel.write_text(f"secret\n{SECRET}\n")
    os.chmod(sentinel, 0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------- connecting
@pytest.mark.parametrize(
    ("target", "error", "fragment"),
    [
        ("{tmp}/missing.duckdb", DataSourceError, "No database file at"),
        ("{tmp}/missing.db", DataSourceError, "No database file at"),
        ("{tmp}/missing", DataSourceError, "No database file at"),
        ("duckdb:///{tmp}/missing.duckdb", DataSourceError, "No DuckDB database file"),
        ("sqlite:///{tmp}/missing.sqlite", DataSourceError, "No SQLite database file"),
        ("{tmp}", DataSourceError, "is a folder"),
        ("{tmp}/notes.txt", DataSourceError, "neither a DuckDB nor a SQLite"),
        ("postgresql://:::nonsense", ConfigError, "Malformed database URL"),
        ("nosuchdb://host/db", ConfigError, "Unknown database kind"),
        ("", ConfigError, "No database given"),
        ("duckdb:///:memory:", ConfigError, "in-memory"),
        ("sqlite://", ConfigError, "in-memory"),
    ],
)
def test_connect_errors_are_clear_and_create_nothing(tmp_path, target, error, fragment):
    (tmp_path / "notes.txt").write_text("not a database")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(error) as caught:
        Database.connect(target.replace("{tmp}", str(tmp_path)))
    assert fragment in str(caught.value)
    assert sorted(os.listdir(tmp_path)) == before


def test_unreachable_postgres_is_a_clear_data_source_error():
    with pytest.raises(DataSourceError) as caught:
        Database.connect("postgresql://postgres:hunter2@127.0.0.1:1/test")
    message = str(caught.value)
    assert "Cannot connect to PostgreSQL" in message and "127.0.0.1" in message
    assert "hunter2" not in message


def test_files_are_recognised_by_content(small_files, tmp_path):
    renamed = tmp_path / "data.bin"
    shutil.copyfile(small_files["sqlite"].split("sqlite:///", 1)[1], renamed)
    with Database.connect(str(renamed)) as db:
        assert db.dialect == "sqlite"
    with Database.connect(f"duckdb:///{small_files['duckdb']}") as db:
        assert db.dialect == "duckdb"


# ---------------------------------------------------------------------- introspection
@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_schema_has_tables_views_keys_and_kinds(small_files, kind):
    with Database.connect(small_files[kind]) as db:
        schema = db.schema()
        assert db.schema() is schema  # cached
    assert set(schema.tables) == {"accounts", "trades", "big_trades"}
    trades = schema.table("TRADES")
    assert trades.primary_key == ("trade_id",)
    assert trades.foreign_keys == (ForeignKey(("account_id",), "accounts", ("account_id",)),)
    assert schema.table("big_trades").is_view
    kinds = {name: column.kind for name, column in trades.columns.items()}
    assert kinds == {
        "trade_id": "integer",
        "account_id": "integer",
        "price": "number",
        "executed_at": "timestamp",
        "done": "boolean",
        "day": "date",
    }


def test_demo_schema_on_every_dialect(db_url):
    with Database.connect(db_url) as db:
        schema = db.schema()
    for table in ("instruments", "daily_bars", "accounts", "orders", "trades", "positions", "onchain_transfers"):
        assert table in schema
    assert schema.column("trades", "price").kind == "number"
    assert schema.column("trades", "executed_at").kind == "timestamp"
    assert schema.column("daily_bars", "date").kind == "date"
    assert schema.column("accounts", "account_id").kind == "integer"
    assert schema.column("instruments", "symbol").kind == "text"
    references = {(fk.columns, fk.ref_table) for fk in schema.table("trades").foreign_keys}
    assert (("account_id",), "accounts") in references


# ---------------------------------------------------------------------- read-only below the guard
WRITES = [
    "DELETE FROM trades",
    "UPDATE accounts SET desk = 'x'",
    "INSERT INTO accounts (account_id, name, desk, strategy, opened_on) VALUES (999, 'x', 'x', 'x', '2026-01-01')",
    "CREATE TABLE ta_hostile_probe_w (a INTEGER)",
    "DROP TABLE positions",
    "ALTER TABLE trades ADD COLUMN ta_hostile_probe_c INTEGER",
    "SELECT 1; DELETE FROM trades",
]


def test_writes_fail_at_the_connection_level(db_url):
    before = database_checksum(db_url)
    with Database.connect(db_url) as db:
        for sql in WRITES:
            with pytest.raises(DataSourceError):
                db.query(sql, timeout_s=5, max_rows=10)
            assert db.query("SELECT count(*) AS n FROM accounts", timeout_s=5, max_rows=10).row_count == 1
    assert database_checksum(db_url) == before


def test_hostile_corpus_straight_into_the_connection(db_url, outside, caplog):
    """Even with the guard bypassed, nothing writes, reads files or leaves objects behind."""
    caplog.set_level(logging.ERROR)
    is_file = not db_url.startswith("postgresql")
    db_file = Path(db_url.split("sqlite:///", 1)[-1]) if is_file else None
    watched = [outside] + ([db_file.parent] if db_file else [])
    before_sum = database_checksum(db_url)
    before_bytes = file_digest(db_file) if db_file else None
    before_files = files_under(*watched)
    leaks: list[str] = []
    count = 0
    with Database.connect(db_url) as db:
        for case in hostile_statements():
            if case.category in ("memory", "resource"):
                continue  # bombs are the guard's and the time limit's job, tested in test_executor
            sql = case.render(str(outside / "sentinel.csv"), str(outside), PROBE)
            count += 1
            try:
                result = db.query(sql, timeout_s=0.5, max_rows=50)
            except DataSourceError:
                continue
            text = result.frame.to_csv(index=False)
            if SECRET in text:
                leaks.append(sql)
    assert count >= 500
    assert not leaks, leaks
    assert database_checksum(db_url) == before_sum
    if db_file:
        assert file_digest(db_file) == before_bytes
    assert files_under(*watched) == before_files, "files appeared or changed"
    if not is_file:
        assert leftover_objects(db_url, PROBE) == []


# ---------------------------------------------------------------------- DataFrames
def test_from_frames_is_queryable_and_locked(outside):
    frames = {
        "prices": pd.DataFrame({"symbol": ["AAPL", "MSFT"], "close": [190.5, 410.0]}),
        'odd "name"': pd.DataFrame({"n": [1, 2, 3]}),
    }
    with Database.from_frames(frames) as db:
        assert db.dialect == "duckdb"
        schema = db.schema()
        assert schema.column("prices", "close").kind == "number"
        assert schema.column("prices", "symbol").kind == "text"
        assert 'odd "name"' in schema
        result = db.query("SELECT sum(close) AS total FROM prices", timeout_s=5, max_rows=10)
        assert result.frame["total"].iloc[0] == pytest.approx(600.5)
        for sql in (
            "DELETE FROM prices",
            "CREATE TABLE x AS SELECT 1",
            "SET enable_external_access = true",
            f"SELECT * FROM read_csv('{outside / 'sentinel.csv'}')",
            "ATTACH ':memory:' AS other",
        ):
            with pytest.raises(DataSourceError):
                db.query(sql, timeout_s=5, max_rows=10)
        assert db.query("SELECT count(*) AS n FROM prices", timeout_s=5, max_rows=10).frame["n"].iloc[0] == 2


@pytest.mark.parametrize("frames", [{}, {"x": [1, 2]}, {"": pd.DataFrame({"a": [1]})}])
def test_from_frames_rejects_bad_input(frames):
    with pytest.raises(ConfigError):
        Database.from_frames(frames)


# ---------------------------------------------------------------------- concurrency and lifecycle
def test_concurrent_queries_from_threads(db_url):
    with Database.connect(db_url) as db:
        expected = db.query("SELECT count(*) AS n FROM trades", timeout_s=10, max_rows=1).frame["n"].iloc[0]
        errors: list[BaseException] = []
        answers: list[int] = []

        def work() -> None:
            try:
                for _ in range(10):
                    frame = db.query("SELECT count(*) AS n FROM trades", timeout_s=10, max_rows=1).frame
                    answers.append(int(frame["n"].iloc[0]))
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert answers == [expected] * 60


def test_closed_database_refuses_queries(small_files):
    db = Database.connect(small_files["duckdb"])
    db.close()
    with pytest.raises(DataSourceError):
        db.query("SELECT 1", timeout_s=5, max_rows=1)


def test_numeric_values_arrive_as_floats(small_files):
    with Database.connect(small_files["duckdb"]) as db:
        frame = db.query("SELECT price FROM trades", timeout_s=5, max_rows=5).frame
    assert frame["price"].dtype == "float64" and frame["price"].iloc[0] == 12.5


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_checksum_notices_any_change(small_files, kind):
    url = small_files[kind]
    before = database_checksum(url)
    assert database_checksum(url) == before
    if kind == "duckdb":
        with duckdb.connect(url) as connection:
            connection.execute("UPDATE trades SET price = 12.5001")
    else:
        connection = sqlite3.connect(url.split("sqlite:///", 1)[1])
        connection.execute("UPDATE trades SET price = 12.5001")
        connection.commit()
        connection.close()
    assert database_checksum(url) != before


def test_postgres_url_with_psycopg_driver_and_search_path(demo_postgres):
    with Database.connect(demo_postgres.replace("postgresql://", "postgresql+psycopg://", 1)) as db:
        assert db.dialect == "postgres"
        assert "trades" in db.schema()
        frame = db.query("SELECT count(*) AS n FROM trades", timeout_s=5, max_rows=1).frame
        assert int(frame["n"].iloc[0]) > 0


def test_row_cap_streams_without_computing_everything(db_url):
    """A three-billion-row cross join with no LIMIT still returns the capped rows at once."""
    with Database.connect(db_url) as db:
        result = db.query("SELECT a.symbol, b.close FROM daily_bars a, daily_bars b", timeout_s=10, max_rows=100)
    assert result.row_count == 100 and result.truncated


def test_timeout_in_one_thread_leaves_others_alone(db_url):
    with Database.connect(db_url) as db:
        outcome: dict[str, object] = {}

        def bomb() -> None:
            try:
                db.query("SELECT count(*) FROM daily_bars a, daily_bars b, daily_bars c", timeout_s=1.0, max_rows=1)
                outcome["bomb"] = "finished"
            except DataSourceError as exc:
                outcome["bomb"] = str(exc)

        thread = threading.Thread(target=bomb)
        thread.start()
        counts = [
            int(db.query("SELECT count(*) AS n FROM accounts", timeout_s=5, max_rows=1).frame["n"].iloc[0])
            for _ in range(20)
        ]
        thread.join()
    assert "1 s limit" in str(outcome["bomb"])
    assert len(set(counts)) == 1 and counts[0] > 0

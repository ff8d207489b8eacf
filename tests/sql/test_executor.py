"""The executor on DuckDB, SQLite and PostgreSQL: same answers, row caps, time limits, errors,
and the hostile corpus run through guard and executor with every database proven unchanged."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from checksums import database_checksum, file_digest, files_under, leftover_objects
from hostile_sql import hostile_statements

from tradeassist.core.errors import DataSourceError, UnsafeSqlError
from tradeassist.core.settings import Settings
from tradeassist.sql.db.database import Database
from tradeassist.sql.db.executor import Executor, QueryResult
from tradeassist.sql.db.urls import local_file



@pytest.fixture(scope="module")
def database(db_url):
    """A read-only connection to the demo data, closed after the module."""
    db = Database.connect(db_url)
    yield db
    db.close()


def settings_for(tmp_path: Path, **overrides) -> Settings:
    return Settings(home=tmp_path / "home", **overrides)


SAME_ANSWER = [
    "SELECT count(*) AS n FROM trades",
    "SELECT desk, count(*) AS n FROM accounts GROUP BY desk ORDER BY desk",
    "SELECT i.sector, count(DISTINCT t.symbol) AS symbols FROM trades t JOIN instruments i ON i.symbol = t.symbol GROUP BY i.sector ORDER BY i.sector",
    "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC, status",
    "WITH per_symbol AS (SELECT symbol, max(close) AS top FROM daily_bars GROUP BY symbol) SELECT count(*) AS n FROM per_symbol WHERE top > 100",
    "SELECT symbol FROM trades UNION SELECT symbol FROM positions ORDER BY symbol",
    "SELECT symbol, rank FROM (SELECT symbol, RANK() OVER (ORDER BY sum(quantity) DESC) AS rank FROM positions GROUP BY symbol) r WHERE rank <= 3 ORDER BY rank, symbol",
]


@pytest.fixture(scope="module")
def duckdb_answers(private_dbs):
    """The reference answers, computed on DuckDB."""
    db = Database.connect(private_dbs["duckdb"])
    try:
        executor = Executor(db, Settings())
        return {sql: executor.run_sql(sql)[1].frame.round(6).values.tolist() for sql in SAME_ANSWER}
    finally:
        db.close()


@pytest.mark.parametrize("sql", SAME_ANSWER)
def test_same_question_same_answer_on_every_dialect(database, duckdb_answers, sql, tmp_path):
    guarded, result = Executor(database, settings_for(tmp_path)).run_sql(sql)
    assert isinstance(result, QueryResult) and guarded.sql.endswith("LIMIT 1000")
    assert result.frame.round(6).values.tolist() == duckdb_answers[sql]
    assert result.row_count == len(result.frame) and not result.truncated and result.elapsed_ms >= 0


def test_row_cap_marks_truncated(database, tmp_path):
    executor = Executor(database, settings_for(tmp_path, sql_default_limit=25, sql_max_rows=40))
    guarded, result = executor.run_sql("SELECT * FROM trades")
    assert guarded.limit == 25 and result.row_count == 25 and result.truncated
    guarded, result = executor.run_sql("SELECT * FROM trades LIMIT 100000")
    assert guarded.limit == 40 and result.row_count == 40 and result.truncated
    guarded, result = executor.run_sql("SELECT * FROM trades LIMIT 10")
    assert result.row_count == 10 and not result.truncated  # asked for 10, got 10
    guarded, result = executor.run_sql("SELECT * FROM accounts")
    assert result.row_count < 25 and not result.truncated


def test_timeout_stops_the_query_and_says_how_to_change_it(database, tmp_path):
    executor = Executor(database, settings_for(tmp_path, sql_timeout_s=0.3))
    with pytest.raises(DataSourceError) as caught:
        executor.run_sql("SELECT count(*) FROM daily_bars a, daily_bars b, daily_bars c")
    assert "0.3 s" in str(caught.value) and "TRADEASSIST_SQL_TIMEOUT_S" in str(caught.value)
    # The connection is still usable afterwards.
    assert executor.run_sql("SELECT count(*) AS n FROM accounts")[1].row_count == 1


def test_database_errors_carry_the_database_message(database, tmp_path):
    executor = Executor(database, settings_for(tmp_path))
    # Passes the guard (the column exists) but every database rejects substr with one argument.
    with pytest.raises(DataSourceError) as caught:
        executor.run_sql("SELECT substr(symbol) FROM trades")
    assert "substr" in str(caught.value).lower()


def test_run_refuses_unguarded_sql(database, tmp_path):
    with pytest.raises(UnsafeSqlError):
        Executor(database, settings_for(tmp_path)).run("SELECT * FROM trades")  # type: ignore[arg-type]


def test_run_sql_refuses_before_running(database, tmp_path):
    with pytest.raises(UnsafeSqlError, match="this is a DELETE"):
        Executor(database, settings_for(tmp_path)).run_sql("DELETE FROM trades")


# ---------------------------------------------------------------------- the hostile corpus
SECRET = "ta-sentinel-7f3c9e1d-never-leaks"
PROBE = "ta_hostile_probe"


@pytest.fixture()
def outside():
    """A world-writable folder outside the test's databases, holding a world-readable sentinel.

    Permissions are open on purpose: if an attack could make the PostgreSQL server (another OS
    user) read or write here, it would succeed, so only our defences can stop it.
    """
    folder = Path(tempfile.mkdtemp(prefix="ta-hostile-"))
    os.chmod(folder, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    sentinel = folder / "sentinel.csv"
    sentinel.write_text(f"secret\n{SECRET}\n")
    os.chmod(sentinel, 0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def frame_text(result: QueryResult) -> str:
    return result.frame.to_csv(index=False) + " ".join(map(str, result.frame.columns))


def test_hostile_corpus_is_large_and_varied():
    cases = hostile_statements()
    assert len(cases) >= 500
    assert len({case.category for case in cases}) >= 12


def test_hostile_corpus_through_guard_and_executor(db_url, outside, tmp_path, caplog):
    """Every hostile statement is refused, or (harmless reads and bombs) held by LIMIT and time."""
    caplog.set_level(logging.ERROR)
    db_file = local_file(db_url)
    watched = [outside] + ([db_file.parent] if db_file else [])
    before_sum = database_checksum(db_url)
    before_bytes = file_digest(db_file) if db_file else None
    before_files = files_under(*watched)

    settings = settings_for(tmp_path, sql_timeout_s=0.5, sql_max_rows=200, sql_default_limit=100)
    database = Database.connect(db_url)
    executor = Executor(database, settings)
    unexpected: list[str] = []
    refused = ran = 0
    try:
        for case in hostile_statements():
            sql = case.render(str(outside / "sentinel.csv"), str(outside), PROBE)
            try:
                guarded = executor.guard(sql)
            except UnsafeSqlError as exc:
                refused += 1
                assert str(exc), sql
                continue
            if not case.may_pass:
                unexpected.append(f"guard let through [{case.category}] {sql[:120]!r} as {guarded.sql[:120]!r}")
                continue
            assert guarded.limit <= settings.sql_max_rows
            try:
                result = executor.run(guarded)
            except DataSourceError:
                continue  # the time limit or the database stopped it
            ran += 1
            assert result.row_count <= settings.sql_max_rows
            assert SECRET not in frame_text(result), sql
    finally:
        database.close()

    assert not unexpected, "\n".join(unexpected)
    assert refused + ran >= 450
    assert database_checksum(db_url) == before_sum
    if db_file:
        assert file_digest(db_file) == before_bytes
    assert files_under(*watched) == before_files, "files appeared or changed"
    if db_url.startswith("postgresql"):
        assert leftover_objects(db_url, PROBE) == []

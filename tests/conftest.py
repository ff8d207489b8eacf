"""Shared fixtures: real databases (DuckDB file, SQLite file, PostgreSQL) holding the demo data."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

#: The pinned date the evaluation conventions use; every test sees the same demo data.
TODAY = dt.date(2026, 11, 20)
PG_URL = os.environ.get("TRADEASSIST_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"

os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No test reads the developer's own settings or state."""
    for key in list(os.environ):
        if key.startswith("TRADEASSIST_") and not key.startswith("TRADEASSIST_TEST_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("TRADEASSIST_TODAY", TODAY.isoformat())


@pytest.fixture
def settings(tmp_path):
    """Settings with a private home folder and the pinned date, pointing at no database yet."""
    from tradeassist.core.settings import Settings

    return Settings(home=tmp_path / "home", today=TODAY)


@pytest.fixture(scope="session")
def demo_duckdb(tmp_path_factory) -> Path:
    """The demo trading database as a DuckDB file, built once per test session."""
    from tradeassist.sql.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, today=TODAY, scale=1)
    return path


@pytest.fixture(scope="session")
def demo_sqlite(demo_duckdb, tmp_path_factory) -> str:
    """The same demo data copied into a SQLite file; returns its SQLAlchemy URL."""
    from tradeassist.sql.demo.build import export_database

    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'demo.sqlite'}"
    export_database(demo_duckdb, url)
    return url


def postgres_reachable(url: str = PG_URL) -> str | None:
    """None when PostgreSQL answers at ``url``, else the reason it does not."""
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "skip", with the reason shown
        return f"PostgreSQL not reachable at {url}: {type(exc).__name__}: {exc}"[:300]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL server's URL; skips when it does not answer."""
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    return PG_URL


@pytest.fixture(scope="session")
def demo_postgres(demo_duckdb):
    """The same demo data in PostgreSQL, in a schema of this test run; skips when PG is absent."""
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    import sqlalchemy as sa

    from tradeassist.sql.demo.build import export_database

    # One schema per test process, so parallel runs never see each other's tables.
    schema = f"tradeassist_demo_{os.getpid()}"
    export_database(demo_duckdb, PG_URL, schema=schema)
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data when present; tests that need it skip cleanly otherwise."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is absent")
    return path

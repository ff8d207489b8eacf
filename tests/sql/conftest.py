"""Fixtures of the sql tests: private copies of the demo data in each dialect."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tradeassist.core.settings import Settings

DIALECTS = ("duckdb", "sqlite", "postgres")
TODAY = dt.date(2026, 11, 20)  # the pinned date of tests/conftest.py


@pytest.fixture(scope="module")
def private_dbs(tmp_path_factory, demo_duckdb, demo_sqlite):
    """Private copies of the demo DuckDB and SQLite files, so nothing here can disturb other tests."""
    folder = tmp_path_factory.mktemp("private_dbs")
    duck = folder / "demo.duckdb"
    shutil.copyfile(demo_duckdb, duck)
    lite = folder / "demo.sqlite"
    shutil.copyfile(demo_sqlite.split("sqlite:///", 1)[1], lite)
    return {"duckdb": str(duck), "sqlite": f"sqlite:///{lite}"}


@pytest.fixture(scope="module", params=DIALECTS)
def db_url(request, private_dbs):
    """The demo data's URL in one dialect (PostgreSQL skips when unreachable)."""
    if request.param == "postgres":
        return request.getfixturevalue("demo_postgres")
    return private_dbs[request.param]


@pytest.fixture(scope="module")
def route(demo_duckdb, tmp_path_factory):
    """The SQL route over the demo DuckDB file, with a home of its own for each test module."""
    from tradeassist.sql.route import SqlRoute

    route = SqlRoute(Settings(home=tmp_path_factory.mktemp("route"), today=TODAY, db_url=str(demo_duckdb)))
    yield route
    route.close()

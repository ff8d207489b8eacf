"""Fixtures of the sql tests: private copies of the demo data in each dialect."""

from __future__ import annotations

import shutil

import pytest

DIALECTS = ("duckdb", "sqlite", "postgres")


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

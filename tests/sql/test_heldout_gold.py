"""The held-out SQL question sets: every gold statement runs, returns rows and is deterministic."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

HELDOUT = Path(__file__).resolve().parent / "heldout"
#: The date both sets are written against (their README); the demo fixture must be built for it.
TODAY = dt.date(2026, 11, 20)
FIELDS = {"id", "question", "gold_sql", "category", "context", "note", "difficulty"}


def _load(name: str) -> list[dict]:
    return [json.loads(line) for line in (HELDOUT / name).read_text().splitlines() if line.strip()]


def _builder():
    """The unfamiliar database's builder, loaded from its file (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("heldout_unfamiliar_db", HELDOUT / "unfamiliar_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _normal(rows: list[tuple]) -> list[tuple]:
    """Rows with floats cut to 10 significant digits: parallel sums may differ in the last bits."""
    def cell(value):
        if isinstance(value, float) and math.isfinite(value) and value != 0:
            return float(f"{value:.10g}")
        return value
    return [tuple(cell(v) for v in row) for row in rows]


def _keyed_query(sql: str) -> tuple[str, list[int]] | None:
    """The outer query without LIMIT, with ORDER BY keys it does not output added as columns,
    and where each key sits in a row (None when the query is not ordered)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    order = tree.args.get("order")
    if order is None:
        return None
    outputs = [projection.alias_or_name for projection in tree.selects]
    keyed = tree.copy()
    keyed.set("limit", None)
    positions = []
    for ordered in order.expressions:
        key = ordered.this
        # A bare name in ORDER BY means the output column of that name, as in SQL itself.
        if isinstance(key, exp.Column) and not key.table and key.name in outputs:
            positions.append(outputs.index(key.name))
            continue
        keyed = keyed.select(exp.alias_(key.copy(), f"__key{len(positions)}"), copy=False)
        positions.append(len(keyed.selects) - 1)
    return keyed.sql(dialect="duckdb"), positions


@pytest.fixture(scope="module")
def databases(tmp_path_factory, demo_duckdb) -> dict[str, Path]:
    """Private copies: the demo database and a freshly built unfamiliar one."""
    folder = tmp_path_factory.mktemp("heldout")
    demo = folder / "demo.duckdb"
    shutil.copyfile(demo_duckdb, demo)
    with duckdb.connect(str(demo), read_only=True) as conn:
        # The demo data ends on the day it was built for: the gold SQL assumes that day.
        assert conn.execute("SELECT max(date) FROM daily_bars").fetchone()[0] == TODAY
    return {"demo.jsonl": demo, "unfamiliar.jsonl": _builder().build(folder / "unfamiliar.duckdb")}


CASES = [(name, item) for name in ("demo.jsonl", "unfamiliar.jsonl") for item in _load(name)]


def test_sets_are_well_formed():
    """Both sets have unique ids, the agreed sizes, known fields, and follow-ups carry context."""
    demo, unfamiliar = _load("demo.jsonl"), _load("unfamiliar.jsonl")
    assert (len(demo), len(unfamiliar)) == (40, 20)
    ids = [item["id"] for item in demo + unfamiliar]
    assert len(ids) == len(set(ids))
    for item in demo + unfamiliar:
        assert set(item) <= FIELDS and {"id", "question", "gold_sql", "category"} <= set(item)
        assert "{today}" not in item["question"]
        if item["category"].startswith("followup"):
            assert item.get("context"), item["id"]
            assert all(isinstance(text, str) and text for text in item["context"])
    # The unfamiliar set's questions speak an analyst's words, never the prefixed column names.
    assert not [item["id"] for item in unfamiliar if re.search(r"\bsb[A-Z]", item["question"])]


def test_unfamiliar_database_is_deterministic(tmp_path):
    """Two builds hold the same rows, and every date lies before the pinned day."""
    builder = _builder()
    first, second = builder.build(tmp_path / "a.duckdb"), builder.build(tmp_path / "b.duckdb")
    with duckdb.connect(str(first), read_only=True) as a, duckdb.connect(str(second), read_only=True) as b:
        tables = [row[0] for row in a.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
        assert 4 <= len(tables) <= 6
        for name in tables:
            query = f"SELECT * FROM {name} ORDER BY ALL"
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), name
        latest = a.execute("SELECT max(sbTxDt) FROM sbTransaction").fetchone()[0]
        assert latest.date() < TODAY
        comments = a.execute("SELECT count(*) FROM duckdb_columns() WHERE comment LIKE "
                             "'%possible values:%'").fetchone()[0]
        assert comments >= 2


@pytest.mark.parametrize(("name", "item"), CASES, ids=[item["id"] for _, item in CASES])
def test_gold_sql_runs_and_is_deterministic(databases, name, item):
    """The gold SQL returns rows, twice the same, and ordered rows are ordered totally."""
    sql = item["gold_sql"].replace("{today}", TODAY.isoformat())
    with duckdb.connect(str(databases[name]), read_only=True) as conn:
        rows = conn.execute(sql).fetchall()
        assert rows, f"{item['id']} returns no rows"
        assert all(value is not None for value in rows[0]), f"{item['id']} returns NULL"
        assert _normal(conn.execute(sql).fetchall()) == _normal(rows)
        keyed = _keyed_query(sql)
        if keyed is None:
            assert len(rows) == 1, f"{item['id']}: several rows but no ORDER BY"
            return
        query, positions = keyed
        keys = [tuple(row[i] for i in positions) for row in conn.execute(query).fetchall()]
        assert len(keys) == len(set(keys)), f"{item['id']}: ORDER BY leaves ties (add a tie-breaker)"

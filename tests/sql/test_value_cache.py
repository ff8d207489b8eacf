"""The value index saved under the home folder: read back while the database file is unchanged,
built again (and the old file removed) as soon as the file changes."""

from __future__ import annotations

import pickle

import duckdb
import pytest

from tradeassist.sql.catalog.catalog import Catalog
from tradeassist.sql.catalog.value_cache import cache_for, file_identity
from tradeassist.sql.catalog.values import ValueIndex, ValueRef
from tradeassist.sql.db.database import Database


def _write(path, statements: list[str]) -> None:
    with duckdb.connect(str(path)) as connection:
        for statement in statements:
            connection.execute(statement)


@pytest.fixture
def orders_db(tmp_path):
    """A small DuckDB file with one categorical column (order status)."""
    path = tmp_path / "orders.duckdb"
    _write(path, ["CREATE TABLE orders (order_id INTEGER PRIMARY KEY, status VARCHAR, quantity DOUBLE)",
                  "INSERT INTO orders VALUES (1, 'filled', 10), (2, 'cancelled', 5), (3, 'filled', 7)"])
    return path


def _catalog(path, settings) -> Catalog:
    with Database.connect(path, settings) as database:
        return Catalog.for_database(database, settings)


def _saved(settings) -> list:
    folder = settings.home / "cache" / "catalog"
    return sorted(folder.glob("values-*.pickle")) if folder.exists() else []


def test_the_index_is_saved_and_read_back_while_the_file_is_unchanged(orders_db, settings):
    first = _catalog(orders_db, settings)
    assert sorted(first.values.by_column[("orders", "status")]) == ["cancelled", "filled"]
    (saved,) = _saved(settings)
    # What is on disk is what the next process uses: a marked index there is the one it gets.
    marked = ValueIndex(by_column={("orders", "status"): ["marked"]})
    marked.add("marked", ValueRef("orders", "status", "marked"))
    saved.write_bytes(pickle.dumps(marked))
    second = _catalog(orders_db, settings)
    assert second.values.by_column[("orders", "status")] == ["marked"]
    assert second.value_refs(("marked",)) == [ValueRef("orders", "status", "marked")]


def test_saved_indexes_are_private_to_their_owner(orders_db, settings):
    _catalog(orders_db, settings)
    (saved,) = _saved(settings)
    assert [oct(path.stat().st_mode & 0o777) for path in (saved.parents[1], saved.parent, saved)] == [
        "0o700", "0o700", "0o600"]


def test_a_change_to_the_database_file_builds_the_index_again(orders_db, settings):
    before = _catalog(orders_db, settings)
    identity = file_identity(orders_db)
    _write(orders_db, ["INSERT INTO orders VALUES (4, 'rejected', 1)", "CHECKPOINT"])
    assert file_identity(orders_db) != identity
    after = _catalog(orders_db, settings)
    assert "rejected" not in before.values.by_column[("orders", "status")]
    assert sorted(after.values.by_column[("orders", "status")]) == ["cancelled", "filled", "rejected"]
    assert len(_saved(settings)) == 1  # the index of the older file is gone


def test_other_definitions_use_another_saved_index(orders_db, settings):
    from tradeassist.sql.catalog.definitions import generate_definitions

    with Database.connect(orders_db, settings) as database:
        schema = database.schema()
        plain = Catalog.for_database(database, settings)
        definitions = generate_definitions(schema)
        definitions.value_synonyms[("orders", "status")] = {"cancelled": ("scrapped",)}
        named = Catalog.for_database(database, settings, definitions)
    assert plain.value_refs(("scrapped",)) == []
    assert named.value_refs(("scrapped",)) == [ValueRef("orders", "status", "cancelled", "synonym")]


def test_a_damaged_saved_index_is_built_again(orders_db, settings):
    _catalog(orders_db, settings)
    (saved,) = _saved(settings)
    saved.write_bytes(b"not a pickle")
    assert sorted(_catalog(orders_db, settings).values.by_column[("orders", "status")]) == ["cancelled", "filled"]


def test_no_cache_for_databases_that_are_not_local_files(settings, tmp_path):
    assert cache_for("duckdb:///:memory:", settings.home) is None
    assert cache_for(str(tmp_path / "missing.duckdb"), settings.home) is None
    assert cache_for(str(tmp_path / "any.duckdb"), None) is None

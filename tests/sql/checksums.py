"""Helpers that prove a database and the file system were left alone by a test.

``database_checksum(url)`` hashes the catalog (every table, view, column and type) and every row
of every table, for DuckDB files, SQLite files and PostgreSQL (the schema on the URL's search path,
plus its sequences and functions). Row digests are combined without regard to order, so the
checksum depends on content, not on the order a database returns rows in. DuckDB and PostgreSQL
hash rows inside the database (fast); SQLite rows are hashed in Python with ``hash()``, so compare
checksums taken in the same process (as a before/after check does). ``files_under`` snapshots folders; ``file_digest``
hashes one file; ``leftover_objects`` finds PostgreSQL objects with a marker in their name anywhere
in the cluster.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any, Iterable

import sqlglot
import sqlglot.expressions as exp

from tradeassist.sql.db.backends import libpq_params
from tradeassist.sql.db.database import open_duckdb_readonly
from tradeassist.sql.db.urls import duckdb_file, parse_url

def database_checksum(url: str | Path) -> str:
    """SHA-256 over the catalog and all rows of the database at ``url`` (path or URL)."""
    text = str(url)
    path = duckdb_file(text)
    if path is not None:
        return _digest(_duckdb_parts(path))
    parsed = parse_url(text)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _digest(_sqlite_parts(Path(parsed.database or "")))
    if backend in ("postgresql", "postgres"):
        return _digest(_postgres_parts(parsed))
    raise ValueError(f"no checksum for {backend} databases")


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_under(*folders: str | Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folders`` with its size and modification time (a cheap snapshot)."""
    found: dict[str, tuple[int, int]] = {}
    for folder in folders:
        root = Path(folder)
        if not root.exists():
            continue
        for path in root.rglob("*"):
            try:
                stat = path.stat()
            except OSError:
                continue
            found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


def leftover_objects(pg_url: str, marker: str) -> list[str]:
    """PostgreSQL relations, schemas, functions, roles or databases whose name contains ``marker``."""
    import psycopg

    pattern = f"%{marker}%"
    queries = (
        ("relation", "SELECT relname FROM pg_class WHERE relname LIKE %s"),
        ("schema", "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s"),
        ("function", "SELECT proname FROM pg_proc WHERE proname LIKE %s"),
        ("role", "SELECT rolname FROM pg_roles WHERE rolname LIKE %s"),
        ("database", "SELECT datname FROM pg_database WHERE datname LIKE %s"),
    )
    found: list[str] = []
    with psycopg.connect(**libpq_params(parse_url(pg_url))) as connection:
        for kind, query in queries:
            found += [f"{kind} {row[0]}" for row in connection.execute(query, (pattern,)).fetchall()]
    return found


# ---------------------------------------------------------------------- per database
def _duckdb_parts(path: Path) -> Iterable[str]:
    import duckdb

    # The product's own read-only opener: one file, one set of settings per process.
    connection = open_duckdb_readonly(str(path))
    try:
        catalog = connection.execute(
            "SELECT database_name, schema_name, table_name, sql FROM duckdb_tables() "
            "WHERE database_name = current_database() ORDER BY ALL"
        ).fetchall()
        yield from map(repr, catalog)
        yield from map(
            repr,
            connection.execute(
                "SELECT schema_name, view_name, sql FROM duckdb_views() "
                "WHERE database_name = current_database() AND NOT internal ORDER BY ALL"
            ).fetchall(),
        )
        yield from map(
            repr,
            connection.execute(
                "SELECT schema_name, sequence_name, last_value FROM duckdb_sequences() ORDER BY ALL"
            ).fetchall(),
        )
        yield from map(
            repr,
            connection.execute(
                "SELECT database_name, path, readonly FROM duckdb_databases() "
                "WHERE NOT internal ORDER BY ALL"
            ).fetchall(),
        )
        for _database, schema, table, _sql in catalog:
            select = _row_digest(table, schema, "duckdb")
            yield f"table {table}: {connection.execute(select.sql(dialect='duckdb')).fetchall()!r}"
    finally:
        connection.close()


def _sqlite_parts(path: Path) -> Iterable[str]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        catalog = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        yield from map(repr, catalog)
        for kind, name, _table, _sql in catalog:
            if kind == "table":
                select = _select_all(name)
                rows = connection.execute(select.sql(dialect="sqlite")).fetchall()
                combined = sum(hash(row) & 0xFFFFFFFFFFFFFFFF for row in rows) & 0xFFFFFFFFFFFFFFFF
                yield f"table {name}: {len(rows)} rows, {combined:016x}"
    finally:
        connection.close()


def _postgres_parts(url: Any) -> Iterable[str]:
    import psycopg

    with psycopg.connect(**libpq_params(url)) as connection:
        schema = connection.execute("SELECT current_schema()").fetchone()[0]
        relations = connection.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s ORDER BY 1",
            (schema,),
        ).fetchall()
        yield repr((schema, relations))
        yield from map(
            repr,
            connection.execute(
                "SELECT table_name, column_name, data_type, ordinal_position FROM information_schema.columns "
                "WHERE table_schema = %s ORDER BY 1, 4",
                (schema,),
            ).fetchall(),
        )
        yield from map(
            repr,
            connection.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s ORDER BY 1",
                (schema,),
            ).fetchall(),
        )
        yield from map(
            repr,
            connection.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = %s ORDER BY 1",
                (schema,),
            ).fetchall(),
        )
        for name, kind in relations:
            if kind in ("r", "p", "m"):
                select = _row_digest(name, schema, "postgres")
                yield f"table {name}: {connection.execute(select.sql(dialect='postgres')).fetchall()!r}"


# ---------------------------------------------------------------------- helpers
def _select_all(table: str, schema: str | None = None) -> exp.Select:
    source = exp.Table(
        this=exp.to_identifier(table, quoted=True),
        db=exp.to_identifier(schema, quoted=True) if schema else None,
    )
    return exp.select("*").from_(source)


# Row count and an order-free digest of every row, computed by the database itself.
_DIGEST_TEMPLATES = {
    "duckdb": "SELECT count(*) AS n, sum(hash(r)) AS digest FROM placeholder AS r",
    "postgres": "SELECT count(*) AS n, md5(string_agg(md5(CAST(r AS TEXT)), '' ORDER BY md5(CAST(r AS TEXT)))) "
    "AS digest FROM placeholder AS r",
}


def _row_digest(table: str, schema: str | None, dialect: str) -> exp.Select:
    select = sqlglot.parse_one(_DIGEST_TEMPLATES[dialect], read=dialect)
    source = _select_all(table, schema).find(exp.Table)
    source.set("alias", exp.TableAlias(this=exp.to_identifier("r")))
    select.find(exp.Table).replace(source)
    return select


def _digest(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()



"""Write validated import rows into DuckDB, SQLite or PostgreSQL with an upsert on the primary key.

The rows come from the importer's scratch DuckDB connection (tables ``clean`` and, when the file
introduces symbols, ``new_instruments``). Only the named table and missing ``instruments`` rows
are written; each target gets its fastest bulk path (Arrow into DuckDB, one SQLite transaction,
COPY into a temporary table for PostgreSQL).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlglot import exp

from tradeassist.core.errors import DataSourceError
from tradeassist.sql.data.contract import create_table_ddl, metadata
from tradeassist.sql.data.contract import table as contract_table
from tradeassist.sql.db.urls import duckdb_file, parse_url, sqlalchemy_url

WriteProgress = Callable[[int, str], None]
SQLITE_BATCH = 50_000


def write_clean(work, db_url: str, table: str, columns: list[str], keys: list[str],
                with_instruments: bool, progress: WriteProgress) -> tuple[int, int]:
    """Upsert ``clean`` into ``table`` at ``db_url``; returns (new rows, instruments added)."""
    path = duckdb_file(db_url)
    if path is not None:
        return _write_duckdb(work, path, table, columns, keys, with_instruments, progress)
    return _write_sqlalchemy(work, db_url, table, columns, keys, with_instruments, progress)


def _count(conn, name: str) -> int:
    query = exp.select(exp.func("count", exp.Star())).from_(exp.to_table(name))
    return conn.execute(query.sql(dialect="duckdb")).fetchall()[0][0]


def _existing_duckdb_tables(conn) -> set[str]:
    return {row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    ).fetchall()}


def _write_duckdb(work, path: Path, table: str, columns: list[str], keys: list[str],
                  with_instruments: bool, progress: WriteProgress) -> tuple[int, int]:
    import duckdb

    from tradeassist.sql.demo.build import quiet
    from tradeassist.sql.data.contract import create_contract_tables

    is_new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        target = duckdb.connect(str(path))
        quiet(target)
    except duckdb.Error as exc:
        raise DataSourceError(
            f"Cannot open {path} for writing (is another program using it?): {exc}") from exc
    try:
        if is_new:
            create_contract_tables(target)  # a new file gets the whole contract, empty
        existing = _existing_duckdb_tables(target)
        needed = (["instruments"] if with_instruments else []) + [table]
        target.execute("BEGIN TRANSACTION")
        for name in needed:
            if name not in existing:
                target.execute(create_table_ddl(name, "duckdb"))
        added = 0
        if with_instruments:
            target.register("incoming_instruments", work.sql("SELECT * FROM new_instruments").to_arrow_table())
            before = _count(target, "instruments")
            target.execute(
                "INSERT INTO instruments SELECT * FROM incoming_instruments "
                "WHERE symbol NOT IN (SELECT symbol FROM instruments)")
            added = _count(target, "instruments") - before
        progress(0, f"Writing {table}")
        target.register("incoming", work.sql("SELECT * FROM clean").to_arrow_table())
        before = _count(target, table)
        upsert = exp.insert(
            exp.select(*[exp.column(c) for c in columns]).from_("incoming"),
            exp.to_table(table), columns=columns)
        # ON CONFLICT DO UPDATE of the non-key columns, and only of rows that really change:
        # DuckDB refuses to rewrite rows that other tables reference (INSERT OR REPLACE would),
        # so an unchanged re-import into e.g. orders must touch nothing.
        others = [c for c in columns if c not in keys]
        changed = [exp.NullSafeNEQ(this=exp.column(c, table=table), expression=exp.column(c, table="excluded"))
                   for c in others]
        upsert.set("conflict", exp.OnConflict(
            conflict_keys=[exp.column(k) for k in keys],
            action=exp.var("DO UPDATE" if others else "DO NOTHING"),
            expressions=[exp.EQ(this=exp.column(c), expression=exp.column(c, table="excluded"))
                         for c in others],
            where=exp.Where(this=exp.or_(*changed)) if changed else None))
        target.execute(upsert.sql(dialect="duckdb"))
        new_rows = _count(target, table) - before
        target.execute("COMMIT")
        return new_rows, added
    except duckdb.ConstraintException as exc:
        if "still referenced" in str(exc):
            raise DataSourceError(
                f"The file changes rows of {table} that other tables reference (for example orders "
                f"that have trades); DuckDB cannot update such rows in place, so nothing was written. "
                "New rows and unchanged rows import fine.") from exc
        raise DataSourceError(f"Writing {table} into {path} failed: {exc}") from exc
    except duckdb.Error as exc:
        raise DataSourceError(f"Writing {table} into {path} failed: {exc}") from exc
    finally:
        target.close()


def _tables_to_create(table: str, with_instruments: bool) -> list:
    """The target and the tables its foreign keys point at (needed to create it), parents first."""
    names = {table} | ({"instruments"} if with_instruments else set())
    for fk in contract_table(table).foreign_keys:
        names.add(fk.column.table.name)
    return [t for t in metadata.sorted_tables if t.name in names]


def _write_sqlalchemy(work, db_url: str, table: str, columns: list[str], keys: list[str],
                      with_instruments: bool, progress: WriteProgress) -> tuple[int, int]:
    import sqlalchemy as sa

    url = parse_url(sqlalchemy_url(db_url))
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DataSourceError(f"Import supports DuckDB, SQLite and PostgreSQL targets, not {backend}")
    if backend == "sqlite" and url.database:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn, tables=_tables_to_create(table, with_instruments), checkfirst=True)
            count = lambda name: conn.execute(  # noqa: E731
                sa.select(sa.func.count()).select_from(contract_table(name))).scalar_one()
            added = 0
            if with_instruments:
                before = count("instruments")
                _upsert_rows(conn, backend, work, "new_instruments", "instruments", ["symbol"],
                             update=False)
                added = count("instruments") - before
            before = count(table)
            progress(0, f"Writing {table}")
            if backend == "postgresql":
                _copy_upsert_postgres(conn, work, table, columns, keys)
            else:
                _upsert_rows(conn, backend, work, "clean", table, keys, update=True, progress=progress)
            return count(table) - before, added
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        raise DataSourceError(f"Writing {table} into {db_url} failed: {reason}") from exc
    finally:
        engine.dispose()


def _upsert_statement(backend: str, target, keys: list[str], update: bool):
    if backend == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(target)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=keys)
    changes = {c.name: statement.excluded[c.name] for c in target.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changes)


def _upsert_rows(conn, backend: str, work, source: str, table: str, keys: list[str], *,
                 update: bool, progress: WriteProgress | None = None) -> None:
    """executemany of an upsert in batches, dates and timestamps as ISO text (SQLite's form)."""
    from tradeassist.sql.demo.build import iso_text_select

    target = contract_table(table)
    statement = _upsert_statement(backend, target, keys, update)
    names = [c.name for c in target.columns]
    # Compiled once with positional parameters in column order; rows go to the driver as tuples,
    # already in the text form SQLite keeps for dates and timestamps.
    compiled = statement.compile(dialect=conn.dialect)
    order = compiled.positiontup if compiled.positional else None
    cursor = conn.connection.driver_connection.cursor()
    result = work.execute(iso_text_select(work, source))
    done = 0
    while batch := result.fetchmany(SQLITE_BATCH):
        if order is None:  # named parameters (psycopg): pass mappings
            conn.execute(statement, [dict(zip(names, row)) for row in batch])
        else:
            position = [names.index(name) for name in order]
            cursor.executemany(str(compiled), [tuple(row[i] for i in position) for row in batch])
        done += len(batch)
        if progress:
            progress(done, f"Writing {table}")


def _copy_upsert_postgres(conn, work, table: str, columns: list[str], keys: list[str]) -> None:
    """COPY the rows into a temporary table, then one INSERT ... ON CONFLICT DO UPDATE."""
    import sqlalchemy as sa
    from psycopg import sql as pgsql

    from tradeassist.sql.demo.build import iso_text_select

    cursor = conn.connection.driver_connection.cursor()
    staging = f"incoming_{table}"
    cursor.execute(pgsql.SQL("CREATE TEMPORARY TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
        pgsql.Identifier(staging), pgsql.Identifier(table)))
    with tempfile.TemporaryDirectory(prefix="tradeassist-import-") as tmp:
        scratch = Path(tmp) / "rows.csv"
        work.sql(iso_text_select(work, "clean")).write_csv(str(scratch), header=False)
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
            pgsql.Identifier(staging), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns))
        with cursor.copy(statement) as copy, scratch.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    target = contract_table(table)
    staged = sa.table(staging, *[sa.column(c) for c in columns])
    from sqlalchemy.dialects.postgresql import insert

    statement = insert(target).from_select(columns, sa.select(*[staged.c[c] for c in columns]))
    changes = {c: statement.excluded[c] for c in columns if c not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))

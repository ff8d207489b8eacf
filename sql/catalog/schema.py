"""The shape of a trading database: tables, views, columns, keys, introspected once per connection.

``Schema`` is plain data (frozen dataclasses), so the guard, the catalog and the planners can share
one without touching the database again. Lookups by name are case-insensitive because people and
language models rarely spell identifiers with the database's exact case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import sqlglot.expressions as exp
from sqlglot.errors import SqlglotError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import duckdb
    import sqlalchemy as sa

#: Every value ``ColumnSchema.kind`` can take.
KINDS = frozenset({"number", "integer", "text", "date", "timestamp", "boolean", "other"})

_T = exp.DataType.Type
# Checked in this order: the first group a type belongs to wins.
_KIND_GROUPS: tuple[tuple[str, frozenset], ...] = (
    ("boolean", frozenset({_T.BOOLEAN})),
    ("integer", frozenset(exp.DataType.INTEGER_TYPES)),
    ("number", frozenset(exp.DataType.REAL_TYPES)),
    ("text", frozenset(exp.DataType.TEXT_TYPES) | {_T.CHAR, _T.NCHAR, _T.NVARCHAR, _T.UUID}),
    ("date", frozenset({_T.DATE, _T.DATE32})),
    (
        "timestamp",
        frozenset(
            {
                _T.DATETIME,
                _T.DATETIME2,
                _T.DATETIME64,
                _T.SMALLDATETIME,
                _T.TIMESTAMP,
                _T.TIMESTAMPTZ,
                _T.TIMESTAMPLTZ,
                _T.TIMESTAMPNTZ,
                _T.TIMESTAMP_S,
                _T.TIMESTAMP_MS,
                _T.TIMESTAMP_NS,
            }
        ),
    ),
)

# SQLite accepts any declared type; these follow its type-affinity rules (checked in order).
_AFFINITY_WORDS: tuple[tuple[str, str], ...] = (
    ("BOOL", "boolean"),
    ("INT", "integer"),
    ("TIMESTAMP", "timestamp"),
    ("DATETIME", "timestamp"),
    ("DATE", "date"),
    ("CHAR", "text"),
    ("CLOB", "text"),
    ("TEXT", "text"),
    ("STRING", "text"),
    ("REAL", "number"),
    ("FLOA", "number"),
    ("DOUB", "number"),
    ("DEC", "number"),
    ("NUMERIC", "number"),
)


def kind_of(sql_type: str, dialect: str | None = None) -> str:
    """Map a database type name ('BIGINT', 'DECIMAL(18,2)', 'timestamp with time zone') to a kind."""
    text = (sql_type or "").strip()
    if not text:
        return "other"
    try:
        data_type = exp.DataType.build(text, dialect=dialect)
    except (SqlglotError, ValueError, TypeError, AttributeError):
        data_type = None
    if data_type is not None and data_type.this not in (_T.USERDEFINED, _T.UNKNOWN):
        for kind, types in _KIND_GROUPS:
            if data_type.this in types:
                return kind
        return "other"
    upper = text.upper()
    for word, kind in _AFFINITY_WORDS:
        if word in upper:
            return kind
    return "other"


@dataclass(frozen=True)
class ColumnSchema:
    """One column: its name, the database's type name, and a coarse kind for planners and charts."""

    name: str
    sql_type: str
    kind: str = "other"
    #: The database's own comment on the column (DuckDB, PostgreSQL), else "".
    comment: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind must be one of {sorted(KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class ForeignKey:
    """A declared foreign key: ``columns`` of this table reference ``ref_columns`` of ``ref_table``."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """One table or view with its columns (in database order) and declared keys."""

    name: str
    columns: dict[str, ColumnSchema]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    is_view: bool = False
    #: The database's own comment on the table, else "".
    comment: str = ""

    @cached_property
    def _by_lower(self) -> dict[str, ColumnSchema]:
        return {name.lower(): column for name, column in self.columns.items()}

    def column(self, name: str) -> ColumnSchema | None:
        """The column called ``name`` (any case), or None when the table has no such column."""
        return self.columns.get(name) or self._by_lower.get(name.lower())

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in database order."""
        return tuple(self.columns)


@dataclass(frozen=True)
class Schema:
    """Every table and view of a database the product may query, keyed by exact name."""

    tables: dict[str, TableSchema] = field(default_factory=dict)

    @cached_property
    def _by_lower(self) -> dict[str, TableSchema]:
        return {name.lower(): table for name, table in self.tables.items()}

    def table(self, name: str) -> TableSchema | None:
        """The table or view called ``name`` (any case), or None when there is none."""
        return self.tables.get(name) or self._by_lower.get(name.lower())

    def column(self, table: str, name: str) -> ColumnSchema | None:
        """Column ``name`` of ``table`` (any case), or None when either does not exist."""
        found = self.table(table)
        return found.column(name) if found is not None else None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.table(name) is not None

    @property
    def table_names(self) -> tuple[str, ...]:
        """Table and view names, sorted."""
        return tuple(sorted(self.tables))

    def mapping(self) -> dict[str, dict[str, str]]:
        """``{table: {column: sql_type}}``, the shape sqlglot's optimizer and schema accept."""
        return {
            table.name: {column.name: column.sql_type or "UNKNOWN" for column in table.columns.values()}
            for table in self.tables.values()
        }


def _table(
    name: str,
    columns: list[tuple[str, str]],
    primary_key: tuple[str, ...],
    foreign_keys: tuple[ForeignKey, ...],
    dialect: str,
    is_view: bool,
    comments: dict[str | None, str] | None = None,
) -> TableSchema:
    comments = comments or {}
    return TableSchema(
        name=name,
        columns={
            col: ColumnSchema(col, sql_type, kind_of(sql_type, dialect), comments.get(col) or "")
            for col, sql_type in columns
        },
        primary_key=primary_key,
        foreign_keys=foreign_keys,
        is_view=is_view,
        comment=comments.get(None) or "",
    )


# Fixed catalog queries (no user input): the current schema of the current database only, so
# DuckDB's own catalogs and other attached databases never look like trading tables.
_DUCKDB_TABLES = """
SELECT table_name, table_type FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = current_schema()
ORDER BY table_name
"""
_DUCKDB_COLUMNS = """
SELECT table_name, column_name, data_type FROM information_schema.columns
WHERE table_catalog = current_database() AND table_schema = current_schema()
ORDER BY table_name, ordinal_position
"""
_DUCKDB_KEYS = """
SELECT table_name, constraint_type, constraint_column_names, referenced_table, referenced_column_names
FROM duckdb_constraints()
WHERE database_name = current_database() AND schema_name = current_schema()
  AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
ORDER BY table_name, constraint_index
"""
# Comments people wrote with COMMENT ON (a column's meaning, its possible values).
_DUCKDB_COMMENTS = """
SELECT table_name, NULL AS column_name, comment FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = current_schema() AND comment IS NOT NULL
UNION ALL
SELECT view_name, NULL, comment FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = current_schema() AND comment IS NOT NULL
UNION ALL
SELECT table_name, column_name, comment FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = current_schema() AND comment IS NOT NULL
"""


def _duckdb_comments(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str | None, str]]:
    """``{table: {column or None: comment}}``; empty on DuckDB versions without comments."""
    import duckdb

    try:
        rows = connection.execute(_DUCKDB_COMMENTS).fetchall()
    except duckdb.Error:
        return {}
    comments: dict[str, dict[str | None, str]] = {}
    for table, column, text in rows:
        if str(text or "").strip():
            comments.setdefault(table, {})[column] = str(text).strip()
    return comments


def introspect_duckdb(connection: duckdb.DuckDBPyConnection) -> Schema:
    """Read tables, views, columns and keys from a native DuckDB connection's catalog."""
    kinds = dict(connection.execute(_DUCKDB_TABLES).fetchall())
    columns: dict[str, list[tuple[str, str]]] = {name: [] for name in kinds}
    for table, column, data_type in connection.execute(_DUCKDB_COLUMNS).fetchall():
        if table in columns:
            columns[table].append((column, data_type))
    primary: dict[str, tuple[str, ...]] = {}
    foreign: dict[str, list[ForeignKey]] = {}
    for table, ctype, cols, ref_table, ref_cols in connection.execute(_DUCKDB_KEYS).fetchall():
        if ctype == "PRIMARY KEY":
            primary[table] = tuple(cols)
        elif ref_table:
            foreign.setdefault(table, []).append(ForeignKey(tuple(cols), ref_table, tuple(ref_cols or ())))
    comments = _duckdb_comments(connection)
    return Schema(
        {
            name: _table(
                name,
                columns[name],
                primary.get(name, ()),
                tuple(foreign.get(name, ())),
                "duckdb",
                kinds[name] == "VIEW",
                comments.get(name),
            )
            for name in kinds
        }
    )


def introspect_sqlalchemy(engine: sa.Engine, dialect: str) -> Schema:
    """Read tables, views, columns and keys through SQLAlchemy's inspector (SQLite, PostgreSQL, ...)."""
    import sqlalchemy as sa

    inspector = sa.inspect(engine)
    tables: dict[str, TableSchema] = {}
    names = [(name, False) for name in inspector.get_table_names()]
    names += [(name, True) for name in inspector.get_view_names()]
    for name, is_view in names:
        described = inspector.get_columns(name)
        columns = [(col["name"], _type_name(col["type"], engine)) for col in described]
        comments: dict[str | None, str] = {col["name"]: col.get("comment") or "" for col in described}
        comments[None] = _table_comment(inspector, name)
        primary_key: tuple[str, ...] = ()
        foreign_keys: tuple[ForeignKey, ...] = ()
        if not is_view:
            primary_key = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
            foreign_keys = tuple(
                ForeignKey(
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                )
                for fk in inspector.get_foreign_keys(name)
                if fk.get("referred_table")
            )
        tables[name] = _table(name, columns, primary_key, foreign_keys, dialect, is_view, comments)
    return Schema(tables)


def _table_comment(inspector: Any, name: str) -> str:
    # SQLite and some other dialects keep no comments: their inspectors raise NotImplementedError.
    try:
        return (inspector.get_table_comment(name) or {}).get("text") or ""
    except NotImplementedError:
        return ""


def _type_name(sa_type: Any, engine: sa.Engine) -> str:
    # NullType (SQLite columns declared without a type) compiles to an error; report no type.
    try:
        return sa_type.compile(dialect=engine.dialect)
    except Exception:  # noqa: BLE001 - any type the dialect cannot render is simply unnamed
        return ""

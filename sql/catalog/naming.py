"""The plain-English reading of every table and column name of one schema.

Prefixes are found per schema, not from a fixed list: a prefix every table shares (``sb`` in
sbCustomer, sbTransaction) and a prefix most columns of one table share (``sbTx`` in sbTxId,
sbTxAmount, sbTxDt) say nothing about the column, so the words after them are what it means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tradeassist.sql.catalog.identifiers import (
    expand_words, plural, shared_prefix, singular, split_identifier, strip_prefix, table_words,
)


@dataclass(frozen=True)
class TableName:
    """A table's noun: expanded words (singular head), the raw words, and its columns' shared prefix."""

    table: str
    words: tuple[str, ...]
    raw: tuple[str, ...]
    column_prefix: tuple[str, ...] = ()

    @property
    def noun(self) -> str:
        """The table's noun phrase, singular ("client account")."""
        return " ".join(self.words)

    @property
    def nouns(self) -> str:
        """The plural noun phrase ("client accounts")."""
        return " ".join((*self.words[:-1], plural(self.words[-1]))) if self.words else ""


@dataclass(frozen=True)
class ColumnName:
    """A column's words after its table's prefix, expanded (``sbTxCustId`` -> customer id)."""

    table: str
    column: str
    words: tuple[str, ...]
    raw: tuple[str, ...]

    @property
    def phrase(self) -> str:
        """The expanded words as one phrase."""
        return " ".join(self.words)


@dataclass(frozen=True)
class SchemaNames:
    """Readings of every table and column of a schema."""

    tables: dict[str, TableName] = field(default_factory=dict)
    columns: dict[tuple[str, str], ColumnName] = field(default_factory=dict)
    database_prefix: tuple[str, ...] = ()


def _table_reading(name: str, database_prefix: list[str]) -> TableName:
    raw = table_words(name, database_prefix)
    words = expand_words(raw) if raw else [name.lower()]
    words[-1] = singular(words[-1])
    return TableName(name, tuple(words), tuple(raw))


def _column_prefix(column_words: list[list[str]], database_prefix: list[str]) -> list[str]:
    prefix = shared_prefix(column_words)
    if prefix:
        return prefix
    # A database-wide prefix on columns too (mkMerchId, mkMerchNm): at least strip that.
    if database_prefix and sum(w[: len(database_prefix)] == database_prefix for w in column_words) >= 2:
        return list(database_prefix)
    return []


def read_names(schema) -> SchemaNames:
    """Read the words behind every table and column name of ``schema``."""
    split_tables = [split_identifier(name) for name in schema.tables]
    database_prefix = shared_prefix(split_tables, min_share=1.0) if len(split_tables) >= 2 else []
    tables: dict[str, TableName] = {}
    columns: dict[tuple[str, str], ColumnName] = {}
    for name, table in schema.tables.items():
        reading = _table_reading(name, database_prefix)
        split_columns = {column: split_identifier(column) for column in table.columns}
        prefix = _column_prefix(list(split_columns.values()), database_prefix)
        tables[name] = TableName(reading.table, reading.words, reading.raw, tuple(prefix))
        for column, parts in split_columns.items():
            raw = strip_prefix(parts, prefix)
            if raw == parts and database_prefix:
                raw = strip_prefix(parts, database_prefix)
            words = expand_words(raw) if raw else [column.lower()]
            columns[(name, column)] = ColumnName(name, column, tuple(words), tuple(raw))
    return SchemaNames(tables, columns, tuple(database_prefix))

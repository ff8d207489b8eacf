"""The business-definition records: tables, columns, metrics and the whole set for one database.

Plain frozen dataclasses, shared by the YAML loader (``tradeassist.sql.catalog.definitions``) and the generator for
undescribed databases (``tradeassist.sql.catalog.generated_definitions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableDef:
    """A table's meaning: description, synonyms, cue verbs and default columns."""

    name: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    date_column: str | None = None
    measure: str | None = None
    money: str | None = None
    subject: str | None = None
    label: str | None = None
    prior: float = 0.0
    #: "who ..." questions are about this table's rows (accounts, traders, customers).
    person: bool = False


@dataclass(frozen=True)
class ColumnDef:
    """A column's meaning: description and the words people use for it."""

    table: str
    name: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    #: What the column is for: one of ``tradeassist.sql.catalog.column_roles.ROLES`` ("" when unknown).
    role: str = ""


@dataclass(frozen=True)
class MetricDef:
    """A named derived measure on one table, e.g. ``notional = quantity * price``."""

    table: str
    name: str
    expression: str
    synonyms: tuple[str, ...] = ()
    money: bool = False


@dataclass(frozen=True)
class Definitions:
    """Every business definition for one database."""

    tables: dict[str, TableDef]
    columns: dict[tuple[str, str], ColumnDef] = field(default_factory=dict)
    metrics: dict[tuple[str, str], MetricDef] = field(default_factory=dict)
    #: (table, column) -> value -> extra words naming that value.
    value_synonyms: dict[tuple[str, str], dict[str, tuple[str, ...]]] = field(default_factory=dict)
    prefer: tuple[tuple[str, str], ...] = ()
    source: str = "generated"
    #: Equi-joins ``(table, column, referenced table, referenced column)`` beyond declared keys.
    joins: tuple[tuple[str, str, str, str], ...] = ()

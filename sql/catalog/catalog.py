"""The catalog: schema + business definitions + value index, precomputed for fast planning.

Everything the planner looks up per question is built here once per database: the phrase
lexicon (table, column, metric and value words), join paths along declared or inferred
foreign keys, and parsed metric expressions. Planning then needs no database round trip.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import sqlglot
import sqlglot.expressions as exp

from tradeassist.sql.catalog.definitions import Definitions, choose_definitions
from tradeassist.sql.catalog.naming import SchemaNames, read_names
from tradeassist.sql.catalog.value_cache import ValueIndexCache, cache_for, index_inputs
from tradeassist.sql.catalog.values import ValueIndex, ValueRef, build_value_index, index_phrase


@dataclass(frozen=True)
class Concept:
    """What a phrase names: a table, a column, a metric, a data value, or a table's cue verb."""

    kind: str  # table | column | metric | value | verb
    table: str
    column: str | None = None
    value: Any = None
    via: str = ""


@dataclass(frozen=True)
class JoinStep:
    """One equi-join hop: ``left.left_column = right.right_column``."""

    left: str
    left_column: str
    right: str
    right_column: str
    #: Each left row meets at most one right row (``right_column`` is the right table's key). A step
    #: that is not to-one multiplies the rows it joins to: a sum over them would count each many times.
    to_one: bool = True


@dataclass
class Catalog:
    """Schema, definitions and values of one database, with lookups the planner uses."""

    schema: Any
    dialect: str
    definitions: Definitions
    values: ValueIndex
    lexicon: dict[tuple[str, ...], list[Concept]] = field(default_factory=dict)
    longest_phrase: int = 1
    links: dict[str, list[JoinStep]] = field(default_factory=dict)
    metric_trees: dict[tuple[str, str], exp.Expression] = field(default_factory=dict)
    _paths: dict[tuple[str, str], list[JoinStep] | None] = field(default_factory=dict)
    #: The words behind every table and column name (prefixes dropped, abbreviations expanded).
    names: SchemaNames = field(default_factory=SchemaNames)

    # ----------------------------------------------------------------------------- building
    @classmethod
    def build(cls, schema, dialect: str, fetch, settings=None, definitions: Definitions | None = None,
              value_cache: ValueIndexCache | None = None) -> Catalog:
        """Build the catalog; ``fetch(select_expression)`` runs one query and returns its rows.

        ``value_cache`` gives the value index saved for an unchanged database file instead of
        reading the values again.
        """
        definitions = definitions or choose_definitions(schema, settings)
        catalog = cls(schema=schema, dialect=dialect, definitions=definitions, values=ValueIndex(),
                      names=read_names(schema))
        catalog._build_links()
        # Foreign-key columns stay indexed: "TSLA" appearing in trades but not in transfers is
        # what tells the planner which table a question is about.
        pointers: set[tuple[str, str]] = set()
        referenced = {step.left for steps in catalog.links.values() for step in steps
                      if step.left_column == (schema.tables[step.left].primary_key or (None,))[0]}
        for name, table in schema.tables.items():
            pk = tuple(table.primary_key or ())
            if len(pk) == 1 and name not in referenced:
                pointers.add((name, pk[0]))  # a unique key nobody points at is no category
        if value_cache is None:
            catalog.values = build_value_index(schema, definitions, fetch, skip=pointers)
        else:
            catalog.values = value_cache.get_or_build(
                index_inputs(definitions, pointers), lambda: build_value_index(schema, definitions, fetch, skip=pointers))
        catalog._build_lexicon()
        for key, metric in definitions.metrics.items():
            catalog.metric_trees[key] = sqlglot.parse_one(metric.expression)
        return catalog

    @classmethod
    def for_database(cls, database, settings=None, definitions: Definitions | None = None) -> Catalog:
        """The catalog of a connected ``tradeassist.sql.db.database.Database``, built now; the caller keeps it
        (the SQL route keeps it in its planner for as long as it holds the connection).

        ``definitions`` replaces the settings' choice (``catalog init`` passes generated ones).
        The value index of a local database file is kept under the settings' home folder and
        read back while the file is unchanged (``tradeassist.sql.catalog.value_cache``).
        """
        fetch = database_fetcher(database, getattr(settings, "sql_timeout_s", 20.0))
        value_cache = cache_for(database.url, getattr(settings, "home", None))
        return cls.build(database.schema(), database.dialect, fetch, settings, definitions, value_cache)

    def _add(self, words: str, concept: Concept) -> None:
        self.longest_phrase = max(self.longest_phrase, index_phrase(self.lexicon, words, concept))

    def _build_lexicon(self) -> None:
        for name, table in self.definitions.tables.items():
            for word in (*table.synonyms, name.replace("_", " ")):
                self._add(word, Concept("table", name))
            for word in table.verbs:
                self._add(word, Concept("verb", name))
        for (table, column), cdef in self.definitions.columns.items():
            for word in cdef.synonyms:
                self._add(word, Concept("column", table, column))
        for (table, name), metric in self.definitions.metrics.items():
            for word in (*metric.synonyms, name.replace("_", " ")):
                self._add(word, Concept("metric", table, name))
        self.longest_phrase = max(self.longest_phrase, self.values.longest)

    def all_joins(self) -> list[tuple[str, str, str, str]]:
        """Every join the catalog uses, sorted: declared single-column foreign keys and those in the definitions."""
        # Declared keys always hold; the definitions add joins read from names (or written by a person).
        found: set[tuple[str, str, str, str]] = set(self.definitions.joins)
        for name, table in self.schema.tables.items():
            for fk in table.foreign_keys or ():
                if len(fk.columns) == 1 and fk.ref_columns:
                    found.add((name, fk.columns[0], fk.ref_table, fk.ref_columns[0]))
        return sorted(found)

    def _build_links(self) -> None:
        tables = self.schema.tables
        for left, lcol, right, rcol in self.all_joins():
            if left not in tables or right not in tables:
                continue
            # A join is declared from the referencing table to the referenced one's key: when the
            # schema names no key, that direction is taken as to-one and the reverse as to-many.
            forward = self._is_key(right, rcol, unknown=True)
            backward = self._is_key(left, lcol, unknown=False)
            self.links.setdefault(left, []).append(JoinStep(left, lcol, right, rcol, forward))
            self.links.setdefault(right, []).append(JoinStep(right, rcol, left, lcol, backward))

    def _is_key(self, table: str, column: str, *, unknown: bool) -> bool:
        """Whether ``column`` alone identifies a row of ``table`` (``unknown`` when nothing says either way)."""
        primary = self.schema.tables[table].primary_key
        # A table's "subject" is what its rows are about (daily_bars: symbol), not a key: not used here.
        return tuple(primary) == (column,) if primary else unknown

    # ----------------------------------------------------------------------------- lookups
    def columns(self, table: str) -> dict:
        """The columns of a table (name -> ColumnSchema)."""
        return self.schema.tables[table].columns

    def kind(self, table: str, column: str) -> str:
        """The column's kind: number, integer, text, date, timestamp, boolean or other."""
        return self.schema.tables[table].columns[column].kind

    def is_numeric(self, table: str, column: str) -> bool:
        """True for number and integer columns that measure something: not keys ("CLNT_ACCT_ID")
        and not codes whose values have words ("1 = card, 2 = wire"), which are categories."""
        if self.kind(table, column) not in ("number", "integer"):
            return False
        if (table, column) in self.definitions.value_synonyms:
            return False
        words = self.names.columns.get((table, column))
        return not (self.role(table, column) == "identifier" and words is not None and words.words[-1] in ("id", "key"))

    def plain_name(self, table: str, column: str | None = None) -> str:
        """A table's plural noun ("trades" for tblTrades) or a column's words ("fee amount" for
        trdFeeAmt; "trade id" when the words alone would be a bare key word), for labels and readings."""
        reading = self.names.tables.get(table)
        if column is None:
            return reading.nouns if reading else table
        words = self.names.columns.get((table, column))
        if words is None:
            return column
        if reading and len(words.words) == 1 and words.words[0] in ("id", "number", "key", "code", "name", "date"):
            return f"{reading.noun} {words.phrase}"
        return words.phrase

    def role(self, table: str, column: str) -> str:
        """What the column is for (date, identifier, name, price, money, quantity, percent, number,
        category, text, flag), from the definitions; "" when nobody said."""
        cdef = self.definitions.columns.get((table, column))
        return cdef.role if cdef is not None else ""

    def has_column(self, table: str, column: str) -> bool:
        """True when ``table`` has ``column``."""
        return table in self.schema.tables and column in self.schema.tables[table].columns

    def join_path(self, start: str, goal: str) -> list[JoinStep] | None:
        """The shortest chain of joins from ``start`` to ``goal`` (empty when equal), else None."""
        if start == goal:
            return []
        key = (start, goal)
        if key not in self._paths:
            seen = {start}
            queue: deque[tuple[str, list[JoinStep]]] = deque([(start, [])])
            found = None
            while queue and found is None:
                table, path = queue.popleft()
                for step in self.links.get(table, ()):
                    if step.right in seen:
                        continue
                    if step.right == goal:
                        found = [*path, step]
                        break
                    seen.add(step.right)
                    queue.append((step.right, [*path, step]))
            self._paths[key] = found
        return self._paths[key]

    def link_column(self, table: str, entity: str) -> str | None:
        """The column of ``table`` that points straight at ``entity``'s key, if any."""
        for step in self.links.get(table, ()):
            if step.right == entity and step.right_column == self.definitions.tables[entity].subject:
                return step.left_column
        return None

    def value_refs(self, key: tuple[str, ...]) -> list[ValueRef]:
        """Data values a normalised phrase names."""
        return self.values.phrases.get(key, [])

    def describe(self) -> str:
        """A compact text description of tables and columns (for help and language models)."""
        lines = []
        for name, table in self.schema.tables.items():
            tdef = self.definitions.tables.get(name)
            cols = ", ".join(f"{c.name} {c.kind}" for c in table.columns.values())
            lines.append(f"{name}({cols})" + (f" -- {tdef.description}" if tdef and tdef.description else ""))
        return "\n".join(lines)


def database_fetcher(database, timeout_s: float):
    """``fetch(select)``: run one catalog query, returning one column as a list or rows as tuples."""

    def fetch(select: exp.Select) -> list:
        result = database.query(select.sql(dialect=database.dialect), timeout_s=timeout_s, max_rows=1_000_000)
        frame = result.frame
        if frame.shape[1] == 1:
            return frame.iloc[:, 0].tolist()
        return [tuple(row) for row in frame.itertuples(index=False, name=None)]

    return fetch


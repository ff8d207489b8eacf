"""Column roles and join inference for databases nobody described, from names and types.

A role says what a column is for the planner: ``date``, ``identifier``, ``name``, ``price``,
``money`` (an amount of currency), ``quantity``, ``percent``, ``number``, ``category``, ``text``
or ``flag``. Joins come from declared foreign keys, else from names: ``sbTxCustId`` in
sbTransaction reads "customer id", which names sbCustomer's key.
"""

from __future__ import annotations

from tradeassist.sql.catalog.naming import ColumnName, SchemaNames, TableName

ROLES = ("date", "identifier", "name", "price", "money", "quantity", "percent", "number", "category", "text",
         "flag")

_ID_WORDS = frozenset({"id", "key", "uuid", "guid", "hash", "number", "code", "ref", "reference", "isin",
                       "cusip", "sedol", "figi", "address"})
_DATE_WORDS = frozenset({"date", "time", "timestamp", "day", "datetime", "at", "on"})
_NAME_WORDS = frozenset({"name", "title", "label", "description"})
_PRICE_WORDS = frozenset({"price", "rate", "close", "open", "high", "low", "bid", "ask", "mid", "nav", "strike",
                          "vwap"})
_MONEY_WORDS = frozenset({"amount", "value", "notional", "fee", "commission", "cost", "pnl", "proceeds",
                          "balance", "revenue", "profit", "loss", "usd", "eur", "cash", "premium", "spend",
                          "sales", "sale", "income", "payment", "exposure"})
_QUANTITY_WORDS = frozenset({"quantity", "share", "unit", "volume", "size", "lot", "contract", "count", "filled"})
_PERCENT_WORDS = frozenset({"percent", "ratio", "weight", "yield", "return", "pct"})
#: Key phrases that mean the same thing when one table points at another.
_CANONICAL = {"ticker": "symbol", "client": "customer", "no": "number", "num": "number"}


def column_role(words: tuple[str, ...], kind: str) -> str:
    """The role of a column from its expanded words and its kind (before looking at its values)."""
    last = words[-1] if words else ""
    if kind in ("date", "timestamp"):
        return "date"
    if kind == "boolean":
        return "flag"
    if last in _ID_WORDS and (kind in ("integer", "text") or last != "number"):
        return "identifier"
    if kind in ("number", "integer"):
        for role, vocabulary in (("price", _PRICE_WORDS), ("percent", _PERCENT_WORDS),
                                 ("quantity", _QUANTITY_WORDS), ("money", _MONEY_WORDS)):
            if any(w in vocabulary for w in words):
                return role
        return "number"
    if kind == "text":
        if last in _NAME_WORDS:
            return "name"
        if last in _DATE_WORDS:
            return "date"
        return "category"
    return "text"


def _canonical(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_CANONICAL.get(w, w) for w in words)


def key_phrases(table: TableName, key: ColumnName, database_prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The phrases another table's column would use to point at ``table``'s ``key``."""
    noun = table.words
    phrases = {_canonical(noun + key.words)}
    # The table's own column prefix is how the database abbreviates it: sbProdId -> "prod id".
    own = table.column_prefix[len(database_prefix):] if table.column_prefix[:len(database_prefix)] == database_prefix \
        else table.column_prefix
    if own:
        phrases.add(tuple(own) + key.raw)
    if key.words not in (("id",), ("number",), ("key",), ("code",)):
        phrases.add(_canonical(key.words))
    if key.words[-1:] in (("id",), ("number",), ("key",), ("code",)):
        phrases.add(_canonical((*noun, key.words[-1])))
        phrases.add(_canonical((*noun[-1:], key.words[-1])))
    return phrases


def table_key(schema, names: SchemaNames, table: str) -> str | None:
    """The single column that identifies a row: the primary key, else a column named like one."""
    found = schema.tables[table]
    pk = tuple(found.primary_key or ())
    if len(pk) == 1:
        return pk[0]
    if pk:
        return None
    noun = names.tables[table].words
    for column in found.columns:
        words = names.columns[(table, column)].words
        if words in (("id",), (*noun, "id")) and found.columns[column].kind in ("integer", "text"):
            return column
    return None


def _compatible(a: str, b: str) -> bool:
    numeric = ("integer", "number")
    return a == b or (a in numeric and b in numeric)


def infer_joins(schema, names: SchemaNames) -> list[tuple[str, str, str, str]]:
    """Equi-joins ``(table, column, referenced table, its key)``: declared keys, else read from names."""
    joins: set[tuple[str, str, str, str]] = set()
    declared: set[tuple[str, str]] = set()
    for name, table in schema.tables.items():
        for fk in table.foreign_keys or ():
            if len(fk.columns) == 1 and fk.ref_table in schema.tables and fk.ref_columns:
                joins.add((name, fk.columns[0], fk.ref_table, fk.ref_columns[0]))
                declared.add((name, fk.columns[0]))
    targets: dict[tuple[str, ...], set[tuple[str, str]]] = {}
    exact: dict[str, set[tuple[str, str]]] = {}
    for name in schema.tables:
        key = table_key(schema, names, name)
        if key is None:
            continue
        exact.setdefault(key.lower(), set()).add((name, key))
        for phrase in key_phrases(names.tables[name], names.columns[(name, key)], names.database_prefix):
            targets.setdefault(phrase, set()).add((name, key))
    for name, table in schema.tables.items():
        own_key = table_key(schema, names, name)
        for column, col in table.columns.items():
            if (name, column) in declared or column == own_key:
                continue
            reading = names.columns[(name, column)]
            found = exact.get(column.lower(), set()) | targets.get(_canonical(reading.words), set())
            found = {t for t in found | targets.get(reading.raw, set()) if t[0] != name}
            found = {t for t in found if _compatible(col.kind, schema.tables[t[0]].columns[t[1]].kind)}
            if len(found) == 1:  # two tables could own the key: guessing would risk a wrong join
                target, key = found.pop()
                joins.add((name, column, target, key))
    return sorted(joins)

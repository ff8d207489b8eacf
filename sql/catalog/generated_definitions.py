"""Definitions for a database nobody described, read from its names, types, keys and comments.

Every table gets its noun ("tblTrades" -> trade, trades) and cue verbs; every column the words
people would use for it ("trdPx" -> price, trade price, px), a role, and the meanings its
comment gives its values ("B = buy"); joins come from declared keys or from names.
"""

from __future__ import annotations

from tradeassist.sql.catalog.column_roles import column_role, infer_joins, table_key
from tradeassist.sql.catalog.comment_hints import comment_phrases, value_hints
from tradeassist.sql.catalog.definition_types import ColumnDef, Definitions, TableDef
from tradeassist.sql.catalog.identifiers import alternative_phrases, expand_words, plural, singular, table_words
from tradeassist.sql.catalog.naming import ColumnName, SchemaNames, TableName, read_names
from tradeassist.sql.catalog.values import STOPWORDS

#: Verbs people use for the rows of a table with this noun ("what was traded").
TABLE_VERBS: dict[str, tuple[str, ...]] = {
    "trade": ("traded", "trading", "executed", "bought", "sold"),
    "execution": ("executed", "traded"), "fill": ("filled",),
    "order": ("ordered", "placed", "place", "submitted"),
    "transaction": ("transacted", "bought", "sold", "purchased", "spent"), "payment": ("paid", "pay", "received"),
    "sale": ("sold",), "purchase": ("purchased", "bought"), "transfer": ("transferred", "sent"),
    "deposit": ("deposited",), "withdrawal": ("withdrew", "withdrawn"), "position": ("held", "hold", "holds"),
    "holding": ("held", "hold", "holds"),
}
#: Nouns of tables whose rows are people or accounts ("who ..." questions are about them).
PERSON_NOUNS = frozenset({"customer", "client", "account", "trader", "user", "investor", "member", "person",
                          "employee", "owner", "holder", "broker", "counterparty"})
#: Last words of a table noun that add nothing a person would say ("client account" -> clients).
_GENERIC_TAILS = frozenset({"account", "master", "data", "info", "detail", "record", "list", "table", "static",
                            "ref", "reference", "dim", "main"})
_KEY_WORDS = frozenset({"id", "number", "key", "code", "no"})
#: Last words of a column that only say "a kind of" ("risk level" is asked for as "risk").
_KIND_TAILS = frozenset({"level", "type", "flag", "indicator", "kind", "group", "category", "bucket", "band",
                         "tier"})
#: Verbs whose past tense names an event a date column records ("open date" -> "opened").
_EVENT_VERBS = frozenset({"open", "create", "place", "settle", "execute", "close", "book", "submit", "fill",
                          "register", "join", "start", "end", "expire", "mature", "trade", "sign", "list",
                          "issue", "launch", "cancel", "deliver", "ship", "pay", "order", "transfer", "signup",
                          "registration", "creation", "settlement", "execution", "booking", "listing",
                          "onboarding", "enrollment", "activation", "purchase"})
_PAST = {"pay": "paid", "ship": "shipped", "transfer": "transferred", "cancel": "cancelled", "signup": "signed up",
         "registration": "registered", "creation": "created", "settlement": "settled", "execution": "executed",
         "booking": "booked", "listing": "listed", "onboarding": "onboarded", "enrollment": "enrolled",
         "activation": "activated", "sign": "signed", "purchase": "purchased"}
_AMOUNT_WORDS = frozenset({"amount", "value", "notional"})
_AMOUNT_QUALIFIERS = frozenset({"usd", "eur", "gbp", "total", "gross", "net", "notional", "base", "local"})
_LATE_DATES = frozenset({"updated", "modified", "changed", "loaded", "inserted", "etl", "settle", "settlement",
                         "maturity", "expiry", "expiration", "birth", "close", "closed"})


def _table_synonyms(reading: TableName) -> tuple[str, ...]:
    words = list(reading.words)
    phrases = [reading.noun, reading.nouns, *alternative_phrases(words)]
    if len(words) > 1 and words[-1] in _GENERIC_TAILS:
        phrases += [" ".join(words[:-1]), " ".join((*words[:-2], plural(words[-2])))]
    phrases += [plural(p) for p in alternative_phrases(words)]
    full = expand_words(table_words(reading.table))
    if full and full != words:  # a prefix every table shares may still be a word ("trade fills")
        phrases += [" ".join(full), " ".join((*full[:-1], plural(singular(full[-1]))))]
    return tuple(dict.fromkeys(p for p in phrases if p))


def _qualifiers(reading: TableName) -> list[str]:
    """Singular noun phrases of a table, to qualify its columns ("client country")."""
    words = list(reading.words)
    nouns = [reading.noun, *alternative_phrases(words)]
    if len(words) > 1 and words[-1] in _GENERIC_TAILS:
        nouns.append(" ".join(words[:-1]))
    return list(dict.fromkeys(n for n in nouns if n))


def _column_synonyms(name: ColumnName, table: TableName, heads: dict[str, int], is_key: bool,
                     joined: bool, nouns: frozenset[str] = frozenset()) -> tuple[str, ...]:
    words = list(name.words)
    phrase = name.phrase
    # A lone "number" or "id" would swallow "number of trades": such words only count qualified.
    generic = len(words) == 1 and words[0] in _KEY_WORDS
    phrases = [] if generic else [phrase]
    if "_" in name.column or name.column.islower():
        phrases.append(name.column.replace("_", " ").strip().lower())
    raw = " ".join(name.raw)
    if raw != phrase and (len(name.raw) > 1 or len(raw) >= 3) and raw not in STOPWORDS:
        phrases.append(raw)
    for noun in _qualifiers(table):
        if not phrase.startswith(noun):
            phrases.append(f"{noun} {phrase}")
    phrases += [] if generic else alternative_phrases(words)
    if words[-1] in _KEY_WORDS and len(words) > 1 and not is_key and not joined:
        # "customer id" names a customer; when it joins the customers table, that table's noun does.
        phrases.append(" ".join(words[:-1]))
    if len(words) > 1 and words[-1] not in _KEY_WORDS and heads.get(words[-1], 0) == 1:
        phrases.append(words[-1])  # "limit price" is the table's only price
    stem = " ".join(words[:-1])
    if len(words) > 1 and words[-1] in _KIND_TAILS and stem not in nouns:
        phrases.append(stem)  # "risk level" -> "risk", unless "order type" would read as the orders
    if len(words) > 1 and words[-1] in _AMOUNT_WORDS:
        # "fee amount" is asked for as "fees", and "commission amount" as "commission"
        phrases += [" ".join(p.split()[:-1]) for p in (phrase, *alternative_phrases(words)) if len(p.split()) > 1]
    return tuple(dict.fromkeys(p for p in phrases if p and p not in STOPWORDS))


def _with_comment_words(table, words: dict[str, tuple[str, ...]], nouns: frozenset[str]) -> dict:
    """Each column's words plus the name its comment opens with, unless a table or another column
    of the table already answers to it (a comment never steals a word)."""
    out = dict(words)
    for column, col in table.columns.items():
        taken = {w for other, ws in words.items() if other != column for w in ws} | nouns
        extra = [p for p in comment_phrases(col.comment) if p not in taken and p not in STOPWORDS]
        out[column] = tuple(dict.fromkeys((*words[column], *extra)))
    return out


def _event_verbs(names: SchemaNames, table: str, date_column: str | None) -> tuple[str, ...]:
    """Past tenses the table's date column names ("open date" -> opened, "created_at" -> created)."""
    if date_column is None:
        return ()
    words = names.columns[(table, date_column)].words
    verbs = []
    for word in words[:-1]:
        if word.endswith("ed"):
            verbs.append(word)
        elif word in _EVENT_VERBS:
            verbs.append(_PAST.get(word) or (word + "d" if word.endswith("e") else word + "ed"))
    return tuple(verbs)


def _date_column(schema_table, names: SchemaNames, table: str) -> str | None:
    dates = [c for c in schema_table.columns.values() if c.kind in ("date", "timestamp")]
    # An event's own time comes before bookkeeping stamps (updated_at, settlement date).
    dates.sort(key=lambda c: any(w in _LATE_DATES for w in names.columns[(table, c.name)].words))
    return dates[0].name if dates else None


def _measure(schema_table, roles: dict[str, str]) -> str | None:
    numbers = [c.name for c in schema_table.columns.values()
               if c.kind in ("number", "integer") and roles[c.name] in ("quantity", "money", "number")]
    return numbers[0] if numbers else None


def _label(schema_table, names: SchemaNames, table: str, roles: dict[str, str]) -> str | None:
    noun = names.tables[table].words
    named = [c for c in schema_table.columns if roles[c] == "name"]
    for column in named:
        if names.columns[(table, column)].words in (("name",), (*noun, "name")):
            return column
    return named[0] if named else None


def _money(schema_table, names: SchemaNames, table: str, roles: dict[str, str]) -> str | None:
    """The row's own amount ("amount", "usd value", "payment amount"), never a fee or a tax on it."""
    noun = names.tables[table].words
    for column in schema_table.columns:
        words = names.columns[(table, column)].words
        qualifier = words[:-1]
        if roles[column] == "money" and words[-1] in _AMOUNT_WORDS and (
            not qualifier or qualifier == noun or (len(qualifier) == 1 and qualifier[0] in _AMOUNT_QUALIFIERS)
        ):
            return column
    return None


def _table_def(name: str, schema_table, names: SchemaNames, roles: dict[str, str], key: str | None) -> TableDef:
    reading = names.tables[name]
    head = reading.words[0] if reading.words[-1] in _GENERIC_TAILS else reading.words[-1]
    date_column = _date_column(schema_table, names, name)
    verbs = TABLE_VERBS.get(reading.words[-1], TABLE_VERBS.get(head, ()))
    return TableDef(
        name=name,
        description=schema_table.comment or f"Table {name}.",
        synonyms=tuple(dict.fromkeys((*_table_synonyms(reading), *comment_phrases(schema_table.comment)))),
        verbs=tuple(dict.fromkeys((*verbs, *_event_verbs(names, name, date_column)))),
        date_column=date_column,
        measure=_measure(schema_table, roles),
        money=_money(schema_table, names, name, roles),
        subject=key,
        label=_label(schema_table, names, name, roles),
        person=head in PERSON_NOUNS or reading.words[-1] in PERSON_NOUNS,
    )


def generate_definitions(schema, *, key_stems: bool = False) -> Definitions:
    """Definitions derived from names, types, keys and comments, for a database nobody described.

    ``key_stems`` also names a joined key column by its stem ("account" for account_id), as
    definitions files written before join inference expect; otherwise the joined table's noun
    alone carries that word, so "accounts" does not read as both a table and a column.
    """
    names = read_names(schema)
    tables: dict[str, TableDef] = {}
    columns: dict[tuple[str, str], ColumnDef] = {}
    value_synonyms: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    joins = tuple(infer_joins(schema, names))
    joined = set() if key_stems else {(left, column) for left, column, _right, _key in joins}
    nouns = frozenset(n for t in names.tables.values() for n in _qualifiers(t))
    for name, table in schema.tables.items():
        key = table_key(schema, names, name)
        roles = {c: column_role(names.columns[(name, c)].words, col.kind) for c, col in table.columns.items()}
        if key is not None:
            roles[key] = "identifier"  # whatever its words say, the key names a row
        tables[name] = _table_def(name, table, names, roles, key)
        heads: dict[str, int] = {}
        for column in table.columns:
            last = names.columns[(name, column)].words[-1]
            heads[last] = heads.get(last, 0) + 1
        words = {column: _column_synonyms(names.columns[(name, column)], names.tables[name], heads, column == key,
                                          (name, column) in joined, nouns) for column in table.columns}
        words = _with_comment_words(table, words, nouns)
        for column, col in table.columns.items():
            synonyms = words[column]
            hints = value_hints(col.comment)
            meanings = {v: words for v, words in hints.items() if words}
            if meanings:
                value_synonyms[(name, column)] = meanings
            # A number column whose comment lists its values holds codes, not amounts.
            role = "category" if hints and roles[column] != "identifier" else roles[column]
            columns[(name, column)] = ColumnDef(name, column, col.comment, synonyms, role)
    return Definitions(tables, columns, {}, value_synonyms, (), source="generated", joins=joins)

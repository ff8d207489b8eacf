"""The value index: distinct values of categorical text columns, so words link to data values.

"Apple" links to ``instruments.symbol = 'AAPL'`` through the instrument's name, "the energy
sector" to ``sector = 'Energy'``, "cancelled" to ``orders.status``. Built once per database
(one small GROUP BY per text column) and kept in memory by the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlglot.expressions as exp

#: A text column with more distinct values than this is free text, not a category.
MAX_CATEGORY_VALUES = 200
#: Rows read to tell a free-text column from a category before grouping the whole table.
SAMPLE_ROWS = 2000
#: Entity keys and labels (symbols, instrument names) are indexed up to this many values.
MAX_ENTITY_VALUES = 20_000

STOPWORDS = frozenset("""
a an the of for in on at to by per from with and or vs versus is are was were be been being do does did
has have had what which who whom whose how many much show list give me tell find get display plot chart
draw graph all any each every this that these those there their its it i we you our my your please can
could would should will shall may might as than then into over under above below up down out off about
across between since until through during within without whether if else when where why not no only
just also too very so such same other another some most more less least few fewer own each both either
neither nor yet still ever now today yesterday one two three four five six seven eight nine ten
""".split())

#: English words that are also tickers somewhere; they link to a symbol only when written in capitals.
COMMON_WORDS = STOPWORDS | frozenset("""
all am an are at be big by can cat cost dis go good has hd it key low high ma now on open run see so
sun well low main life real safe fast play love home next peak beat bill care coin com core
""".split())

_CORPORATE = re.compile(
    r"\b(inc|incorporated|corp|corporation|co|company|companies|plc|ltd|limited|llc|group|holdings?|"
    r"the|class [abc]|sa|ag|nv|se|trust|etf|fund)\b\.?",
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalize_word(word: str) -> str:
    """Lower-case, American spelling of a few trading words, crude singular form."""
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    word = {"canceled": "cancelled", "cancelation": "cancellation", "canceling": "cancelling"}.get(word, word)
    if word in STOPWORDS or len(word) <= 3 or word in ("series", "species", "analysis", "status"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "uses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def phrase_key(text: str) -> tuple[str, ...]:
    """The normalised token tuple a phrase is indexed and looked up by."""
    return tuple(normalize_word(w) for w in _WORD.findall(text.lower().replace("_", " ")))


def index_phrase(index: dict[tuple[str, ...], list], words: str | tuple[str, ...], item: object) -> int:
    """Add ``item`` to ``index`` under the phrase key of ``words`` (deduplicated); the key's length, 0 when empty."""
    key = phrase_key(words) if isinstance(words, str) else words
    if not key:
        return 0
    bucket = index.setdefault(key, [])
    if item not in bucket:
        bucket.append(item)
    return len(key)


@dataclass(frozen=True)
class ValueRef:
    """One data value a phrase names: ``table.column = value`` (``via`` says how it was found)."""

    table: str
    column: str
    value: object
    via: str = "value"


@dataclass
class ValueIndex:
    """Phrase -> data values, plus the entity symbols that need careful whole-token matching."""

    phrases: dict[tuple[str, ...], list[ValueRef]] = field(default_factory=dict)
    #: Upper-case code -> value (symbols): matched per token with case rules.
    codes: dict[str, ValueRef] = field(default_factory=dict)
    #: Every indexed value per (table, column), for "did you mean" suggestions.
    by_column: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    longest: int = 1

    def add(self, words: str | tuple[str, ...], ref: ValueRef) -> None:
        """Index ``ref`` under a phrase (deduplicated)."""
        self.longest = max(self.longest, index_phrase(self.phrases, words, ref))

    def code(self, token: str, *, original: str, first: bool) -> ValueRef | None:
        """The symbol a single token names, with rules so common words do not become tickers."""
        ref = self.codes.get(original.upper().lstrip("$"))
        if ref is None:
            return None
        bare = original.lstrip("$")
        if original.startswith("$"):
            return ref
        if bare.isupper() and bare.isalpha() and len(bare) == 1:
            return ref if not first and bare not in ("A", "I") else None
        if bare.isupper():
            return ref
        # Lower-case tickers only when the word is not ordinary English.
        if len(bare) >= 3 and bare.lower() not in COMMON_WORDS:
            return ref
        return None

    def suggestions(self, word: str, limit: int = 5) -> list[str]:
        """Close spellings among indexed codes and names, for "unknown name" messages."""
        import difflib

        pool = list(self.codes) + [" ".join(k) for k in self.phrases if len(k) <= 3]
        return difflib.get_close_matches(word.upper(), pool, n=limit, cutoff=0.6) + difflib.get_close_matches(
            word.lower(), pool, n=limit, cutoff=0.75
        )


def clean_name(name: str) -> str:
    """A company or asset name without its corporate suffixes ("Apple Inc." -> "apple")."""
    text = name.lower().replace("&", " and ").replace(".com", "")
    text = _CORPORATE.sub(" ", text)
    return re.sub(r"[^a-z0-9 ]+", " ", text).split(" and co")[0].strip()


def _looks_like_codes(values: Iterable[object]) -> bool:
    values = [v for v in values if isinstance(v, str)]
    if not values:
        return False
    codes = sum(1 for v in values if re.fullmatch(r"[A-Z0-9][A-Z0-9.\-]{0,9}", v))
    return codes / len(values) > 0.9


def distinct_values(table: str, column: str, cap: int) -> exp.Select:
    """The query listing one column's distinct values, capped to see whether it is categorical."""
    col = exp.column(column, quoted=True)
    return (
        exp.select(col)
        .from_(exp.table_(table, quoted=True))
        .where(exp.Not(this=exp.Is(this=col.copy(), expression=exp.Null())))
        .group_by(col.copy())
        .limit(cap + 1)
    )


def build_value_index(
    schema,
    definitions,
    fetch: Callable[[exp.Select], list[object]],
    skip: set[tuple[str, str]] | frozenset = frozenset(),
) -> ValueIndex:
    """Index categorical text columns of every table; ``fetch`` runs one query, returns one column.

    ``skip`` names columns not to read (foreign keys whose values the referenced table holds).
    """
    index = ValueIndex()
    for table_name, table in schema.tables.items():
        tdef = definitions.tables.get(table_name)
        subject = tdef.subject if tdef else None
        label = tdef.label if tdef else None
        for column in table.columns.values():
            if column.kind != "text" or (table_name, column.name) in skip:
                continue
            is_entity = column.name in (subject, label)
            cap = MAX_ENTITY_VALUES if is_entity else MAX_CATEGORY_VALUES
            if not is_entity:
                # A cheap sample first: hashes and addresses show themselves as free text at once,
                # without grouping the whole table.
                sample = fetch(exp.select(exp.column(column.name, quoted=True))
                               .from_(exp.table_(table_name, quoted=True)).limit(SAMPLE_ROWS))
                if len(set(sample)) > cap:
                    continue
            values = fetch(distinct_values(table_name, column.name, cap))
            if len(values) > cap:
                continue  # free text (hashes, addresses): nothing to link to
            index.by_column[(table_name, column.name)] = values
            if column.name == subject and _looks_like_codes(values):
                for value in values:
                    if isinstance(value, str):
                        index.codes.setdefault(value.upper(), ValueRef(table_name, column.name, value, "code"))
                continue
            if column.name == label and subject and subject != label and is_entity:
                _index_labels(index, schema, table_name, column.name, subject, fetch)
                continue
            for value in values:
                if isinstance(value, str) and value.strip():
                    index.add(value, ValueRef(table_name, column.name, value))
    _index_coded_columns(index, schema, definitions, fetch)
    for (table_name, column_name), mapping in definitions.value_synonyms.items():
        # Codes are matched by their text: a comment's "1 = buy" names the integer 1.
        known = {str(v): v for v in index.by_column.get((table_name, column_name), ())}
        for value, words in mapping.items():
            if value not in known:
                continue  # a synonym for a value the data does not hold links to nothing
            for word in words:
                index.add(word, ValueRef(table_name, column_name, known[value], "synonym"))
    return index


def _index_coded_columns(index: ValueIndex, schema, definitions, fetch) -> None:
    """Number columns whose values have words ("1 = buy, 2 = sell" in a comment) are categories too."""
    for table_name, column_name in definitions.value_synonyms:
        table = schema.tables.get(table_name)
        column = table.columns.get(column_name) if table is not None else None
        if column is None or column.kind not in ("integer", "number") or (table_name, column_name) in index.by_column:
            continue
        values = fetch(distinct_values(table_name, column_name, MAX_CATEGORY_VALUES))
        if len(values) <= MAX_CATEGORY_VALUES:
            index.by_column[(table_name, column_name)] = [_plain_number(v) for v in values]


def _plain_number(value: object) -> object:
    # 1.0 read back from a DOUBLE column is the code "1" a comment wrote.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _index_labels(index: ValueIndex, schema, table: str, label: str, subject: str, fetch) -> None:
    # Names link to the entity's key, so "Apple" filters on symbol = 'AAPL'.
    query = (
        exp.select(exp.column(label, quoted=True), exp.column(subject, quoted=True))
        .from_(exp.table_(table, quoted=True))
        .limit(MAX_ENTITY_VALUES)
    )
    rows = [row for row in fetch(query) if isinstance(row, tuple | list) and isinstance(row[0], str)]
    first_words: dict[str, int] = {}
    for name, _key in rows:
        words = clean_name(name).split()
        if words:
            first_words[words[0]] = first_words.get(words[0], 0) + 1
    for name, key in rows:
        if key is None:
            continue
        ref = ValueRef(table, subject, key, "name")
        cleaned = clean_name(name)
        index.add(name, ref)
        if cleaned:
            index.add(cleaned, ref)
            words = cleaned.split()
            if len(words) >= 2:
                index.add(" ".join(words[:2]), ref)
            first = words[0] if words else ""
            # A first word stands for the name only when it is distinctive and unique.
            if len(first) >= 4 and first not in COMMON_WORDS and not first.isdigit() and first_words[first] == 1:
                index.add(first, ValueRef(table, subject, key, "name_word"))

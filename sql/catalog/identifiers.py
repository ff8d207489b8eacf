"""Identifier understanding: the English words behind names like ``sbTxCustId`` or ``T_CLIENT_ACCT``.

Databases nobody described name things in camelCase, PascalCase or upper-case snake_case, put
prefixes on every table (``tbl_``, ``T_``, a vendor's ``sb``) and every column of a table
(``trd`` in ``trdQty``, ``trdPx``), and abbreviate (``qty``, ``px``, ``ccy``). This module turns
such names into plain words the planner can link questions to:

    split_identifier("sbTxCustId")            -> ["sb", "tx", "cust", "id"]
    expand_words(["cust", "id"])              -> ["customer", "id"]
    strip_prefix(["sb", "tx", "amt"], ["sb", "tx"]) -> ["amt"]

Pure functions over strings; the catalog calls them once per database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

# camelCase humps, ACRONYM runs before a capitalised word (USDAmount -> USD, Amount), digits.
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

#: Abbreviation -> the words it stands for; the first reading is the canonical one.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "acct": ("account",), "acc": ("account",), "accnt": ("account",), "acnt": ("account",),
    "addr": ("address",), "adj": ("adjusted",), "amt": ("amount",), "amnt": ("amount",),
    "avg": ("average",), "bal": ("balance",), "bbo": ("best bid offer",), "bkr": ("broker",),
    "brkr": ("broker",), "cat": ("category",), "ccy": ("currency",), "cur": ("currency",),
    "curr": ("currency",), "cd": ("code",), "cls": ("class", "close"), "clnt": ("client",),
    "cli": ("client",), "cnt": ("count",), "comm": ("commission",), "cpty": ("counterparty",),
    "ctry": ("country",), "cntry": ("country",), "cty": ("city",), "cust": ("customer",),
    "custs": ("customer",), "desc": ("description",), "dt": ("date",), "dte": ("date",),
    "dttm": ("timestamp",), "exch": ("exchange",), "exec": ("executed",), "fx": ("fx",),
    "hi": ("high",), "id": ("id",), "inst": ("instrument",), "instr": ("instrument",),
    "lmt": ("limit",), "lo": ("low",), "lvl": ("level",), "merch": ("merchant",), "mkt": ("market",),
    "mv": ("market value",), "nm": ("name",), "no": ("number",), "num": ("number",), "nbr": ("number",),
    "notl": ("notional",), "ntl": ("notional",), "opn": ("open",), "ord": ("order",),
    "pay": ("payment",), "pmt": ("payment",), "pnl": ("pnl",), "pct": ("percent",), "pos": ("position",), "prod": ("product",), "prd": ("product",),
    "posn": ("position",), "prc": ("price",), "px": ("price",), "qty": ("quantity",), "qnty": ("quantity",),
    "ref": ("reference",), "sec": ("security",), "sts": ("status",), "stat": ("status",),
    "sym": ("symbol",), "tkr": ("ticker",), "trd": ("trade",), "trdr": ("trader",), "ts": ("timestamp",),
    "tstamp": ("timestamp",), "tm": ("time",), "tx": ("transaction",), "txn": ("transaction",),
    "trx": ("transaction",), "trans": ("transaction",), "typ": ("type",), "usr": ("user",),
    "val": ("value",), "vol": ("volume",), "wt": ("weight",), "yld": ("yield",),
}

#: Abbreviations whose reading depends on the next word ("cls px" is a close price, "cls" a class).
PAIRS: dict[tuple[str, str], tuple[str, ...]] = {
    ("cls", "px"): ("close", "price"), ("cls", "prc"): ("close", "price"), ("cls", "price"): ("close", "price"),
    ("opn", "px"): ("open", "price"), ("hi", "px"): ("high", "price"), ("lo", "px"): ("low", "price"),
}

#: Words that name the same thing to a person asking (added as extra synonyms).
ALIASES: dict[str, tuple[str, ...]] = {
    "ticker": ("symbol",), "symbol": ("ticker",), "customer": ("client",), "client": ("customer",),
    "quantity": ("qty", "size", "units", "shares"), "price": ("px",), "amount": ("value",),
    "timestamp": ("time", "date"), "transaction": ("tx",), "country": ("nation",), "currency": ("ccy",),
    "commission": ("fee",), "fee": ("commission", "charge"), "merchant": ("vendor",), "number": ("id",),
    "status": ("state",), "type": ("kind",), "exchange": ("venue",), "instrument": ("security",),
    "signup": ("registration",), "email": ("mail",),
}

#: Leading table-name words that only say "this is a table".
TABLE_MARKERS = frozenset({"tbl", "tb", "t", "tab", "table", "vw", "v", "view", "dim", "fact", "fct", "f", "d",
                           "stg", "raw", "src", "dw", "ods"})

_TRAILING_MARKERS = frozenset({"tbl", "tb", "table", "tab", "vw", "view", "dim", "fact", "fct"})

_IRREGULAR_SINGULAR = {"people": "person", "statuses": "status", "indices": "index", "series": "series",
                       "analyses": "analysis", "addresses": "address", "currencies": "currency"}


def split_identifier(name: str) -> list[str]:
    """Lower-case word parts of an identifier: camelCase, PascalCase, snake_case, kebab, digits."""
    parts: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", name):
        parts.extend(p.lower() for p in _PARTS.findall(chunk))
    return parts


def singular(word: str) -> str:
    """The singular of an English noun, by the common rules (trades -> trade, currencies -> currency)."""
    if word in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[word]
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def plural(word: str) -> str:
    """The plural of an English noun (trade -> trades, currency -> currencies)."""
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def expand_words(words: Sequence[str]) -> list[str]:
    """Each abbreviation replaced by its canonical reading (``["cust", "id"] -> ["customer", "id"]``)."""
    out: list[str] = []
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        pair = PAIRS.get((word, words[i + 1])) if i + 1 < len(words) else None
        if pair:
            out.extend(pair)
            skip = True
            continue
        base = word if word in ABBREVIATIONS else singular(word)
        out.extend(ABBREVIATIONS.get(base, (base,))[0].split())
    return out


def alternative_phrases(words: Sequence[str]) -> list[str]:
    """Other ways to say an expanded phrase: second readings of abbreviations and common aliases."""
    phrases: list[str] = []
    for i, word in enumerate(words):
        for alias in ALIASES.get(word, ()):
            phrases.append(" ".join([*words[:i], alias, *words[i + 1:]]))
    return phrases


def shared_prefix(names: Iterable[Sequence[str]], min_share: float = 0.6) -> list[str]:
    """The leading words most names share (``sb tx`` in sbTxId, sbTxAmt, sbTxDt), else ``[]``.

    A prefix counts when at least ``min_share`` of at least two names start with it and it
    leaves words behind in each of them.
    """
    names = [list(n) for n in names if n]
    if len(names) < 2:
        return []
    prefix: list[str] = []
    while True:
        depth = len(prefix)
        heads = Counter(n[depth] for n in names if len(n) > depth + 1 and n[:depth] == prefix)
        if not heads:
            return prefix
        head, count = heads.most_common(1)[0]
        if count < max(2, min_share * len(names)):
            return prefix
        prefix.append(head)


def strip_prefix(words: Sequence[str], prefix: Sequence[str]) -> list[str]:
    """``words`` without ``prefix`` when they start with it and something is left, else unchanged."""
    n = len(prefix)
    if n and list(words[:n]) == list(prefix) and len(words) > n:
        return list(words[n:])
    return list(words)


def table_words(name: str, database_prefix: Sequence[str] = ()) -> list[str]:
    """The noun words of a table name, without markers (``tbl``, ``T_``) and the database-wide prefix."""
    words = strip_prefix(split_identifier(name), database_prefix)
    while len(words) > 1 and words[0] in TABLE_MARKERS:
        words = words[1:]
    while len(words) > 1 and words[-1] in _TRAILING_MARKERS:  # trades_tbl, TradeFact
        words = words[:-1]
    return words

"""Numeric conditions ("over $1M", "more than 100 trades", "an average size above 500") -> filters.

A number compares with what names it. Read in this order:

- a unit right after it ("100 coins", "500 shares") is an amount, never a money column;
- a thing right after it ("more than 100 trades") is a count of those things per entity (HAVING);
- a measure right after it ("over 1000 quantity") or just before it ("price above 300");
  with an aggregate word before the measure ("an average close above 300") the condition is on
  that aggregate per entity (HAVING), not on rows;
- a table just before it ("trades over $1M") is a row condition on that table's money (or size).
"""

from __future__ import annotations

from tradeassist.sql.catalog.catalog import Catalog
from tradeassist.sql.planner.parse import AGGREGATE_WORDS, DISTINCT_WORDS, SINGLE_GRAINS, SUPERLATIVES, Comparison, Mention, Parsed, Token
from tradeassist.sql.planner.link import group_for, measure_for
from tradeassist.sql.planner.intent import Filter

#: Words that make a number an amount of units, not money.
UNIT_WORDS = frozenset({"coin", "coins", "token", "tokens", "share", "shares", "unit", "units", "contract",
                        "contracts", "lot", "lots"})
_AMOUNT_NAMES = ("quantity", "amount", "qty", "size", "units", "shares", "volume")
_SKIP = {"the", "a", "an", "of", "its", "their"}


def _agg_before(parsed: Parsed, mention: Mention) -> str | None:
    """The aggregate word right before a mention ("an *average* trade size"), if any."""
    at = parsed.items.index(mention)
    for item in reversed(parsed.items[:at]):
        if isinstance(item, Token) and (item.low in _SKIP or item.low in SINGLE_GRAINS):
            continue  # "an average daily volume": the adjective sits between the aggregate and its measure
        if isinstance(item, Token) and item.low in AGGREGATE_WORDS and item.low not in SUPERLATIVES:
            return AGGREGATE_WORDS[item.low]
        return None
    return None


def _agg_word_at(parsed: Parsed, index: int) -> str | None:
    """The aggregate a word right before a comparison names ("averaging" more than ...), if any."""
    if 0 <= index < len(parsed.tokens) and parsed.tokens[index].low in AGGREGATE_WORDS:
        word = parsed.tokens[index].low
        return None if word in SUPERLATIVES or AGGREGATE_WORDS[word] == "count" else AGGREGATE_WORDS[word]
    return None


def amount_column(fact: str, catalog: Catalog, unit: str) -> str | None:
    """The fact table's column counted in units ("shares", "coins"): its quantity or amount."""
    for (table, column), cdef in catalog.definitions.columns.items():
        if table == fact and unit in cdef.synonyms and catalog.is_numeric(table, column):
            return column
    for column in catalog.columns(fact):
        if catalog.is_numeric(fact, column) and any(n in column.lower() for n in _AMOUNT_NAMES):
            return column
    return None


def _numeric(measure, fact: str, catalog: Catalog):
    """The measure when a number can be compared with it (a metric or a numeric column), else None."""
    if measure is None or measure.metric or catalog.is_numeric(measure.table or fact, measure.column):
        return measure
    return None


def _names_an_asset(m: Mention, catalog: Catalog) -> bool:
    """True when a mention is one code of an entity's key ("BTC"): a unit when it follows a number."""
    return bool(m.values) and not m.concepts and all(
        catalog.definitions.tables[v.table].subject == v.column for v in m.values[:1])


def _money_target(fact: str, catalog: Catalog) -> tuple[str, bool] | None:
    tdef = catalog.definitions.tables[fact]
    if tdef.money:
        return tdef.money, False
    metric = next((n for (t, n), d in catalog.definitions.metrics.items() if t == fact and d.money), None)
    return (metric, True) if metric else None


def _number(comp: Comparison):
    return int(comp.number) if comp.number.is_integer() else comp.number


def read_comparison(comp: Comparison, fact: str, parsed: Parsed, catalog: Catalog,
                    used: set[int]) -> tuple[Filter | None, bool]:
    """One comparison as a filter, and whether it is a HAVING condition (on an aggregate)."""
    mentions = parsed.mentions()
    value = _number(comp)
    at = comp.at_token
    distinct = at < len(parsed.tokens) and parsed.tokens[at].low in DISTINCT_WORDS
    after = next((m for m in mentions if m.start == at + distinct), None)
    if after is not None and distinct and not comp.money:
        key = group_for(after, fact, catalog)
        if key is not None:  # "more than 30 different symbols": a distinct count per entity
            used.add(id(after))
            return Filter(key.table, key.column, comp.op, (value,), agg="count_distinct"), True
    if after is not None and (after.text.lower() in UNIT_WORDS or _names_an_asset(after, catalog)):
        # "100 coins", "10 BTC": an amount of units of the asset, never its dollar value
        column = amount_column(fact, catalog, after.text.lower())
        if column is not None:
            used.add(id(after))
            agg = _agg_word_at(parsed, comp.at_token - 1)  # "averaging more than 50M shares": per entity
            return Filter(fact, column, comp.op, (value,), agg=agg), agg is not None
    if after is not None and any(c.kind == "table" and c.table == fact for c in after.concepts) and not comp.money:
        used.add(id(after))  # "more than 100 trades": how many of them, per entity
        return Filter(fact, "*", comp.op, (value,), agg="count"), True
    if after is not None:
        measure = _numeric(measure_for(None, after, fact, catalog, False), fact, catalog)
        if measure is not None and measure.table is None:
            used.add(id(after))
            return Filter(fact, measure.column, comp.op, (value,), metric=measure.metric), False
    # The comparison's own words were blanked: mentions ending just before ``at_token`` precede it.
    before = [m for m in mentions if comp.at_token - 3 <= m.end <= comp.at_token and m is not after]
    for m in reversed(before):
        if any(c.kind == "table" and c.table == fact for c in m.concepts):
            break  # "trades over $1M": a condition on each trade's size
        measure = _numeric(measure_for(None, m, fact, catalog, False), fact, catalog)
        if measure is not None and measure.table is None:
            used.add(id(m))
            agg = _agg_before(parsed, m)
            having = agg is not None and agg != "count"
            return Filter(fact, measure.column, comp.op, (value,), metric=measure.metric,
                          agg=agg if having else None), having
    target = _money_target(fact, catalog) if comp.money else None
    tdef = catalog.definitions.tables[fact]
    if target is None and tdef.measure and not comp.money:
        money = _money_target(fact, catalog)
        if money is not None and money[0] != tdef.measure:
            return None, False  # "transactions over 10000": an amount or a value? neither is named
        target = (tdef.measure, False)
    if target is None:
        return None, False
    return Filter(fact, target[0], comp.op, (value,), metric=target[1]), False


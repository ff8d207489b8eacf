"""Verify a plan against its question: every meaning-carrying word is used, the result has the asked shape.

Two checks keep a plausible table over the wrong SQL from being shown as right:

- ``unaccounted_words``: before running, each catalog mention and each function word of the
  question must show up in the intent (a measure, filter, grouping, ordering, kind...);
  a word the plan ignored ("spikes", "average ... above", "not") means the plan answers
  another question.
- ``shape_problems``: after running, the result's columns must fit the question: "which X"
  needs X's identifying column, "how many" a count, "in percent" a percentage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlglot.expressions as exp

from tradeassist.sql.catalog.catalog import Catalog
from tradeassist.sql.planner.parse import (
    AGGREGATE_WORDS, DISTINCT_WORDS, FIRST_WORDS, LATEST_WORDS, OFTEN_WORDS, PERCENT_WORDS, RETURN_WORDS,
    SINGLE_GRAINS, SUPERLATIVES, TIME_UNITS, Mention, Parsed, Token,
)
from tradeassist.sql.planner.intent import Intent

#: Small words that change what is asked; they are filler nowhere.
MEANING_WORDS = frozenset("""
not no without except excluding exclude excluded between vs versus compared against than more less fewer
before after since until both neither nor above below under beyond outside inside
""".split())
#: Kinds that compute returns from closing prices.
RETURN_KINDS = ("returns", "return_n", "period_return", "volatility", "drawdown")
#: Aggregate words that only say "all of it" and fit any summed or counted measure.
_SOFT_TOTALS = {"total", "overall", "combined", "aggregate", "cumulative", "tally"}


def _used_columns(intent: Intent, catalog: Catalog) -> tuple[set[str], set[tuple[str, str]]]:
    """The tables and (table, column) pairs the intent reads, metrics expanded to their columns."""
    tables = {intent.table}
    columns: set[tuple[str, str]] = set()
    for f in (*intent.filters, *intent.condition):
        tables.add(f.table)
        columns.add((f.table, f.column))
    for g in intent.groups:
        tables.add(g.table)
        columns.add((g.table, g.column))
    for m in intent.measures:
        table = m.table or intent.table
        tables.add(table)
        if m.column:
            columns.add((table, m.column))
    if intent.kind != "rows":
        columns |= {(intent.table, name) for name in intent.show}
    tdef = catalog.definitions.tables.get(intent.table)
    if tdef is not None and tdef.date_column and (intent.period or intent.periods
                                                  or intent.kind in ("latest", "first", "series", *RETURN_KINDS)):
        columns.add((intent.table, tdef.date_column))
    if intent.kind in RETURN_KINDS and tdef is not None:
        columns.add((intent.table, tdef.measure or "close"))
        if tdef.subject:
            columns.add((intent.table, tdef.subject))
    listed = {(intent.table, c) for c in catalog.columns(intent.table)} if intent.kind == "rows" else set()
    for m in intent.measures:
        tree = catalog.metric_trees.get((m.table or intent.table, m.column or "")) if m.metric else None
        if tree is not None:  # a metric reads its own columns, in subqueries too ("the latest close")
            for table in tree.find_all(exp.Table):
                tables.add(table.name)
                columns |= {(table.name, c.name) for c in tree.find_all(exp.Column)}
    for step in catalog.links.get(intent.table, ()):
        parent_key = tuple(catalog.schema.tables[step.right].primary_key or ()) == (step.right_column,)
        if parent_key and (intent.table, step.left_column) in columns:  # grouping by account_id names the accounts
            tables.add(step.right)
            columns.add((step.right, step.right_column))
    # a listing shows every column of its rows, but names no other table by doing so
    return tables, columns | listed


def _mention_used(m: Mention, intent: Intent, tables: set[str], columns: set[tuple[str, str]]) -> bool:
    names = {c for _t, c in columns}
    filters = (*intent.filters, *intent.condition)
    for v in m.values:
        # the value itself, or the key it was linked through ("Nvidia" -> the ticker's id)
        if any(v.value in f.values and (f.column == v.column or f.table in (intent.table, v.table)) for f in filters):
            return True
        if any(g.column == v.column for g in intent.groups):
            return True  # "each crypto": grouped by the entity the value belongs to
    for c in m.concepts:
        if c.kind in ("table", "verb") and c.table in tables:
            return True
        if c.kind in ("column", "metric") and ((c.table, c.column) in columns or (c.table in tables and c.column in names)):
            return True
    return False


_MONEY_VERBS = frozenset({"spend", "spends", "spent", "spending", "pay", "pays", "paid", "paying", "charged",
                          "earned", "earn", "earns", "cost", "costs"})
_MONEY_NAME = re.compile(r"fee|amount|amt|value|cost|notional|price|px|usd|pnl|commission|spend|proceeds", re.IGNORECASE)


def _is_money(m, intent: Intent, catalog: Catalog) -> bool:
    """True when a measure is an amount of money (a money metric, the table's money column, or named so)."""
    table = m.table or intent.table
    if m.metric:
        metric = catalog.definitions.metrics.get((table, m.column or ""))
        return bool(metric and metric.money)
    tdef = catalog.definitions.tables.get(table)
    return bool(m.column) and (tdef is not None and tdef.money == m.column or bool(_MONEY_NAME.search(m.column)))


def _function_word_used(token: Token, intent: Intent, catalog: Catalog) -> bool:
    w, low = token.norm, token.low
    aggs = {m.agg for m in intent.measures}
    ranked = bool(intent.order) or intent.kind in ("latest", "first") or bool(aggs & {"max", "min"})
    if intent.kind in ("drawdown", "volatility") and (low in SUPERLATIVES or low in ("max", "maximum", "deepest")):
        return True  # "max drawdown", "worst drawdown": the measure's own definition
    if low in _SOFT_TOTALS:
        return bool(aggs & {"sum", "count"}) or intent.kind in ("percentage", *RETURN_KINDS) or any(
            m.agg is None and m.metric for m in intent.measures)
    if low in AGGREGATE_WORDS and low not in SUPERLATIVES:
        agg = AGGREGATE_WORDS[low]
        return agg in aggs or (agg == "avg" and intent.per is not None) or any(getattr(f, "agg", None) == agg for f in intent.filters)
    if low in SUPERLATIVES or w in SUPERLATIVES:
        return ranked
    if low in LATEST_WORDS:
        return ranked or _marks_to_latest(intent, catalog) or intent.kind in RETURN_KINDS or intent.period is not None or low in ("now", "current")
    if low in FIRST_WORDS:
        return intent.kind in ("first", *RETURN_KINDS) or "min" in aggs or intent.order == "asc"
    if low in PERCENT_WORDS or w in PERCENT_WORDS:
        return intent.kind in ("percentage", *RETURN_KINDS) or any(m.metric for m in intent.measures)
    if low in DISTINCT_WORDS:
        return any(m.distinct for m in intent.measures)
    if low in RETURN_WORDS or w in ("change", "movement", "move", "moved", "std", "dev", "stddev", "standard",
                                    "deviation"):
        return intent.kind in RETURN_KINDS
    if low in ("volatility", "volatile", "vol", "vols", "annualised", "annualized", "annual"):
        return intent.kind == "volatility"
    if low in ("drawdown", "drawdowns", "deepest"):
        return intent.kind == "drawdown"
    if low in OFTEN_WORDS:
        return "count" in aggs
    if low in SINGLE_GRAINS:
        # "daily volume" of a table of daily rows is each row; "average daily notional" of trades is not
        grain = SINGLE_GRAINS[low]
        tdef = catalog.definitions.tables.get(intent.table)
        daily_rows = grain == "day" and tdef is not None and tdef.date_column is not None and catalog.kind(
            intent.table, tdef.date_column) == "date"
        return any(g.grain == grain for g in intent.groups) or daily_rows or intent.per == grain or intent.kind in (
            "series", *RETURN_KINDS)
    if w in TIME_UNITS:
        return any(g.grain for g in intent.groups) or intent.period is not None or intent.kind in ("series", *RETURN_KINDS)
    if low in ("many", "number"):
        return bool(aggs & {"count", "sum"}) or intent.kind == "percentage"
    if low == "much":
        return bool(aggs & {"sum", None}) or intent.kind in RETURN_KINDS
    if low in _MONEY_VERBS:  # "which tier spends the most": money must be what is measured
        return any(_is_money(m, intent, catalog) for m in intent.measures) or any(
            f.column and _MONEY_NAME.search(f.column) for f in intent.having)
    if intent.kind == "compare" and low in ("vs", "versus", "compared", "against", "or", "more", "less", "than",
                                            "between", "and"):
        return True  # the periods set side by side
    if low in ("vs", "versus", "compared", "against"):  # "buys vs sells": several values side by side
        return any(len(f.values) > 1 for f in intent.filters) or intent.kind == "compare"
    if low in ("minus", "plus", "divided"):
        return any(m.metric for m in intent.measures)
    return low not in MEANING_WORDS


def _marks_to_latest(intent: Intent, catalog: Catalog) -> bool:
    """True when a measure is a metric priced at the latest row (a subquery), like market value."""
    return any(m.metric and (tree := catalog.metric_trees.get((m.table or intent.table, m.column or ""))) is not None
               and tree.find(exp.Select) is not None for m in intent.measures)


def unaccounted_words(parsed: Parsed, intent: Intent, catalog: Catalog, absorbed: Iterable[Mention] = (),
                      numbered: Iterable[Mention] = ()) -> list[str]:
    """Words of the question that carry meaning the intent does not use, in question order."""
    tables, columns = _used_columns(intent, catalog)
    out: list[str] = []
    unknown = {t.index for t in parsed.unknown}
    carried = {id(m) for m in absorbed}
    compared = any(f.op in (">", ">=", "<", "<=") for f in (*intent.filters, *intent.having))
    counted = {id(m) for m in numbered} if compared else set()
    for item in parsed.items:
        if isinstance(item, Mention):
            if id(item) in carried and (intent.measures or intent.kind != "rows") or id(item) in counted:
                continue
            if item.text.lower() in PERCENT_WORDS and intent.kind == "percentage":
                continue  # "what share of orders": the percentage, not the shares column
            if not _mention_used(item, intent, tables, columns):
                out.append(item.text)
        elif item.index not in unknown and not _function_word_used(item, intent, catalog):
            out.append(item.original)
        elif item.low == "per" and _ratio_after(parsed, item, intent, catalog):
            out.append(item.original)  # "fee per share": a ratio of two measures, not a grouping
    return out


def _ratio_after(parsed: Parsed, token: Token, intent: Intent, catalog: Catalog) -> bool:
    """True when "per" is followed by a measure (not a table or a dimension) that the plan does not group by."""
    at = parsed.items.index(token)
    nxt = next((i for i in parsed.items[at + 1:] if isinstance(i, Mention) or i.low not in ("a", "an", "the", "each")),
               None)
    if not isinstance(nxt, Mention) or "table" in nxt.kinds():
        return False
    numeric = any(c.kind == "metric" or (c.kind == "column" and catalog.is_numeric(c.table, c.column)
                                         and not c.column.lower().endswith("id")) for c in nxt.concepts)
    grouped = any(g.column == c.column for g in intent.groups for c in nxt.concepts if c.kind == "column")
    return numeric and not grouped


def _has_column(columns: Iterable[str], wanted: Iterable[str]) -> bool:
    have = [c.lower() for c in columns]
    return any(w.lower() in have for w in wanted)


def subject_columns(subject: Mention, catalog: Catalog) -> set[str]:
    """Column names that identify what a "which X" subject names (its key, label or the column)."""
    names: set[str] = set()
    for c in subject.concepts:
        if c.kind == "column" and c.column:
            names.add(c.column)
        if c.kind == "table":
            tdef = catalog.definitions.tables[c.table]
            names |= {n for n in (tdef.subject, tdef.label) if n}
            names |= set(catalog.schema.tables[c.table].primary_key or ())
            # the columns of other tables that point at this one name it too ("trdSym" for instruments)
            names |= {s.left_column for steps in catalog.links.values() for s in steps
                      if s.right == c.table and s.right_column in names}
    for v in subject.values:
        names.add(v.column)
    if any(c.kind == "column" and catalog.kind(c.table, c.column) in ("date", "timestamp") for c in subject.concepts):
        names |= {"day", "date", "week", "month", "quarter", "year"}  # a date cut to a grain
    return names


def shape_problems(columns: list[str], asks: dict, catalog: Catalog) -> list[str]:
    """What the result lacks for the question's shape; ``asks`` comes from ``question_shape``."""
    problems = []
    lowered = [c.lower() for c in columns]
    if asks.get("thing") and not _has_column(columns, asks["thing"]):
        problems.append(f"the answer does not name the {asks['thing_word']}")
    if asks.get("count") and not any(("count" in c or "number" in c or c.startswith("n_") or "distinct" in c)
                                     for c in lowered):
        problems.append("the answer holds no count")
    if asks.get("percent") and not any(any(h in c for h in ("pct", "percent", "share", "ratio", "rate", "fraction",
                                                                "return", "change"))
                                       for c in lowered):
        problems.append("the answer holds no percentage")
    return problems

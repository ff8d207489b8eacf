"""Parsed question -> Intent: pick roles for mentions, the fact table, joins, kind and confidence.

Roles come from small, general rules of English questions about tables: an aggregate word
before a numeric column makes a measure; "by/per/each X" makes a grouping; "which X" or
"top N X" makes the subject; a data value makes a filter; the fact table is the one that owns
the measures and can reach every filter and grouping along foreign keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tradeassist.sql.catalog.catalog import Catalog, Concept
from tradeassist.sql.planner.parse import (
    AGGREGATE_WORDS, DISTINCT_WORDS, FIRST_WORDS, GROUP_MARKERS, LATEST_WORDS, OFTEN_WORDS, PERCENT_WORDS,
    RETURN_WORDS, SERIES_WORDS, SINGLE_GRAINS, SUPERLATIVES, TIME_UNITS, Mention, Parsed, Token,
)
from tradeassist.sql.planner.intent import Filter, GroupKey, Measure
from tradeassist.sql.catalog.values import STOPWORDS, ValueRef

#: Words that ask for volatility or drawdown of prices, and for annualising it.
VOLATILITY_WORDS = frozenset({"volatility", "volatile", "vol", "vols", "volatilities", "volatilty"})
DRAWDOWN_WORDS = frozenset({"drawdown", "drawdowns", "dd"})
ANNUAL_WORDS = frozenset({"annualised", "annualized", "annualise", "annualize", "annual", "annualizing", "annualising"})
#: Superlatives of size: before a table noun they rank its rows ("largest trade"), they do not count them.
_SIZE_SUPERLATIVES = frozenset({"largest", "biggest", "smallest", "highest", "lowest", "heaviest", "greatest"})
_LEVEL = re.compile(r"(price|close|open|high|low|cost|rate|ratio|pct|percent|yield|level|avg|mean)")
_SKIP = STOPWORDS | {"the", "a", "an", "all", "of", "for", "in", "on", "to", "single", "individual"}


@dataclass
class Roles:
    """What each mention does in the question."""

    #: (agg, mention, distinct, agg came from a superlative like "highest")
    measures: list[tuple[str | None, Mention, bool, bool]] = field(default_factory=list)
    count_tables: list[str] = field(default_factory=list)
    count_distinct: list[Mention] = field(default_factory=list)
    groups: list[Mention] = field(default_factory=list)
    grains: list[str] = field(default_factory=list)
    subject: Mention | str | None = None  # a mention, or a time unit word
    filters: list[Mention] = field(default_factory=list)
    group_values: list[Mention] = field(default_factory=list)  # "each crypto": group by + filter
    cues: list[str] = field(default_factory=list)
    order: str | None = None
    latest: bool = False
    first: bool = False
    percent: bool = False
    often: bool = False
    series: bool = False
    derived: list[tuple[Mention, str, Mention]] = field(default_factory=list)
    dates: list[Mention] = field(default_factory=list)  # date columns named ("first trading date")
    key_filters: list[tuple[str, str, int]] = field(default_factory=list)  # "account 3"
    used_numbers: set[int] = field(default_factory=set)  # token indexes of numbers given a role
    returns: str | None = None  # "series" (daily returns) or "period" (performance over a period)
    count_pending: bool = False  # "how many buys vs sells": a count nobody claimed
    how_much: bool = False  # "how much did we trade": the size of it
    when: bool = False  # "when did ...": the answer is a date
    ambiguous: list[str] = field(default_factory=list)
    #: "average daily X": the grain whose totals are averaged; "average number of X per day" sets avg_of_count.
    per_grain: str | None = None
    avg_of_count: bool = False
    #: Mentions whose meaning another role carries ("across all accounts", the operands of "high minus low").
    absorbed: list[Mention] = field(default_factory=list)
    #: Mentions read with a number ("100 coins", "an average size above 500"): used by that condition.
    numbered: list[Mention] = field(default_factory=list)


def _table_word(m: Mention, catalog: Catalog) -> bool:
    """True when the mention is spelled exactly as one of its table's own words ("position", "holding")."""
    return any(c.kind == "table" and m.text.lower() in catalog.definitions.tables[c.table].synonyms for c in m.concepts)


def _names_a_measure(m: Mention) -> bool:
    """True when a mention names a column or metric that could be ranked (not only a table or a value)."""
    return any(c.kind in ("metric", "column") for c in m.concepts) and not m.values


def _is_measure(m: Mention, catalog: Catalog) -> bool:
    for c in m.concepts:
        if c.kind == "metric":
            return True
        if c.kind == "column" and catalog.is_numeric(c.table, c.column) and not c.column.endswith("_id"):
            return True
    return False


def _is_dimension(m: Mention, catalog: Catalog) -> bool:
    for c in m.concepts:
        if c.kind == "table" and catalog.definitions.tables[c.table].subject:
            return True
        if c.kind == "column" and catalog.kind(c.table, c.column) in ("text", "integer", "date", "boolean"):
            if catalog.kind(c.table, c.column) != "integer" or c.column.endswith("id"):
                return True
    return False


def _entity_key(m: Mention, catalog: Catalog, any_kind: bool = False) -> tuple[str, str] | None:
    for c in m.concepts:
        if c.kind in ("table", "column"):
            tdef = catalog.definitions.tables[c.table]
            key = tdef.subject
            if key and (c.kind == "table" or c.column == key) and (any_kind or catalog.kind(c.table, key) == "integer"):
                return c.table, key
    return None


def _next_item(items: list, index: int):
    for item in items[index + 1:]:
        if isinstance(item, Token) and item.norm in _SKIP:
            continue
        return item
    return None


@dataclass
class _Walk:
    """What the left-to-right walk over the question carries from one word to the next."""

    agg: str | None = None  # an aggregate word waiting for its measure ("average ...")
    superlative: bool = False  # ... and whether it came from a superlative ("highest ...")
    distinct: bool = False  # "distinct ..." waiting for its column
    skip_next: bool = False  # "across all X": X is summed over, not a role
    last_was_group: bool = False
    group_word: str = ""
    group_next: bool = False  # "by/per/each" waiting for its grouping
    subject_next: bool = False  # "top N ..." waiting for the ranked thing


def find_roles(parsed: Parsed, catalog: Catalog) -> Roles:
    """Assign a role to every mention and function word, left to right."""
    roles = Roles(grains=list(parsed.grains))
    walk = _Walk()
    _question_roles(parsed, roles, walk)
    items = parsed.items
    for index, item in enumerate(items):
        if isinstance(item, Token):
            _token_role(item, index, parsed, catalog, roles, walk)
        else:
            _mention_role(item, index, parsed, catalog, roles, walk)
    _settle_roles(parsed, roles, walk)
    return roles


def _question_roles(parsed: Parsed, roles: Roles, walk: _Walk) -> None:
    """Roles read from the whole question: percent, returns and risk words, series, ranking words."""
    words = [t.norm for t in parsed.tokens]
    lows = [t.low for t in parsed.tokens]
    text = " ".join(lows)
    # "fill ratio" is a metric and "the Rates desk" a value, not a percentage of rows
    in_metric = {i for m in parsed.mentions() if m.values or any(c.kind == "metric" for c in m.concepts)
                 for i in range(m.start, m.end)}
    roles.percent = any(
        w in PERCENT_WORDS and i not in in_metric
        and (w != "share" or (parsed.tokens[i].low == "share" and words[i + 1: i + 2] == ["of"]))
        for i, w in enumerate(words)
    )
    roles.often = any(w in OFTEN_WORDS for w in words)
    if any(w in RETURN_WORDS for w in lows) or parsed.performance:
        roles.returns = "series" if "returns" in lows and not parsed.limit else "period"
        if any(w in ("gainer", "gainers", "winners") for w in lows):
            roles.order = "desc"
        elif any(w in ("loser", "losers", "laggards") for w in lows):
            roles.order = "asc"
    if any(w in ("best", "worst") for w in lows) and not roles.returns and not any(
        _names_a_measure(m) for m in parsed.mentions()
    ):
        roles.returns = "period"  # "the worst 3 stocks last month": ranked by how they performed
    if roles.percent and any(w in ("change", "changed", "move", "moved", "moves") for w in lows):
        roles.returns = "period"  # "percent change in ETH", "how much did QQQ move in %"
    if any(w in VOLATILITY_WORDS for w in lows) or (
        re.search(r"\b(?:std dev|stddev|standard deviation)\b", text) and "return" in text
    ):
        roles.returns = "volatility"  # the sample standard deviation of daily returns
    elif any(w in DRAWDOWN_WORDS for w in lows) or "draw down" in text:
        roles.returns = "drawdown"  # close over its running maximum, minus one, at its lowest
    if roles.returns == "volatility" and any(t.low in ANNUAL_WORDS for t in parsed.tokens):
        roles.used_numbers |= {t.index for t in parsed.tokens if t.low == "252"}  # "252 trading days a year"
    roles.series = any(w in SERIES_WORDS for w in words) or "over time" in text
    if parsed.limit_word in ("top", "best", "largest", "biggest", "highest", "most", "greatest", "heaviest"):
        roles.order = "desc"
    elif parsed.limit_word in ("bottom", "worst", "lowest", "smallest", "least"):
        roles.order = "asc"
    if parsed.limit_word == "show" and any(t.low in SUPERLATIVES for t in parsed.tokens):
        walk.subject_next = True  # "give me the 3 accounts with the most orders": a top 3
    if not parsed.limit and any(t.low in ("top", "bottom") for t in parsed.tokens):
        walk.subject_next = True  # "top symbols by volume": a ranking, ten rows unless told
    if parsed.limit and parsed.limit_word in ("top", "bottom", "which", "largest", "biggest", "highest",
                                              "lowest", "smallest", "most", "least", "best", "worst",
                                              "greatest", "heaviest"):
        walk.subject_next = True


def _subject_word(item: Token, nxt, items: list, catalog: Catalog, roles: Roles, walk: _Walk) -> None:
    """ "which X", "what X", "list the X", "who": the thing the answer is about."""
    w = item.norm
    noun = _next_item(items, items.index(nxt)) if isinstance(nxt, Mention) and nxt.values else None
    if w in ("which", "what") and isinstance(noun, Mention) and roles.subject is None and not noun.values and any(
        c.kind == "table" and noun.text.lower() in catalog.definitions.tables[c.table].synonyms for c in noun.concepts
    ):
        # "which crypto position": the position is the answer, "crypto" says which ones
        roles.subject, walk.subject_next = noun, False
        roles.filters.append(nxt)
    elif w in ("which", "what") and nxt is not None and roles.subject is None:
        if isinstance(nxt, Mention) and _is_dimension(nxt, catalog) and not _is_measure(nxt, catalog):
            roles.subject, walk.subject_next = nxt, False
            if nxt.values:  # "which stocks": the subject and a filter at once
                roles.filters.append(nxt)
        elif w == "which" and isinstance(nxt, Mention) and nxt.values and not nxt.concepts and (
            catalog.definitions.tables[nxt.values[0].table].subject not in (None, nxt.values[0].column)
            and catalog.definitions.tables[nxt.values[0].table].label != nxt.values[0].column
        ):
            # "which stock" where "stock" is only a type value: the entity of that type
            roles.subject = Mention(nxt.start, nxt.end, nxt.text, [Concept("table", nxt.values[0].table)])
            walk.subject_next = False
        elif isinstance(nxt, Token) and nxt.norm in TIME_UNITS:
            roles.subject, walk.subject_next = TIME_UNITS[nxt.norm], False
    if w in ("list", "show", "display", "enumerate") and isinstance(nxt, Mention) and roles.subject is None:
        if _is_dimension(nxt, catalog) and not _is_measure(nxt, catalog) and not nxt.values:
            roles.subject, walk.subject_next = nxt, False  # "list the desks": the desks are the answer
    if w == "who" and roles.subject is None and item.index == 0:  # "customers who joined": a relative, not a question
        person = next((t for t, d in catalog.definitions.tables.items() if d.person), None)
        if person:  # "who holds ...": the table of people or accounts
            roles.subject = Mention(item.index, item.index + 1, "who", [Concept("table", person)])
            walk.subject_next = False


def _token_role(item: Token, index: int, parsed: Parsed, catalog: Catalog, roles: Roles, walk: _Walk) -> None:
    """The role of one function word: grouping, aggregate, superlative, latest/first, time unit."""
    items = parsed.items
    w = item.norm
    nxt = _next_item(items, index)
    _subject_word(item, nxt, items, catalog, roles, walk)
    if w in GROUP_MARKERS or (w == "and" and walk.last_was_group):
        walk.group_next, walk.group_word = True, w  # "per status and side": both group
        return
    if w == "when":
        roles.when = True
    walk.last_was_group = False
    if w == "across":  # "across all accounts": summed over them, not grouped
        walk.skip_next = True
        return
    if w in SINGLE_GRAINS:
        # "average daily volume" is an adjective; "daily volume" alone still a series grain
        if not (walk.agg and isinstance(nxt, Mention) and _is_measure(nxt, catalog)):
            roles.grains.append(SINGLE_GRAINS[w])
        elif walk.agg == "avg":
            roles.per_grain = SINGLE_GRAINS[w]  # "average daily notional": the average of daily totals
        return
    _aggregate_word(item, index, nxt, parsed, catalog, roles, walk)
    if w in DISTINCT_WORDS:
        walk.distinct = True
    if w in LATEST_WORDS and not (w == "last" and parsed.limit_word == "last"):
        roles.latest = True
    if w in FIRST_WORDS:
        roles.first = True
    if walk.group_next and w in TIME_UNITS:
        roles.grains.append(TIME_UNITS[w])
        walk.group_next = False
    if walk.subject_next and w in TIME_UNITS:
        roles.subject = TIME_UNITS[w]
        walk.subject_next = False


def _aggregate_word(item: Token, index: int, nxt, parsed: Parsed, catalog: Catalog, roles: Roles,
                    walk: _Walk) -> None:
    """ "how many", "number of", "count", "average", superlatives: what is computed and in what order."""
    items = parsed.items
    w = item.norm
    after = items[index + 1] if index + 1 < len(items) else None
    if w == "how" and isinstance(after, Token) and after.norm == "many":
        walk.agg = "count"
    elif w == "how" and isinstance(after, Token) and after.norm == "much":
        roles.how_much = True
        walk.agg = "sum"
    elif w == "number" and isinstance(nxt, Token | Mention):
        roles.avg_of_count = roles.avg_of_count or walk.agg == "avg"  # "average number of trades per day"
        walk.agg = "count"
        walk.group_next = False  # "by number of trades": what orders the rows, not a grouping
    elif w == "count":
        roles.avg_of_count = roles.avg_of_count or walk.agg == "avg"  # "average monthly trade count"
        before = items[index - 1] if index else None
        if isinstance(before, Mention) and "table" in before.kinds():  # "trade count"
            roles.count_tables.extend(c.table for c in before.concepts if c.kind == "table")
        else:
            walk.agg = "count"
    elif w in AGGREGATE_WORDS and walk.agg != "count":
        walk.agg = AGGREGATE_WORDS[w]
        walk.superlative = w in SUPERLATIVES
    if w in SUPERLATIVES:
        roles.order = roles.order or SUPERLATIVES[w]
        if w == "most" and isinstance(nxt, Mention) and nxt.kinds() & {"table", "verb"} and not _is_measure(nxt, catalog):
            roles.often = True
        elif (w in _SIZE_SUPERLATIVES and roles.subject is None and isinstance(nxt, Mention)
              and "table" in nxt.kinds() and not nxt.values and (not _is_measure(nxt, catalog) or _table_word(nxt, catalog))):
            walk.subject_next = True  # "the biggest trade by notional": the trade itself, ranked


def _take_measure(m: Mention, roles: Roles, walk: _Walk) -> None:
    roles.measures.append((walk.agg, m, walk.distinct, walk.superlative))
    walk.agg, walk.distinct, walk.superlative = None, False, False


def _mention_role(m: Mention, index: int, parsed: Parsed, catalog: Catalog, roles: Roles, walk: _Walk) -> None:
    """The role of one catalog mention: subject, grouping, filter, count, measure or cue."""
    if roles.returns == "volatility" and m.text.lower() in VOLATILITY_WORDS:
        roles.absorbed.append(m)  # "volatility" names the computation, not a strategy called so
        return
    if walk.skip_next:
        walk.skip_next = False
        roles.absorbed.append(m)
        return
    if m is roles.subject:
        walk.subject_next = False
        return
    if isinstance(roles.subject, Mention) and roles.subject.text == "who" and any(
        c.kind == "table" and c in roles.subject.concepts for c in m.concepts
    ):
        roles.subject, walk.subject_next = m, False  # "who are the top traders": the traders
        return
    if walk.group_next and _grouping_mention(m, catalog, roles, walk):
        return
    if walk.subject_next and (_is_dimension(m, catalog) or "table" in m.kinds()):
        roles.subject = m
        walk.subject_next = False
        if m.values:
            roles.filters.append(m)
        return
    items = parsed.items
    after = items[index + 1] if index + 1 < len(items) else None
    if isinstance(after, Token) and after.low.isdigit():
        key = _entity_key(m, catalog)
        if key is not None:  # "account 3": the entity whose key is 3
            roles.key_filters.append((*key, int(after.low)))
            roles.used_numbers.add(after.index)
            return
    if m.values and not (walk.agg and _is_measure(m, catalog)):
        _value_mention(m, catalog, roles, walk)
        return
    if _counted_mention(m, catalog, roles, walk):
        return
    if _is_measure(m, catalog):
        if walk.agg == "count":
            walk.agg = "sum"  # "number of shares traded": shares are summed, not counted
        nxt = _next_item(items, index)
        later = _next_item(items, items.index(nxt)) if nxt is not None and nxt in items else None
        if isinstance(nxt, Token) and nxt.norm in ("minus", "plus", "times", "divided") and isinstance(later, Mention):
            roles.derived.append((m, nxt.norm, later))
        _take_measure(m, roles, walk)
        return
    roles.cues.extend(c.table for c in m.concepts if c.kind in ("table", "verb"))
    if any(c.kind == "column" and catalog.kind(c.table, c.column) in ("date", "timestamp") for c in m.concepts):
        roles.dates.append(m)


def _grouping_mention(m: Mention, catalog: Catalog, roles: Roles, walk: _Walk) -> bool:
    """The mention after "by/per/each": a grouping, a grouped value, an agent ("by the Macro desk")
    or the ordering measure ("by total volume"). False when it is none of these."""
    walk.group_next = False
    if m.values and walk.group_word == "by" and not _is_dimension(m, catalog):
        roles.filters.append(m)  # "traded by the Macro desk": who did it, not a grouping
        return True
    if m.values:
        roles.group_values.append(m)
        return True
    if _is_dimension(m, catalog) or ("table" in m.kinds()):
        roles.groups.append(m)
        walk.last_was_group = True
        return True
    if _is_measure(m, catalog):  # "by total volume": the ordering measure
        _take_measure(m, roles, walk)
        return True
    return False


def _value_mention(m: Mention, catalog: Catalog, roles: Roles, walk: _Walk) -> None:
    """A mention naming data values: a filter, and what "how many" counts when one is waiting."""
    if walk.agg == "count" and walk.distinct and any(c.kind == "column" for c in m.concepts):
        roles.count_distinct.append(m)  # "how many different coins were transferred"
        walk.agg, walk.distinct = None, False
    elif walk.agg == "count" and any(c.kind == "table" for c in m.concepts):
        # "how many fills": the table the word names, not a status value that sounds alike
        roles.count_tables.extend(c.table for c in m.concepts if c.kind == "table")
        walk.agg, walk.distinct = None, False
        return
    elif walk.agg == "count" and any(c.kind == "column" for c in m.concepts):
        roles.count_tables.append(m.values[0].table)  # "how many stocks": rows of that entity
        walk.agg, walk.distinct = None, False
    roles.filters.append(m)
    roles.cues.extend(c.table for c in m.concepts if c.kind == "verb")


def _counted_mention(m: Mention, catalog: Catalog, roles: Roles, walk: _Walk) -> bool:
    """What a waiting "how many" / "distinct" counts: rows of a table or distinct values of a column."""
    if walk.distinct and walk.agg is None and _is_dimension(m, catalog) and not _is_measure(m, catalog):
        roles.count_distinct.append(m)  # "distinct symbols per account": how many of them
        walk.distinct = False
        return True
    if walk.agg == "count" and walk.distinct and "table" in m.kinds() and _entity_key(m, catalog, any_kind=True):
        roles.count_distinct.append(m)  # "number of unique accounts": distinct keys, not rows
        roles.cues.extend(c.table for c in m.concepts if c.kind == "verb")
        walk.agg, walk.distinct = None, False
        return True
    if walk.agg == "count" and any(c.kind == "column" and catalog.kind(c.table, c.column) in ("date", "timestamp")
                                   and catalog.definitions.tables[c.table].subject for c in m.concepts):
        roles.count_distinct.append(m)  # "how many trading days": distinct dates, not rows of every symbol
        walk.agg, walk.distinct = None, False
        return True
    if walk.agg == "count":
        if "table" in m.kinds() or "verb" in m.kinds():
            roles.count_tables.extend(c.table for c in m.concepts if c.kind in ("table", "verb"))
            walk.agg, walk.distinct = None, False
            return True
        if walk.distinct or _is_dimension(m, catalog):
            roles.count_distinct.append(m)
            walk.agg, walk.distinct = None, False
            return True
    return False


def _settle_roles(parsed: Parsed, roles: Roles, walk: _Walk) -> None:
    """After the walk: an unclaimed count, counted things after numbers, and measures that name a table."""
    if walk.agg == "count" and not roles.count_tables and not roles.count_distinct:
        roles.count_pending = True
    for comp in parsed.comparisons:  # "more than 50 transactions": those are counted
        counted = next((m for m in parsed.mentions() if m.start == comp.at_token), None)
        if counted is not None and not comp.money:
            roles.count_tables.extend(c.table for c in counted.concepts if c.kind == "table")
    # A table noun that is also a measure word ("value of positions") is the table when another
    # measure is named: drop it as a measure, keep it as a cue.
    if len(roles.measures) > 1:
        kept = []
        for entry in roles.measures:
            agg, m = entry[0], entry[1]
            if agg is None and "table" in m.kinds() and any(e is not entry for e in roles.measures):
                roles.cues.extend(c.table for c in m.concepts if c.kind == "table")
                continue
            kept.append(entry)
        roles.measures = kept or roles.measures
    # "largest position by value": the table noun ranked by the other measure, not its own maximum.
    if len(roles.measures) > 1:
        for entry in list(roles.measures):
            _agg, m, _distinct, from_superlative = entry
            if from_superlative and "table" in m.kinds() and roles.subject is None:
                roles.measures.remove(entry)
                roles.subject = m
                break
    # A derived "high minus low" explains a metric already named; drop its operand measures.
    for left, _op, right in roles.derived:
        roles.absorbed += [left, right]
        roles.measures = [x for x in roles.measures if x[1] is not right and x[1] is not left] or roles.measures


# ------------------------------------------------------------------------------ fact table
def _tables_of(m: Mention, kinds: tuple[str, ...]) -> set[str]:
    return {c.table for c in m.concepts if c.kind in kinds}


def score_tables(roles: Roles, catalog: Catalog, parsed: Parsed) -> list[tuple[float, str]]:
    """Candidate fact tables, best first; infeasible ones (cannot reach a filter) are left out."""
    scored = []
    for table, tdef in catalog.definitions.tables.items():
        score = tdef.prior
        for _agg, m, _d, _s in roles.measures:
            if table in _tables_of(m, ("column", "metric")):
                score += 4
        score += 5 * roles.count_tables.count(table)
        score += 3 * roles.cues.count(table)
        if isinstance(roles.subject, Mention) and any(
            c.kind == "table" and c.table == table for c in roles.subject.concepts
        ):
            score += 3
        for m in roles.count_distinct:
            if any(c.kind == "column" and c.table == table for c in m.concepts):
                score += 0.5
        feasible = True
        for m in (*roles.filters, *roles.group_values):
            if not any(catalog.join_path(table, v.table) is not None for v in m.values):
                feasible = False
            elif any(v.table == table or catalog.has_column(table, v.column) for v in m.values):
                score += 0.5 + 0.6 * any(v.table == table for v in m.values)
        for m in roles.groups:
            targets = _tables_of(m, ("column", "table"))
            if not any(catalog.join_path(table, t) is not None for t in targets):
                feasible = False
            elif table in targets:
                score += 1
        if (parsed.period or roles.grains) and not tdef.date_column:
            score -= 3
        if isinstance(roles.subject, Mention) and not roles.measures and any(
            c.kind == "column" and c.table == table and c.column not in (tdef.subject, tdef.date_column)
            for c in roles.subject.concepts
        ):
            score += 1.5  # "what sectors do we have": the table that owns the column
        if feasible:
            scored.append((score, table))
    scored.sort(key=lambda x: -x[0])
    return scored


# ------------------------------------------------------------------------------ resolution
def resolve_value(ref_list: list[ValueRef], fact: str, catalog: Catalog, neighbour: set[str]) -> ValueRef | None:
    """The value reading that fits the fact table best ("Quant desk" -> accounts.desk)."""
    reachable = [v for v in ref_list if catalog.join_path(fact, v.table) is not None]
    if not reachable:
        return None
    prefer = list(catalog.definitions.prefer)

    def rank(v: ValueRef) -> tuple:
        return (
            0 if v.column in neighbour else 1,
            0 if catalog.has_column(fact, v.column) or v.table == fact else 1,
            prefer.index((v.table, v.column)) if (v.table, v.column) in prefer else len(prefer),
        )

    return min(reachable, key=rank)


def filter_for(ref: ValueRef, fact: str, catalog: Catalog, values: tuple) -> Filter:
    """A filter on the fact table's own column when it has one (no join needed), else the value's table."""
    local = catalog.link_column(fact, ref.table) if ref.table != fact else None
    entity = catalog.definitions.tables.get(ref.table)
    if ref.table == fact:
        return Filter(fact, ref.column, "in" if len(values) > 1 else "=", values)
    if local and entity and entity.subject == ref.column:
        return Filter(fact, local, "in" if len(values) > 1 else "=", values)
    if catalog.has_column(fact, ref.column) and catalog.kind(fact, ref.column) == "text" and ref.column != "name":
        return Filter(fact, ref.column, "in" if len(values) > 1 else "=", values)
    return Filter(ref.table, ref.column, "in" if len(values) > 1 else "=", values)


def group_for(m: Mention, fact: str, catalog: Catalog) -> GroupKey | None:
    """The grouping a dimension mention names, seen from the fact table."""
    columns = [c for c in m.concepts if c.kind == "column"]
    if any(c.kind == "table" and c.table == fact for c in m.concepts) and (
        m.text.lower() in catalog.definitions.tables[fact].synonyms
    ):
        return None  # "each position" on positions: every row already is one
    for c in columns:
        if c.table == fact:
            return GroupKey(fact, c.column)
    tables = [c for c in m.concepts if c.kind == "table"]
    for c in tables:
        if c.table == fact:
            return None  # "per trade" on trades: every row already is one
        subject = catalog.definitions.tables[c.table].subject
        local = catalog.link_column(fact, c.table)
        if local:
            return GroupKey(fact, local)
        if subject and catalog.join_path(fact, c.table) is not None:
            return GroupKey(c.table, subject)
    for c in columns:
        if catalog.has_column(fact, c.column) and catalog.kind(fact, c.column) == "text":
            return GroupKey(fact, c.column)
        if catalog.join_path(fact, c.table) is not None:
            return GroupKey(c.table, c.column)
    return None


def measure_for(agg: str | None, m: Mention, fact: str, catalog: Catalog, distinct: bool) -> Measure | None:
    """A measure on the fact table (or a joined table) from a numeric mention."""
    options: list[Concept] = sorted(
        (c for c in m.concepts if c.kind in ("metric", "column")),
        key=lambda c: (c.table != fact, c.kind != "metric" if c.table == fact else c.kind == "metric"),
    )
    for c in options:
        if c.kind == "metric" and c.table == fact:
            if is_aggregate_metric(catalog, fact, c.column):
                return Measure("calc", c.column, metric=True)  # VWAP: a ratio of sums, aggregated already
            return Measure(agg, c.column, metric=True, distinct=distinct)
        if c.kind == "column" and c.table == fact:
            return Measure(agg, c.column, distinct=distinct)
    for c in options:
        if c.kind == "column" and catalog.join_path(fact, c.table) is not None:
            return Measure(agg, c.column, distinct=distinct, table=c.table)
    return None


def is_aggregate_metric(catalog: Catalog, table: str, name: str) -> bool:
    """True when a metric's expression aggregates by itself (``SUM(quantity * price) / SUM(quantity)``)."""
    import sqlglot.expressions as exp

    tree = catalog.metric_trees.get((table, name))
    return tree is not None and tree.find(exp.AggFunc) is not None and tree.find(exp.Select) is None


def additive(catalog: Catalog, fact: str, measure: Measure) -> bool:
    """True when summing the measure makes sense (volumes, quantities, fees), not for price levels."""
    name = measure.column or ""
    metric = catalog.definitions.metrics.get((measure.table or fact, name)) if measure.metric else None
    if metric is not None and metric.money:
        return True  # money metrics (market value, cost basis, notional) add up, whatever their name says
    return not _LEVEL.search(name)

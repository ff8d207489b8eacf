"""Compose: a question's roles -> the Intent for one candidate fact table, in stages over a draft.

    conditions (numbers, values, weekdays) -> groupings -> measures -> subject
    -> kind (percentage | rows | ranked | latest | series | buckets | aggregate)
    -> completion (shown columns, default aggregates, time buckets)
    -> settling (fan-out joins, whole rows for "the latest X", two periods, entity names, order)

Returns, volatility and drawdown, and conditions on aggregates (HAVING) take their own short paths.
Nothing here touches the database: the catalog holds all it needs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from tradeassist.sql.catalog.catalog import Catalog
from tradeassist.sql.planner.build import having_measure
from tradeassist.sql.planner.compare import amount_column, read_comparison
from tradeassist.sql.planner.intent import Filter, GroupKey, Intent, Measure
from tradeassist.sql.planner.link import (
    ANNUAL_WORDS, Roles, additive, filter_for, group_for, is_aggregate_metric, measure_for, resolve_value,
)
from tradeassist.sql.planner.parse import LATEST_WORDS, PERCENT_WORDS, RETURN_WORDS, SUPERLATIVES, Mention, Parsed
from tradeassist.sql.timewords import compared_periods
from tradeassist.sql.catalog.values import ValueRef

#: Words that rank by how many there are ("the most orders", "the busiest desk").
_COUNTING = frozenset({"most", "least", "fewest", "busiest", "quietest", "often", "frequently", "active", "many"})
_SIZES = {"largest": "desc", "biggest": "desc", "heaviest": "desc", "greatest": "desc", "smallest": "asc"}
_LOSS_WORDS = frozenset({"loss", "losses", "losing", "loser", "losers"})
_PROFIT = re.compile(r"pnl|profit|gain|p_l", re.IGNORECASE)
_CODE = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,9}")


@dataclass
class _Draft:
    """An intent being composed for one fact table (filled in stages by ``Planner.intent_for``)."""

    fact: str
    tdef: object
    issues: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    multi: list[Filter] = field(default_factory=list)
    conditions: list[Filter] = field(default_factory=list)
    having: list[Filter] = field(default_factory=list)
    compared_mentions: set[int] = field(default_factory=set)
    groups: list[GroupKey] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    superlative_aggs: list[bool] = field(default_factory=list)
    subject_key: GroupKey | None = None
    rows_subject: bool = False
    kind: str = "aggregate"
    order: str | None = None
    order_by: int | None = None
    limit: int | None = None
    show: tuple[str, ...] = ()
    condition: tuple[Filter, ...] = ()
    compared: tuple = ()
    per: str | None = None


class Composer:
    """Composes intents against one catalog; ``today`` resolves the default period of returns."""

    def __init__(self, catalog: Catalog, today: dt.date):
        self.catalog = catalog
        self.today = today

    def intent_for(self, fact: str, roles: Roles, parsed: Parsed) -> tuple[Intent | None, list[str]]:
        """The intent reading the question with ``fact`` as its fact table, and what did not fit."""
        d = _Draft(fact, self.catalog.definitions.tables[fact])
        self._conditions(d, roles, parsed)
        self._groupings(d, roles)
        self._measures(d, roles, parsed)
        self._subject(d, roles)
        if roles.returns:
            return self._returns_intent(fact, roles, parsed, d.filters, d.issues)
        if d.having:
            return self._having_intent(fact, roles, parsed, d.filters, d.having, [d.subject_key, *d.groups],
                                       d.measures), d.issues
        d.limit = parsed.limit
        self._choose_kind(d, roles, parsed)
        self._complete_kind(d, roles, parsed)
        self._settle(d, roles, parsed)
        intent = Intent(
            table=fact, kind=d.kind, measures=tuple(d.measures), filters=tuple(d.filters), groups=tuple(d.groups),
            period=None if d.kind == "compare" else parsed.period, order=d.order, order_by=d.order_by, limit=d.limit,
            condition=d.condition, show=d.show, periods=d.compared if d.kind == "compare" else (), per=d.per,
        )
        return intent, d.issues

    def _conditions(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """Numbers read as row or aggregate conditions, value filters, weekdays."""
        for comp in parsed.comparisons:
            found, on_aggregate = read_comparison(comp, d.fact, parsed, self.catalog, d.compared_mentions)
            if found is None:
                d.issues.append("a number with nothing to compare it to")
            else:
                (d.having if on_aggregate else d.conditions).append(found)
        d.filters, d.multi = self.filters_for(d.fact, roles, parsed, d.issues, skip=d.compared_mentions)
        if parsed.weekdays and d.tdef.date_column:  # "on Mondays"
            days = tuple(parsed.weekdays)
            d.filters.append(Filter(d.fact, d.tdef.date_column, "in" if len(days) > 1 else "=", days, part="weekday"))
        elif parsed.weekdays:
            d.issues.append(f"{d.fact} has no date to take a weekday from")
        # a unit or measure read with a number ("50M shares") is accounted for by that condition
        roles.numbered += [m for m in parsed.mentions() if id(m) in d.compared_mentions and m not in roles.numbered]
        d.filters += d.conditions

    def _groupings(self, d: _Draft, roles: Roles) -> None:
        """Groupings named ("by desk") and entities grouped through a value ("each crypto")."""
        catalog = self.catalog
        for m in roles.groups:
            key = group_for(m, d.fact, catalog)
            if key is not None and key not in d.groups:
                d.groups.append(key)
        for m in roles.group_values:
            ref = resolve_value(m.values, d.fact, catalog, set())
            if ref is None or ref.table == d.fact:
                continue  # "each crypto" groups by the entity; a value of the fact itself does not
            entity = catalog.definitions.tables.get(ref.table)
            if entity and entity.subject and entity.subject != ref.column:
                local = catalog.link_column(d.fact, ref.table)
                key = GroupKey(d.fact, local) if local else GroupKey(ref.table, entity.subject)
                if key not in d.groups:
                    d.groups.append(key)

    def _add_measure(self, d: _Draft, measure: Measure, from_superlative: bool = False, first: bool = False) -> None:
        d.measures.insert(0 if first else len(d.measures), measure)
        d.superlative_aggs.insert(0 if first else len(d.superlative_aggs), from_superlative)

    def _measures(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """The measures named, counted, implied by "how much" / "in coins", or the date of "when"."""
        catalog, fact, tdef = self.catalog, d.fact, d.tdef
        for agg, m, distinct, from_superlative in roles.measures:
            if id(m) in d.compared_mentions:
                continue
            measure = measure_for(agg, m, fact, catalog, distinct)
            if measure is None:
                d.issues.append(f"'{m.text}' is not a measure of {fact}")
            elif measure not in d.measures:
                if measure.agg in ("median", "quantile"):
                    measure = self._quantile(measure, parsed, d.issues)
                self._add_measure(d, measure, from_superlative)
        for m in roles.count_distinct:
            key = group_for(m, fact, catalog)
            if key is not None:
                self._add_measure(d, Measure("count", key.column, distinct=True,
                                             table=None if key.table == fact else key.table))
        if parsed.unit and not d.measures:
            column = amount_column(fact, catalog, parsed.unit)  # "how much BTC ... in coins": the amount
            if column is not None:
                self._add_measure(d, Measure("sum", column))
        if roles.how_much and not d.measures and self._amount_of_asset(parsed, fact, ("much",)):
            self._add_measure(d, Measure("sum", self._amount_of_asset(parsed, fact, ("much",))))  # "how much ETH"
        if roles.how_much and not d.measures:
            money = next((n for (t, n), m in catalog.definitions.metrics.items() if t == fact and m.money), None)
            if money or tdef.measure:
                self._add_measure(d, Measure("sum", money or tdef.measure, metric=bool(money)))
        entities = [t for t in dict.fromkeys(roles.count_tables) if t != fact and catalog.link_column(fact, t)]
        if entities and fact in roles.cues and fact not in roles.count_tables:
            # "how many accounts traded BTC": the distinct accounts among the trades, not the trades
            for table in entities:
                self._add_measure(d, Measure("count", catalog.link_column(fact, table), distinct=True), first=True)
        elif roles.count_tables or (roles.often and not d.measures) or (roles.count_pending and not d.measures):
            self._add_measure(d, Measure("count"), first=True)
        date_column = tdef.date_column
        if (roles.first or roles.latest) and not d.measures and date_column and (roles.when or any(
            c.kind == "column" and c.table == fact and c.column == date_column for m in roles.dates for c in m.concepts
        )):
            self._add_measure(d, Measure("min" if roles.first else "max", date_column))

    def _quantile(self, measure: Measure, parsed: Parsed, issues: list[str]) -> Measure:
        """A median or percentile measure, with its fraction; SQLite cannot compute either."""
        if self.catalog.dialect == "sqlite":
            issues.append("SQLite has no median or percentile function")
        if measure.agg == "quantile" and parsed.fraction is None:
            issues.append("which percentile was not said")
        return Measure(measure.agg, measure.column, measure.metric, measure.distinct, measure.table,
                       fraction=parsed.fraction if measure.agg == "quantile" else None)

    def _subject(self, d: _Draft, roles: Roles) -> None:
        """What the answer is about: the fact's own rows, a grouping key, or a time unit."""
        catalog, fact = self.catalog, d.fact
        subject = roles.subject
        date_column = d.tdef.date_column
        if isinstance(subject, str):
            if date_column:
                d.subject_key = GroupKey(fact, date_column, subject)
        elif isinstance(subject, Mention):
            pk = tuple(catalog.schema.tables[fact].primary_key or ())
            if any(c.kind == "table" and c.table == fact for c in subject.concepts) or any(
                c.kind == "column" and c.table == fact and (c.column,) == pk for c in subject.concepts
            ):
                d.rows_subject = True
            elif any(c.kind == "column" and c.table == fact and c.column == date_column for c in subject.concepts):
                if (roles.first or roles.latest) and not d.measures:
                    self._add_measure(d, Measure("min" if roles.first else "max", date_column))
                else:
                    d.subject_key = GroupKey(fact, date_column, "day")
            else:
                d.subject_key = group_for(subject, fact, catalog)
                # "the Quant desk": a column word naming a filter's column is not the subject
                if d.subject_key and any(f.column == d.subject_key.column for f in d.filters) and not roles.order:
                    d.subject_key = None
        if not any(m.agg for m in d.measures) and any(
            group_for(m, fact, catalog) is None and any(c.kind == "table" and c.table == fact for c in m.concepts)
            for m in roles.groups
        ):
            d.rows_subject = True  # "value of each position": one row per row ("average fee per trade" stays one)

    def _choose_kind(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """Percentage, row listing, ranking of a subject, latest/first, buckets, series or aggregate."""
        catalog, fact, date_column = self.catalog, d.fact, d.tdef.date_column
        has_agg = any(m.agg for m in d.measures)
        if roles.percent and d.filters:
            # "what share of notional was crypto": weighted by the measure named; else a share of rows
            named = [measure_for(None, m, fact, catalog, False) for agg, m, _d, _s in roles.measures
                     if agg in (None, "sum") and m.text.lower() not in PERCENT_WORDS]  # not "share" itself
            weight = [m for m in named if m is not None and m.column and additive(catalog, fact, m)][:1]
            d.kind, d.condition, d.filters, d.measures = "percentage", (d.filters[-1],), d.filters[:-1], weight
        elif not d.measures and d.multi and any(t.low in ("vs", "versus", "against") for t in parsed.tokens):
            d.kind, d.measures = "aggregate", [Measure("count")]  # "sells vs buys": how many of each
        elif not has_agg and not d.measures and not d.groups and roles.grains and date_column and not d.rows_subject:
            d.kind, d.measures = "aggregate", [Measure("count")]  # "trades per day": how many each day
        elif d.rows_subject or (not has_agg and not d.measures and d.subject_key is None and not d.groups):
            self._rows_kind(d, roles, parsed)
        elif d.subject_key is not None and (roles.order or d.limit):
            self._ranked_kind(d, roles, parsed)
        elif not has_agg and d.measures and (roles.latest or roles.first) and date_column:
            d.kind = "latest" if roles.latest else "first"
        elif not has_agg and d.measures and date_column and not d.groups and any(
            not (g == "day" and catalog.kind(fact, date_column) == "date") for g in roles.grains
        ):
            d.kind = "aggregate"  # "daily USD value of transfers", "weekly volume": buckets are sums
        elif not has_agg and d.measures and date_column and not d.groups:
            # "closing prices over 90 days" is a series; "the price of AAPL" is its latest value
            plural = any(m.text.lower().endswith("s") for _a, m, _d, _s in roles.measures)
            wants_series = parsed.period or roles.series or roles.grains or plural or any(
                len(f.values) > 1 for f in d.filters)
            d.kind = "series" if wants_series else "latest"
        elif d.subject_key is not None and d.subject_key not in d.groups:
            d.groups.insert(0, d.subject_key)

    def _rows_kind(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """A listing of the fact's rows, ranked by a measure or its own value, or the latest ones."""
        catalog, fact, tdef = self.catalog, d.fact, d.tdef
        subject = roles.subject
        d.kind = "rows"
        d.measures = [Measure(None, m.column, m.metric, table=m.table) for m in d.measures]
        d.show = tuple(catalog.columns(fact))  # a listing shows whole rows
        money_metric = next((n for (t, n), m in catalog.definitions.metrics.items() if t == fact and m.money
                             and not is_aggregate_metric(catalog, fact, n)), None)
        if roles.order and not d.measures and not (roles.latest or roles.first) and not any(
            t.low in _SIZES or t.low in ("top", "bottom", "highest", "lowest") for t in parsed.tokens
        ):
            d.issues.append("'most' of rows says neither what to count nor what to rank by")
        if roles.order and not d.measures and (tdef.money or money_metric or tdef.measure):
            # "largest 5 transfers", "the biggest trade": ranked by the table's own value, else its size
            d.measures = [Measure(None, tdef.money) if tdef.money else Measure(None, money_metric, metric=True)
                          if money_metric else Measure(None, tdef.measure)]
        if roles.order and d.measures:
            d.order, d.order_by = roles.order, 0
            if isinstance(subject, Mention) and not subject.text.lower().endswith("s") and not parsed.sort:
                d.limit = d.limit or 1  # "the largest position": one row
        elif roles.latest and tdef.date_column:
            d.kind = "latest"
            d.limit = d.limit or (1 if singular_ranked(parsed, roles) or (
                isinstance(subject, Mention) and not subject.text.lower().endswith("s")) else 10)

    def _ranked_kind(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """ "which X had the highest Y" / "top N X by Y": group by X, order by Y, keep N."""
        catalog, fact = self.catalog, d.fact
        if not d.measures:
            column = self._amount_of_asset(parsed, fact)
            # "who traded the most BTC": an amount of the asset; "the largest trade": its biggest value;
            # "the most orders": a count
            size = None if column else self._size_of_thing(parsed, fact)
            counts = roles.often or any(t.low in _COUNTING for t in parsed.tokens) or any(
                c.kind == "verb" and c.table == fact for m in parsed.mentions() for c in m.concepts
            )  # "top 3 symbols traded by ...": the most traded, counted
            if not column and size is None and not counts:
                d.issues.append("nothing was named to rank by")  # "top 5 accounts": by what?
            d.measures = [Measure("sum", column)] if column else [size or Measure("count")]
            d.superlative_aggs = [False]
        fixed = []
        for measure, from_superlative in zip(d.measures, d.superlative_aggs):
            if (measure.agg is None or from_superlative) and measure.agg != "calc":
                if additive(catalog, fact, measure) or measure.agg == "count":
                    measure = Measure("sum" if measure.agg != "count" else "count", measure.column,
                                      measure.metric, measure.distinct, measure.table)
                else:
                    measure = Measure("max" if (roles.order or "desc") == "desc" else "min",
                                      measure.column, measure.metric, measure.distinct, measure.table)
            fixed.append(measure)
        d.measures = fixed
        d.groups = [d.subject_key, *[g for g in d.groups if g != d.subject_key]]
        d.order, d.order_by = roles.order or "desc", 0
        plural = isinstance(roles.subject, Mention) and roles.subject.text.lower().endswith("s")
        ranking = any(t.low in ("top", "bottom") for t in parsed.tokens)
        d.limit = d.limit or (10 if ranking else None if plural else 1)

    def _per_grain(self, d: _Draft, roles: Roles) -> None:
        """ "average daily notional", "average number of trades per day": totals per bucket, averaged,
        when the rows are finer than the bucket (trades by the second, not daily bars)."""
        grain = roles.per_grain or (next((g for g in roles.grains if g in ("day", "week", "month")), None)
                                    if roles.avg_of_count else None)
        date_column = d.tdef.date_column
        if grain is None or d.kind != "aggregate" or not date_column:
            return
        if grain == "day" and self.catalog.kind(d.fact, date_column) == "date":
            return  # rows are already daily: the plain average is the daily average
        measures = []
        for m in d.measures:
            if m.agg in ("avg", None) and roles.per_grain:
                m = Measure("sum" if additive(self.catalog, d.fact, m) else "avg", m.column, m.metric, m.distinct,
                            m.table)
            if m.agg not in ("sum", "count"):
                d.issues.append("only totals and counts can be averaged per period")
            measures.append(m)
        d.measures, d.per = measures, grain
        d.groups = [g for g in d.groups if g.grain != grain]

    def _size_of_thing(self, parsed: Parsed, fact: str) -> Measure | None:
        """ "the largest trade": the fact's own value (money, else its size), at its maximum or minimum."""
        tdef = self.catalog.definitions.tables[fact]
        for i, token in enumerate(parsed.tokens):
            if token.low not in _SIZES:
                continue
            thing = next((m for m in parsed.mentions() if i < m.start <= i + 2), None)
            if thing is not None and any(c.kind == "table" and c.table == fact for c in thing.concepts):
                money = next((n for (t, n), m in self.catalog.definitions.metrics.items() if t == fact and m.money
                              and not is_aggregate_metric(self.catalog, fact, n)), None)
                agg = "max" if _SIZES[token.low] == "desc" else "min"
                if tdef.money:
                    return Measure(agg, tdef.money)
                if money:
                    return Measure(agg, money, metric=True)
                return Measure(agg, tdef.measure) if tdef.measure else None
        return None

    def _amount_of_asset(self, parsed: Parsed, fact: str, words: tuple = ("most", "least", "fewest")) -> str | None:
        """The amount column when "most"/"much" is followed by one asset's code ("the most BTC", "how much ETH")."""
        for i, token in enumerate(parsed.tokens):
            if token.low not in words:
                continue
            after = next((m for m in parsed.mentions() if m.start == i + 1), None)
            if after is not None and after.values and not after.concepts and all(
                self.catalog.definitions.tables[v.table].subject == v.column for v in after.values[:1]
            ):
                return amount_column(fact, self.catalog, "units")
        return None

    def _complete_kind(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """Columns shown beside latest/series rows; default aggregates, value and time buckets."""
        catalog, fact, tdef = self.catalog, d.fact, d.tdef
        date_column = tdef.date_column
        grains = list(dict.fromkeys(roles.grains))
        if d.kind in ("series", "latest", "first"):
            d.show = tuple(f.column for f in d.filters if f.table == fact and len(f.values) > 1)
            subject_col = tdef.subject
            pk = tuple(catalog.schema.tables[fact].primary_key or ())
            pinned = any(f.table == fact and f.column == subject_col and len(f.values) == 1 for f in d.filters)
            if subject_col and (subject_col,) != pk and not pinned and subject_col not in d.show:
                d.show = (subject_col, *d.show)  # no one subject named: one row (or line) per subject
            if d.kind != "series" and not d.show:
                d.limit = d.limit or 1  # with a subject shown: the latest row of each subject
        if d.kind == "aggregate":
            d.measures = [m if m.agg else Measure("sum" if additive(catalog, fact, m) else "avg", m.column,
                                                   m.metric, m.distinct, m.table) for m in d.measures]
            if not d.measures:
                d.measures = [Measure("count")]
            for f in d.multi:
                key = GroupKey(f.table, f.column)
                if key not in d.groups:
                    d.groups.append(key)
            for grain in grains if date_column else ():
                if grain == "day" and catalog.kind(fact, date_column) == "date" and not d.groups and parsed.period is None:
                    continue
                key = GroupKey(fact, date_column, grain)
                if key not in d.groups:
                    d.groups.append(key)
        elif d.kind == "percentage" and date_column:
            d.groups += [GroupKey(fact, date_column, g) for g in grains]
        if (parsed.period or grains) and not date_column:
            d.issues.append(f"{fact} has no date to filter on")

    def _settle(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """Last touches: fan-out joins, whole rows for "the latest X", two periods, entity names, order."""
        catalog, fact, date_column = self.catalog, d.fact, d.tdef.date_column
        d.issues += self._fan_out(fact, [*d.filters, *d.groups, *[m for m in d.measures if m.table]])
        named = next((m for m in parsed.mentions() if any(c.kind == "table" and c.table == fact for c in m.concepts)
                      and not m.values), None)
        if d.kind in ("latest", "first") and date_column and named is not None and not d.groups and all(
            m.column == date_column and m.agg is None for m in d.measures
        ):
            # "the latest trades for AAPL", "the most recently opened account": whole rows, newest first
            d.kind, d.show = "rows", tuple(catalog.columns(fact))
            d.measures = [Measure(None, date_column)]
            d.order, d.order_by = ("desc" if roles.latest else "asc"), 0
            d.limit = parsed.limit or (10 if named.text.lower().endswith("s") else 1)
        joined = any(t.low in ("vs", "versus", "compared", "against", "or", "and", "to") for t in parsed.tokens)
        d.compared = compared_periods(parsed.periods) if joined else ()  # "in 2025 since March" narrows, it compares nothing
        period = parsed.period
        if period and period.start and period.end and period.start >= period.end and not d.compared:
            d.issues.append(f"the periods named ({period.label}) do not overlap")
        if d.compared and d.kind in ("series", "latest", "first", "rows") and not d.groups:
            # "notional this month and last month": a total per period, not rows of an empty overlap;
            # a level ("close in 2025 and 2024") has no one value per period to set side by side
            if any(m.agg is None and not additive(catalog, fact, m) for m in d.measures):
                d.issues.append("a level such as a price has no single value per period; say average, last or highest")
            d.measures = [Measure("sum" if additive(catalog, fact, m) else "avg", m.column, m.metric, m.distinct,
                                  m.table) for m in d.measures if m.agg is None] or [Measure("count")]
            d.kind, d.show, d.order, d.limit = "aggregate", (), None, None
        self._per_grain(d, roles)
        grains = set(roles.grains) - {g.grain for g in d.groups if g.grain} - {d.per}
        if grains and d.kind not in ("series", "returns", "volatility", "drawdown", "period_return") and not (
            grains == {"day"} and date_column and catalog.kind(fact, date_column) == "date"
        ):
            d.issues.append(f"the {', '.join(sorted(grains))} buckets asked for are not in the plan")
        if d.compared and d.kind != "aggregate":
            d.issues.append("two periods can only be compared for totals, counts and averages")
        if d.kind == "aggregate":
            d.groups = self._with_labels(d.groups)
            # a weekday is shown by its name beside its number (the number keeps the order)
            named_days = [GroupKey(g.table, g.column, "weekday_name") for g in d.groups if g.grain == "weekday"]
            d.groups += [g for g in named_days if g not in d.groups]
        if d.order and any(t.low in _LOSS_WORDS for t in parsed.tokens) and any(
            m.metric and _PROFIT.search(m.column or "") for m in d.measures
        ):
            # "the biggest unrealised loss": the most negative profit, not the largest
            d.order = "asc" if d.order == "desc" else "desc"
        if parsed.sort and d.order is None and d.measures and d.kind in ("aggregate", "rows"):
            d.order, d.order_by = parsed.sort, 0  # "largest first": an order, every row kept
        if d.compared and d.kind == "aggregate" and date_column:
            # "this month vs last month": each measure once per period, side by side, never an empty overlap
            if any(m.agg in ("calc", "median", "quantile") for m in d.measures):
                d.issues.append("this measure cannot be split into two periods")
            d.kind, d.order, d.limit = "compare", None, None

    def _fan_out(self, fact: str, parts: list) -> list[str]:
        """Issues for joins that leave the fact table towards its children: a filter reached that way
        repeats or drops the fact's rows ("instruments ... of the Crypto desk" through every trade)."""
        catalog = self.catalog
        issues = []
        for table in dict.fromkeys(p.table for p in parts if p.table and p.table != fact):
            for step in catalog.join_path(fact, table) or ():
                key = tuple(catalog.schema.tables[step.right].primary_key or ())
                if key != (step.right_column,):
                    issues.append(f"{table} is reached from {fact} through {step.right}, which repeats rows")
                    break
        return issues

    def _with_labels(self, groups: list[GroupKey]) -> list[GroupKey]:
        """Groups by a numeric key also show the entity's name ("each broker": its name, not its id);
        the name depends on the key alone, so the rows stay the same."""
        catalog = self.catalog
        out: list[GroupKey] = []
        for g in groups:
            out.append(g)
            if g.grain or catalog.kind(g.table, g.column) != "integer":
                continue
            entity = g.table if catalog.definitions.tables[g.table].subject == g.column else None
            if entity is None:
                entity = next((s.right for s in catalog.links.get(g.table, ()) if s.left_column == g.column
                               and catalog.definitions.tables[s.right].subject == s.right_column), None)
            label = catalog.definitions.tables[entity].label if entity else None
            for name in (label, self._code_column(entity, label) if label else None):
                if name and GroupKey(entity, name) not in groups and GroupKey(entity, name) not in out:
                    out.append(GroupKey(entity, name))
        return out

    def _code_column(self, entity: str, label: str) -> str | None:
        """The entity's short unique code beside its name (a ticker symbol), read from the indexed values:
        every value a short capitalised code, as many distinct ones as there are names."""
        values = self.catalog.values.by_column
        names = set(map(str, values.get((entity, label), ())))
        for column in self.catalog.columns(entity):
            if column == label or self.catalog.kind(entity, column) != "text":
                continue
            codes = set(map(str, values.get((entity, column), ())))
            if names and len(codes) == len(names) and all(_CODE.fullmatch(c) for c in codes):
                return column
        return None

    def _having_intent(self, fact: str, roles: Roles, parsed: Parsed, filters: list[Filter], having: list[Filter],
                       keys: list[GroupKey | None], measures: list[Measure]) -> Intent:
        """Entities whose aggregate passes a condition: grouped, with the aggregate shown."""
        groups = [k for k in dict.fromkeys(keys) if k is not None]
        if not groups:
            for m in parsed.mentions():  # "accounts with more than 100 trades": per account
                key = group_for(m, fact, self.catalog)
                if key is not None and (key.column.lower().endswith("id") or self.catalog.kind(key.table, key.column) == "text"):
                    groups.append(key)
                    break
        groups = self._with_labels(groups)
        shown = [having_measure(f, Intent(fact, "aggregate")) for f in having]
        shown += [m for m in measures if m.agg and m not in shown]
        order = roles.order
        return Intent(fact, "aggregate", tuple(shown), tuple(filters), tuple(groups[:1] + groups[1:]),
                      period=parsed.period, order=order, order_by=0 if order else None, limit=parsed.limit,
                      having=tuple(having))

    def price_table(self) -> tuple[str, str] | None:
        """The table of daily prices and its closing-price column, for returns."""
        for name, tdef in self.catalog.definitions.tables.items():
            if tdef.date_column and tdef.measure and "close" in tdef.measure.lower() and tdef.subject:
                return name, tdef.measure
        for name, table in self.catalog.schema.tables.items():
            tdef = self.catalog.definitions.tables[name]
            if tdef.date_column and "close" in table.columns:
                return name, "close"
        return None

    def _returns_intent(self, fact: str, roles: Roles, parsed: Parsed, filters: list[Filter],
                        issues: list[str]) -> tuple[Intent | None, list[str]]:
        found = self.price_table()
        if found is None:
            return None, ["no table of closing prices to compute returns from"]
        prices, close = found
        if fact != prices:
            return None, [f"returns come from {prices}"]
        tdef = self.catalog.definitions.tables[prices]
        measures = (Measure(None, close),)
        show = tuple(f.column for f in filters if f.table == prices and len(f.values) > 1)
        period = parsed.period
        if parsed.return_window:
            return Intent(prices, "return_n", measures, tuple(filters), period=None, window=parsed.return_window,
                          order=roles.order, limit=parsed.limit), issues
        single = any(f.column == tdef.subject and len(f.values) == 1 for f in filters)
        if roles.returns in ("volatility", "drawdown"):
            annual = roles.returns == "volatility" and any(t.low in ANNUAL_WORDS for t in parsed.tokens)
            ranked = bool(roles.order or parsed.limit) and not single
            limit = parsed.limit or (1 if ranked and singular_ranked(parsed, roles) else None)
            # the deepest drawdown is the most negative one, whatever word ranks it
            order = ("asc" if roles.returns == "drawdown" else roles.order or "desc") if ranked else None
            return Intent(prices, roles.returns, measures, tuple(filters), period=period, order=order, limit=limit,
                          percent=roles.percent, window=252 if annual else None), issues
        if roles.returns == "series" and not roles.order:
            return Intent(prices, "returns", measures, tuple(filters), period=period, window=1, show=show), issues
        if period is None:
            from tradeassist.sql.timewords import find_periods

            period = find_periods("the last 30 days", self.today)[0].period
            issues_note = "over the last 30 days (no period was named)"
        else:
            issues_note = ""
        limit = parsed.limit or (None if single else (1 if singular_ranked(parsed, roles) else 10))
        intent = Intent(prices, "period_return", measures, tuple(filters), period=period,
                        order=roles.order or "desc", limit=limit, percent=roles.percent, from_first=roles.first,
                        notes=(issues_note,) if issues_note else ())
        return intent, issues

    def filters_for(self, fact: str, roles: Roles, parsed: Parsed, issues: list[str],
                 skip: set[int] = frozenset()) -> tuple[list[Filter], list[Filter]]:
        catalog = self.catalog
        mentions = parsed.mentions()
        by_column: dict[tuple[str, str], list] = {}
        first_ref: dict[tuple[str, str], object] = {}
        for m in roles.filters:
            if id(m) in skip:
                continue  # "100 coins": the unit of a number, not the crypto asset class
            at = mentions.index(m)
            neighbours = set()
            for other in mentions[max(0, at - 1): at + 2]:
                if other is not m:
                    neighbours |= {c.column for c in other.concepts if c.kind == "column"}
            ref = resolve_value(m.values, fact, catalog, neighbours)
            if ref is None:
                issues.append(f"'{m.text}' cannot be linked to {fact}")
                continue
            key = (ref.table, ref.column)
            by_column.setdefault(key, [])
            if ref.value not in by_column[key]:
                by_column[key].append(ref.value)
            first_ref.setdefault(key, ref)
        for m in roles.group_values:
            ref = resolve_value(m.values, fact, catalog, set())
            if ref is not None:
                by_column.setdefault((ref.table, ref.column), []).append(ref.value)
                first_ref.setdefault((ref.table, ref.column), ref)
        for table, column, value in roles.key_filters:
            key = (table, column)
            by_column.setdefault(key, []).append(value)
            first_ref.setdefault(key, ValueRef(table, column, value))
        filters, multi = [], []
        for key, values in by_column.items():
            f = filter_for(first_ref[key], fact, catalog, tuple(values))
            filters.append(f)
            if len(values) > 1:
                multi.append(f)
        return filters, multi


def singular_ranked(parsed: Parsed, roles: Roles) -> bool:
    """True when the ranked thing is named in the singular ("best performing stock"): one row."""
    if isinstance(roles.subject, Mention):
        return not roles.subject.text.lower().endswith("s")
    ranked_at = next((t.index for t in parsed.tokens if t.low in SUPERLATIVES or t.low in RETURN_WORDS
                      or t.low in LATEST_WORDS), None)
    if ranked_at is None:
        return False
    after = next((m for m in parsed.mentions() if m.start > ranked_at), None)
    return after is not None and not after.text.lower().endswith("s")

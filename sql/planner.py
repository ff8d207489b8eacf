"""The offline planner: English -> Intent -> SQL, with a confidence and honest clarifications.

    question ─ parse_question ─ find_roles ─ score_tables ─ intent_for ─ build_select ─ SQL
                                                  └─ several close readings / unknown words
                                                     -> Plan.clarify with 2-3 paraphrased options

Follow-ups ("and for MSFT?", "now by desk", "what about last month?") edit the previous
Intent instead of starting over. No language model, no database round trip.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlglot.expressions as exp

from core.errors import UnsafeSqlError
from sql.build_sql import SqlBuilder, having_measure
from sql.catalog import Catalog
from sql.parse_question import LATEST_WORDS, RETURN_WORDS, SUPERLATIVES, UNSUPPORTED_AGGREGATES, Mention, Parsed, parse_question
from sql.planner_compare import amount_column, read_comparison
from sql.planner_assemble import ANNUAL_WORDS, Roles, is_aggregate_metric, additive, filter_for, find_roles, group_for, measure_for, resolve_value, score_tables
from sql.planner_describe import describe_intent
from sql.planner_intent import Filter, GroupKey, Intent, Measure
from sql.planner_verify import subject_columns, unaccounted_words
from sql.timewords import compared_periods
from sql.values import ValueRef

_CODE = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,9}")
#: Below this confidence the planner asks instead of answering.
CONFIDENCE_THRESHOLD = 0.6
_FOLLOW_UP_STARTS = ("and ", "what about", "how about", "same for", "same but", "now ", "only ", "just ",
                     "instead", "for ", "but ", "ok ", "then ", "also ", "what if", "same ", "how 'bout")


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


@dataclass
class Plan:
    """A planned question: the intent, its SQL tree and text, a confidence, and what was unclear."""

    intent: Intent | None
    expression: exp.Select | None
    sql: str | None
    confidence: float
    method: str = "planner"
    clarify: str | None = None
    options: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unknown_words: tuple[str, ...] = field(default=())
    #: What the question's answer must hold (for the result check after running): see ``question_shape``.
    asks: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the plan is confident enough to run."""
        return self.expression is not None and self.clarify is None


class Planner:
    """Plans questions against one catalog (precomputed once; planning never touches the database)."""

    def __init__(self, catalog: Catalog, today: dt.date):
        self.catalog = catalog
        self.today = today
        self.builder = SqlBuilder(catalog)

    # ------------------------------------------------------------------ public
    def plan(self, text: str, previous: Intent | None = None) -> Plan:
        """Plan one question; ``previous`` is the last answer's intent, for follow-ups."""
        parsed = parse_question(text, self.catalog, self.today)
        if parsed.writes:
            raise UnsafeSqlError(
                f"This assistant is read-only: it cannot {parsed.writes[0]} data. "
                "Ask a question about the data instead, e.g. 'how many trades were executed today?'."
            )
        roles = find_roles(parsed, self.catalog)
        asks = question_shape(parsed, roles, self.catalog)
        if previous is not None and self._is_follow_up(text, parsed, roles):
            intent = self._follow_up(previous, parsed, roles)
            plan = self._finish(intent, min(0.9, self._confidence(parsed, roles, [])), parsed, [])
            plan.asks = asks
            return plan
        plan = self._plan_fresh(parsed, roles)
        plan.asks = asks
        return plan

    def _plan_fresh(self, parsed: Parsed, roles: Roles) -> Plan:
        """Plan a question that stands alone: pick the fact table and the best reading."""
        if not parsed.mentions() and not parsed.period:
            return self._nothing_understood(parsed)
        if parsed.junk and not parsed.mentions():
            return Plan(None, None, None, 0.0, clarify=self._junk_message(parsed.junk))
        candidates = score_tables(roles, self.catalog, parsed)
        if not candidates:
            return Plan(None, None, None, 0.0, clarify=(
                "I could not link everything in the question to one table; try naming the data "
                "(trades, orders, prices, positions, transfers)."))
        readings = []
        top = candidates[0][0]
        for score, table in candidates[:3]:
            intent, issues = self.intent_for(table, roles, parsed)
            if intent is not None and score >= top - 3:
                ignored = unaccounted_words(parsed, intent, self.catalog, roles.absorbed)
                readings.append((score, table, intent, issues, ignored))
        if not readings:
            return Plan(None, None, None, 0.0, clarify="I could not tell what to compute.")
        # The reading that uses the most of the question wins; the table score breaks ties.
        readings.sort(key=lambda r: (len(r[3]) + len(r[4]), -r[0]))
        best_score, _table, best, issues, ignored = readings[0]
        readings = [r for r in readings if len(r[3]) + len(r[4]) == len(issues) + len(ignored)]
        confidence = self._confidence(parsed, roles, issues)
        if ignored:
            # A word the plan did not use means it answers some other question.
            confidence = min(confidence, CONFIDENCE_THRESHOLD - 0.1) - 0.1 * (len(ignored) - 1)
            issues = [*issues, *(f"'{w}' is not used by the plan" for w in ignored)]
        close = [r for r in readings[1:] if abs(best_score - r[0]) < 0.5 and describe_intent(r[2], self.catalog)
                 != describe_intent(best, self.catalog)]
        if close:
            confidence = min(confidence, 0.5)
        return self._finish(best, confidence, parsed, [r[2] for r in close], issues, ignored)

    def build(self, intent: Intent) -> exp.Select:
        """The SQL tree of an intent."""
        return self.builder.build(intent)

    # ------------------------------------------------------------------ intent
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
            condition=d.condition, show=d.show, periods=d.compared if d.kind == "compare" else (),
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
        d.filters, d.multi = self._filters(d.fact, roles, parsed, d.issues, skip=d.compared_mentions)
        if parsed.weekdays and d.tdef.date_column:  # "on Mondays"
            days = tuple(parsed.weekdays)
            d.filters.append(Filter(d.fact, d.tdef.date_column, "in" if len(days) > 1 else "=", days, part="weekday"))
        elif parsed.weekdays:
            d.issues.append(f"{d.fact} has no date to take a weekday from")
        # a unit or measure read with a number ("50M shares") is accounted for by that condition
        roles.absorbed += [m for m in parsed.mentions() if id(m) in d.compared_mentions and m not in roles.absorbed]
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
        if roles.how_much and not d.measures:
            money = next((n for (t, n), m in catalog.definitions.metrics.items() if t == fact and m.money), None)
            if money or tdef.measure:
                self._add_measure(d, Measure("sum", money or tdef.measure, metric=bool(money)))
        if roles.count_tables or (roles.often and not d.measures) or (roles.count_pending and not d.measures):
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
            d.kind, d.condition, d.filters, d.measures = "percentage", (d.filters[-1],), d.filters[:-1], []
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
            d.limit = d.limit or (1 if _singular_ranked(parsed, roles) or (
                isinstance(subject, Mention) and not subject.text.lower().endswith("s")) else 10)

    def _ranked_kind(self, d: _Draft, roles: Roles, parsed: Parsed) -> None:
        """ "which X had the highest Y" / "top N X by Y": group by X, order by Y, keep N."""
        catalog, fact = self.catalog, d.fact
        if not d.measures:
            d.measures, d.superlative_aggs = [Measure("count")], [False]
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
        d.compared = compared_periods(parsed.periods)
        period = parsed.period
        if period and period.start and period.end and period.start >= period.end and not d.compared:
            d.issues.append(f"the periods named ({period.label}) do not overlap")
        if d.compared and d.kind in ("series", "latest", "first", "rows") and not d.groups:
            # "notional this month and last month": a total per period, not rows of an empty overlap
            d.measures = [Measure("sum" if additive(catalog, fact, m) else "avg", m.column, m.metric, m.distinct,
                                  m.table) for m in d.measures if m.agg is None] or [Measure("count")]
            d.kind, d.show, d.order, d.limit = "aggregate", (), None, None
        if d.compared and d.kind != "aggregate":
            d.issues.append("two periods can only be compared for totals, counts and averages")
        if d.kind == "aggregate":
            d.groups = self._with_labels(d.groups)
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
            limit = parsed.limit or (1 if ranked and _singular_ranked(parsed, roles) else None)
            # the deepest drawdown is the most negative one, whatever word ranks it
            order = ("asc" if roles.returns == "drawdown" else roles.order or "desc") if ranked else None
            return Intent(prices, roles.returns, measures, tuple(filters), period=period, order=order, limit=limit,
                          percent=roles.percent, window=252 if annual else None), issues
        if roles.returns == "series" and not roles.order:
            return Intent(prices, "returns", measures, tuple(filters), period=period, window=1, show=show), issues
        if period is None:
            from sql.timewords import find_periods

            period = find_periods("the last 30 days", self.today)[0].period
            issues_note = "over the last 30 days (no period was named)"
        else:
            issues_note = ""
        limit = parsed.limit or (None if single else (1 if _singular_ranked(parsed, roles) else 10))
        intent = Intent(prices, "period_return", measures, tuple(filters), period=period,
                        order=roles.order or "desc", limit=limit, percent=roles.percent, from_first=roles.first,
                        notes=(issues_note,) if issues_note else ())
        return intent, issues

    def _filters(self, fact: str, roles: Roles, parsed: Parsed, issues: list[str],
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

    # ------------------------------------------------------------------ follow-ups
    def _is_follow_up(self, text: str, parsed: Parsed, roles: Roles) -> bool:
        low = text.lower().strip()
        # A question that names what to compute stands alone, however it starts.
        has_what = bool(roles.measures or roles.count_tables or roles.count_distinct or roles.percent
                        or roles.returns or parsed.return_window or roles.how_much)
        return low.startswith(_FOLLOW_UP_STARTS) and not has_what or (
            not has_what and not roles.cues and not isinstance(roles.subject, Mention) and len(parsed.tokens) <= 6
        )

    def _follow_up(self, previous: Intent, parsed: Parsed, roles: Roles) -> Intent:
        catalog = self.catalog
        fact = previous.table
        filters = list(previous.filters)
        issues: list[str] = []
        new_filters, _multi = self._filters(fact, roles, parsed, issues)
        for f in new_filters:
            filters = [old for old in filters if not (old.column == f.column)]
            filters.append(f)
        for comp in parsed.comparisons:
            found, on_aggregate = read_comparison(comp, fact, parsed, catalog, set())
            if found is not None and not on_aggregate:
                filters.append(found)
        groups = list(previous.groups)
        new_groups = [g for g in (group_for(m, fact, catalog) for m in roles.groups) if g is not None]
        if new_groups or roles.grains:
            tdef = catalog.definitions.tables[fact]
            added = new_groups + [GroupKey(fact, tdef.date_column, g) for g in roles.grains if tdef.date_column]
            # "and by month" adds a grouping; "now by desk" / "by desk instead" replaces it
            keep = parsed.text.lower().lstrip().startswith(("and ", "also "))
            groups = [g for g in groups if keep and g not in added] + added
        kind = previous.kind
        if groups and kind in ("series", "latest", "first", "rows"):
            kind = "aggregate"
        measures = previous.measures
        if kind == "aggregate":
            measures = tuple(m if m.agg else Measure("sum" if additive(catalog, fact, m) else "avg", m.column,
                                                      m.metric, m.distinct, m.table) for m in measures)
        show = previous.show
        if kind in ("series", "latest", "first"):
            show = tuple(f.column for f in filters if f.table == fact and len(f.values) > 1)
        return previous.with_changes(
            filters=tuple(filters), groups=tuple(groups), kind=kind, measures=measures, show=show,
            period=parsed.period or previous.period, limit=parsed.limit or previous.limit,
        )

    # ------------------------------------------------------------------ confidence
    def _confidence(self, parsed: Parsed, roles: Roles, issues: list[str]) -> float:
        confidence = 1.0 - 0.3 * len(issues) - 0.5 * len(parsed.junk)
        for token in parsed.unknown:
            if token.index in roles.used_numbers:
                continue
            # A capitalised or code-like unknown word is most likely a name we do not have
            # ("price of ZZZZ"): answering without it would be a silent wrong guess.
            name_like = token.index > 0 and (any(ch.isupper() for ch in token.original) or any(ch.isdigit() for ch in token.original))
            before = parsed.tokens[token.index - 1].low if token.index > 0 else ""
            # Words where a name or the subject goes ("of X", "top 5 X", "which X") matter most.
            slot = before in ("of", "for", "in", "on", "which", "what", "top", "by", "per", "each") or before.isdigit()
            slot = slot or token.norm in UNSUPPORTED_AGGREGATES  # "median close": not an average
            # Any unexplained word may carry the meaning: never answer past it.
            confidence -= 0.5 if name_like or slot or token.index == parsed.limit_token else 0.45
        if not (roles.measures or roles.count_tables or roles.count_distinct or roles.filters or roles.subject
                or roles.cues or roles.percent or roles.groups or roles.grains or roles.group_values
                or roles.key_filters or parsed.period or parsed.comparisons):
            confidence -= 0.5
        return max(0.0, min(1.0, confidence))

    def _finish(self, intent: Intent, confidence: float, parsed: Parsed, others: list[Intent],
                issues: list[str] | None = None, ignored: list[str] | None = None) -> Plan:
        issues = issues or []
        unknown = tuple(t.original for t in parsed.unknown)
        expression = self.build(intent)
        sql = expression.sql(dialect=self.catalog.dialect)
        if confidence >= CONFIDENCE_THRESHOLD:
            return Plan(intent, expression, sql, confidence, notes=tuple(issues), unknown_words=unknown)
        options = [describe_intent(intent, self.catalog)]
        options += [describe_intent(o, self.catalog) for o in others]
        options = list(dict.fromkeys(options))[:3]
        if parsed.junk:
            message = self._junk_message(parsed.junk)
        elif unknown:
            message = self._unknown_message(unknown)
        elif ignored:
            words = ", ".join(f"'{w}'" for w in ignored[:4])
            message = (f"I could not work {words} into a query, so I would be answering a different question. "
                       "The closest I can compute is below; rephrase if it is not what you meant.")
        elif others:
            message = "The question can be read in more than one way. Did you mean one of these?"
        else:
            message = "I am not sure I understood the question. Did you mean this?"
        return Plan(intent, None, sql, confidence, clarify=message, options=tuple(options),
                    notes=tuple(issues), unknown_words=unknown)

    def _junk_message(self, junk: list[str]) -> str:
        """The clarifying message for characters that belong to no word or name."""
        shown = ", ".join(repr(j) for j in junk[:5])
        return (f"The question holds characters that are not part of any name or word I know ({shown}). "
                "Values are matched as plain names, never as code; please rephrase in plain words.")

    def _unknown_message(self, unknown: tuple[str, ...]) -> str:
        words = ", ".join(f"'{w}'" for w in unknown[:5])
        hints: list[str] = []
        for word in unknown[:3]:
            hints += self.catalog.values.suggestions(word)
        hint = f" Close matches: {', '.join(dict.fromkeys(hints))}." if hints else ""
        return f"I do not know {words} in this database.{hint} Did you mean one of these?"

    def _nothing_understood(self, parsed: Parsed) -> Plan:
        unknown = tuple(t.original for t in parsed.unknown)
        tables = ", ".join(sorted(self.catalog.definitions.tables))
        message = (
            "I could not find anything I know in this question"
            + (f" ({', '.join(repr(w) for w in unknown[:5])} are not names in this database)" if unknown else "")
            + f". Ask about the data in: {tables}; for example 'latest close of AAPL' or "
            "'how many trades were executed this month by desk'."
        )
        hints = []
        for word in unknown[:3]:
            hints += self.catalog.values.suggestions(word)
        return Plan(None, None, None, 0.0, clarify=message, options=tuple(dict.fromkeys(hints))[:3],
                    unknown_words=unknown)


_ASKING = ("which", "what", "who", "top", "bottom", "list", "show")


def _singular_ranked(parsed: Parsed, roles: Roles) -> bool:
    """True when the ranked thing is named in the singular ("best performing stock"): one row."""
    if isinstance(roles.subject, Mention):
        return not roles.subject.text.lower().endswith("s")
    ranked_at = next((t.index for t in parsed.tokens if t.low in SUPERLATIVES or t.low in RETURN_WORDS
                      or t.low in LATEST_WORDS), None)
    if ranked_at is None:
        return False
    after = next((m for m in parsed.mentions() if m.start > ranked_at), None)
    return after is not None and not after.text.lower().endswith("s")


def question_shape(parsed: Parsed, roles: Roles, catalog: Catalog) -> dict:
    """What any answer to the question must hold: the thing asked for, a count, a percentage."""
    asks: dict = {}
    subject = roles.subject
    lows = [t.low for t in parsed.tokens]
    if isinstance(subject, Mention) and subject.text != "who" and (
        roles.order or any(w in lows[: subject.start + 1] for w in _ASKING)
    ):
        asks["thing"] = sorted(subject_columns(subject, catalog))
        asks["thing_word"] = subject.text
    elif subject is None:
        # "the most recently opened account", "the smallest position": the thing itself, not a number
        for i, token in enumerate(parsed.tokens):
            if token.low not in SUPERLATIVES and token.low not in LATEST_WORDS and token.low not in ("first", "earliest"):
                continue
            thing = next((m for m in parsed.mentions() if i < m.start <= i + 3 and "table" in m.kinds()), None)
            if thing is not None and "table" in thing.kinds() and not thing.values:
                asks["thing"] = sorted(subject_columns(Mention(thing.start, thing.end, thing.text, [
                    c for c in thing.concepts if c.kind == "table"]), catalog))
                asks["thing_word"] = thing.text
                break
    asking_count = "how many" in " ".join(lows) or (parsed.text.lower().lstrip().startswith(("number of", "count ")))
    if asking_count and (roles.count_tables or roles.count_distinct) and not roles.measures:
        asks["count"] = True
    if roles.percent:
        asks["percent"] = True
    return asks

"""Plan: run the stages in order for one question and decide whether to answer or ask back.

    parse (words, periods, numbers, catalog mentions) -> link (roles, candidate fact tables)
    -> compose (one Intent per candidate) -> choose the reading that uses the most of the question
    -> build (sqlglot tree) -> verify (unused words lower the confidence; the shape the answer must have)

Follow-ups ("and for MSFT?", "now by desk", "what about last month?") edit the previous Intent
instead of starting over, but only when the new question cannot stand alone. No language model,
no database round trip.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlglot.expressions as exp

from tradeassist.core.errors import UnsafeSqlError
from tradeassist.sql.catalog.catalog import Catalog
from tradeassist.sql.planner.build import SqlBuilder
from tradeassist.sql.planner.compare import read_comparison
from tradeassist.sql.planner.compose import Composer
from tradeassist.sql.planner.describe import describe_intent
from tradeassist.sql.planner.intent import GroupKey, Intent, Measure
from tradeassist.sql.planner.link import Roles, additive, find_roles, group_for, measure_for, score_tables
from tradeassist.sql.planner.parse import LATEST_WORDS, SUPERLATIVES, UNSUPPORTED_AGGREGATES, Mention, Parsed, parse_question
from tradeassist.sql.planner.verify import subject_columns, unaccounted_words

#: Words that point back at the previous answer.
_PRONOUNS = frozenset({"their", "them", "they", "its", "it", "those", "these", "that", "this"})
#: Below this confidence the planner asks instead of answering.
CONFIDENCE_THRESHOLD = 0.6
_FOLLOW_UP_STARTS = ("and ", "what about", "how about", "same for", "same but", "now ", "only ", "just ",
                     "instead", "for ", "but ", "ok ", "then ", "also ", "what if", "same ", "how 'bout")


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
        self.composer = Composer(catalog, today)
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
            intent, issues = self._follow_up(previous, parsed, roles)
            confidence = min(0.9, self._confidence(parsed, roles, issues))
            ignored = unaccounted_words(parsed, intent, self.catalog, roles.absorbed, roles.numbered)
            if ignored:
                confidence = min(confidence, CONFIDENCE_THRESHOLD - 0.1)
            plan = self._finish(intent, confidence, parsed, [], issues, ignored)
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
            intent, issues = self.composer.intent_for(table, roles, parsed)
            if intent is not None and score >= top - 3:
                ignored = unaccounted_words(parsed, intent, self.catalog, roles.absorbed, roles.numbered)
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

    # ------------------------------------------------------------------ follow-ups
    def _is_follow_up(self, text: str, parsed: Parsed, roles: Roles) -> bool:
        low = text.lower().strip()
        # A question that names what to compute stands alone, however it starts.
        has_what = bool(roles.measures or roles.count_tables or roles.count_distinct or roles.percent
                        or roles.returns or parsed.return_window or roles.how_much)
        # "what was their total value": a pronoun and nothing that names the data refers back
        refers_back = any(t.low in _PRONOUNS for t in parsed.tokens) and not any(
            m.values or "table" in m.kinds() for m in parsed.mentions())
        return refers_back or low.startswith(_FOLLOW_UP_STARTS) and not has_what or (
            not has_what and not roles.cues and not isinstance(roles.subject, Mention) and len(parsed.tokens) <= 6
        )

    def _follow_up(self, previous: Intent, parsed: Parsed, roles: Roles) -> tuple[Intent, list[str]]:
        """The previous intent edited by the new words: filters, groupings, period, order, measures."""
        catalog = self.catalog
        fact = previous.table
        filters = list(previous.filters)
        issues: list[str] = []
        new_filters, _multi = self.composer.filters_for(fact, roles, parsed, issues)
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
        if roles.measures:  # "what was their total value": the same rows, another measure
            named = [measure_for(agg, m, fact, catalog, distinct) for agg, m, distinct, _s in roles.measures]
            if any(m is None for m in named):
                issues.append(f"the new measure is not one of {fact}")
            else:
                measures = tuple(named)
                if kind in ("aggregate", "compare") or any(m.agg for m in previous.measures):
                    kind = "aggregate" if kind not in ("compare",) else kind
        if kind == "aggregate":
            measures = tuple(m if m.agg else Measure("sum" if additive(catalog, fact, m) else "avg", m.column,
                                                      m.metric, m.distinct, m.table) for m in measures)
        show = previous.show
        if kind in ("series", "latest", "first"):
            show = tuple(f.column for f in filters if f.table == fact and len(f.values) > 1)
        order = roles.order or previous.order
        return previous.with_changes(
            filters=tuple(filters), groups=tuple(groups), kind=kind, measures=measures, show=show,
            period=parsed.period or previous.period, limit=parsed.limit or previous.limit, order=order,
        ), issues

    # ------------------------------------------------------------------ confidence
    def _confidence(self, parsed: Parsed, roles: Roles, issues: list[str]) -> float:
        # every issue is a part of the question the plan does not honour: one is enough to ask back
        confidence = 1.0 - 0.45 * len(issues) - 0.5 * len(parsed.junk)
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
                or roles.key_filters or parsed.period or parsed.comparisons or roles.order or parsed.limit):
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
    elif subject is None and not roles.when:
        # "the most recently opened account", "the smallest position": the thing itself, not a number
        for i, token in enumerate(parsed.tokens):
            if token.low not in SUPERLATIVES and token.low not in LATEST_WORDS and token.low not in ("first", "earliest"):
                continue
            thing = next((m for m in parsed.mentions() if i < m.start <= i + 3 and "table" in m.kinds()), None)
            measure_word = thing is not None and any(  # "the highest price": a measure, not a thing
                c.kind == "metric" or (c.kind == "column" and catalog.is_numeric(c.table, c.column)
                                       and not c.column.lower().endswith("id")) for c in thing.concepts
            ) and thing.text.lower() not in {w for t in catalog.definitions.tables.values() for w in t.synonyms}
            if thing is not None and "table" in thing.kinds() and not thing.values and not measure_word:
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

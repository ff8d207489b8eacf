"""Intent -> a short English paraphrase, for clarifying questions and answer summaries."""

from __future__ import annotations

from tradeassist.sql.catalog.catalog import Catalog
from tradeassist.sql.planner.intent import Filter, Intent, Measure

_AGG_WORDS = {"avg": "average", "sum": "total", "min": "minimum", "max": "maximum", "count": "number",
              "median": "median", "quantile": "percentile of", "calc": ""}
_OPS = {">": "over", ">=": "at least", "<": "under", "<=": "at most", "=": "equal to", "!=": "not"}


def _words(name: str) -> str:
    return name.replace("_", " ")


def _measure(measure: Measure, intent: Intent) -> str:
    if measure.agg == "count" and measure.column is None:
        return f"number of {_words(intent.table)}"
    if measure.agg == "count":
        return f"number of {'distinct ' if measure.distinct else ''}{_words(measure.column or '')} values"
    name = _words(measure.column or "")
    if measure.agg == "quantile":
        return f"{round((measure.fraction or 0.5) * 100)}th percentile of {name}"
    return f"{_AGG_WORDS[measure.agg]} {name}".strip() if measure.agg else name


_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _filter(f: Filter) -> str:
    if f.part == "weekday":
        return "on " + " or ".join(_DAYS[int(v)] + "s" for v in f.values)
    if f.op in ("=", "in"):
        values = " or ".join(str(v) for v in f.values)
        return f"{_words(f.column)} {values}"
    return f"{_words(f.column)} {_OPS.get(f.op, f.op)} {f.values[0]:,}"


def describe_intent(intent: Intent, catalog: Catalog) -> str:
    """One line of English saying what the intent computes ("average close of daily bars for AAPL ...")."""
    table = _words(intent.table)
    if intent.kind == "percentage":
        head = f"percentage of {table} with " + " and ".join(_filter(f) for f in intent.condition)
    elif intent.kind == "rows":
        head = f"{table} rows" + (f" ({', '.join(_words(c) for c in intent.show)})" if intent.show else "")
    elif intent.kind == "series":
        head = ", ".join(_measure(m, intent) for m in intent.measures) + f" of {table} over time"
    elif intent.kind in ("latest", "first"):
        head = f"{intent.kind} " + ", ".join(_measure(m, intent) for m in intent.measures) + f" in {table}"
    else:
        head = ", ".join(_measure(m, intent) for m in intent.measures) or f"number of {table}"
        if not head.endswith(table):
            head += f" of {table}"
    parts = [head]
    if intent.filters:
        parts.append("for " + " and ".join(_filter(f) for f in intent.filters))
    if intent.per:
        parts.append(f"averaged per {intent.per}")
    if intent.periods:
        parts.append("in " + " and in ".join(p.label for p in intent.periods) + ", side by side")
    if intent.period:
        parts.append(f"in {intent.period.label}" if not intent.period.label.startswith(("the ", "since"))
                     else intent.period.label)
    if intent.groups:
        parts.append("by " + ", ".join(_words(g.grain or g.column) for g in intent.groups))
    for f in intent.having:
        what = _measure(Measure("count" if f.agg == "count_distinct" else f.agg, None if f.column == "*" else f.column,
                                f.metric, f.agg == "count_distinct"), intent)
        parts.append(f"where the {what} is {_OPS.get(f.op, f.op)} {f.values[0]:,}")
    if intent.order and intent.limit:
        parts.append(f"{'highest' if intent.order == 'desc' else 'lowest'} {intent.limit}")
    elif intent.limit and intent.kind not in ("latest", "first"):
        parts.append(f"first {intent.limit}")
    return " ".join(parts)

"""Plain-English phrases for SQL expressions and conditions (the parts `sql/reading.py` assembles).

Everything here reads a sqlglot tree and returns words; nothing is executed. Dates written as
arithmetic over literals (``DATE '2026-11-20' - INTERVAL 30 DAY``, ``date_trunc('month', ...)``)
are folded to the date they name, so a reading says "since 2026-10-21" rather than repeating SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sqlglot.expressions as exp

from tradeassist.sql.reading_names import acronyms, fold_date, humanise, interval, is_time_name, strip_cast
from tradeassist.sql.reading_patterns import (
    change_ratio,
    flag_test,
    frame_rows,
    is_one,
    join_words,
    number_text,
    ordinal,
    percent_of,
    unparen,
)

_UNIT_WORDS = {"dow": "weekday", "dayofweek": "weekday", "isodow": "weekday", "doy": "day of year",
               "dayofyear": "day of year", "epoch": "epoch seconds", "dayofweekiso": "weekday",
               "dayname": "weekday name", "monthname": "month name", "weekofyear": "week", "dayofmonth": "day"}
_PART_FUNCTIONS = ("Year", "Month", "Quarter", "Day", "Hour", "Minute", "Week", "WeekOfYear", "DayOfWeek",
                   "DayOfWeekIso", "DayOfMonth", "DayOfYear", "Dayname", "Monthname")
_TEXT_NAMES = {"side", "desk", "sector", "strategy", "exchange", "currency", "country", "category", "asset_class",
               "description", "label", "city", "region", "code"}
_OPERATOR = re.compile(r" (x|\+|-|/) ")
_COMPARISONS = {exp.GT: "above", exp.GTE: "at least", exp.LT: "below", exp.LTE: "at most",
                exp.EQ: "is", exp.NEQ: "is not"}
_DATE_BOUNDS = {exp.GT: "after", exp.GTE: "since", exp.LT: "before", exp.LTE: "up to"}
_AGGREGATES = {exp.Sum: "sum of", exp.Avg: "average", exp.Max: "maximum", exp.Min: "minimum",
               exp.Median: "median", exp.Stddev: "standard deviation of",
               exp.StddevSamp: "standard deviation of", exp.StddevPop: "population standard deviation of",
               exp.Variance: "variance of", exp.VariancePop: "population variance of"}
_ANONYMOUS_AGGREGATES = {"sum": "sum of", "avg": "average", "mean": "average", "median": "median",
                         "stddev": "standard deviation of", "stddev_samp": "standard deviation of",
                         "var_samp": "variance of", "first": "first", "last": "last", "any_value": "any",
                         "mode": "most common", "product": "product of", "geomean": "geometric mean of"}
_ARITHMETIC = {exp.Mul: "x", exp.Div: "/", exp.Add: "+", exp.Sub: "-", exp.Mod: "mod", exp.IntDiv: "//"}
#: Functions that only change how a value is shown, not what it is.
_TRANSPARENT = (exp.Round, exp.Cast, exp.TryCast, exp.Paren, exp.TsOrDsToTimestamp, exp.TsOrDsToDate)
MAX_PHRASE = 200


class Words:
    """Phrases for the expressions of one query scope (its table aliases and optional catalog)."""

    def __init__(self, aliases: Mapping[str, str], tables: list[str], catalog=None,
                 outputs: Mapping[str, exp.Expression] | None = None,
                 derived: Mapping[str, tuple[Words, Mapping[str, exp.Expression]]] | None = None,
                 names=None, brief=None, outer: Mapping[str, str] | None = None):
        self.aliases = dict(aliases)
        #: Table aliases of an enclosing query (a correlated subquery refers to its rows).
        self.outer = dict(outer or {})
        #: Reads a nested query in a few words (the reader's own reading of it), or None.
        self.brief = brief
        #: The catalog's reading of every schema name (``tradeassist.sql.catalog.naming.SchemaNames``): prefixes gone,
        #: abbreviations expanded ('sbTxAmount' -> 'amount').
        self.names = names
        names = list(self.aliases.values())
        #: Aliases of a table read twice (a self-join): their columns say which copy they come from.
        self.ambiguous = {alias for alias, table in self.aliases.items() if names.count(table) > 1}
        #: Sources that are queries (CTEs, subqueries): their own words and output expressions,
        #: so a column of a step reads as what the step computed ("average close", not "c").
        self.derived = dict(derived or {})
        self.tables = list(tables)
        self.catalog = catalog
        #: Select aliases, so ORDER BY/HAVING on an alias read as the aliased expression.
        self.outputs = dict(outputs or {})

    # ------------------------------------------------------------------ names
    def table_name(self, name: str) -> str:
        """A table's words (the catalog's reading of its name, else the humanised name)."""
        return self._catalog_words(name, None) or humanise(name, table=True)

    def column_table(self, column: exp.Column) -> str | None:
        """The table a column comes from, when the scope says so."""
        if column.table:
            return self.aliases.get(column.table, column.table)
        return self.tables[0] if len(self.tables) == 1 else None

    def column(self, column: exp.Column) -> str:
        """A column's words."""
        if isinstance(column.this, exp.Star):
            return "all columns"
        table = self.column_table(column)
        inner = self.derived.get(table) if table else None
        if inner is not None and column.name in inner[1]:
            return inner[0].expr(inner[1][column.name])
        if column.table and column.table not in self.aliases and column.table in self.outer:
            outer_table = self.outer[column.table]
            words = self._catalog_words(outer_table, column.name) or humanise(column.name)
            return f"{words} of {self.table_name(outer_table)}"  # the enclosing row's value
        words = self._catalog_words(table, column.name) or humanise(column.name)
        return f"{words} ({column.table})" if column.table in self.ambiguous else words

    def _catalog_words(self, table: str | None, column: str | None) -> str | None:
        tables = getattr(self.names, "tables", None) or {}
        columns = getattr(self.names, "columns", None) or {}
        if column is None:
            found = tables.get(table)
            return acronyms(found.nouns) if found is not None and found.words else None
        if table is None:  # an unqualified column in a join: the first table in scope that has it
            table = next((t for t in self.tables if (t, column) in columns), None)
        definitions = getattr(self.catalog, "definitions", None)
        try:
            found = getattr(definitions, "columns", {}).get((table, column))
        except (AttributeError, TypeError):
            found = None
        description = str(getattr(found, "description", "") or "").strip().rstrip(".")
        # A short description is a name ("customer country"); a sentence is not.
        if description and len(description.split()) <= 4:
            return description.lower()
        named = columns.get((table, column))
        if named is None or not named.words:
            return None
        plain = getattr(self.catalog, "plain_name", None)
        if plain is not None and tuple(named.words) in (("id",), ("number",), ("key",), ("code",)):
            # A bare key word reads as the catalog says ("trade id"); "date" and "name" stay short.
            try:
                return acronyms(plain(table, column))
            except (AttributeError, KeyError, TypeError):
                pass
        return acronyms(" ".join(named.words))

    # ------------------------------------------------------------------ values
    def value(self, node: exp.Expression) -> str:
        """A literal or date-like value as written for people."""
        folded = fold_date(node)
        if folded is not None:
            return folded.isoformat()
        if isinstance(node, exp.Literal):
            if node.is_string:
                return f"'{node.this}'"
            return number_text(node.this)
        if isinstance(node, exp.Boolean):
            return "true" if node.this else "false"
        if isinstance(node, exp.Null):
            return "missing"
        if isinstance(node, exp.CurrentDate) or (isinstance(node, exp.Anonymous) and node.name.lower() == "today"):
            return "today"
        if isinstance(node, exp.CurrentTimestamp) or (isinstance(node, exp.Anonymous) and node.name.lower() == "now"):
            return "now"
        if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)) and node.args.get("unit") is not None:
            unit = node.args["unit"].name.lower()
            base = self.value(node.this)
            return f"the start of this {unit}" if base in ("today", "now") else f"the start of the {unit} of {base}"
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("date", "datetime") and node.expressions:
            return self._sqlite_date(node)
        if isinstance(node, (exp.Sub, exp.Add)) and isinstance(node.expression, exp.Interval):
            amount = interval(node.expression)
            if amount is not None:
                unit = amount[1] + ("s" if abs(amount[0]) != 1 else "")
                side = "before" if isinstance(node, exp.Sub) else "after"
                return f"{abs(amount[0])} {unit} {side} {self.value(node.this)}"
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
            return "-" + self.value(node.this)
        return self.expr(node)

    def _sqlite_date(self, node: exp.Anonymous) -> str:
        first, *modifiers = node.expressions
        base = "today" if isinstance(first, exp.Literal) and first.this.lower() == "now" else self.value(first)
        shifts = [m.this for m in modifiers if isinstance(m, exp.Literal)]
        for shift in shifts:
            match = re.fullmatch(r"\s*([+-]?\d+)\s+(\w+?)s?\s*", shift)
            if match:
                amount, unit = int(match.group(1)), match.group(2).lower()
                plural = "s" if abs(amount) != 1 else ""
                base = f"{abs(amount)} {unit}{plural} {'before' if amount < 0 else 'after'} {base}"
            elif shift.lower().startswith("start of "):
                base = f"the start of the {shift[9:].strip()} of {base}"
        return base

    # ------------------------------------------------------------------ expressions
    def expr(self, node: exp.Expression, depth: int = 0) -> str:
        """What an expression computes, in words (bounded in depth and length)."""
        if depth > 8:
            return "a nested expression"
        text = self._expr(node, depth)
        return text if len(text) <= MAX_PHRASE else "a computed value"

    def _expr(self, node: exp.Expression, depth: int) -> str:
        sub = depth + 1
        if isinstance(node, exp.Alias):
            return self.expr(node.this, depth)
        if isinstance(node, exp.Column):
            if not node.table and node.name in self.outputs and not isinstance(self.outputs[node.name], exp.Column):
                return self.expr(self.outputs[node.name], sub)
            return self.column(node)
        if isinstance(node, exp.Star):
            return "all columns"
        if isinstance(node, (exp.Literal, exp.Boolean, exp.Null, exp.CurrentDate, exp.CurrentTimestamp)):
            return self.value(node)
        if isinstance(node, exp.Window):
            return self._window(node, sub)
        if isinstance(node, exp.Count):
            return self._count(node, sub)
        if isinstance(node, exp.Distinct):
            return "distinct " + ", ".join(self.expr(e, sub) for e in node.expressions)
        if isinstance(node, exp.PercentileCont | exp.PercentileDisc | exp.Quantile):
            return self._percentile(node, None, sub)
        if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont | exp.PercentileDisc):
            ordered = node.expression.expressions[0] if isinstance(node.expression, exp.Order) else None
            return self._percentile(node.this, ordered.this if ordered is not None else None, sub)
        if isinstance(node, (exp.ArgMax, exp.ArgMin)):
            return self._arg_extreme(node, sub)
        for kind, word in _AGGREGATES.items():
            if type(node) is kind:
                return f"{word} {self._operand(node.this, sub)}"
        if isinstance(node, exp.Anonymous) and node.name.lower() in _ANONYMOUS_AGGREGATES and node.expressions:
            return f"{_ANONYMOUS_AGGREGATES[node.name.lower()]} {self._operand(node.expressions[0], sub)}"
        if isinstance(node, exp.Filter):
            return f"{self.expr(node.this, sub)} where {self.condition(node.expression.this, sub)}"
        change = change_ratio(node)
        if change is not None:
            start, end, percent = change
            kind = "percent" if percent else "fractional"
            return f"{kind} change from {self._operand(start, sub)} to {self._operand(end, sub)}"
        percent = percent_of(node)
        if percent is not None:
            return f"{self._operand(percent[0], sub)} as a percent of {self._operand(percent[1], sub)}"
        for kind, word in _ARITHMETIC.items():
            if type(node) is kind:
                if isinstance(node.expression, exp.Interval):
                    return self.value(node)
                return f"{self._operand(node.this, sub)} {word} {self._operand(node.expression, sub)}"
        return self._function(node, sub)

    def _operand(self, node: exp.Expression, depth: int) -> str:
        inner = node.this if isinstance(node, exp.Paren) else node
        text = self.expr(inner, depth)
        if isinstance(inner, tuple(_ARITHMETIC)) and not isinstance(inner.expression, exp.Interval) or (
                isinstance(inner, (exp.Case, exp.If, exp.Filter)) or " as a percent of " in text):
            return f"({text})"
        if isinstance(inner, exp.Column) and _OPERATOR.search(text) and not (text[0] == "(" and text[-1] == ")"):
            return f"({text})"  # a step's column that is itself arithmetic keeps its grouping
        return text

    def _arg_extreme(self, node: exp.Expression, depth: int) -> str:
        """ARG_MAX(close, date) -> 'latest close (by date)'; ARG_MAX(symbol, volume) -> 'symbol at the highest volume'."""
        value = self.expr(node.this, depth)
        key = node.expression
        if key is None:
            return value
        if self.is_time(key):
            word = "latest" if isinstance(node, exp.ArgMax) else "earliest"
            return f"{word} {value} (by {self.expr(key, depth)})"
        word = "highest" if isinstance(node, exp.ArgMax) else "lowest"
        return f"{value} at the {word} {self.expr(key, depth)}"

    def _count(self, node: exp.Count, depth: int) -> str:
        arg = node.this
        if arg is None or isinstance(arg, exp.Star) or (isinstance(arg, exp.Literal) and not arg.is_string):
            names = [self.table_name(t) for t in self.tables]
            return f"count of {names[0]}" if len(names) == 1 else "count of rows"
        if isinstance(arg, exp.Distinct):
            return "number of distinct " + " and ".join(self.expr(e, depth) for e in arg.expressions)
        return f"count of {self.expr(arg, depth)}"

    def _percentile(self, node: exp.Expression, ordered: exp.Expression | None, depth: int) -> str:
        fraction_node = node.this if ordered is not None else node.args.get("expression") or node.args.get("quantile")
        target = ordered if ordered is not None else node.this
        try:
            fraction = float(fraction_node.this)
        except (AttributeError, TypeError, ValueError):
            return f"a percentile of {self.expr(target, depth)}"
        if fraction == 0.5:
            return f"median {self.expr(target, depth)}"
        return f"{ordinal(round(fraction * 100))} percentile of {self.expr(target, depth)}"

    def _window(self, node: exp.Window, depth: int) -> str:
        func = node.this
        order = node.args.get("order")
        spec = node.args.get("spec")
        order_words = ", ".join(self.expr(o.this, depth) + (" descending" if o.args.get("desc") else "")
                                for o in (order.expressions if order else []))
        if isinstance(func, (exp.Lag, exp.Lead)):
            offset = func.args.get("offset")
            steps = int(offset.this) if isinstance(offset, exp.Literal) and str(offset.this).isdigit() else 1
            word = ("previous" if isinstance(func, exp.Lag) else "next") if steps == 1 else \
                f"{steps} rows {'back' if isinstance(func, exp.Lag) else 'ahead'}:"
            base = f"{word} {self.expr(func.this, depth)}"
        elif isinstance(func, (exp.RowNumber,)):
            base = "row number"
        elif type(func).__name__ in ("Rank", "DenseRank", "PercentRank", "Ntile", "CumeDist"):
            base = humanise(type(func).__name__)
        elif isinstance(func, (exp.FirstValue, exp.LastValue)):
            base = f"{'first' if isinstance(func, exp.FirstValue) else 'last'} {self.expr(func.this, depth)}"
        else:
            base = self.expr(func, depth)
            rows = frame_rows(spec)
            if rows:
                base = f"moving {base} over {rows} rows"
            elif order is not None and type(func) in (exp.Sum, exp.Count, exp.Max, exp.Min, exp.Avg):
                base = f"running {base}"
        scope = []
        partition = node.args.get("partition_by") or []
        if partition:
            scope.append("per " + " and ".join(self.expr(p, depth) for p in partition))
        if order_words:
            scope.append(f"by {order_words}")
        return f"{base} ({', '.join(scope)})" if scope else base

    def _function(self, node: exp.Expression, depth: int) -> str:
        if isinstance(node, (exp.Cast, exp.TryCast)) and node.to.is_type("date") and isinstance(node.this, exp.Column) \
                and is_time_name(node.this.name) and node.this.name.lower() not in ("date", "day"):
            return f"day of {self.expr(node.this, depth)}"  # a timestamp cut to its calendar day
        if isinstance(node, _TRANSPARENT):
            return self.expr(node.this, depth)
        if isinstance(node, exp.Neg):
            return f"minus {self._operand(node.this, depth)}"
        if isinstance(node, exp.Abs):
            return f"absolute {self._operand(node.this, depth)}"
        if isinstance(node, exp.Nullif):
            return self.expr(node.this, depth)  # NULLIF(x, 0) only keeps a division from failing
        if isinstance(node, exp.Coalesce):
            return self.expr(node.this, depth)  # the fallback only fills missing values
        if isinstance(node, (exp.Case, exp.If)):
            return self._case(node, depth)
        if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc, exp.TimeToStr, exp.Extract)) or (
                isinstance(node, exp.Anonymous) and node.name.lower() in ("strftime", "date_part", "datepart")):
            part = self.time_part(node) or "a date part"
            column = next(node.find_all(exp.Column), None)
            return part if " of " in part or column is None else f"{part} of {self.expr(column, depth)}"
        if type(node).__name__ in _PART_FUNCTIONS:
            unit = _UNIT_WORDS.get(type(node).__name__.lower(), humanise(type(node).__name__))
            return f"{unit} of {self.expr(node.this, depth)}"
        if isinstance(node, exp.Subquery):
            text = self.brief(node.this, self.aliases) if self.brief is not None else None
            return f"({text})" if text else "a value from a subquery"
        if isinstance(node, exp.Condition) and isinstance(node, (exp.Predicate, exp.Connector, exp.Not)):
            return self.condition(node, depth)
        name = node.name if isinstance(node, exp.Anonymous) else (
            node.sql_name() if isinstance(node, exp.Func) else type(node).__name__)
        args = [a for a in node.args.values() if isinstance(a, exp.Expression)]
        args += [e for e in node.expressions if isinstance(e, exp.Expression)] if not args else []
        inner = ", ".join(self.expr(a, depth) for a in args[:3])
        return f"{humanise(name)} of {inner}" if inner else humanise(name)

    def _case(self, node: exp.Expression, depth: int) -> str:
        if isinstance(node, exp.If):
            ifs, default = [node], node.args.get("false")
        else:
            ifs, default = node.args.get("ifs") or [], node.args.get("default")
        if default is None and len(ifs) == 1:  # CASE WHEN c THEN x END: x counted only where c holds
            return f"{self.expr(ifs[0].args['true'], depth)} where {self.condition(ifs[0].this, depth)}"
        branches = [f"{self.expr(i.args['true'], depth)} if {self.condition(i.this, depth)}" for i in ifs[:3]]
        text = "; ".join(branches)
        if default is not None:
            text += f", else {self.expr(default, depth)}"
        return text

    def time_part(self, node: exp.Expression) -> str | None:
        """'month', 'hour of executed at' ... for a truncation or extraction, or None."""
        if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)):
            unit = node.args.get("unit")
            return unit.name.lower() if unit is not None else None
        if isinstance(node, exp.Extract):
            part = node.this.name.lower()
            return f"{_UNIT_WORDS.get(part, part)} of {self.expr(node.expression)}"
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("date_part", "datepart") and node.expressions:
            part = node.expressions[0].name.lower()
            return f"{_UNIT_WORDS.get(part, part)} of {self.expr(node.expressions[-1])}"
        fmt = node.args.get("format") if isinstance(node, exp.TimeToStr) else None
        if isinstance(node, exp.Anonymous) and node.expressions:
            fmt = next((e for e in node.expressions if isinstance(e, exp.Literal) and "%" in e.name), None)
        text = fmt.name if fmt is not None else ""
        for codes, unit in (("%H", "hour"), ("%d", "day"), ("%W", "week"), ("%V", "week"), ("%m", "month"),
                            ("%Y", "year"), ("%w", "weekday"), ("%a", "weekday"), ("%A", "weekday")):
            if codes in text:
                return unit
        return None

    # ------------------------------------------------------------------ conditions
    def condition(self, node: exp.Expression, depth: int = 0) -> str:
        """A condition in words: "side is 'buy'", "price above 100", "name starts with 'A'"."""
        if depth > 8:
            return "a nested condition"
        sub = depth + 1
        if isinstance(node, exp.Paren):
            return self.condition(node.this, sub)
        if isinstance(node, exp.And):
            parts = list(node.flatten())
            span = self._span(parts) if len(parts) == 2 else None
            return span or " and ".join(self.grouped(p, sub) for p in parts)
        if isinstance(node, exp.Or):
            return " or ".join(self.grouped(p, sub) for p in node.flatten())
        if isinstance(node, exp.Not):
            return self._negated(node.this, sub)
        inner = self._through_step(node)
        if inner is not None:
            return inner
        flag = flag_test(node)
        if flag is not None:  # (CASE WHEN c THEN 1 ELSE 0 END) = 1 is just c
            return self.condition(flag[0], sub) if flag[1] else f"not ({self.condition(flag[0], sub)})"
        first = self._first_row(node)
        if first is not None:
            return first
        for kind, word in _COMPARISONS.items():
            if type(node) is kind:
                left, right = node.this, node.expression
                timed = self.is_time(left) and kind in _DATE_BOUNDS
                words = _DATE_BOUNDS.get(kind) if timed else word
                subject = self._event(left) if timed else None
                return f"{subject or self.expr(left, sub)} {words} {self._rhs(right, sub)}{self._meaning(left, right)}"
        if isinstance(node, exp.Between):
            return f"{self.expr(node.this, sub)} between {self.value(node.args['low'])} and {self.value(node.args['high'])}"
        if isinstance(node, exp.In):
            return self._in(node, sub, negated=False)
        if isinstance(node, (exp.Like, exp.ILike)):
            return self._like(node, sub)
        if isinstance(node, exp.Is):
            return f"{self.expr(node.this, sub)} is missing"
        if isinstance(node, exp.Exists):
            return f"a matching row exists in {self.subquery_tables(node)}"
        return self.expr(node, sub)

    def grouped(self, node: exp.Expression, depth: int = 0) -> str:
        """A condition in words, parenthesised when it joins several with and/or."""
        text = self.condition(node, depth)
        inner = node.this if isinstance(node, exp.Paren) else node
        return f"({text})" if isinstance(inner, exp.Connector) else text

    def _negated(self, node: exp.Expression, depth: int) -> str:
        inner = node.this if isinstance(node, exp.Paren) else node
        if isinstance(inner, exp.Is):
            return f"{self.expr(inner.this, depth)} is present"
        if isinstance(inner, exp.In):
            return self._in(inner, depth, negated=True)
        if isinstance(inner, (exp.Like, exp.ILike)):
            return self._like(inner, depth).replace(" starts with", " does not start with").replace(
                " ends with", " does not end with").replace(" contains", " does not contain").replace(
                " matches", " does not match")
        if isinstance(inner, exp.Exists):
            return f"no matching row exists in {self.subquery_tables(inner)}"
        return f"not ({self.condition(inner, depth)})"

    def _through_step(self, node: exp.Expression) -> str | None:
        """A test on a step's flag or row number (``r.in_period = 1``) read as the step's own condition."""
        if not isinstance(node, exp.EQ) or not isinstance(node.this, exp.Column):
            return None
        table = self.column_table(node.this)
        step = self.derived.get(table) if table else None
        if step is None or node.this.name not in step[1]:
            return None
        inner_words, expression = step[0], step[1][node.this.name]
        flag = flag_test(node, expression)
        if flag is not None:
            return inner_words.condition(flag[0]) if flag[1] else f"not ({inner_words.condition(flag[0])})"
        return inner_words._first_row(node, expression)

    def _span(self, parts: list) -> str | None:
        """'executed from A to before B' for a lower and an upper bound on one time column."""
        low = next((p for p in parts if isinstance(p, (exp.GT, exp.GTE))), None)
        high = next((p for p in parts if isinstance(p, (exp.LT, exp.LTE))), None)
        if low is None or high is None or strip_cast(low.this) != strip_cast(high.this) or not self.is_time(low.this):
            return None
        subject = self._event(low.this) or self.expr(low.this)
        start = self.value(low.expression) if isinstance(low, exp.GTE) else f"after {self.value(low.expression)}"
        end = ("before " if isinstance(high, exp.LT) else "") + self.value(high.expression)
        return f"{subject} from {start} to {end}"

    def _first_row(self, node: exp.Expression, left: exp.Expression | None = None) -> str | None:
        """ROW_NUMBER() OVER (PARTITION BY p ORDER BY date DESC) = 1 -> 'the latest row (per p)'."""
        if not isinstance(node, exp.EQ) or not is_one(node.expression):
            return None
        window = unparen(left if left is not None else node.this)
        if not isinstance(window, exp.Window) or not isinstance(window.this, exp.RowNumber):
            return None
        order = window.args.get("order")
        keys = order.expressions if order else []
        if keys and self.is_time(keys[0].this):
            which = "the latest row" if keys[0].args.get("desc") else "the earliest row"
        elif keys:
            which = f"the first row by {self.expr(keys[0].this)}" + (" descending" if keys[0].args.get("desc") else "")
        else:
            which = "one row"
        partition = window.args.get("partition_by") or []
        return f"{which} (per {join_words([self.expr(p) for p in partition])})" if partition else which

    def _event(self, node: exp.Expression) -> str | None:
        """'executed' for executed_at, 'opened' for opened_on: the verb a time bound reads best with."""
        column = strip_cast(node)
        if isinstance(column, exp.Column) and column.name.lower().endswith(("_at", "_on")) and len(column.name) > 3:
            words = humanise(column.name[:-3])
            return f"{words} ({column.table})" if column.table in self.ambiguous else words
        return None

    def _meaning(self, column: exp.Expression, value: exp.Expression) -> str:
        """' (sell)' for a coded value the catalog knows the meaning of ('S' in a side column), else ''."""
        column = strip_cast(column)
        if not isinstance(column, exp.Column) or not isinstance(value, exp.Literal) or not value.is_string:
            return ""
        if len(value.name) > 3 and not value.name.isdigit():
            return ""  # a word already says what it means; only codes ('S', 'B', '1') are explained
        table = self.column_table(column) or next(
            (t for t in self.tables if (t, column.name) in getattr(self.names, "columns", {})), None)
        try:
            meanings = self.catalog.definitions.value_synonyms.get((table, column.name)) or {}
        except AttributeError:
            return ""
        words = [w for w in meanings.get(value.name, ()) if w.lower() != value.name.lower()]
        return f" ({words[0]})" if words else ""

    def _rhs(self, node: exp.Expression, depth: int) -> str:
        inner = node.this if isinstance(node, exp.Subquery) else None
        if isinstance(inner, exp.Select) and len(inner.expressions) == 1 and not inner.args.get("joins"):
            # A scalar subquery such as (SELECT MAX(date) FROM daily_bars): say what it picks.
            from_ = inner.args.get("from_") or inner.args.get("from")
            tables = [from_.this.name] if from_ is not None and isinstance(from_.this, exp.Table) else []
            scope = Words({t: t for t in tables}, tables, self.catalog, names=self.names)
            where = inner.args.get("where")
            condition = f" where {scope.condition(where.this, depth)}" if where is not None else ""
            return f"the {scope.expr(inner.expressions[0], depth)} of {self.subquery_tables(node)}{condition}"
        if isinstance(node, exp.Subquery):
            text = self.brief(node.this, self.aliases) if self.brief is not None else None
            return f"({text})" if text else f"a value from a subquery over {self.subquery_tables(node)}"
        return self.value(node)

    def _in(self, node: exp.In, depth: int, negated: bool) -> str:
        subject = self.expr(node.this, depth)
        query = node.args.get("query")
        if query is not None:
            return f"{subject} {'not ' if negated else ''}in a subquery over {self.subquery_tables(query)}"
        values = [self.value(v) + self._meaning(node.this, v) for v in node.expressions]
        shown = ", ".join(values[:6]) + (f" and {len(values) - 6} more" if len(values) > 6 else "")
        if len(values) == 1:
            return f"{subject} {'is not' if negated else 'is'} {shown}"
        return f"{subject} {'is none of' if negated else 'is one of'} {shown}"

    def _like(self, node: exp.Expression, depth: int) -> str:
        subject = self.expr(node.this, depth)
        case = " (any case)" if isinstance(node, exp.ILike) else ""
        if not isinstance(node.expression, exp.Literal):
            patterns = [f"'{p.name}'" for p in node.expression.find_all(exp.Literal) if p.is_string]
            if patterns:
                return f"{subject} matches any of {', '.join(patterns[:6])}{case}"
            return f"{subject} matches {self.expr(node.expression, depth)}{case}"
        pattern = node.expression.name
        core = pattern.strip("%")
        if pattern and "_" not in core and "%" not in core:
            if pattern.startswith("%") and pattern.endswith("%") and len(pattern) > 1:
                return f"{subject} contains '{core}'{case}"
            if pattern.endswith("%"):
                return f"{subject} starts with '{core}'{case}"
            if pattern.startswith("%"):
                return f"{subject} ends with '{core}'{case}"
            return f"{subject} is '{core}'{case}"
        return f"{subject} matches '{pattern}'{case}"

    def subquery_tables(self, node: exp.Expression) -> str:
        """The tables a subquery reads, in words ('trades and accounts')."""
        names = list(dict.fromkeys(t.name for t in node.find_all(exp.Table) if t.name))
        return join_words([self.table_name(n) for n in names]) or "another query"

    def is_text(self, node: exp.Expression) -> bool:
        """True when an ORDER BY key is a text column (sorted A to Z, not 'largest')."""
        inner = strip_cast(node)
        if not isinstance(inner, exp.Column):
            return False
        kind = self._kind(inner)
        if kind is not None:
            return kind == "text"
        name = inner.name.lower()
        return name in _TEXT_NAMES or name.endswith(("name", "symbol", "ticker", "status", "type", "address", "hash"))

    def is_computed(self, node: exp.Expression) -> bool:
        """True unless ``node`` is a stored column (also through a step that passes a column on)."""
        if not isinstance(node, exp.Column):
            return True
        table = self.column_table(node)
        step = self.derived.get(table) if table else None
        if step is not None and node.name in step[1]:
            return step[0].is_computed(step[1][node.name])
        return False

    def _kind(self, column: exp.Column) -> str | None:
        """The catalog's kind of a column (number, text, date, timestamp ...), or None without a catalog."""
        table = self.column_table(column)
        try:
            return self.catalog.kind(table, column.name) if self.catalog is not None and table else None
        except (AttributeError, KeyError, TypeError):
            return None

    def is_time(self, node: exp.Expression) -> bool:
        """True when an expression is a date/time column (possibly cast) or a time part."""
        inner = strip_cast(node)
        if isinstance(inner, exp.Column):
            kind = self._kind(inner)
            return kind in ("date", "timestamp") if kind is not None else is_time_name(inner.name)
        return isinstance(inner, (exp.DateTrunc, exp.TimestampTrunc, exp.TimeToStr)) or (
            isinstance(inner, exp.Anonymous) and inner.name.lower() in ("strftime", "to_char"))

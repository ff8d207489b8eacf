"""Intent -> sqlglot expression tree, portable to DuckDB, SQLite and PostgreSQL.

Dates are resolved in Python and compared as literals (half-open ranges), and time buckets
use each dialect's own spelling, so the same intent gives the same rows everywhere.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlglot.expressions as exp

from tradeassist.sql.catalog.catalog import Catalog, JoinStep
from tradeassist.sql.planner.intent import Filter, GroupKey, Intent, Measure

AGG_NAMES = {"avg": "avg", "sum": "total", "min": "min", "max": "max", "count": "count", "median": "median"}
_AGG_FUNCS = {"avg": exp.Avg, "sum": exp.Sum, "min": exp.Min, "max": exp.Max, "median": exp.Median}
_SQLITE_TRUNC = {
    "week": ("-6 days", "weekday 1"),
    "month": ("start of month",),
    "year": ("start of year",),
}


_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_TYPES: dict[str, exp.DataType] = {}
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def _type(name: str) -> exp.DataType:
    # Built once: parsing a type name per query costs more than the rest of the builder.
    if name not in _TYPES:
        _TYPES[name] = exp.DataType.build(name)
    return _TYPES[name].copy()


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=not _PLAIN_NAME.fullmatch(name)))


class SqlBuilder:
    """Builds one SELECT for an intent against a catalog, in the catalog's dialect."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.dialect = catalog.dialect

    # ------------------------------------------------------------------ small pieces
    def col(self, table: str, column: str, qualify: bool) -> exp.Column:
        """A (possibly table-qualified) column reference."""
        return exp.column(column, table=table if qualify else None, quoted=True)

    def date_literal(self, day: dt.date, kind: str) -> exp.Expression:
        """A date bound as a literal comparable with a date or timestamp column."""
        if self.dialect == "sqlite":  # SQLite keeps ISO text; text comparison is exact
            return exp.Literal.string(day.isoformat() + (" 00:00:00" if kind == "timestamp" else ""))
        text = day.isoformat() + (" 00:00:00" if kind == "timestamp" else "")
        return exp.cast(exp.Literal.string(text), _type("TIMESTAMP" if kind == "timestamp" else "DATE"))

    def value_literal(self, value) -> exp.Expression:
        """A literal for a data value."""
        if isinstance(value, bool):
            return exp.Boolean(this=value)
        if isinstance(value, int | float):
            return exp.Literal.number(value)
        if isinstance(value, dt.date):
            return exp.Literal.string(value.isoformat())
        return exp.Literal.string(str(value))

    def bucket(self, key: GroupKey, qualify: bool) -> exp.Expression:
        """A group key: the column, or a date column cut to the key's grain."""
        column = self.col(key.table, key.column, qualify)
        if not key.grain:
            return column
        kind = self.catalog.kind(key.table, key.column)
        if key.grain in ("hour", "weekday"):
            return self.time_part(column, key.grain)
        if key.grain == "weekday_name":  # the same weekday, spelled out, in every dialect
            return exp.Case(this=self.time_part(column, "weekday"), ifs=[
                exp.If(this=exp.Literal.number(i), true=exp.Literal.string(day)) for i, day in enumerate(_DAY_NAMES)])
        if key.grain == "day":
            return column if kind == "date" else exp.cast(column, _type("DATE"))
        if self.dialect == "sqlite":
            if key.grain == "quarter":
                shift = exp.Anonymous(this="printf", expressions=[
                    exp.Literal.string("-%d months"),
                    exp.Mod(
                        this=exp.Paren(this=exp.Sub(
                            this=exp.cast(exp.Anonymous(this="strftime", expressions=[
                                exp.Literal.string("%m"), column]), _type("INTEGER")),
                            expression=exp.Literal.number(1))),
                        expression=exp.Literal.number(3)),
                ])
                return exp.Anonymous(this="DATE", expressions=[column, exp.Literal.string("start of month"), shift])
            modifiers = [exp.Literal.string(m) for m in _SQLITE_TRUNC[key.grain]]
            return exp.Anonymous(this="DATE", expressions=[column, *modifiers])
        trunc = exp.DateTrunc(unit=exp.Literal.string(key.grain), this=column)
        return exp.cast(trunc, _type("DATE"))

    def time_part(self, column: exp.Expression, part: str) -> exp.Expression:
        """The hour (0-23) or weekday (0 = Sunday .. 6) of a date or timestamp, as an integer."""
        if self.dialect == "sqlite":
            fmt = "%H" if part == "hour" else "%w"
            return exp.cast(exp.Anonymous(this="strftime", expressions=[exp.Literal.string(fmt), column]), _type("INTEGER"))
        unit = "HOUR" if part == "hour" else "DOW"
        return exp.cast(exp.Extract(this=exp.var(unit), expression=column), _type("INTEGER"))

    def measure_expr(self, measure: Measure, intent: Intent, qualify: bool) -> exp.Expression:
        """The SQL of one measure."""
        table = measure.table or intent.table
        if measure.agg == "count" and measure.column is None:
            return exp.Count(this=exp.Star())
        inner = self.column_or_metric(table, measure.column or "", measure.metric, qualify)
        if measure.agg == "count":
            if measure.distinct:
                return exp.Count(this=exp.Distinct(expressions=[inner]))
            return exp.Count(this=inner)
        if measure.agg in _AGG_FUNCS:
            return _AGG_FUNCS[measure.agg](this=inner)
        if measure.agg == "quantile":
            return exp.PercentileCont(this=inner, expression=exp.Literal.number(measure.fraction or 0.5))
        return inner  # a raw column, or an aggregate metric ("calc": VWAP is already a ratio of sums)

    def column_or_metric(self, table: str, name: str, metric: bool, qualify: bool) -> exp.Expression:
        """A column reference, or a metric's expression with its columns qualified."""
        if not metric:
            return self.col(table, name, qualify)
        tree = self.catalog.metric_trees[(table, name)].copy()
        for column in list(tree.find_all(exp.Column)):
            if column.table or column.find_ancestor(exp.Select) is not None:
                continue  # a subquery's own columns ("the latest close of the symbol") stay as written
            column.replace(self.col(table, column.name, qualify))
        return exp.Paren(this=tree) if not isinstance(tree, exp.Column) else tree

    def alias(self, measure: Measure, intent: Intent) -> str:
        """A readable output name: ``total_volume``, ``avg_close``, ``trade_count``."""
        if measure.agg == "count" and measure.column is None:
            table = intent.table[:-1] if intent.table.endswith("s") else intent.table
            return f"{table.split('_')[-1]}_count"
        if measure.agg == "count":
            return f"distinct_{measure.column}" if measure.distinct else f"count_{measure.column}"
        if measure.agg == "quantile":
            return f"p{round((measure.fraction or 0.5) * 100)}_{measure.column}"
        if measure.agg in AGG_NAMES:
            return f"{AGG_NAMES[measure.agg]}_{measure.column}"
        return measure.column or "value"

    def condition(self, f: Filter, qualify: bool) -> exp.Expression:
        """A filter as a boolean expression."""
        column = self.column_or_metric(f.table, f.column, f.metric, qualify)
        if f.part:
            column = self.time_part(column, f.part)
        values = [self.value_literal(v) for v in f.values]
        if f.op == "in" or len(values) > 1:
            return exp.In(this=column, expressions=values)
        ops = {"=": exp.EQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "!=": exp.NEQ}
        return ops[f.op](this=column, expression=values[0])

    # ------------------------------------------------------------------ joins
    def _tables_used(self, intent: Intent, *, filters: bool = True) -> list[str]:
        used = [f.table for f in intent.filters] if filters else []
        used += [f.table for f in intent.condition]
        used += [g.table for g in intent.groups]
        used += [m.table for m in intent.measures if m.table]
        used += [f.table for f in intent.having]
        return [t for t in dict.fromkeys(used) if t != intent.table]

    def _path(self, intent: Intent, table: str) -> list[JoinStep]:
        path = self.catalog.join_path(intent.table, table)
        if path is None:
            from tradeassist.core.errors import BadInputError

            raise BadInputError(f"I cannot link {intent.table} to {table} in this database.")
        return path

    def _joins(self, intent: Intent) -> tuple[list[JoinStep], dict[JoinStep, list[Filter]]]:
        """The joins of the statement, and the filters to test through EXISTS (by the to-many step they cross).

        A filter on a table reached through a to-many step (daily_bars -> orders) would repeat each
        measured row once per matching row if joined: a sum would count it many times. Such a filter
        becomes ``EXISTS (...)`` over the rest of its path, unless the statement joins that table anyway.
        """
        steps: list[JoinStep] = []
        for table in self._tables_used(intent, filters=False):
            steps += [step for step in self._path(intent, table) if step not in steps]
        exists: dict[JoinStep, list[Filter]] = {}
        for f in intent.filters:
            if f.table == intent.table:
                continue
            path = self._path(intent, f.table)
            fan = next((i for i, step in enumerate(path) if not step.to_one and step not in steps), None)
            if fan is None:
                steps += [step for step in path if step not in steps]
                continue
            steps += [step for step in path[:fan] if step not in steps]  # the to-one part stays a join
            exists.setdefault(path[fan], []).append(f)
        return steps, exists

    def _exists(self, intent: Intent, first: JoinStep, filters: list[Filter]) -> exp.Expression:
        """``EXISTS (SELECT 1 FROM ... WHERE <link to the outer row> AND <filters>)`` from ``first`` on."""
        inner_steps: list[JoinStep] = []
        for f in filters:
            path = self._path(intent, f.table)
            tail = path[path.index(first) + 1:]
            inner_steps += [step for step in tail if step not in inner_steps]
        sub = exp.select("1").from_(_table(first.right), copy=False)
        for step in inner_steps:
            on = exp.EQ(this=self.col(step.left, step.left_column, True),
                        expression=self.col(step.right, step.right_column, True))
            sub.append("joins", exp.Join(this=_table(step.right), on=on, kind="INNER"))
        sub = sub.where(exp.EQ(this=self.col(first.right, first.right_column, True),
                               expression=self.col(first.left, first.left_column, True)), copy=False)
        for f in filters:
            sub = sub.where(self.condition(f, True), copy=False)
        return exp.Exists(this=sub)

    # ------------------------------------------------------------------ the statement
    def build(self, intent: Intent) -> exp.Select:
        """The SELECT answering ``intent``."""
        joins, exists = self._joins(intent)
        qualify = bool(joins) or bool(exists)
        select = exp.select().from_(_table(intent.table), copy=False)
        for step in joins:
            on = exp.EQ(
                this=self.col(step.left, step.left_column, True),
                expression=self.col(step.right, step.right_column, True),
            )
            select.append("joins", exp.Join(this=_table(step.right), on=on, kind="INNER"))
        tested = {id(f) for filters in exists.values() for f in filters}
        where = [self.condition(f, qualify) for f in intent.filters if id(f) not in tested]
        where += [self._exists(intent, first, filters) for first, filters in exists.items()]
        where += self.period_conditions(intent, qualify)
        for cond in where:
            select = select.where(cond, copy=False)
        kind = intent.kind
        if kind in ("returns", "return_n", "period_return"):
            return self._returns(select, intent, qualify)
        if kind in ("volatility", "drawdown"):
            return self._risk(select, intent, qualify)
        if kind == "percentage":
            return self._percentage(select, intent, qualify)
        if kind == "compare":
            return self._compare(select, intent, qualify)
        if kind in ("rows", "series", "latest", "first"):
            return self._rows(select, intent, qualify)
        return self._aggregate(select, intent, qualify)

    def period_conditions(self, intent: Intent, qualify: bool) -> list[exp.Expression]:
        """``date >= start AND date < end`` on the fact table's date column."""
        if intent.period is None:
            return []
        tdef = self.catalog.definitions.tables.get(intent.table)
        date_column = tdef.date_column if tdef else None
        if not date_column:
            return []
        kind = self.catalog.kind(intent.table, date_column)
        column = self.col(intent.table, date_column, qualify)
        out: list[exp.Expression] = []
        if intent.period.start:
            out.append(exp.GTE(this=column.copy(), expression=self.date_literal(intent.period.start, kind)))
        if intent.period.end:
            out.append(exp.LT(this=column.copy(), expression=self.date_literal(intent.period.end, kind)))
        return out

    def _aggregate(self, select: exp.Select, intent: Intent, qualify: bool) -> exp.Select:
        if intent.per:
            return self._per_bucket(select, intent, qualify)
        keys = []
        for key in intent.groups:
            expression = self.bucket(key, qualify)
            name = key.grain or key.column
            keys.append((expression, name))
            same = isinstance(expression, exp.Column) and expression.name == name
            select = select.select(expression.copy() if same else exp.alias_(expression, name, quoted=True), copy=False)
        aliases = []
        for measure in intent.measures:
            name = self.alias(measure, intent)
            aliases.append(name)
            select = select.select(exp.alias_(self.measure_expr(measure, intent, qualify), name, quoted=True), copy=False)
        for expression, _name in keys:
            select = select.group_by(expression.copy(), copy=False)
        for f in intent.having:
            measure = having_measure(f, intent)
            ops = {"=": exp.EQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "!=": exp.NEQ}
            select = select.having(ops[f.op](this=self.measure_expr(measure, intent, qualify),
                                             expression=self.value_literal(f.values[0])), copy=False)
        if intent.order and aliases:
            index = intent.order_by if intent.order_by is not None and intent.order_by < len(aliases) else 0
            measure_expr = self.measure_expr(intent.measures[index], intent, qualify)
            select = select.order_by(exp.Ordered(this=measure_expr, desc=intent.order == "desc"), copy=False)
            # Ties broken by the keys, so every database returns the same rows.
            for expression, _name in keys:
                select = select.order_by(exp.Ordered(this=expression.copy()), copy=False)
        elif keys:
            for expression, _name in keys:
                select = select.order_by(exp.Ordered(this=expression.copy()), copy=False)
        if intent.limit:
            select = select.limit(exp.Literal.number(intent.limit), copy=False)
        return select

    def _per_bucket(self, select: exp.Select, intent: Intent, qualify: bool) -> exp.Select:
        """Totals per bucket of ``intent.per`` (and per group), then their average per group."""
        tdef = self.catalog.definitions.tables[intent.table]
        bucket = GroupKey(intent.table, tdef.date_column or "date", intent.per)
        inner_intent = intent.with_changes(per=None, groups=(*intent.groups, bucket), order=None, limit=None)
        inner = self._aggregate(select, inner_intent, qualify)
        inner.set("order", None)
        names = [g.grain or g.column for g in intent.groups]
        outer = exp.select(*[exp.column(n, table="b", quoted=True) for n in names]).from_(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("b"))))
        for measure in intent.measures:
            name = self.alias(measure, intent)
            outer = outer.select(exp.alias_(exp.Avg(this=exp.column(name, table="b", quoted=True)),
                                            f"{name}_per_{intent.per}", quoted=True), copy=False)
        for n in names:
            outer = outer.group_by(exp.column(n, table="b", quoted=True), copy=False)
        if intent.order and intent.measures:
            first = f"{self.alias(intent.measures[0], intent)}_per_{intent.per}"
            outer = outer.order_by(exp.Ordered(this=exp.column(first, quoted=True), desc=intent.order == "desc"), copy=False)
        for n in names:
            outer = outer.order_by(exp.column(n, table="b", quoted=True), copy=False)
        return outer.limit(exp.Literal.number(intent.limit), copy=False) if intent.limit else outer

    def _compare(self, select: exp.Select, intent: Intent, qualify: bool) -> exp.Select:
        """Each measure once per compared period (``SUM(CASE WHEN in period THEN x END)``), side by side."""
        tdef = self.catalog.definitions.tables[intent.table]
        column = self.col(intent.table, tdef.date_column or "date", qualify)
        kind = self.catalog.kind(intent.table, tdef.date_column or "date")
        inside = []
        for period in intent.periods:
            bounds = []
            if period.start:
                bounds.append(exp.GTE(this=column.copy(), expression=self.date_literal(period.start, kind)))
            if period.end:
                bounds.append(exp.LT(this=column.copy(), expression=self.date_literal(period.end, kind)))
            inside.append(exp.and_(*bounds) if bounds else exp.Boolean(this=True))
        select = select.where(exp.or_(*[exp.Paren(this=c.copy()) for c in inside]), copy=False)
        keys = []
        for key in intent.groups:
            expression = self.bucket(key, qualify)
            keys.append(expression)
            same = isinstance(expression, exp.Column) and expression.name == (key.grain or key.column)
            select = select.select(expression.copy() if same else exp.alias_(expression, key.grain or key.column, quoted=True),
                                   copy=False)
        for measure in intent.measures:
            table = measure.table or intent.table
            for period, cond in zip(intent.periods, inside):
                if measure.agg == "count" and measure.column is None:
                    value: exp.Expression = exp.Count(this=exp.Case(ifs=[exp.If(this=cond.copy(), true=exp.Literal.number(1))]))
                else:
                    inner = self.column_or_metric(table, measure.column or "", measure.metric, qualify)
                    case = exp.Case(ifs=[exp.If(this=cond.copy(), true=inner)])
                    if measure.agg == "count":
                        value = exp.Count(this=exp.Distinct(expressions=[case]) if measure.distinct else case)
                    else:
                        value = _AGG_FUNCS.get(measure.agg or "sum", exp.Sum)(this=case)
                name = f"{self.alias(measure, intent)}_{_slug(period.label)}"
                select = select.select(exp.alias_(value, name, quoted=True), copy=False)
        for expression in keys:
            select = select.group_by(expression.copy(), copy=False).order_by(exp.Ordered(this=expression.copy()), copy=False)
        return select

    def _percentage(self, select: exp.Select, intent: Intent, qualify: bool) -> exp.Select:
        matched = exp.and_(*[self.condition(f, qualify) for f in intent.condition])
        if intent.measures:  # a share of a measure: the matching rows' total over the whole total
            weight = self.column_or_metric(intent.measures[0].table or intent.table, intent.measures[0].column or "",
                                           intent.measures[0].metric, qualify)
            case = exp.Case(ifs=[exp.If(this=matched, true=weight)], default=exp.Literal.number(0))
            whole: exp.Expression = exp.Sum(this=weight.copy())
        else:
            case = exp.Case(ifs=[exp.If(this=matched, true=exp.Literal.number(1))], default=exp.Literal.number(0))
            whole = exp.Count(this=exp.Star())
        ratio = exp.Div(this=exp.Mul(this=exp.Literal.number("100.0"), expression=exp.Sum(this=case)), expression=whole)
        label = "_".join(str(v) for f in intent.condition for v in f.values)[:40] or "matching"
        for key in intent.groups:
            expression = self.bucket(key, qualify)
            select = select.select(exp.alias_(expression, key.grain or key.column, quoted=True), copy=False).group_by(expression.copy())
            select = select.order_by(exp.Ordered(this=expression.copy()), copy=False)
        return select.select(exp.alias_(ratio, f"pct_{label}".lower().replace(" ", "_"), quoted=True), copy=False)

    def _price_series(self, intent: Intent, qualify: bool) -> tuple[tuple[str, str, str], tuple[exp.Column, ...]]:
        """The names and the columns of the date, the subject and the close of the intent's price table."""
        tdef = self.catalog.definitions.tables[intent.table]
        names = (tdef.date_column or "date", tdef.subject or "symbol", intent.measures[0].column or "close")
        return names, tuple(self.col(intent.table, name, qualify) for name in names)

    def _returns(self, select: exp.Select, intent: Intent, qualify: bool) -> exp.Select:
        """Returns from closing prices with window functions, computed before the period filter
        (so the first day of a period still has its previous close)."""
        (date_name, subject, close_name), (date, key, close) = self._price_series(intent, qualify)
        window = exp.Window(this=exp.Anonymous(this="ROW_NUMBER"), partition_by=[key.copy()],
                            order=exp.Order(expressions=[exp.Ordered(this=date.copy(), desc=True)]))
        inner = select.select(exp.alias_(date, date_name, quoted=True), exp.alias_(key, subject, quoted=True),
                              exp.alias_(close, close_name, quoted=True), copy=False)
        r = "r"

        def rc(name: str) -> exp.Column:
            return exp.column(name, table=r, quoted=True)

        if intent.kind == "period_return":
            return self._period_return(select, intent, qualify, inner, (date, key, close), (date_name, subject, close_name))
        # Daily (window 1) or N-row returns need the rows before the period: filter after the window.
        inner.set("where", None)
        for cond in [self.condition(f, qualify) for f in intent.filters]:
            inner = inner.where(cond, copy=False)
        lag = exp.Anonymous(this="LAG", expressions=[close.copy(), exp.Literal.number(intent.window or 1)])
        lag_window = exp.Window(this=lag, partition_by=[key.copy()],
                                order=exp.Order(expressions=[exp.Ordered(this=date.copy())]))
        name = "daily_return" if (intent.window or 1) == 1 else f"return_{intent.window}d"
        ratio = exp.Sub(this=exp.Div(this=close.copy(), expression=lag_window), expression=exp.Literal.number(1))
        inner = inner.select(exp.alias_(ratio, name, quoted=True), exp.alias_(window, "rn_last", quoted=True), copy=False)
        outer = (exp.select(rc(date_name), rc(subject), rc(close_name), rc(name))
                 .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(r)))))
        if intent.kind == "return_n":
            outer = outer.where(exp.EQ(this=rc("rn_last"), expression=exp.Literal.number(1)), copy=False)
            if intent.order:
                outer = outer.order_by(exp.Ordered(this=rc(name), desc=intent.order == "desc"), copy=False)
            outer = outer.order_by(rc(subject), copy=False)
            return outer.limit(exp.Literal.number(intent.limit), copy=False) if intent.limit else outer
        if intent.period and intent.period.start:
            outer = outer.where(exp.GTE(this=rc(date_name), expression=self.date_literal(intent.period.start, "date")), copy=False)
        if intent.period and intent.period.end:
            outer = outer.where(exp.LT(this=rc(date_name), expression=self.date_literal(intent.period.end, "date")), copy=False)
        return outer.order_by(rc(date_name), copy=False).order_by(rc(subject))

    def _period_return(self, select: exp.Select, intent: Intent, qualify: bool, inner: exp.Select,
                       cols: tuple, names: tuple) -> exp.Select:
        """Return over a period: the last close in it over the last close before it (the usual
        convention), or over its first close when the question says so or nothing came before."""
        date, key, close = cols
        date_name, subject, close_name = names
        start = intent.period.start if intent.period else None
        in_period = (exp.GTE(this=date.copy(), expression=self.date_literal(start, self.catalog.kind(intent.table, date_name)))
                     if start and not intent.from_first else exp.Boolean(this=True))
        flag = exp.Case(ifs=[exp.If(this=in_period, true=exp.Literal.number(1))], default=exp.Literal.number(0))
        inner.set("where", None)
        for cond in [self.condition(f, qualify) for f in intent.filters]:
            inner = inner.where(cond, copy=False)
        if intent.period and intent.period.end:
            kind = self.catalog.kind(intent.table, date_name)
            inner = inner.where(exp.LT(this=date.copy(), expression=self.date_literal(intent.period.end, kind)), copy=False)
        if intent.from_first and start:
            kind = self.catalog.kind(intent.table, date_name)
            inner = inner.where(exp.GTE(this=date.copy(), expression=self.date_literal(start, kind)), copy=False)

        def rank(desc: bool) -> exp.Window:
            return exp.Window(this=exp.Anonymous(this="ROW_NUMBER"), partition_by=[key.copy(), flag.copy()],
                              order=exp.Order(expressions=[exp.Ordered(this=date.copy(), desc=desc)]))

        inner = inner.select(exp.alias_(flag, "in_period", quoted=True), exp.alias_(rank(False), "rn_first", quoted=True),
                             exp.alias_(rank(True), "rn_last", quoted=True), copy=False)

        def rc(name: str) -> exp.Column:
            return exp.column(name, table="r", quoted=True)

        def pick(period_flag: int, rn: str) -> exp.Expression:
            cond = exp.and_(exp.EQ(this=rc("in_period"), expression=exp.Literal.number(period_flag)),
                            exp.EQ(this=rc(rn), expression=exp.Literal.number(1)))
            return exp.Max(this=exp.Case(ifs=[exp.If(this=cond, true=rc(close_name))]))

        base = exp.Coalesce(this=pick(0, "rn_last"), expressions=[pick(1, "rn_first")])
        last = pick(1, "rn_last")
        ratio: exp.Expression = exp.Sub(this=exp.Div(this=last, expression=base), expression=exp.Literal.number(1))
        name = "period_return"
        if intent.percent:
            ratio, name = exp.Mul(this=exp.Paren(this=ratio), expression=exp.Literal.number(100)), "period_return_pct"
        outer = (exp.select(rc(subject), exp.alias_(base.copy(), "base_close", quoted=True),
                            exp.alias_(last.copy(), "last_close", quoted=True), exp.alias_(ratio, name, quoted=True))
                 .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("r"))))
                 .group_by(rc(subject))
                 .having(exp.Not(this=exp.Is(this=last.copy(), expression=exp.Null()))))
        outer = outer.order_by(exp.Ordered(this=ratio.copy(), desc=intent.order != "asc"), copy=False)
        outer = outer.order_by(rc(subject), copy=False)
        return outer.limit(exp.Literal.number(intent.limit), copy=False) if intent.limit else outer

    def _risk(self, select: exp.Select, intent: Intent, qualify: bool) -> exp.Select:
        """Volatility (sample standard deviation of daily returns, each return from the close before it,
        so the period's first day counts) or maximum drawdown (close over its running maximum within the
        period, minus one, at its lowest) per subject."""
        (date_name, subject, close_name), (date, key, close) = self._price_series(intent, qualify)
        order = exp.Order(expressions=[exp.Ordered(this=date.copy())])

        def rc(name: str) -> exp.Column:
            return exp.column(name, table="r", quoted=True)

        inner = select.select(exp.alias_(date, date_name, quoted=True), exp.alias_(key, subject, quoted=True),
                              exp.alias_(close, close_name, quoted=True), copy=False)
        if intent.kind == "volatility":
            inner.set("where", None)  # returns first, over all rows; the period filters them after
            for cond in [self.condition(f, qualify) for f in intent.filters]:
                inner = inner.where(cond, copy=False)
            lag = exp.Window(this=exp.Anonymous(this="LAG", expressions=[close.copy()]), partition_by=[key.copy()],
                             order=order)
            ret = exp.Sub(this=exp.Div(this=close.copy(), expression=lag), expression=exp.Literal.number(1))
            inner = inner.select(exp.alias_(ret, "daily_return", quoted=True), copy=False)
            value: exp.Expression = self._stddev(rc("daily_return"))
            name = "volatility"
            if intent.window:
                value, name = exp.Mul(this=value, expression=exp.Sqrt(this=exp.Literal.number(intent.window))), \
                    "annualized_volatility"
        else:
            peak = exp.Window(this=exp.Max(this=close.copy()), partition_by=[key.copy()], order=order)
            inner = inner.select(exp.alias_(peak, "running_max", quoted=True), copy=False)
            value = exp.Min(this=exp.Sub(this=exp.Div(this=rc(close_name), expression=rc("running_max")),
                                         expression=exp.Literal.number(1)))
            name = "max_drawdown"
        if intent.percent:
            value, name = exp.Mul(this=value, expression=exp.Literal.number(100)), f"{name}_pct"
        outer = (exp.select(rc(subject), exp.alias_(value, name, quoted=True))
                 .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("r"))))
                 .group_by(rc(subject)))
        if intent.kind == "volatility" and intent.period:
            if intent.period.start:
                outer = outer.where(exp.GTE(this=rc(date_name), expression=self.date_literal(intent.period.start, "date")), copy=False)
            if intent.period.end:
                outer = outer.where(exp.LT(this=rc(date_name), expression=self.date_literal(intent.period.end, "date")), copy=False)
        if intent.order:
            outer = outer.order_by(exp.Ordered(this=value.copy(), desc=intent.order == "desc"), copy=False)
        outer = outer.order_by(rc(subject), copy=False)
        return outer.limit(exp.Literal.number(intent.limit), copy=False) if intent.limit else outer

    def _stddev(self, x: exp.Expression) -> exp.Expression:
        """The sample standard deviation; SQLite has no STDDEV_SAMP, so it gets the sums formula."""
        if self.dialect != "sqlite":
            return exp.StddevSamp(this=x)
        n = exp.Count(this=x.copy())
        total = exp.Sum(this=x.copy())
        squares = exp.Sum(this=exp.Mul(this=x.copy(), expression=x.copy()))
        variance = exp.Div(this=exp.Sub(this=squares, expression=exp.Div(this=exp.Mul(this=total, expression=total.copy()),
                                                                          expression=n)),
                           expression=exp.Paren(this=exp.Sub(this=n.copy(), expression=exp.Literal.number(1))))
        return exp.Sqrt(this=variance)

    def _latest_per_subject(self, select: exp.Select, intent: Intent, qualify: bool, date_column: str) -> exp.Select:
        """The latest (or first) row of each subject: ROW_NUMBER over the subject, keep row 1."""
        order = exp.Ordered(this=self.col(intent.table, date_column, qualify), desc=intent.kind == "latest")
        partition = [self.col(intent.table, c, qualify) for c in intent.show]
        rank = exp.Window(this=exp.Anonymous(this="ROW_NUMBER"), partition_by=partition,
                          order=exp.Order(expressions=[order]))
        inner = select.select(exp.alias_(rank, "rn", quoted=True), copy=False)
        names = [e.alias_or_name for e in inner.expressions if e.alias_or_name != "rn"]
        outer = (exp.select(*[exp.column(n, table="r", quoted=True) for n in names])
                 .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("r"))))
                 .where(exp.EQ(this=exp.column("rn", table="r", quoted=True), expression=exp.Literal.number(1))))
        for name in intent.show:
            outer = outer.order_by(exp.column(name, table="r", quoted=True))
        return outer.limit(exp.Literal.number(intent.limit), copy=False) if intent.limit else outer

    def _rows(self, select: exp.Select, intent: Intent, qualify: bool) -> exp.Select:
        tdef = self.catalog.definitions.tables.get(intent.table)
        date_column = tdef.date_column if tdef else None
        shown: list[str] = []
        if intent.kind in ("series", "latest", "first") and date_column:
            shown.append(date_column)
        shown += [c for c in intent.show if c not in shown]
        for name in shown:
            select = select.select(self.col(intent.table, name, qualify), copy=False)
        for measure in intent.measures:
            if measure.column in shown and not measure.metric:
                continue
            expression = self.measure_expr(measure, intent, qualify)
            select = select.select(exp.alias_(expression, self.alias(measure, intent), quoted=True), copy=False)
        if intent.kind == "series" and date_column:
            select = select.order_by(self.col(intent.table, date_column, qualify), copy=False)
            for name in shown[1:]:
                select = select.order_by(self.col(intent.table, name, qualify), copy=False)
        elif intent.kind in ("latest", "first") and date_column and intent.show:
            return self._latest_per_subject(select, intent, qualify, date_column)
        elif intent.kind in ("latest", "first") and date_column:
            desc = intent.kind == "latest"
            select = select.order_by(exp.Ordered(this=self.col(intent.table, date_column, qualify), desc=desc), copy=False)
            select = select.limit(exp.Literal.number(intent.limit or 1), copy=False)
            return select
        elif intent.order and intent.measures:
            measure = intent.measures[intent.order_by or 0]
            select = select.order_by(exp.Ordered(
                this=self.measure_expr(measure, intent, qualify), desc=intent.order == "desc"), copy=False)
            for name in shown:
                select = select.order_by(self.col(intent.table, name, qualify), copy=False)
        elif shown:
            # A stable order (the key) so every database returns the same rows under a LIMIT.
            pk = [c for c in (self.catalog.schema.tables[intent.table].primary_key or ()) if c in shown]
            for name in pk or shown[:1]:
                select = select.order_by(self.col(intent.table, name, qualify), copy=False)
        if intent.limit:
            select = select.limit(exp.Literal.number(intent.limit), copy=False)
        return select


def _slug(label: str) -> str:
    """A period label as a column-name suffix: "this month" -> this_month, "Q2 2026" -> q2_2026."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "period"


def having_measure(f: Filter, intent: Intent) -> Measure:
    """The aggregate a HAVING condition compares (``count_distinct`` is a distinct count)."""
    distinct = f.agg == "count_distinct"
    return Measure("count" if distinct else f.agg, None if f.column == "*" else f.column, f.metric, distinct,
                   table=None if f.table == intent.table else f.table)


"""The reading of any SQL statement: one line of plain English generated from the SQL tree itself.

Whoever wrote the SQL (the planner, a language model, a person), the reading says what it computes:

    SELECT a.desk, SUM(t.quantity * t.price) AS notional FROM trades t JOIN accounts a USING (account_id)
    WHERE t.executed_at >= '2026-11-01' AND t.executed_at < '2026-11-21' GROUP BY 1 ORDER BY 2 DESC LIMIT 3
    -> "sum of (quantity x price) per desk, trades (with accounts) executed from 2026-11-01 to before
        2026-11-21, the 3 largest"

It is assembled as: measures [of ENTITY] [per GROUPS], SOURCE [DATE RANGE] [where FILTERS]
[, only groups where HAVING] [, ORDER/LIMIT]. Common table expressions and subqueries are
mentioned briefly, in their own words when short ("step 'monthly' (average close per symbol and
month, daily bars)"), UNIONs read part by part.
`read_sql` never raises: what it cannot describe becomes "a query over <tables>".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
import sqlglot.expressions as exp

from tradeassist.sql.catalog.identifiers import split_identifier
from tradeassist.sql.reading_names import fold_date, humanise, is_time_name, strip_cast
from tradeassist.sql.reading_patterns import join_words
from tradeassist.sql.reading_words import Words

#: Column names that name the thing a row is about ("of AAPL" rather than "where symbol is 'AAPL'").
ENTITY_NAMES = frozenset({"symbol", "ticker", "coin", "asset", "instrument"})
MAX_READING = 300
MAX_MEASURES = 4
#: Beyond this many characters an aliased measure is read by its alias ("period return pct (computed)").
MAX_LABEL = 90
_DIALECTS = {"postgresql": "postgres", "sqlite3": "sqlite", "pg": "postgres"}
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY key: its words, direction, and the output column it sorts by (if shown)."""

    words: str
    descending: bool
    position: int | None = None
    is_time: bool = False
    is_text: bool = False


@dataclass(frozen=True)
class SqlReading:
    """What a statement computes: the sentence, and per-output-column labels for summaries."""

    text: str
    #: One label per output column, in order (empty when unknown, e.g. ``SELECT *``).
    labels: tuple[str, ...] = ()
    order: tuple[OrderKey, ...] = ()
    limit: int | None = None
    tables: tuple[str, ...] = ()
    grouped: bool = False
    #: Per output column: True when it is computed (an aggregate, arithmetic), False for a stored column.
    computed: tuple[bool, ...] = ()


def read_sql(sql, dialect: str = "duckdb", catalog=None, *, imposed_limit: int | None = None) -> str:
    """One line of plain English saying what ``sql`` computes (never raises)."""
    return describe_sql(sql, dialect, catalog, imposed_limit=imposed_limit).text


def describe_sql(sql, dialect: str = "duckdb", catalog=None, *, imposed_limit: int | None = None) -> SqlReading:
    """The reading with its structure (labels, order, limit); never raises.

    ``imposed_limit`` is a LIMIT the guard added, not the author: it is left out of the reading.
    """
    tree = None
    try:
        tree = sql if isinstance(sql, exp.Expression) else _parse(str(sql), dialect)
        if tree is None:
            return SqlReading("an SQL statement that could not be read")
        reading = _Reader(catalog, imposed_limit).statement(tree)
        text = " ".join(reading.text.split())
        if len(text) > MAX_READING:
            text = text[: MAX_READING - 1].rstrip(" ,") + "…"
        return SqlReading(text, reading.labels, reading.order, reading.limit, reading.tables, reading.grouped,
                          reading.computed)
    except Exception as exc:  # noqa: BLE001 - a reading is an aid: it must never fail an answer
        _LOG.debug("could not read SQL: %s", exc)
        return SqlReading(generic_reading(tree), tables=_tables(tree))


def generic_reading(tree: exp.Expression | None) -> str:
    """The safe reading when nothing better can be said: 'a query over trades and instruments'."""
    names = _tables(tree)
    return f"a query over {join_words([humanise(n, table=True) for n in names])}" if names else "a query"


def _tables(tree: exp.Expression | None) -> tuple[str, ...]:
    if tree is None:
        return ()
    try:
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        return tuple(dict.fromkeys(t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes))
    except Exception:  # noqa: BLE001
        return ()


def _schema_names(catalog):
    """The catalog's reading of its schema's names (``tradeassist.sql.catalog.naming.read_names``), or None without one."""
    known = getattr(catalog, "names", None)
    if getattr(known, "tables", None) and getattr(known, "columns", None) is not None:
        return known  # read once when the catalog was built
    schema = getattr(catalog, "schema", None)
    if schema is None or not hasattr(schema, "tables"):
        return None
    from tradeassist.sql.catalog.naming import read_names

    try:
        return read_names(schema)
    except Exception:  # noqa: BLE001 - without the catalog's names the identifiers are humanised
        return None


def _parse(text: str, dialect: str) -> exp.Expression | None:
    read = _DIALECTS.get((dialect or "duckdb").lower(), (dialect or "duckdb").lower())
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return sqlglot.parse_one(text, read=read)
    except Exception:  # noqa: BLE001
        try:
            return sqlglot.parse_one(text)
        except Exception:  # noqa: BLE001
            return None
    finally:
        logger.setLevel(level)


class _Reader:
    """Reads one statement; CTE names it met are remembered so the outer query can mention them."""

    def __init__(self, catalog, imposed_limit: int | None, names=None, outer: dict | None = None):
        self.catalog = catalog
        #: Aliases of the enclosing query, for correlated subqueries ("symbol of positions").
        self.outer = dict(outer or {})
        self.imposed_limit = imposed_limit
        self.ctes: dict[str, exp.Expression] = {}
        self.names = names if names is not None else _schema_names(catalog)

    def statement(self, tree: exp.Expression) -> SqlReading:
        """Any statement: SELECT, WITH ... SELECT, a UNION, a parenthesised query."""
        with_ = tree.args.get("with_") or tree.args.get("with")
        if with_ is not None:
            for cte in with_.expressions:
                self.ctes[cte.alias_or_name] = cte.this
        if isinstance(tree, exp.Subquery):
            return self.statement(tree.this)
        if isinstance(tree, exp.SetOperation):
            return self._set_operation(tree)
        if isinstance(tree, exp.Select):
            return self._select(tree)
        raise ValueError(f"not a query: {type(tree).__name__}")

    def _set_operation(self, tree: exp.SetOperation) -> SqlReading:
        parts: list[exp.Expression] = []
        stack = [tree.this, tree.expression]
        while stack:  # flatten A UNION B UNION C, left to right
            node = stack.pop(0)
            if type(node) is type(tree) and not node.args.get("order") and not node.args.get("limit"):
                stack[:0] = [node.this, node.expression]
            else:
                parts.append(node)
        word = {exp.Union: "combined with", exp.Intersect: "also in", exp.Except: "except"}.get(type(tree), "and")
        readings = [self.statement(p) for p in parts[:3]]
        text = f" {word} ".join(f"({r.text})" for r in readings)
        if len(parts) > 3:
            text += f" and {len(parts) - 3} more parts"
        if isinstance(tree, exp.Union) and tree.args.get("distinct") is not False:
            text += ", duplicates removed"
        words = Words({}, [], self.catalog, names=self.names, brief=self._nested)
        items = parts[0].expressions if isinstance(parts[0], exp.Select) else []
        order, tail = self._order_limit(tree, words, readings[0].labels, [], items)
        tables = tuple(dict.fromkeys(t for r in readings for t in r.tables))
        return SqlReading(text + tail, readings[0].labels, order, _limit(tree), tables)

    # ------------------------------------------------------------------ SELECT
    def _select(self, select: exp.Select) -> SqlReading:
        aliases, tables, sources = self._sources(select)
        outputs = {e.alias: e.this for e in select.expressions if isinstance(e, exp.Alias)}
        words = Words(aliases, tables, self.catalog, outputs, self._derived(sources), self.names, self._nested,
                      outer=self.outer)
        group = select.args.get("group")
        # ROLLUP / CUBE / GROUPING SETS group by their columns and add subtotal rows.
        keys, subtotals = [], False
        for key in (group.expressions if group else []):
            if isinstance(key, (exp.Rollup, exp.Cube, exp.GroupingSets)):
                subtotals = True
                keys += [e.this if isinstance(e, exp.Paren) else e for e in key.expressions]
            else:
                keys.append(key)
        group_exprs: list[exp.Expression] = []
        for key in (_resolve(k, outputs, select) for k in keys):
            if key not in group_exprs:  # structural equality; rendering SQL to compare would copy the tree
                group_exprs.append(key)
        grouped = bool(group_exprs) or any(_is_aggregate(e) for e in select.expressions)
        labels, measures = self._measures(select, words, group_exprs)
        computed = tuple(words.is_computed(e.this if isinstance(e, exp.Alias) else e) for e in select.expressions)
        lists_groups = bool(group_exprs) and measures == [self._group_words(g, words) for g in group_exprs]
        where = select.args.get("where")
        filters = _conjuncts(where.this) if where is not None else []
        entity, filters = self._entity(filters, words)
        time_range, filters = self._time_range(filters, words)
        head = _measure_list(measures, [label for label, flag in zip(labels, computed) if flag])
        if select.args.get("distinct") is not None:
            head = "distinct " + head
        if entity:
            head += f" of {entity}"
        if group_exprs and not lists_groups:
            head += " per " + join_words([self._group_words(g, words) for g in group_exprs])
        source = self._source_words(sources, words)
        counted = f"count of {source}" in head
        text = head + ("" if counted or not sources else f", {source}") + time_range
        if filters:
            text += " where " + (words.condition(filters[0]) if len(filters) == 1 else
                                 " and ".join(words.grouped(f) for f in filters))
        if subtotals:
            text += ", with subtotals"
        having = select.args.get("having")
        if having is not None:
            text += ", only groups where " + words.condition(having.this)
        qualify = select.args.get("qualify")
        if qualify is not None:
            kept = words.condition(qualify.this)
            rows = kept.startswith(("the latest row", "the earliest row", "the first row", "one row"))
            text += (", only " if rows else ", only rows where ") + kept
        order, tail = self._order_limit(select, words, labels, measures, select.expressions)
        return SqlReading(text + tail, labels, order, _limit(select), _tables(select), grouped,
                          computed if labels else ())

    def _sources(self, select: exp.Select) -> tuple[dict[str, str], list[str], list[tuple[str, exp.Expression]]]:
        """Table aliases, the base table names of this scope, and each source (name, node)."""
        aliases: dict[str, str] = {}
        tables: list[str] = []
        sources: list[tuple[str, exp.Expression]] = []
        from_ = select.args.get("from_") or select.args.get("from")
        nodes = ([from_.this] if from_ is not None else []) + [j.this for j in select.args.get("joins") or []]
        for node in nodes:
            if isinstance(node, exp.Table):
                name = node.name
                aliases[node.alias_or_name] = name
                tables.append(name)
                sources.append((name, node))
            elif isinstance(node, exp.Subquery):
                alias = node.alias_or_name or "subquery"
                aliases[alias] = alias
                tables.append(alias)
                sources.append((alias, node))
        return aliases, tables, sources

    def _derived(self, sources: list[tuple[str, exp.Expression]]) -> dict:
        """Words and output expressions of each source that is itself a query."""
        derived = {}
        for name, node in sources:
            inner = node.this if isinstance(node, exp.Subquery) else self.ctes.get(name)
            if isinstance(inner, exp.Select):
                aliases, tables, inner_sources = self._sources(inner)
                outputs = {e.alias_or_name: (e.this if isinstance(e, exp.Alias) else e) for e in inner.expressions}
                derived[name] = (Words(aliases, tables, self.catalog, outputs, names=self.names, brief=self._nested),
                                 outputs)
        return derived

    def _source_words(self, sources: list[tuple[str, exp.Expression]], words: Words) -> str:
        if not sources:
            return "without a table"
        described = []
        for name, node in sources:
            if isinstance(node, exp.Subquery):
                described.append(f"a subquery ({self._brief(node.this, words)})")
            elif name in self.ctes:
                inner = self.ctes[name]
                described.append(f"step '{humanise(name)}' ({self._brief(inner, words)})")
            else:
                described.append(words.table_name(name))
        if len(described) == 1:
            return described[0]
        return f"{described[0]} (with {join_words(described[1:])})"

    def _nested(self, inner: exp.Expression, outer: dict | None = None) -> str | None:
        """A nested query's own reading when it is short (scalar subqueries in expressions), else None."""
        try:
            reader = _Reader(self.catalog, None, self.names, {**self.outer, **(outer or {})})
            text = reader.statement(inner).text if isinstance(inner, exp.Query) else ""
        except Exception:  # noqa: BLE001 - the outer reading falls back to "a value from a subquery"
            return None
        return text if text and len(text) <= 100 else None

    def _brief(self, inner: exp.Expression, words: Words) -> str:
        """A step's own reading when it is short, else just the tables it reads."""
        try:
            text = _Reader(self.catalog, None, self.names).statement(inner).text if isinstance(inner, exp.Query) else ""
        except Exception:  # noqa: BLE001 - the outer reading stands without the inner one
            text = ""
        return text if text and len(text) <= 100 else f"over {words.subquery_tables(inner)}"

    def _measures(self, select: exp.Select, words: Words, group_exprs: list) -> tuple[tuple[str, ...], list[str]]:
        """Labels of every output column, and the measures the sentence names (groups left out)."""
        labels: list[str] = []
        measures: list[str] = []
        star = False
        for item in select.expressions:
            node = item.this if isinstance(item, exp.Alias) else item
            if isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star)):
                star = True
                measures.append("all columns")
                continue
            label = words.expr(node)
            if isinstance(item, exp.Alias) and (label == "a computed value" or len(label) > MAX_LABEL):
                # A long expression is named by its author's alias, marked as computed.
                label = f"{humanise(item.alias)} (computed)"
            labels.append(label)
            if node not in group_exprs:
                measures.append(label)
        if not measures and labels:  # only the grouping columns are shown: they are what is listed
            measures = [self._group_words(g, words) for g in group_exprs] or list(labels)
        return (() if star else tuple(labels)), measures

    def _group_words(self, node: exp.Expression, words: Words) -> str:
        if isinstance(node, (exp.Cast, exp.TryCast)) and node.to.is_type("date") and isinstance(node.this, exp.Column):
            return "day" if is_time_name(node.this.name) else words.expr(node.this)
        part = words.time_part(node) if not isinstance(node, exp.Column) else None
        text = part or words.expr(node)
        return f"({text})" if " if " in text else text

    def _entity(self, filters: list[exp.Expression], words: Words) -> tuple[str, list[exp.Expression]]:
        """Equality on a symbol-like column becomes "of AAPL"; other filters stay filters."""
        found, rest = [], []
        for node in filters:
            column = strip_cast(node.this) if isinstance(node, (exp.EQ, exp.In)) else None
            literals = ([node.expression] if isinstance(node, exp.EQ) else
                        list(node.expressions) if isinstance(node, exp.In) and not node.args.get("query") else [])
            if (isinstance(column, exp.Column) and _entity_name(column.name) and literals
                    and column.table not in words.ambiguous
                    and all(isinstance(v, exp.Literal) and v.is_string for v in literals) and not found):
                found = [v.name for v in literals]
            else:
                rest.append(node)
        shown = found[:5] + ([f"{len(found) - 5} more"] if len(found) > 5 else [])
        return join_words(shown), rest

    def _time_range(self, filters: list[exp.Expression], words: Words) -> tuple[str, list[exp.Expression]]:
        """Bounds on one date/time column read as a range attached to the table ('executed since ...')."""
        bounds: dict[str, dict[str, exp.Expression]] = {}
        columns: dict[str, exp.Expression] = {}
        rest = []
        for node in filters:
            kinds = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.EQ)
            column = strip_cast(node.this) if isinstance(node, kinds) else None
            if isinstance(column, exp.Column) and column.table not in words.ambiguous and (
                    is_time_name(column.name) or _is_dateish(node)) and (
                    not isinstance(node, exp.EQ) or fold_date(node.expression) is not None):
                key = f"{column.table}.{column.name}"
                columns[key] = column
                if isinstance(node, exp.EQ):
                    bounds.setdefault(key, {})["on"] = node.expression
                elif isinstance(node, exp.Between):
                    bounds.setdefault(key, {}).update(low=node.args["low"], high=node.args["high"])
                else:
                    side = "low" if isinstance(node, (exp.GT, exp.GTE)) else "high"
                    bounds.setdefault(key, {}).update({side: node.expression, side + "_op": node})
                continue
            rest.append(node)
        if len(bounds) != 1:  # several time columns: each stays a plain filter
            return "", filters
        key, bound = next(iter(bounds.items()))
        return _range_words(columns[key], bound, words), rest

    def _order_limit(self, node: exp.Expression, words: Words, labels, measures, items):
        """The ORDER BY keys and the sentence's tail: ', the 3 largest', ', latest first'."""
        order = node.args.get("order")
        keys: list[OrderKey] = []
        for ordered in (order.expressions if order else []):
            target = ordered.this
            position = _position(target, items)
            if position is not None and position < len(items):
                target = items[position]
            target_node = target.this if isinstance(target, exp.Alias) else target
            if position is not None and position < len(labels):
                label = labels[position]  # the output column's own label, as the measures name it
            else:
                label = words.expr(target_node) if not isinstance(target_node, exp.Literal) else "a column"
            keys.append(OrderKey(label, bool(ordered.args.get("desc")), position, words.is_time(target_node),
                                 words.is_text(target_node)))
        limit = _limit(node)
        if limit is not None and limit == self.imposed_limit:
            limit = None
        offset = node.args.get("offset")
        tail = _order_tail(keys, limit, measures or labels)
        if offset is not None and isinstance(offset.expression, exp.Literal):
            tail += f", skipping the first {offset.expression.this}"
        return tuple(keys), tail


def _measure_list(measures: list[str], computed: list[str]) -> str:
    """The measures in words; when there are many, every computed one is kept and stored columns are cut."""
    if len(measures) <= MAX_MEASURES:
        return join_words(measures)
    room = max(MAX_MEASURES - len([m for m in measures if m in computed]), 1)
    kept, plain = [], 0
    for measure in measures:
        if measure in computed or plain < room:
            kept.append(measure)
            plain += measure not in computed
    left = len(measures) - len(kept)
    return ", ".join(kept) + (f" and {left} more columns" if left else "")


def _entity_name(name: str) -> bool:
    """True for a column naming the thing a row is about: symbol, ticker, 'sbTickerSymbol', 'ORD_TKR'."""
    parts = split_identifier(name)
    return name.lower() in ENTITY_NAMES or bool(parts) and (parts[-1] in ENTITY_NAMES or parts[-1] in ("sym", "tkr"))


def _order_tail(keys: list[OrderKey], limit: int | None, measures) -> str:
    if not keys:
        return f", at most {limit:,} rows" if limit is not None else ""
    first = keys[0]
    # "the 3 largest" when the key is the one measure named; "the 3 largest by X" otherwise.
    by = "" if list(measures) == [first.words] else f" by {first.words}"
    if first.is_time:
        word = "latest" if first.descending else "earliest"
        if limit is None:
            return f", {word} first"
        return f", the {word}" if limit == 1 else f", the {limit:,} {word}"
    if first.is_text:
        direction = "Z to A" if first.descending else "A to Z"
        if limit is None:
            return f", sorted by {first.words} ({direction})"
        return f", the first {limit:,} by {first.words} ({direction})"
    word = "largest" if first.descending else "smallest"
    if limit is None:
        return f", sorted by {first.words}, {word} first"
    return f", the {word}{by}" if limit == 1 else f", the {limit:,} {word}{by}"


def _range_words(column: exp.Column, bound: dict, words: Words) -> str:
    name = column.name.lower()
    stem = ""
    for suffix in ("_at", "_on"):  # 'executed_at' -> 'executed'; 'block_time' stays a name
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = humanise(column.name[: -len(suffix)])
    lead = f" {stem}" if stem else ("" if name in ("date", "day", "time", "timestamp") else f" with {words.column(column)}")
    if "on" in bound:
        return f"{lead} on {words.value(bound['on'])}"
    low, high = bound.get("low"), bound.get("high")
    low_op, high_op = bound.get("low_op"), bound.get("high_op")
    if low is not None and high is not None:
        if high_op is not None and isinstance(high_op, exp.LT):
            return f"{lead} from {words.value(low)} to before {words.value(high)}"
        start = words.value(low) if low_op is None or isinstance(low_op, exp.GTE) else f"after {words.value(low)}"
        return f"{lead} {start}..{words.value(high)}" if " " not in start else f"{lead} {start} up to {words.value(high)}"
    if low is not None:
        word = "after" if isinstance(low_op, exp.GT) else "since"
        return f"{lead} {word} {words.value(low)}"
    word = "before" if isinstance(high_op, exp.LT) else "up to"
    return f"{lead} {word} {words.value(high)}"


def _is_dateish(node: exp.Expression) -> bool:
    other = node.args.get("low") if isinstance(node, exp.Between) else node.expression
    if other is None:
        return False
    return fold_date(other) is not None or other.find(exp.CurrentDate, exp.CurrentTimestamp, exp.Interval) is not None


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    """The ANDed parts of a condition, through parentheses: ``(a AND b) AND c`` -> [a, b, c]."""
    inner = node.this if isinstance(node, exp.Paren) else node
    if not isinstance(inner, exp.And):
        return [node]
    return [part for piece in inner.flatten() for part in _conjuncts(piece)]


def _resolve(node: exp.Expression, outputs: dict, select: exp.Select) -> exp.Expression:
    """GROUP BY 1 / GROUP BY an alias -> the selected expression."""
    position = _position(node, select.expressions)
    if position is not None and position < len(select.expressions):
        item = select.expressions[position]
        return item.this if isinstance(item, exp.Alias) else item
    if isinstance(node, exp.Column) and not node.table and node.name in outputs:
        return outputs[node.name]
    return node


def _position(node: exp.Expression, items) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string and str(node.this).isdigit():
        return int(node.this) - 1
    for index, item in enumerate(items):
        if isinstance(item, exp.Alias) and isinstance(node, exp.Column) and not node.table and node.name == item.alias:
            return index
        if (item.this if isinstance(item, exp.Alias) else item) == node:
            return index
    return None


def _limit(node: exp.Expression) -> int | None:
    limit = node.args.get("limit")
    value = limit.args.get("count") if isinstance(limit, exp.Fetch) else limit.expression if limit is not None else None
    if isinstance(value, exp.Literal) and str(value.this).isdigit():
        return int(value.this)
    return None


def _is_aggregate(node: exp.Expression) -> bool:
    return any(isinstance(n, exp.AggFunc) and not n.find_ancestor(exp.Window) for n in node.find_all(exp.AggFunc))


__all__ = ["SqlReading", "OrderKey", "read_sql", "describe_sql", "generic_reading"]

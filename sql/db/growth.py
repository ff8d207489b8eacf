"""How long a value one query can build: a bound the guard proves over the parsed statement.

The row cap and the result's weight are checked after a query ran, and DuckDB's ``memory_limit``
does not hold the text that string functions build while they run. One statement can exhaust the
server's memory before any of those checks: ``replace`` with a longer replacement, nested three
deep, turns a 4-character symbol into 400 MB, and DuckDB computes 2,048 such values at once.

``check_value_sizes`` walks every scope of the qualified tree and estimates, for every expression,
the most characters (or list elements) one value of it can hold:

- a stored column value counts as ``COLUMN_CHARS``, a number or date as ``NUMBER_CHARS``, a literal
  as its length; a CTE's or subquery's column as the expression that computes it;
- ``||``, ``concat``, arrays and structs add their parts; ``replace``, ``regexp_replace`` (with
  back-references), padding, ``printf``/``format``, ``repeat`` and JSON/hex encodings multiply;
- a recursive CTE's column is followed from step to step: one that keeps growing is refused;
- an aggregate that gathers many rows into one value (``string_agg``, ``list``/``array_agg``,
  ``ARRAY(SELECT ...)``) is as large as the data; it may be grown only within the same bound (per
  row gathered), and may not be copied into every row of another query (a scalar subquery read
  beside a table, or a join).

A statement whose estimate passes ``MAX_VALUE_CHARS`` anywhere is refused with ``UnsafeSqlError``
naming the function. The estimate is an upper bound under one assumption, the width of stored
values: it bounds growth (at most ``MAX_VALUE_CHARS / COLUMN_CHARS`` times a stored value), and
the database's own memory limit bounds what stored data itself weighs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sqlglot.expressions as exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from tradeassist.core.errors import UnsafeSqlError

#: The width assumed for a stored value (TEXT declares none): the estimate bounds growth from it.
COLUMN_CHARS = 1_000
#: The text of a number, date, time or truth value.
NUMBER_CHARS = 48
#: The longest value any expression may be able to build (100x a stored value, or 100 padded ones).
MAX_VALUE_CHARS = 100_000
#: Steps a recursive CTE's columns are followed before the bound at the limit is tried instead.
RECURSION_STEPS = 16
#: Worst characters per input character of encodings: hex 2, JSON's \u00XX 6, Unicode NFKD 18.
_EXPANSION = {"Hex": 2, "JSONFormat": 6, "Normalize": 18, "Split": 2, "RegexpSplit": 2,
              "RegexpExtractAll": 2, "StringToArray": 2}
#: Characters a strftime/to_char pattern may print per character of it ('%c' -> 24 characters).
_FORMAT_EXPANSION = 16

# Rules by sqlglot class name: which value a function's result is bounded by.
_SAME_AS_FIRST = frozenset(
    """
    Alias Paren Ordered Window Filter WithinGroup IgnoreNulls RespectNulls HavingMax Collate
    Upper Lower Initcap Trim Left Right Reverse Translate SubstringIndex SplitPart RegexpExtract
    RegexpSubstr Unhex Bracket Dot StructExtract JSONExtract JSONExtractScalar JSONBExtract
    JSONBExtractScalar ArraySlice ArraySort ArrayDistinct ArrayMax ArrayMin Slice Nullif
    Min Max First Last AnyValue ArgMax ArgMin Mode FirstValue LastValue NthValue Quantile
    PercentileDisc Median ApproxQuantile
    """.split()
)
_LARGEST_PART = frozenset("Coalesce Greatest Least Case If Nvl2 DecodeCase Lag Lead".split())
_SUM_OF_PARTS = frozenset(
    "DPipe Concat ArrayConcat Array Tuple Struct Overlay JSONArray JSONObject Distinct".split()
)
#: Aggregates that gather many rows into one value.
_GATHERING = frozenset(
    """
    GroupConcat ArrayAgg ArrayConcatAgg ArrayUnionAgg ArrayUniqueAgg JSONArrayAgg JSONObjectAgg
    ObjectAgg ApproxTopK ApproxQuantiles
    """.split()
)
#: Results of bounded size whatever their input (numbers, truth values, digests, positions).
_FIXED = frozenset(
    """
    Ascii BitLength ByteLength Chr Contains EndsWith Length Levenshtein LowerHex MD5 MD5Digest
    RegexpCount RegexpFullMatch RegexpILike RegexpInstr RegexpLike SHA SHA2 SHA2Digest Soundex
    StartsWith StrPosition ToDouble ToNumber Unicode JarowinklerSimilarity ArraySize ArrayContains
    ArrayPosition ArraySum Exists Typeof JSONType JSONExists CheckJson JSONArrayContains
    JSONBContains ApproxDistinct Rand Uuid WidthBucket ToBoolean EqualNull And Or Xor Pow
    """.split()
)
_DATE_FORMATS = frozenset("TimeToStr ToChar UnixToStr NumberToStr".split())
_NUMBER_MODULES = frozenset(
    {"sqlglot.expressions.math", "sqlglot.expressions.temporal", "sqlglot.expressions.aggregate"}
)
# Functions sqlglot leaves unmodelled, by name (the guard's ALLOWED_FUNCTION_NAMES); any other
# allowed name returns a number or a date. A name added there that builds text needs a rule here.
_ANONYMOUS_RULES = {
    "concat": "sum", "concat_ws": "sum", "lpad": "pad", "rpad": "pad", "printf": "format",
    "format": "format", "strftime": "date_format", "replace": "replace", "string_agg": "gather",
    "left": "first", "right": "first", "lower": "first", "upper": "first", "trim": "first",
    "ltrim": "first", "rtrim": "first", "substr": "substring", "substring": "substring",
    "coalesce": "largest", "ifnull": "largest", "greatest": "largest", "least": "largest",
    "nullif": "first", "iif": "largest", "min": "first", "max": "first", "median": "first",
    "quantile": "first", "quantile_disc": "first", "nth_value": "first",
}  # fmt: skip
_BACK_REFERENCE = re.compile(r"\\[0-9&]|\$[0-9{]|\\g<")


@dataclass(frozen=True)
class Size:
    """The most characters (or list elements) one value can hold; ``gathered``: built from many rows."""

    chars: float
    gathered: bool = False


_NUMBER = Size(NUMBER_CHARS)
_EMPTY = Size(0)


def check_value_sizes(root: exp.Expression) -> None:
    """Refuse ``root`` (qualified by sqlglot's optimizer) if it can build a value over ``MAX_VALUE_CHARS``."""
    try:
        scopes = traverse_scope(root)
        sizer = _Sizer(scopes)
        for scope in scopes:
            for node in _computed_expressions(scope.expression):
                sizer.size(node, scope)
    except RecursionError:
        raise UnsafeSqlError("the SQL is nested too deeply to check") from None
    except UnsafeSqlError:
        raise
    except Exception as exc:  # noqa: BLE001 - a value that cannot be bounded is refused, never run
        raise UnsafeSqlError(f"the size of this query's values could not be checked: {str(exc)[:200]}") from None


def _computed_expressions(node: exp.Expression) -> list[exp.Expression]:
    """The expressions one SELECT evaluates per row: projections, filters, groups, orders, join conditions."""
    if not isinstance(node, exp.Select):
        return []
    found = list(node.expressions)
    for key in ("where", "having", "qualify"):
        clause = node.args.get(key)
        if clause is not None:
            found.append(clause.this)
    for key in ("group", "order"):
        clause = node.args.get(key)
        if clause is not None:
            found.extend(clause.expressions)
    for join in node.args.get("joins") or ():
        if join.args.get("on") is not None:
            found.append(join.args["on"])
    return found


class _Sizer:
    """Sizes of the expressions of one statement, computed once per node (``overrides``: a recursive step)."""

    def __init__(self, scopes: list[Scope], overrides: dict[int, list[Size]] | None = None) -> None:
        self.scopes = scopes
        self.by_expression = {id(scope.expression): scope for scope in scopes}
        self.overrides = overrides or {}
        self.memo: dict[int, Size] = {}
        self.outputs_memo: dict[int, list[Size]] = {}

    # ------------------------------------------------------------------ expressions
    def size(self, node: exp.Expression, scope: Scope) -> Size:
        """The bound of ``node`` in ``scope``; raises UnsafeSqlError where it passes the limit."""
        key = id(node)
        if key not in self.memo:
            found = self._measure(node, scope)
            if found.chars > MAX_VALUE_CHARS:
                raise UnsafeSqlError(_too_long_message(node, found.chars))
            self.memo[key] = found
        return self.memo[key]

    def _measure(self, node: exp.Expression, scope: Scope) -> Size:
        if isinstance(node, exp.Literal):
            return Size(len(str(node.this)))
        if isinstance(node, (exp.Null, exp.Star, exp.Identifier, exp.DataType, exp.Var)):
            return _EMPTY if isinstance(node, exp.Null) else _NUMBER
        if isinstance(node, exp.Column):
            return self._column(node, scope)
        if isinstance(node, (exp.Select, exp.SetOperation)):
            return _largest(self._scope_outputs(node))
        if isinstance(node, exp.Subquery):
            return self._scalar_subquery(node, scope, node.this, gathers=False)
        if isinstance(node, exp.Array) and any(isinstance(a, (exp.Select, exp.Subquery)) for a in node.expressions):
            query = node.expressions[0]
            return self._scalar_subquery(node, scope, query.this if isinstance(query, exp.Subquery) else query,
                                         gathers=True)  # ARRAY(SELECT ...): every row in one value
        parts = {id(child): self.size(child, scope) for child in node.iter_expressions()}
        if isinstance(node, exp.Window) and _gathers(node.this):
            raise UnsafeSqlError(
                f"{_function_words(node.this)} over a window ({_snippet(node)}) gathers a frame of rows into every "
                "row, a value as large as the frame in each; gather with GROUP BY instead")
        return self._combine(node, parts)

    def _combine(self, node: exp.Expression, parts: dict[int, Size]) -> Size:
        name = type(node).__name__
        if isinstance(node, exp.Anonymous):
            return self._anonymous(node, parts)
        if name in _SUM_OF_PARTS:
            return _sum(parts.values())
        if name in _SAME_AS_FIRST:
            return _part(node, "this", parts)
        if name in _LARGEST_PART:
            return _largest(parts.values())
        if name in _GATHERING:
            return _gather(_sum(parts.values()))
        if name in _DATE_FORMATS:
            return Size(NUMBER_CHARS + _FORMAT_EXPANSION * _part(node, "format", parts).chars)
        rule = _SPECIAL.get(name)
        if rule is not None:
            return rule(node, parts)
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return Size(max(_part(node, "this", parts).chars, NUMBER_CHARS), _part(node, "this", parts).gathered)
        if name in _FIXED or isinstance(node, (exp.Binary, exp.Unary, exp.Predicate, exp.Interval)):
            return _NUMBER  # DPipe, the one binary operator that builds text, was taken above
        if type(node).__module__ in _NUMBER_MODULES:
            return _NUMBER
        return _sum(parts.values())  # anything else: no larger than its parts together

    def _anonymous(self, node: exp.Anonymous, parts: dict[int, Size]) -> Size:
        rule = _ANONYMOUS_RULES.get(str(node.name).lower())
        args = [parts[id(a)] for a in node.expressions]
        if rule is None:
            return _NUMBER
        if rule == "sum":
            return _sum(args)
        if rule == "largest":
            return _largest(args)
        if rule == "gather":
            return _gather(_sum(args))
        if rule == "first":
            return args[0] if args else _EMPTY
        if rule == "substring":
            return _substring(args[0] if args else _EMPTY, node.expressions[2] if len(node.expressions) > 2 else None)
        if rule == "pad":
            return _pad(node.expressions[1] if len(node.expressions) > 1 else None)
        if rule == "format":
            return _format(node.expressions[0] if node.expressions else None, args[1:])
        if rule == "date_format":
            return Size(NUMBER_CHARS + _FORMAT_EXPANSION * sum(a.chars for a in args))
        return _replace(args[0], node.expressions[1], args[2]) if len(args) == 3 else _sum(args)

    # ------------------------------------------------------------------ columns and scopes
    def _column(self, node: exp.Column, scope: Scope) -> Size:
        holder, source = _source_of(node, scope)
        if not isinstance(source, Scope):
            return Size(COLUMN_CHARS)  # a stored value (or one sqlglot could not place)
        recursive = _recursive_union_of(source)
        if recursive is not None and id(recursive) in self.overrides:
            sizes = self.overrides[id(recursive)]  # one step of the recursion, from the previous step's values
        else:
            sizes = self._scope_outputs(recursive if recursive is not None else source.expression)
        found = _by_name(node.name, _output_names(recursive or source.expression), sizes)
        if found.gathered and len(holder.selected_sources) > 1:
            raise UnsafeSqlError(
                f"column {node.name} gathers many rows into one value and cannot be joined to other rows: "
                "the join would copy it into each of them; gather after the join instead")
        return found

    def _scalar_subquery(self, node: exp.Expression, scope: Scope, query: exp.Expression, *, gathers: bool) -> Size:
        found = _largest(self._scope_outputs(query))
        if gathers:
            found = _gather(found)
        if found.gathered and _reads_rows(scope.expression):
            raise UnsafeSqlError(
                f"a subquery that gathers many rows into one value ({_snippet(node)}) cannot be read in every row "
                "of a query over a table: its whole value would be copied into each row; use GROUP BY instead")
        return found

    def _scope_outputs(self, expression: exp.Expression) -> list[Size]:
        key = id(expression)
        if key not in self.outputs_memo:
            self.outputs_memo[key] = self._outputs(expression)
        return self.outputs_memo[key]

    def _outputs(self, expression: exp.Expression) -> list[Size]:
        scope = self.by_expression.get(id(expression))
        if isinstance(expression, exp.Select):
            if scope is None:
                return [Size(COLUMN_CHARS)] * len(expression.expressions)
            return [self.size(projection, scope) for projection in expression.expressions]
        if isinstance(expression, exp.SetOperation):
            if _is_recursive_cte(expression) and id(expression) not in self.overrides:
                return self._recursive_outputs(expression)
            left, right = self._scope_outputs(expression.this), self._scope_outputs(expression.expression)
            return [_largest((a, b)) for a, b in zip(left, right)]
        if isinstance(expression, exp.Values) and scope is not None:
            rows = [row.expressions if isinstance(row, exp.Tuple) else [row] for row in expression.expressions]
            return [_largest(self.size(value, scope) for value in column) for column in zip(*rows)]
        if isinstance(expression, exp.Lateral) and isinstance(expression.this, exp.Subquery):
            return self._scope_outputs(expression.this.this)
        if isinstance(expression, exp.Subquery):
            return self._scope_outputs(expression.this)
        return [Size(COLUMN_CHARS)] * max(1, len(_output_names(expression)))

    def _recursive_outputs(self, union: exp.SetOperation) -> list[Size]:
        """A recursive CTE's columns, followed step by step from nothing until they stop growing, else refused."""
        current = [_EMPTY] * len(_output_names(union))
        for _ in range(RECURSION_STEPS):
            step = self._step(union, current)
            grown = [_largest((a, b)) for a, b in zip(current, step)]
            if grown == current:
                return current
            previous, current = current, grown
        # Still growing: bounded only if one step from half the limit stays within it (substr(s || 'x', 1, 9)).
        growing = [c != p for c, p in zip(current, previous)]
        ceiling = [Size(MAX_VALUE_CHARS / 2, c.gathered) if g else c for c, g in zip(current, growing)]
        try:
            step = self._step(union, ceiling)
        except UnsafeSqlError:
            step = None
        if step is not None and all(b.chars <= c.chars for b, c in zip(step, ceiling)):
            return ceiling
        names = [n for n, g in zip(_output_names(union), growing) if g]
        cte = union.parent.alias if isinstance(union.parent, exp.CTE) else "?"
        raise UnsafeSqlError(
            f"the recursive CTE {cte} makes column {', '.join(names) or '?'} longer at every step; a recursive "
            "query may not keep growing text or lists (it would repeat until memory runs out)")

    def _step(self, union: exp.SetOperation, previous: list[Size]) -> list[Size]:
        """The CTE's columns after one more step, its self-references standing for ``previous``."""
        return _Sizer(self.scopes, {**self.overrides, id(union): previous})._scope_outputs(union)


# ---------------------------------------------------------------------- rules for single functions
def _replace(source: Size, find: exp.Expression | None, by: Size) -> Size:
    """``replace(x, f, t)``: at most len(x)/len(f) matches, each adding len(t) - len(f)."""
    # A pattern not written in the query counts as one character: engines leave x alone for ''.
    shortest = len(find.this) if isinstance(find, exp.Literal) and find.is_string else 0
    matches = source.chars / max(1, shortest)
    return _joined(source.chars + matches * max(0.0, by.chars - shortest), source, by)


def _replace_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    return _replace(_part(node, "this", parts), node.args.get("expression"), _part(node, "replacement", parts))


def _regexp_replace_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    """``regexp_replace(x, p, r)``: up to len(x)+1 matches (empty ones too), each written as r, back-references too."""
    source, by = _part(node, "this", parts), _part(node, "replacement", parts)
    replacement = node.args.get("replacement")
    if isinstance(replacement, exp.Literal) and replacement.is_string:
        references, plain = len(_BACK_REFERENCE.findall(replacement.this)), len(replacement.this)
    else:  # replacement text from the data: any of it may be a back-reference
        references, plain = by.chars, by.chars
    # Matches do not overlap, so each back-reference adds at most len(x) over all matches.
    return _joined(source.chars + (source.chars + 1) * plain + references * source.chars, source, by)


def _pad(width: exp.Expression | None) -> Size:
    """``lpad``/``rpad`` cut or fill to exactly the width (the guard refuses a width not written as a number)."""
    if isinstance(width, exp.Literal) and not width.is_string and str(width.this).isdigit():
        return Size(int(width.this))
    return Size(math.inf)


def _pad_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    return _pad(node.args.get("expression"))


def _format(pattern: exp.Expression | None, args: list[Size]) -> Size:
    """``printf``/``format``: the pattern, each argument, and each field's width."""
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        return Size(math.inf)
    text = pattern.this
    widest = max((int(n) for n in re.findall(r"\d+", text)), default=0)
    # Each field may print any argument ('%1$s%1$s', '{0}{0}'), padded to the widest width.
    fields = text.count("%") + text.count("{")
    largest = max((a.chars for a in args), default=0)
    return _joined(len(text) + fields * (largest + widest), *args)


def _format_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    return _format(node.this, [parts[id(a)] for a in node.expressions])


def _repeat_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    times = node.args.get("times")
    count = int(times.this) if isinstance(times, exp.Literal) and str(times.this).isdigit() else math.inf
    source = _part(node, "this", parts)
    return _joined(source.chars * count, source)


def _substring(source: Size, length: exp.Expression | None) -> Size:
    if isinstance(length, exp.Literal) and str(length.this).isdigit():
        return Size(min(source.chars, int(length.this)), source.gathered)
    return source


def _substring_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    return _substring(_part(node, "this", parts), node.args.get("length"))


def _concat_ws_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    """``concat_ws(sep, a, b, ...)``: the parts and a separator between each two."""
    sizes = [parts[id(a)] for a in node.expressions]
    if not sizes:
        return _EMPTY
    separator, values = sizes[0], sizes[1:]
    return _joined(sum(v.chars for v in values) + separator.chars * max(0, len(values) - 1), *sizes)


def _array_to_string_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    """``array_to_string(list, sep)``: each element and a separator after it."""
    items, separator = _part(node, "this", parts), _part(node, "expression", parts)
    return _joined(items.chars * (1 + separator.chars), items, separator)


def _encoding_rule(node: exp.Expression, parts: dict[int, Size]) -> Size:
    source = _part(node, "this", parts)
    return _joined(source.chars * _EXPANSION[type(node).__name__] + 2, source)


_SPECIAL = {
    "Replace": _replace_rule, "RegexpReplace": _regexp_replace_rule, "Pad": _pad_rule, "Format": _format_rule,
    "Repeat": _repeat_rule, "Substring": _substring_rule, "ArrayToString": _array_to_string_rule,
    "ConcatWs": _concat_ws_rule, **{name: _encoding_rule for name in _EXPANSION},
}  # fmt: skip


# ---------------------------------------------------------------------- helpers
def _part(node: exp.Expression, key: str, parts: dict[int, Size]) -> Size:
    child = node.args.get(key)
    return parts.get(id(child), _EMPTY) if isinstance(child, exp.Expression) else _EMPTY


def _joined(chars: float, *inputs: Size) -> Size:
    """A value of ``chars`` built from ``inputs``: gathered if any of them is."""
    return Size(chars, any(s.gathered for s in inputs))


def _sum(sizes) -> Size:
    sizes = list(sizes)
    return _joined(sum(s.chars for s in sizes), *sizes)


def _largest(sizes) -> Size:
    sizes = list(sizes)
    return _joined(max((s.chars for s in sizes), default=0), *sizes)


def _gather(item: Size) -> Size:
    """An aggregate of many rows: as large as the data; ``chars`` stays the weight per row gathered."""
    return Size(item.chars, True)


def _source_of(node: exp.Column, scope: Scope) -> tuple[Scope, object]:
    """The scope that names the column's table and what that name stands for (a Table or a Scope)."""
    current: Scope | None = scope
    while current is not None:
        source = current.sources.get(node.table)
        if source is not None:
            return current, source
        current = current.parent
    return scope, None


def _gathers(node: exp.Expression | None) -> bool:
    """True for an aggregate that gathers many rows into one value (string_agg, list, array_agg ...)."""
    if isinstance(node, exp.Anonymous):
        return _ANONYMOUS_RULES.get(str(node.name).lower()) == "gather"
    return type(node).__name__ in _GATHERING


def _reads_rows(node: exp.Expression) -> bool:
    """True for a SELECT with a FROM clause (sqlglot names the key ``from_`` in newer versions)."""
    return isinstance(node, exp.Select) and (node.args.get("from_") or node.args.get("from")) is not None


def _recursive_union_of(source: Scope) -> exp.SetOperation | None:
    """The recursive CTE ``source`` belongs to (sqlglot resolves a self-reference to its anchor), if any."""
    node = source.expression
    while isinstance(node.parent, exp.SetOperation):
        node = node.parent
    return node if isinstance(node, exp.SetOperation) and _is_recursive_cte(node) else None


def _is_recursive_cte(union: exp.SetOperation) -> bool:
    # SQLite recurses without the RECURSIVE keyword: a CTE whose union reads its own name is recursive.
    cte = union.parent
    if not isinstance(cte, exp.CTE):
        return False
    return any(t.name.lower() == cte.alias.lower() for t in union.expression.find_all(exp.Table))


def _output_names(expression: exp.Expression) -> list[str]:
    while isinstance(expression, exp.SetOperation):
        expression = expression.this
    if isinstance(expression, exp.Select):
        return [str(name).lower() for name in expression.named_selects]
    if isinstance(expression, (exp.Values, exp.Lateral, exp.Subquery)):
        alias = expression.args.get("alias")
        if alias is not None and alias.columns:
            return [c.name.lower() for c in alias.columns]
        if isinstance(expression, (exp.Lateral, exp.Subquery)) and isinstance(expression.this, exp.Expression):
            return _output_names(expression.this.this if isinstance(expression.this, exp.Subquery) else expression.this)
    return []


def _by_name(name: str, names: list[str], sizes: list[Size]) -> Size:
    lowered = name.lower()
    for candidate, size in zip(names, sizes):
        if candidate == lowered:
            return size
    return _largest(sizes) if sizes else Size(COLUMN_CHARS)


def _too_long_message(node: exp.Expression, chars: float) -> str:
    what = _function_words(node)
    amount = "without limit" if math.isinf(chars) else f"of about {chars:,.0f} characters"
    return (f"{what} can build a value {amount} ({_snippet(node)}); the limit is {MAX_VALUE_CHARS:,} "
            f"characters per value (text grown by replace, ||, padding or a recursive CTE would exhaust memory)")


def _function_words(node: exp.Expression) -> str:
    if isinstance(node, exp.DPipe):
        return "||"
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    if isinstance(node, exp.Column):
        return f"column {node.name}"
    return node.key.upper()


def _snippet(node: exp.Expression) -> str:
    text = node.sql()
    return text if len(text) <= 60 else text[:57] + "..."

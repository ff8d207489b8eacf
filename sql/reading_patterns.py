"""Recognisers of common SQL shapes for readings: change ratios, percentages, flag tests, frames.

    change_ratio(close / LAG(close) - 1)          -> (previous close, close, False): a fractional change
    change_ratio(100 * (last - first) / first)    -> (first, last, True): a percent change
    percent_of(100.0 * part / whole)              -> (part, whole)
    flag_test((CASE WHEN c THEN 1 ELSE 0 END) = 1) -> (c, True)
"""

from __future__ import annotations

import sqlglot.expressions as exp


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def is_hundred(node: exp.Expression) -> bool:
    """True for the literal 100 (in parentheses or not)."""
    inner = node.this if isinstance(node, exp.Paren) else node
    try:
        return isinstance(inner, exp.Literal) and not inner.is_string and float(inner.this) == 100
    except ValueError:
        return False


def flag_test(node: exp.Expression, left: exp.Expression | None = None) -> tuple[exp.Expression, bool] | None:
    """(condition, wanted) for ``(CASE WHEN c THEN 1 ELSE 0 END) = 1`` (c) or ``= 0`` (not c).

    ``left`` stands in for the equality's left side (a step's flag column read as its CASE).
    """
    if not isinstance(node, exp.EQ):
        return None
    case, value = unparen(left if left is not None else node.this), unparen(node.expression)
    if not isinstance(case, exp.Case) or len(case.args.get("ifs") or []) != 1:
        return None
    branch, default = case.args["ifs"][0], case.args.get("default")
    if not (is_one(branch.args.get("true")) and default is not None and is_zero(default)):
        return None
    if is_one(value):
        return branch.this, True
    return (branch.this, False) if is_zero(value) else None


def is_zero(node: exp.Expression) -> bool:
    """True for the literal 0."""
    return _is_number(node, 0)


def _is_number(node: exp.Expression, value: float) -> bool:
    """True for a numeric literal equal to ``value``, inside any parentheses."""
    inner = unparen(node)
    try:
        return isinstance(inner, exp.Literal) and not inner.is_string and float(inner.this) == value
    except ValueError:
        return False


def unparen(node: exp.Expression) -> exp.Expression:
    """The expression inside any parentheses."""
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def is_one(node: exp.Expression) -> bool:
    """True for the literal 1."""
    return _is_number(node, 1)


def fraction_change(node: exp.Expression) -> tuple[exp.Expression, exp.Expression] | None:
    """(start, end) for ``end / start - 1`` and ``(end - start) / start``."""
    node = unparen(node)
    if isinstance(node, exp.Sub) and is_one(node.expression) and isinstance(unparen(node.this), exp.Div):
        div = unparen(node.this)
        return div.expression, div.this
    if isinstance(node, exp.Div) and isinstance(unparen(node.this), exp.Sub):
        sub = unparen(node.this)
        if unparen(sub.expression) == unparen(node.expression):
            return node.expression, sub.this
    return None


def change_ratio(node: exp.Expression) -> tuple[exp.Expression, exp.Expression, bool] | None:
    """(start, end, in percent) when an expression is a change ratio: a return, a percent change."""
    node = unparen(node)
    if isinstance(node, exp.Mul):
        for hundred, other in ((node.this, node.expression), (node.expression, node.this)):
            found = fraction_change(other) if is_hundred(hundred) else None
            if found is not None:
                return (*found, True)
    if isinstance(node, exp.Div) and isinstance(unparen(node.this), exp.Mul):
        mul = unparen(node.this)
        for hundred, other in ((mul.this, mul.expression), (mul.expression, mul.this)):
            inner = unparen(other)
            if is_hundred(hundred) and isinstance(inner, exp.Sub) and unparen(inner.expression) == unparen(
                    node.expression):
                return node.expression, inner.this, True
    found = fraction_change(node)
    return (*found, False) if found is not None else None


def percent_of(node: exp.Expression) -> tuple[exp.Expression, exp.Expression] | None:
    """(part, whole) for ``100 * part / whole``, ``part / whole * 100`` and ``100.0 * (part / whole)``."""
    if isinstance(node, exp.Div) and isinstance(node.this, exp.Mul):
        mul = node.this
        if is_hundred(mul.this):
            return mul.expression, node.expression
        if is_hundred(mul.expression):
            return mul.this, node.expression
    if isinstance(node, exp.Mul):
        for hundred, other in ((node.this, node.expression), (node.expression, node.this)):
            inner = other.this if isinstance(other, exp.Paren) else other
            if is_hundred(hundred) and isinstance(inner, exp.Div):
                return inner.this, inner.expression
    return None


def frame_rows(spec: exp.Expression | None) -> int | None:
    """N for a window frame of ``ROWS BETWEEN N-1 PRECEDING AND CURRENT ROW``, else None."""
    if spec is None or str(spec.args.get("kind", "")).upper() != "ROWS":
        return None
    start = spec.args.get("start")
    end = spec.args.get("end")
    if isinstance(start, exp.Literal) and str(end).upper() == "CURRENT ROW":
        try:
            return int(start.this) + 1
        except ValueError:
            return None
    return None


def number_text(text: str) -> str:
    """A numeric literal as written for people (1,000,000; 2025; 0.5)."""
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}" if abs(number) >= 10_000 else str(int(number))
    return f"{number:,.6g}" if abs(number) < 1e6 else f"{number:,.2f}"


def ordinal(number: int) -> str:
    """1st, 2nd, 95th."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"

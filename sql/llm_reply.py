"""From a language model's reply to one candidate SELECT: extraction, dialect repair, the product's clock.

Real models do not answer with bare SQL. Measured with SmolLM2-135M on llama.cpp: apologies in
prose, SQL after a sentence without a semicolon, ``WITH`` and ``SELECT`` used as English words,
fences left open when the token budget ran out, MySQL or T-SQL idioms (``DATE_SUB(NOW(), ...)``,
``TOP 5``) in a DuckDB prompt, and ``CURRENT_DATE`` where the prompt pinned today's date. vanna's
``extract_sql`` takes the first ``WITH ... ;`` it finds, prose included; here every candidate must
parse as a query, a statement is never shortened to make it parse (a cut-off ``WHERE`` would
silently widen the answer), other dialects are transpiled only when the target's parser refuses,
and ``CURRENT_DATE`` becomes the product's date (``TRADEASSIST_TODAY`` when pinned).
"""

from __future__ import annotations

import datetime as dt
import re

import sqlglot
import sqlglot.expressions as exp
from sqlglot.errors import SqlglotError

#: Dialects real models write by habit, tried when the target dialect's parser refuses a statement.
HABIT_DIALECTS = ("mysql", "postgres", "sqlite", "tsql", "duckdb")

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_LINE_START = re.compile(r"(?im)^[ \t]*(select|with)\b")
_ANYWHERE = re.compile(r"(?i)\b(select|with)\b")


def candidates(reply: str) -> list[str]:
    """Statement texts in the reply, most trusted first: fenced blocks, then lines that start with SQL."""
    found: list[str] = []
    for match in _FENCE.finditer(reply):
        found.append(match.group(2))
    for pattern in (_LINE_START, _ANYWHERE):
        found.extend(reply[match.start(1):] for match in pattern.finditer(reply))
    seen: set[str] = set()
    statements = []
    for text in found:
        statement = _one_statement(text)
        if statement and statement not in seen:
            seen.add(statement)
            statements.append(statement)
    return statements


def _one_statement(text: str) -> str:
    # A statement ends at its semicolon, or at a blank line followed by prose; never earlier.
    text = text.strip().split(";", 1)[0]
    return re.split(r"\n[ \t]*\n", text, maxsplit=1)[0].strip()


def parse_query(text: str, dialect: str) -> tuple[exp.Expression, str] | None:
    """The statement as a query tree and the dialect it was read in (the target's first), or None."""
    for read in (dialect, *[d for d in HABIT_DIALECTS if d != dialect]):
        try:
            tree = sqlglot.parse_one(text, read=read)
        except (SqlglotError, ValueError):
            continue
        if isinstance(tree, exp.Query) and tree.find(exp.Table) is not None:
            return tree, read
    return None


def extract_query(reply: str, dialect: str, today: dt.date | None = None) -> str | None:
    """The first candidate that parses as a query, in ``dialect``, dated by ``today``; None if none does."""
    for text in candidates(reply):
        parsed = parse_query(text, dialect)
        if parsed is None:
            continue
        tree, _read = parsed
        if today is not None:
            tree = pin_clock(tree, today)
        return tree.sql(dialect=dialect)
    return None


def pin_clock(tree: exp.Expression, today: dt.date) -> exp.Expression:
    """``CURRENT_DATE`` replaced by the product's date, so relative dates match the planner's."""
    date = exp.cast(exp.Literal.string(today.isoformat()), exp.DataType.build("DATE"))

    def swap(node: exp.Expression) -> exp.Expression:
        # Only the date: a pinned day has no "now" within it, so timestamps are left as written.
        return date.copy() if isinstance(node, exp.CurrentDate) else node

    return tree.transform(swap)


def uncovered(sql: str, dialect: str, mentions: list[tuple[str, list[tuple]]]) -> list[str]:
    """The question's phrases that the statement leaves out, each given with its readings.

    A reading is ``("table", t)``, ``("column", c)`` or ``("value", c, v)``; a phrase is covered when
    the statement uses one of its readings: reads table ``t``, names column ``c``, or holds the
    literal ``v`` and names its column ``c``. Measured with SmolLM2-135M: statements that passed
    the guard and the database yet read ``accounts`` for "trades per desk", or compared
    ``order_type = 'filled'`` for "filled orders"; each ran and answered another question.
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (SqlglotError, ValueError):
        return [phrase for phrase, _readings in mentions]
    tables = {table.name.lower() for table in tree.find_all(exp.Table)}
    columns = {column.name.lower() for column in tree.find_all(exp.Column)}
    literals = {str(lit.this).lower() for lit in tree.find_all(exp.Literal)}  # 'AAPL' or an account number

    def used(reading: tuple) -> bool:
        kind, *rest = reading
        if kind == "table":
            return rest[0].lower() in tables
        if kind == "column":
            return rest[0].lower() in columns
        return rest[0].lower() in columns and str(rest[1]).lower() in literals

    return [phrase for phrase, readings in mentions if readings and not any(used(r) for r in readings)]

"""Names and dates for SQL readings: identifiers as words, date expressions folded to dates.

    humanise("sbTxAmount")                                  -> "sb transaction amount"
    humanise("tblTrades", table=True)                       -> "trades"
    fold_date(DATE '2026-11-20' - INTERVAL 30 DAY)          -> 2026-10-21
    fold_date(date_trunc('month', DATE '2026-11-20'))       -> 2026-11-01
"""

from __future__ import annotations

import datetime as dt
import re

import sqlglot.expressions as exp

from tradeassist.sql.catalog.identifiers import ABBREVIATIONS, TABLE_MARKERS, split_identifier
from tradeassist.sql.timewords import _add_months

#: Words shown in upper case (or as written) once an identifier is humanised.
ACRONYMS = {"usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY", "pnl": "P&L", "vwap": "VWAP", "etf": "ETF",
            "fx": "FX", "id": "id"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_TIME_WORDS = {"date", "day", "time", "timestamp", "datetime", "month", "week", "year", "hour", "period"}
_TIME_SUFFIXES = ("_at", "_on", "_date", "_time", "_ts", "date", "time")


def humanise(name: str, table: bool = False) -> str:
    """A reader's words for an identifier: 'executed_at' -> 'executed at', 'sbTxAmount' -> 'sb transaction amount'.

    ``table`` drops leading words that only say "table" ('tblTrades' -> 'trades', 'T_ORD' -> 'order').
    """
    text = str(name).strip('"`[]')
    shouting = text.isupper()  # ORD_STS: every part is upper case, none is an acronym
    parts = [p for p in re.split(r"[_\s.]+", _CAMEL.sub(" ", text)) if p]
    if table:
        while len(parts) > 1 and parts[0].lower() in TABLE_MARKERS:
            parts = parts[1:]
    words = []
    for part in parts:
        lowered = part.lower()
        expanded = (ABBREVIATIONS.get(lowered) or (None,))[0]
        words.append(expanded or (part if part.isupper() and len(part) <= 4 and not shouting else lowered))
    return acronyms(" ".join(words)) or str(name)


def acronyms(text: str) -> str:
    """Known acronyms in upper case ('usd value' -> 'USD value')."""
    return " ".join(ACRONYMS.get(word, word) for word in text.split())


def is_time_name(name: str) -> bool:
    """True when a column's name says it holds a date or a time ('executed_at', 'sbDpDt', 'TRADE_DATE')."""
    lowered = str(name).lower()
    if lowered in _TIME_WORDS or lowered.endswith(_TIME_SUFFIXES) or lowered.startswith("date"):
        return True
    parts = split_identifier(str(name))
    if len(parts) < 2:
        return False
    last = parts[-1]
    expanded = ABBREVIATIONS.get(last, (last,))[0]
    return expanded in _TIME_WORDS or last in ("at", "on")


def fold_date(node: exp.Expression) -> dt.date | None:
    """The date an expression over literals names, or None when it depends on data or the clock."""
    if isinstance(node, (exp.Cast, exp.TryCast, exp.Paren, exp.TsOrDsToDate, exp.TsOrDsToTimestamp, exp.Date)):
        return fold_date(node.this) if node.this is not None and not node.expressions else None
    if isinstance(node, exp.Literal) and node.is_string:
        try:
            return dt.date.fromisoformat(node.this[:10])
        except ValueError:
            return None
    if isinstance(node, exp.Anonymous) and node.name.lower() == "date" and len(node.expressions) == 1:
        return fold_date(node.expressions[0])
    if isinstance(node, (exp.Sub, exp.Add)) and isinstance(node.expression, exp.Interval):
        base = fold_date(node.this)
        amount = interval(node.expression)
        if base is not None and amount is not None:
            return _shift(base, amount[0] if isinstance(node, exp.Add) else -amount[0], amount[1])
    if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)):
        base = fold_date(node.this)
        unit = node.args.get("unit")
        return _truncate(base, unit.name.lower()) if base is not None and unit is not None else None
    return None


def interval(node: exp.Interval) -> tuple[int, str] | None:
    """(amount, unit) of an INTERVAL ('30 days' -> (30, 'day')), or None."""
    text = node.this.name if node.this is not None else ""
    unit = node.args.get("unit")
    unit_text = unit.name if unit is not None else ""
    match = re.fullmatch(r"\s*(-?\d+)\s*([a-zA-Z]*)\s*", text)
    if not match:
        return None
    unit_text = (unit_text or match.group(2) or "day").lower().rstrip("s")
    return int(match.group(1)), unit_text


def _shift(base: dt.date, amount: int, unit: str) -> dt.date | None:
    if unit in ("day", "week"):
        return base + dt.timedelta(days=amount * (7 if unit == "week" else 1))
    if unit in ("month", "quarter", "year"):
        try:
            return _add_months(base, amount * {"month": 1, "quarter": 3, "year": 12}[unit])
        except ValueError:  # past the calendar's years
            return None
    return None


def _truncate(base: dt.date, unit: str) -> dt.date | None:
    if unit == "year":
        return base.replace(month=1, day=1)
    if unit == "quarter":
        return base.replace(month=(base.month - 1) // 3 * 3 + 1, day=1)
    if unit == "month":
        return base.replace(day=1)
    if unit == "week":
        return base - dt.timedelta(days=base.weekday())
    return base if unit == "day" else None


def strip_cast(node: exp.Expression) -> exp.Expression:
    """The expression under casts and parentheses (``CAST(executed_at AS DATE)`` -> ``executed_at``)."""
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren, exp.TsOrDsToDate, exp.TsOrDsToTimestamp)):
        node = node.this
    if isinstance(node, exp.Date) and node.this is not None and not node.expressions:
        return strip_cast(node.this)
    return node

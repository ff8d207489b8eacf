"""Figures in questions and passages: does a question ask for one, does a passage hold one.

Used to rank the offline answer's lead (the sentence or table row holding the figure asked for,
in the period asked for) and by the evaluation to check that a gold figure appears in an answer.
"""

from __future__ import annotations

import re

_ASKS = re.compile(
    r"\b(how (?:much|many)|what (?:is|was|were|are) (?:the )?(?:amount|total|value|number|level)|amount|"
    r"total|ratio|margin|percent(?:age)?|rate|revenues?|sales|income|earnings|eps|expenses?|costs?|"
    r"cogs|capex|capital expenditures?|cash|debt|assets|liabilities|equity|dividends?|proceeds|gain|"
    r"loss|guidance|growth|usd|dollars?|millions?|billions?|payables?|receivables?|inventor(?:y|ies)|"
    r"turnover|working capital|ebitda|ebit|shares?|price|per share|notional|borrow)\b|\$|%",
    re.IGNORECASE,
)
#: A figure in running text: $1,234.5, (473), 16.5%, 0.54, 20 billion. Years are told apart below.
_FIGURE = re.compile(r"[-\u2212(]?\$?\s?\d+(?:,\d{3})*(?:\.\d+)?\)?\s?%?")
_YEAR_ONLY = re.compile(r"^(?:19|20)\d{2}$")
_UNITS = re.compile(r"\((?:[^()]*?)\bin\s+(millions|billions|thousands)\b[^()]*\)", re.IGNORECASE)
_MONTH_DATE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+\d{1,2},?\s+(?:19|20)\d{2}\b", re.IGNORECASE)
_PERIOD_WORDS = re.compile(r"\b(?:FY|Q[1-4])\s?'?\d{2,4}\b|\bQ[1-4]\b", re.IGNORECASE)


def asks_for_figure(question: str) -> bool:
    """Whether a question asks for a number (an amount, a ratio, a rate, a count)."""
    return bool(_ASKS.search(question))


def figures_in(text: str) -> list[float]:
    """Figures of a text as numbers (dates, years and fiscal periods left out), signs dropped."""
    text = _PERIOD_WORDS.sub(" ", _MONTH_DATE.sub(" ", text))
    values = []
    for match in _FIGURE.finditer(text):
        token = match[0].strip()
        digits = re.sub(r"[^\d.]", "", token).strip(".")
        if not digits or (_YEAR_ONLY.match(digits) and "$" not in token and "%" not in token):
            continue
        try:
            values.append(float(digits))
        except ValueError:
            continue
    return values


def has_figure(text: str) -> bool:
    """Whether a passage holds at least one figure that is not a year or a date."""
    return bool(figures_in(text))


def units_of(caption: str) -> str:
    """"in millions" (or billions, thousands) when a table's caption states its unit, else ""."""
    match = _UNITS.search(caption)
    return f"in {match[1].lower()}" if match else ""


def figure_matches(gold: float, text: str) -> bool:
    """Whether ``text`` holds ``gold`` to the gold's own precision (separators and units aside).

    "$5818.00" is matched by "5,818"; "16.5%" by "16.5 percent"; "$4.60" billion by "4.6".
    """
    decimals = _decimals(gold)
    tolerance = 0.5 * 10 ** -decimals if decimals else 0.5
    return any(abs(value - gold) < tolerance or value == gold for value in figures_in(text))


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0

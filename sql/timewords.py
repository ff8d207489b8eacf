"""Relative and absolute time words -> half-open date ranges and time grains, from a pinned today.

Every period is resolved in Python to ``[start, end)`` calendar dates, so the SQL only ever
compares a column with two DATE literals: exact, and the same in every dialect.
Conventions follow the evaluation README: "last N days" is the N days ending today, today
included; "last month/year" is the previous full calendar month/year; "this month/year" runs
from its first day to today.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "sixty": 60, "ninety": 90, "a": 1, "an": 1,
}
_NUM = r"(\d+|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(day|week|month|quarter|year|trading day|session)s?"
_ISO = r"(\d{4}-\d{2}-\d{2})"

_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}

#: Grain words that turn into a date_trunc grouping.
GRAIN_WORDS = {
    "daily": "day", "per day": "day", "by day": "day", "each day": "day", "a day": "day",
    "every day": "day", "by date": "day", "per date": "day", "day by day": "day",
    "weekly": "week", "per week": "week", "by week": "week", "each week": "week", "every week": "week",
    "monthly": "month", "per month": "month", "by month": "month", "each month": "month",
    "every month": "month", "month by month": "month",
    "quarterly": "quarter", "per quarter": "quarter", "by quarter": "quarter", "each quarter": "quarter",
    "yearly": "year", "annually": "year", "annual": "year", "per year": "year", "by year": "year",
    "each year": "year", "every year": "year",
}


@dataclass(frozen=True)
class Period:
    """A half-open calendar range ``[start, end)``; either side may be open (None)."""

    start: dt.date | None
    end: dt.date | None
    label: str

    def to_json(self) -> dict:
        """Plain-dict form for a serialisable plan."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "label": self.label,
        }

    @classmethod
    def from_json(cls, data: dict) -> Period:
        """Inverse of ``to_json``."""
        def day(value: str | None) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        return cls(day(data.get("start")), day(data.get("end")), str(data.get("label", "")))


@dataclass(frozen=True)
class TimeMatch:
    """A time expression found in the question: its period and the characters it covered."""

    period: Period
    span: tuple[int, int]


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _last_n(today: dt.date, n: int, unit: str) -> Period:
    tomorrow = today + dt.timedelta(days=1)
    unit = unit.replace("trading day", "day").replace("session", "day")
    if unit == "day":
        start = tomorrow - dt.timedelta(days=n)
    elif unit == "week":
        start = tomorrow - dt.timedelta(days=7 * n)
    elif unit == "month":
        start = _add_months(tomorrow, -n)
    elif unit == "quarter":
        start = _add_months(tomorrow, -3 * n)
    else:
        start = _add_months(tomorrow, -12 * n)
    plural = "s" if n != 1 else ""
    return Period(start, tomorrow, f"the last {n} {unit}{plural}")


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    return start, _add_months(start, 1)


# Ordered: longer, more specific patterns first. Each maps a match to a Period.
def _patterns(today: dt.date) -> list[tuple[re.Pattern, object]]:
    tomorrow = today + dt.timedelta(days=1)
    this_month = _month_start(today)
    this_quarter = _quarter_start(today)
    this_year = dt.date(today.year, 1, 1)

    def between(m: re.Match) -> Period:
        a, b = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
        a, b = min(a, b), max(a, b)
        return Period(a, b + dt.timedelta(days=1), f"{a} to {b}")

    def month_year(m: re.Match) -> Period:
        start, end = _month_range(int(m.group(2)), MONTHS[m.group(1)])
        return Period(start, end, f"{calendar.month_name[start.month]} {start.year}")

    def bare_month(m: re.Match) -> Period:
        month = MONTHS[m.group(1)]
        year = today.year if month <= today.month else today.year - 1
        start, end = _month_range(year, month)
        return Period(start, end, f"{calendar.month_name[month]} {year}")

    def year(m: re.Match) -> Period:
        y = int(m.group(1))
        return Period(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), str(y))

    def quarter(q: int, y: int) -> Period:
        start = dt.date(y, 3 * (q - 1) + 1, 1)
        return Period(start, _add_months(start, 3), f"Q{q} {y}")

    def bare_quarter(q: int) -> Period:
        whole = quarter(q, today.year if 3 * (q - 1) + 1 <= today.month else today.year - 1)
        return Period(whole.start, min(whole.end, tomorrow), whole.label)

    def since(m: re.Match) -> Period:
        a = dt.date.fromisoformat(m.group(1))
        return Period(a, tomorrow, f"since {a}")

    def since_month(m: re.Match) -> Period:
        year_text = m.group(2)
        month = MONTHS[m.group(1)]
        y = int(year_text) if year_text else (today.year if month <= today.month else today.year - 1)
        start = dt.date(y, month, 1)
        return Period(start, tomorrow, f"since {calendar.month_name[month]} {y}")

    def on_day(m: re.Match) -> Period:
        a = dt.date.fromisoformat(m.group(1) or m.group(2))
        return Period(a, a + dt.timedelta(days=1), str(a))

    def last_n(m: re.Match) -> Period:
        return _last_n(today, _number(m.group(1)), m.group(2))

    def fixed(period: Period):
        return lambda m: period

    last_month_start = _add_months(this_month, -1)
    last_quarter_start = _add_months(this_quarter, -3)
    yesterday = today - dt.timedelta(days=1)
    week_start = today - dt.timedelta(days=today.weekday())
    table = [
        (rf"\bbetween {_ISO} and {_ISO}\b", between),
        (rf"\bfrom {_ISO} (?:to|until|through|till) {_ISO}\b", between),
        (rf"\b(?:since|after|from) {_ISO}\b", since),
        (rf"\b(?:on|for) {_ISO}\b|\b{_ISO}\b", on_day),
        (rf"\b(?:since|from) (?:the start of |the beginning of )?({_MONTH_RE})(?: (\d{{4}}))?\b", since_month),
        (rf"\b(?:over |in |during |for |within )?(?:the )?(?:last|past|previous|trailing|prior) {_NUM} {_UNIT}\b", last_n),
        (rf"\b{_NUM} {_UNIT} ago to (?:today|now)\b", last_n),
        (r"\b(?:over |in |during |for )?(?:the )?(?:past|last|previous|trailing) (week)\b",
         fixed(Period(today - dt.timedelta(days=6), tomorrow, "the past week"))),
        (r"\b(?:over |in |during |for )?(?:the )?(?:past|last|previous|trailing) (?:24 hours|day)\b",
         fixed(Period(today, tomorrow, "today"))),
        (r"\b(?:in |during |for |over )?(?:the )?(?:last|previous|prior) month\b",
         fixed(Period(last_month_start, this_month, "last month"))),
        (r"\b(?:in |during |for |over )?(?:the )?(?:last|previous|prior) quarter\b",
         fixed(Period(last_quarter_start, this_quarter, "last quarter"))),
        (r"\b(?:in |during |for |over )?(?:the )?(?:last|previous|prior) year\b",
         fixed(Period(dt.date(today.year - 1, 1, 1), this_year, "last year"))),
        (r"\b(?:in |during |for |over )?(?:the )?past (month)\b",
         lambda m: _last_n(today, 1, "month")),
        (r"\b(?:in |during |for |over )?(?:the )?past (year|12 months)\b",
         lambda m: _last_n(today, 1, "year")),
        (r"\b(?:since the (?:start|beginning) of (?:the|this) year|year to date|year-to-date|ytd|"
         r"(?:in |during |for |over )?this year|so far this year|(?:in |during )?the current year)\b",
         fixed(Period(this_year, tomorrow, "this year"))),
        (r"\b(?:since the (?:start|beginning) of (?:the|this) month|month to date|month-to-date|mtd|"
         r"(?:in |during |for |over )?this month|so far this month|(?:in |during )?the current month)\b",
         fixed(Period(this_month, tomorrow, "this month"))),
        (r"\b(?:since the (?:start|beginning) of (?:the|this) quarter|quarter to date|qtd|"
         r"(?:in |during |for |over )?this quarter)\b",
         fixed(Period(this_quarter, tomorrow, "this quarter"))),
        (r"\b(?:in |during |for |over )?this week\b|\bweek to date\b",
         fixed(Period(week_start, tomorrow, "this week"))),
        (r"\b(?:on |for )?yesterday'?s?\b", fixed(Period(yesterday, today, "yesterday"))),
        (r"\b(?:on |for )?today'?s?\b", fixed(Period(today, tomorrow, "today"))),
        (r"\b(?:in |during |for )?q([1-4]) (\d{4})\b", lambda m: quarter(int(m.group(1)), int(m.group(2)))),
        (r"\b(?:in |during |for )?(?:the )?(first|second|third|fourth|1st|2nd|3rd|4th) quarter(?: of)? (\d{4})\b",
         lambda m: quarter(_QUARTER_WORDS[m.group(1)], int(m.group(2)))),
        # A quarter without a year is this year's, or last year's when it has not begun yet
        (r"\b(?:in |during |for )?q([1-4])\b(?! \d)", lambda m: bare_quarter(int(m.group(1)))),
        (r"\b(?:in |during |for )?(?:the )?(first|second|third|fourth|1st|2nd|3rd|4th) quarter\b(?! (?:of )?\d)",
         lambda m: bare_quarter(_QUARTER_WORDS[m.group(1)])),
        (rf"\b(?:in |during |for )?({_MONTH_RE}) (?:of )?(\d{{4}})\b", month_year),
        (rf"\b(?:in |during )({_MONTH_RE})\b", bare_month),
        (r"\b(?:since|after) (\d{4})\b",
         lambda m: Period(dt.date(int(m.group(1)), 1, 1), tomorrow, f"since {m.group(1)}")),
        (r"\b(?:in |during |for |of )?(?:the year )?((?:19|20)\d{2})\b", year),
    ]
    return [(re.compile(pattern), handler) for pattern, handler in table]


def find_periods(text: str, today: dt.date) -> list[TimeMatch]:
    """Every non-overlapping time expression in lower-cased ``text``, left to right."""
    taken: list[tuple[int, int]] = []
    found: list[TimeMatch] = []
    for pattern, handler in _patterns(today):
        for m in pattern.finditer(text):
            span = m.span()
            if any(span[0] < b and a < span[1] for a, b in taken):
                continue
            try:
                period = handler(m)  # type: ignore[operator]
            except (ValueError, OverflowError, KeyError, TypeError):
                continue  # "2025-13-45" or "year 0000" are not dates; the words stay unexplained
            taken.append(span)
            found.append(TimeMatch(period, span))
    return sorted(found, key=lambda t: t.span)


def combine(periods: list[Period]) -> Period | None:
    """The intersection of several periods ("in 2025" + "since March"), or None."""
    if not periods:
        return None
    if len(periods) == 1:
        return periods[0]
    starts = [p.start for p in periods if p.start]
    ends = [p.end for p in periods if p.end]
    return Period(max(starts) if starts else None, min(ends) if ends else None,
                  " and ".join(p.label for p in periods))


def compared_periods(periods: list[Period]) -> tuple[Period, ...]:
    """Two or more periods that do not overlap, set side by side ("this month vs last month", "Q2 or Q3
    this year"); a period that holds another ("this year") only frames them. Empty when none are compared."""
    inner = [p for p in periods if not any(q is not p and _holds(p, q) for q in periods)]
    if len(inner) < 2:
        return ()
    for i, a in enumerate(inner):
        for b in inner[i + 1:]:
            if not (a.start and b.end and a.start >= b.end) and not (b.start and a.end and b.start >= a.end):
                return ()  # overlapping periods narrow each other ("in 2025" and "since March")
    return tuple(inner)


def _holds(outer: Period, inner: Period) -> bool:
    return (outer.start is None or (inner.start is not None and outer.start <= inner.start)) and (
        outer.end is None or (inner.end is not None and inner.end <= outer.end)) and outer != inner

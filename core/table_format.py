"""Tables for people: thousands separators, a sensible number of decimals per column, plain dates.

Every front end shows result tables through these helpers (the chat, the notebook, the terminal),
while the DataFrame, the CSV and the JSON form keep the raw values. A column is formatted as a
whole, so its decimals line up: the number of decimals comes from the column's typical magnitude,
identifiers and years are never grouped (account 1001, not 1,001), and a date-time column whose
times are all midnight is shown as dates.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Column names whose whole numbers are labels, not quantities: shown without separators.
_PLAIN_INTEGER_NAME = re.compile(r"(^|_)(id|year|yr|block|height|number|no|code|zip)$", re.IGNORECASE)
#: Kinds shown as numbers (right-aligned). "mixed": a column of unlike quantities (a table of metrics).
NUMERIC_KINDS = ("integer", "number", "significant", "mixed")
#: Largest to smallest magnitude in a column beyond which one number of decimals cannot suit all.
MIXED_RANGE = 1e3
_ISO_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass(frozen=True)
class ColumnFormat:
    """How one column is shown: its kind and, for numbers, decimals and thousands grouping."""

    kind: str  # one of NUMERIC_KINDS, "date", "datetime" or "text"
    decimals: int = 0
    grouped: bool = True
    time_format: str = "%Y-%m-%d %H:%M"

    def __call__(self, value: Any) -> str:
        """One cell as text ("" for a missing value)."""
        if _missing(value):
            return ""
        if self.kind in ("date", "datetime"):
            stamp = _as_timestamp(value)
            if stamp is None:
                return str(value)
            return stamp.strftime("%Y-%m-%d" if self.kind == "date" else self.time_format)
        if self.kind == "text" or isinstance(value, (bool, str)) or not _is_number(value):
            return str(value)
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "-∞"
        separator = "," if self.grouped else ""
        if self.kind == "mixed":  # each value on its own scale: 1,500 days beside a 0.0399 return
            if number.is_integer():
                return f"{number:{separator}.0f}"
            return f"{number:{separator}.2f}" if abs(number) >= 1 else f"{number:.4g}"
        if self.kind == "significant" or (self.kind == "number" and 0 < abs(number) < 10 ** (2 - self.decimals)):
            # A small value in a column of larger ones (DOGE beside AAPL) keeps its significant digits.
            return f"{number:.3g}" if self.kind == "number" else f"{number:.4g}"
        return f"{number:{separator}.{self.decimals}f}"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def _is_number(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Number) or hasattr(value, "__float__") and not isinstance(value, str)


def _as_timestamp(value: Any):
    import pandas as pd

    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        return None


def _decimals_for(values: pd.Series) -> tuple[str, int]:
    """(kind, decimals) for non-whole numbers, from the column's typical (median) magnitude."""
    magnitudes = values.abs()
    magnitudes = magnitudes[magnitudes > 0]
    if magnitudes.empty:
        return "number", 2
    typical = float(magnitudes.median())
    if typical >= 1:
        return "number", 2  # prices, money, volumes with fractions: cents are enough
    if typical >= 0.01:
        return "number", 4  # ratios, scores, small prices (0.0734)
    return "significant", 0  # tiny quantities: four significant digits, whatever the scale


def _time_format(stamps: pd.Series) -> tuple[str, str]:
    times = stamps.dropna()
    if times.empty or (times == times.dt.normalize()).all():
        return "date", "%Y-%m-%d"
    if (times.dt.second == 0).all() and (times.dt.microsecond == 0).all():
        return "datetime", "%Y-%m-%d %H:%M"
    return "datetime", "%Y-%m-%d %H:%M:%S"


def _as_datetimes(values: pd.Series) -> pd.Series | None:
    """The column as datetimes when every value is a date, a time stamp or ISO date text; else None."""
    import pandas as pd

    present = values.dropna()
    if present.empty:
        return None
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if not all(isinstance(v, (dt.date, pd.Timestamp)) or (isinstance(v, str) and _ISO_TEXT.match(v))
               for v in present):
        return None
    try:
        return pd.to_datetime(values, utc=False, format="mixed")
    except (TypeError, ValueError):
        return None


def column_format(name: str, values: pd.Series) -> ColumnFormat:
    """How a column is shown, from its name and values."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(values):
        return ColumnFormat("text")
    if pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce").dropna()
        numbers = numbers[numbers.map(math.isfinite)]
        grouped = not _PLAIN_INTEGER_NAME.search(str(name))
        if numbers.empty or (numbers == numbers.round()).all():
            return ColumnFormat("integer", 0, grouped)
        magnitudes = numbers.abs()[numbers != 0]
        if float(magnitudes.max()) >= MIXED_RANGE * float(magnitudes.min()):
            return ColumnFormat("mixed", 0, grouped)
        kind, decimals = _decimals_for(numbers)
        return ColumnFormat(kind, decimals, grouped)
    stamps = _as_datetimes(values)
    if stamps is not None:
        kind, pattern = _time_format(stamps)
        return ColumnFormat(kind, time_format=pattern)
    return ColumnFormat("text")


def column_formats(frame: pd.DataFrame) -> dict[str, ColumnFormat]:
    """The format of every column of ``frame``, by column name."""
    return {column: column_format(str(column), frame[column]) for column in frame.columns}


def format_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every cell as display text (the raw frame is left as it is)."""
    shown = frame.copy()
    for column, fmt in column_formats(frame).items():
        shown[column] = [fmt(value) for value in frame[column]]
    return shown


#: What turns prose into Markdown markup: emphasis, code, links, images, HTML and entities, headings,
#: tables, strikethrough, math, and the chat's text directives (":red" in "color:red" would vanish).
#: "_" between letters or digits is left alone (Markdown reads no emphasis there): snake_case stays readable.
_MARKUP_IN_TEXT = re.compile(r"[\\`*\[\]<>#|~&$]|(?<![^\W_])_|_(?![^\W_])|:(?=[A-Za-z])")
#: The same for a table cell, which also escapes parentheses, braces, "+" and "!".
_MARKUP_IN_CELL = re.compile(r"[\\`*{}\[\]()<>#+!|~&$]|(?<![^\W_])_|_(?![^\W_])|:(?=[A-Za-z])")
#: A line that Markdown would read as a list item or a rule: "- x", "+ x", "1. x", "2) x".
_BLOCK_START = re.compile(r"^([-+]|\d{1,9}[.)])(?=\s|$)")
#: What renderers turn into a link by themselves (GFM autolinks, marked, linkify): a URL with a scheme,
#: a www. host, mailto:/xmpp:, an e-mail address. Backslash escapes cannot stop them (remark-gfm finds
#: URLs again in the unescaped text), a code span does. Backticks, pipes and "]:" end the word: they
#: would close the span, split it in a table, or define a link around it.
_WORD_REST = r"(?:[^\s`|\]]|\](?!:))*"
LINK_WORD = re.compile(
    rf"(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.|(?:mailto|xmpp):){_WORD_REST}|[\w.+-]+@[-\w]+(?:\.[-\w]+)+{_WORD_REST}",
    re.IGNORECASE)


def _literal(text: str, markup: re.Pattern) -> str:
    """One line of data as Markdown that shows it as written: markup escaped, links as code spans."""
    line = " ".join(text.split())  # a line break in data would start a new block
    pieces, end = [], 0
    for link in LINK_WORD.finditer(line):
        pieces += [markup.sub(r"\\\g<0>", line[end:link.start()]), f"`{link.group()}`"]
        end = link.end()
    pieces.append(markup.sub(r"\\\g<0>", line[end:]))
    return _BLOCK_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], "".join(pieces))


def markdown_literal(text: str) -> str:
    """Text shown as written in Markdown prose (a reading that quotes values from SQL, a data value).

    Nothing in it becomes markup: no emphasis, link, image, HTML tag, entity or heading, and URLs
    and e-mail addresses show as code, never as links.
    """
    return _literal(text, _MARKUP_IN_TEXT)


def markdown_cell(text: str) -> str:
    """Cell text safe inside a Markdown table: data never becomes markup, links or images."""
    return _literal(text, _MARKUP_IN_CELL)


def markdown_table(frame: pd.DataFrame, max_rows: int | None = None) -> str:
    """The frame (its first ``max_rows`` rows) as a Markdown table of display text, numbers right-aligned."""
    shown = frame if max_rows is None else frame.head(max_rows)
    formats = column_formats(frame)
    header = "| " + " | ".join(markdown_cell(str(c)) for c in shown.columns) + " |"
    rule = "| " + " | ".join("---:" if formats[c].kind in NUMERIC_KINDS else "---"
                             for c in shown.columns) + " |"
    rows = ["| " + " | ".join(markdown_cell(formats[c](v)) or " " for c, v in zip(shown.columns, row)) + " |"
            for row in shown.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def sortable_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for tables that sort by value: numbers rounded to their column's decimals, dates as text.

    Numbers stay numbers (a sortable table must compare values, not text such as "1,000" and "200");
    only the noise of binary floats (21361257.000743005) goes. Dates become ISO text, which sorts right.
    """
    shown = frame.copy()
    for column, fmt in column_formats(frame).items():
        if fmt.kind in ("date", "datetime"):
            shown[column] = [fmt(value) for value in frame[column]]
        elif fmt.kind in ("number", "significant", "mixed"):
            # Rounded to the column's decimals, or to 3 significant digits below those decimals.
            shown[column] = [v if _missing(v) or not math.isfinite(float(v)) else float(fmt(v).replace(",", ""))
                             for v in frame[column]]
    return shown

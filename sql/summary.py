"""One-sentence summaries of query results, worded from the result's columns and the SQL's reading.

The question's words are never pasted in: a summary names only what the result holds, by the
labels the SQL tree gives its columns ("average close", "count of trades"), so it cannot call a
close a "return" because the question said "return". The reading of the SQL, shown above the
summary, says what was computed; the summary says what came back.

| result shape                          | sentence                                                        |
|---------------------------------------|-----------------------------------------------------------------|
| no rows                               | "No rows matched."                                              |
| one row                               | "Average close: 412.35." / "Close: 187.23 (symbol AAPL, date ...)"|
| time + category + number              | "60 rows for 2 symbols from D1 to D2; latest close: BTC 2.50, ..."|
| time + number                         | "30 rows from D1 to D2: close went from 100 to 129 (+29.0%), ..."|
| category + number                     | "5 rows; highest sum of volume: NVDA (1.2B), then ...; lowest ..."|
| numbers only / one column / text only | ranges / the values / the rows named by their label column     |
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tradeassist.core.table_format import markdown_literal
from tradeassist.sql.present import (
    _as_number,
    _as_time,
    classify_columns,
    column_label,
    format_number,
    format_value,
    main_number,
)

if TYPE_CHECKING:
    import pandas as pd

    from tradeassist.sql.reading import SqlReading

_LABEL_COLUMNS = ("name", "symbol", "title", "label")
#: A percentage column's label ("percent change ...", "... as a percent of ..."), not "95th percentile".
_PERCENT = re.compile(r"\bpercent\b")
#: Words of a label that say how, not what ("sum of", "per"): they never make a number "asked for".
_FUNCTION_WORDS = ("of", "per", "sum", "average", "count", "number", "maximum", "minimum", "median", "a", "the",
                   "and", "by", "x", "if", "else", "where", "is", "distinct", "percent", "standard", "deviation",
                   "previous", "moving", "running", "over", "rows", "last", "first", "latest", "earliest",
                   "computed", "total")


def result_labels(frame: pd.DataFrame, reading: SqlReading | None) -> dict[str, str]:
    """Each column's label: from the SQL reading when it describes every column, else from the name."""
    names = [str(c) for c in frame.columns]
    from_reading = list(reading.labels) if reading is not None else []
    if len(from_reading) == len(names):
        return {name: label or column_label(name) for name, label in zip(names, from_reading)}
    return {name: column_label(name) for name in names}


def summarize(frame: pd.DataFrame, question_text: str | None = None, truncated: bool = False, *,
              reading: SqlReading | None = None) -> str:
    """One English sentence describing a query result, from its columns and the SQL's reading, as Markdown.

    No word of the question is written into the summary (it would name what was asked, not what
    was computed). The question only chooses among the result's own numbers: when one row holds
    several and the question names some ("latest close" over open, high, low, close), only those are named.
    The sentence quotes values and column names, which are data (an imported CSV may hold
    ``[x](javascript:...)`` or a URL): every front end renders it as Markdown, so it is written as
    literal text, where no value becomes a link, an image, a tag or emphasis.
    """
    return markdown_literal(_sentence(frame, question_text or "", truncated, reading))


def _sentence(frame: pd.DataFrame, question_text: str, truncated: bool, reading: SqlReading | None) -> str:
    """The summary as plain text."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return "No rows matched."
    roles = classify_columns(frame)
    labels = result_labels(frame, reading)
    if len(frame) == 1:
        return _one_row(frame, roles, labels, question_text)
    times = [c for c in frame.columns if roles[str(c)] == "time"]
    numbers = [c for c in frame.columns if roles[str(c)] == "number"]
    # A category with one value (the symbol of a one-symbol series) is context, not a dimension.
    categories = [c for c in frame.columns if roles[str(c)] == "category" and frame[c].nunique(dropna=False) > 1]
    count = f"{len(frame):,} rows" + (" (cut at the row limit)" if truncated else "")
    if times and numbers and categories and len(frame) > frame[categories[0]].nunique() > 1:
        return _series_by_category(frame, times[0], categories[0], _main(frame, numbers, labels, reading, question_text), labels,
                                   count)
    if times and numbers and not categories:
        return _series(frame, times[0], _main(frame, numbers, labels, reading, question_text), labels, count)
    if categories and numbers:
        main = _main(frame, numbers, labels, reading, question_text)
        return _ranking(frame, categories, main, labels, reading, count)
    if len(numbers) >= 2:
        ranges = [f"{labels[str(c)]} from {_num(frame[c].min(), labels[str(c)])} to "
                  f"{_num(frame[c].max(), labels[str(c)])}" for c in numbers[:2]]
        return f"{count}: {' and '.join(ranges)}."
    if len(frame.columns) == 1:
        values = [format_value(v) for v in frame.iloc[:, 0].head(6)]
        more = f" and {len(frame) - 6:,} more" if len(frame) > 6 else ""
        return f"{count}: {', '.join(values)}{more}."
    lowered = {str(c).lower(): c for c in frame.columns}
    key = next((lowered[n] for n in _LABEL_COLUMNS if n in lowered), frame.columns[0])
    values = [format_value(v) for v in frame[key].head(5)]
    more = f" and {len(frame) - 5:,} more" if len(frame) > 5 else ""
    return f"{count}, {labels[str(key)]}: {', '.join(values)}{more}."


def _num(value, label: str, compact: bool = True) -> str:
    """A number for a sentence; values of a percentage column carry a percent sign."""
    text = format_number(_float(value), compact=compact)
    return text + "%" if _PERCENT.search(label) and text not in ("n/a",) else text


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _short(text: str, limit: int = 24) -> str:
    """A long label (a transaction hash, an address) cut for a sentence; the table has it whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _main(frame, numbers: list, labels: dict[str, str], reading, question_text: str):
    """The number a sentence is about: the one the rows are sorted by; else among the numbers the
    question names (all when it names none) a close, else the last one (the computed measure)."""
    for key in getattr(reading, "order", ()) or ():
        position = key.position
        if position is not None and position < len(frame.columns) and frame.columns[position] in numbers:
            return frame.columns[position]
    candidates = _asked(numbers, labels, question_text)
    flags = dict(zip(frame.columns, getattr(reading, "computed", ()) or ()))
    computed = [c for c in candidates if flags.get(c)]
    if computed:  # a computed measure (a return, a total) is what the query was written for
        return computed[-1]
    close = [c for c in candidates if labels[str(c)] == "close"]
    return close[0] if len(candidates) > 1 and close else main_number(frame, candidates)


def _asked(numbers: list, labels: dict[str, str], question_text: str) -> list:
    """The numbers whose label words the question uses (all of them when it uses none)."""
    asked_words = {_stem(w) for w in re.findall(r"[a-z]+", question_text.lower())}
    how = {_stem(w) for w in _FUNCTION_WORDS}
    chosen = [c for c in numbers
              if ({_stem(w) for w in re.findall(r"[a-z]+", labels[str(c)].lower())} - how) & asked_words]
    return chosen or numbers


def _stem(word: str) -> str:
    """A crude stem, enough to match 'closing'/'closes' with 'close' and 'highest' with 'high'."""
    for suffix in ("ing", "est", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _one_row(frame, roles: dict[str, str], labels: dict[str, str], question_text: str = "") -> str:
    row = frame.iloc[0]
    numbers = [c for c in frame.columns if roles[str(c)] == "number"]
    chosen = _asked(numbers, labels, question_text) if len(numbers) > 1 else numbers
    if not numbers and len(frame.columns) == 1:
        return f"{_capital(labels[str(frame.columns[0])])}: {format_value(row.iloc[0])}."
    if not numbers:  # nothing to measure: the row itself, column by column
        return _capital(", ".join(f"{labels[str(c)]} {format_value(row[c])}" for c in frame.columns[:6])) + "."
    shown = chosen[:4]
    # Context: the row's non-numbers (its date, its symbol), and numbers past the fourth when none was picked.
    extra = numbers[4:] if chosen == numbers else []
    main = "; ".join(f"{labels[str(c)]}: {_cell(row[c], labels[str(c)])}" for c in shown)
    context = [f"{labels[str(c)]} {format_value(row[c])}" for c in frame.columns
               if c not in shown and (c not in numbers or c in extra)]
    return _capital(main) + (f" ({', '.join(context)})" if context else "") + "."


def _cell(value, label: str) -> str:
    text = format_value(value)
    return text + "%" if _PERCENT.search(label) and text != "n/a" and text[-1:].isdigit() else text


def _descending(column, reading: SqlReading | None, frame) -> bool:
    """True unless the SQL sorted the rows by this column, smallest first."""
    if reading is not None:
        for key in reading.order:
            if key.position is not None and key.position < len(frame.columns) and frame.columns[key.position] == column:
                return key.descending
    return True


def _ranking(frame, categories, number, labels: dict[str, str], reading, count: str) -> str:
    import numpy as np

    # Plain arrays: results are small, and pandas' per-call overhead was most of this sentence's cost.
    values = _as_number(frame[number]).to_numpy()
    valid = np.flatnonzero(~np.isnan(values))
    label = labels[str(number)]
    if len(valid) == 0:
        return f"{count}: no {label} values."
    descending = _descending(number, reading, frame)
    ranked = valid[np.argsort(-values[valid] if descending else values[valid], kind="stable")]
    picked = ranked[[0, 1, 2, -1]] if len(ranked) > 3 else ranked
    # A name or symbol column names a row best; else the first category when it is unique (a hash,
    # an id); otherwise two name it.
    named_by = [c for c in categories if str(c).lower() in _LABEL_COLUMNS or labels[str(c)] in _LABEL_COLUMNS]
    naming = named_by[:1] or (categories[:1] if frame[categories[0]].is_unique else categories[:2])
    columns = [frame[c].to_numpy() for c in naming]
    keys = [" / ".join(_short(format_value(column[i])) for column in columns) for i in picked]
    shown = [_num(values[i], label) for i in picked]
    first, last = ("highest", "lowest") if descending else ("lowest", "highest")
    sentence = f"{count}; {first} {label}: {keys[0]} ({shown[0]})"
    following = [f"{key} ({value})" for key, value in zip(keys[1:3], shown[1:3])]
    if following:
        sentence += ", then " + " and ".join(following)
    if len(ranked) > 3:
        sentence += f"; {last}: {keys[3]} ({shown[3]})"
    return sentence + "."


def _series(frame, time, number, labels: dict[str, str], count: str) -> str:
    data = frame.assign(_t=_as_time(frame[time]), _v=_as_number(frame[number])).dropna(subset=["_v"])
    label = labels[str(number)]
    if data.empty:
        return f"{count}: no {label} values."
    data = data.sort_values("_t", kind="stable")
    first, last = data.iloc[0], data.iloc[-1]
    sentence = (f"{count} from {format_value(first[time])} to {format_value(last[time])}: "
                f"{label} went from {_num(first['_v'], label)} to {_num(last['_v'], label)}")
    # A percent change only means something for a series that stays positive (prices, volumes).
    if (data["_v"] > 0).all() and "percent" not in label:
        sentence += f" ({(last['_v'] / first['_v'] - 1.0) * 100.0:+.1f}%)"
    sentence += f", between {_num(data['_v'].min(), label)} and {_num(data['_v'].max(), label)}"
    return sentence + "."


def _series_by_category(frame, time, category, number, labels: dict[str, str], count: str) -> str:
    data = frame.assign(_t=_as_time(frame[time])).sort_values("_t", kind="stable")
    latest = data.groupby(category, sort=False).tail(1).head(4)
    label = labels[str(number)]
    parts = ", ".join(f"{format_value(r[category])} {_cell(r[number], label)}" for _, r in latest.iterrows())
    groups = frame[category].nunique()
    group_label = labels[str(category)]
    plural = group_label if groups == 1 or group_label.endswith("s") else group_label + "s"
    return (f"{count} for {groups:,} {plural} from {format_value(data.iloc[0][time])} to "
            f"{format_value(data.iloc[-1][time])}; latest {label}: {parts}.")

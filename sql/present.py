"""Presentation of query results: a chart chosen by rules from the result's shape, and a summary.

No model is involved and nothing is executed: the columns are classified (time, number, category),
and a small table of rules picks the figure.

| result shape                               | chart                              |
|--------------------------------------------|------------------------------------|
| one row with numbers                       | indicator (the number itself)      |
| time + open/high/low/close                 | candlestick                        |
| time + number(s)                           | line(s)                            |
| time + category + number                   | one line per category              |
| category + number (+ second category)      | bars, sorted, top 30 (grouped)     |
| two numbers                                | scatter                            |
| anything else (e.g. only text)             | no chart                           |
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import textwrap
from typing import TYPE_CHECKING

from tradeassist.core.answer import Chart, FigureSpec
from tradeassist.core.chart_figures import plotly_text

if TYPE_CHECKING:
    import pandas as pd

#: Template for every figure: readable on dark chat themes (and on light ones).
DEFAULT_TEMPLATE = "plotly_dark"
MAX_BARS = 30
MAX_LINES = 12
ROLES = ("time", "number", "category", "ignore")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
OHLC = ("open", "high", "low", "close")
_SQL_TEXT = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Column roles


def _is_id(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith("_id") or lowered in ("tx_hash", "year")


def classify_columns(frame: pd.DataFrame, overrides: dict | None = None) -> dict[str, str]:
    """Each column's role: 'time', 'number', 'category' or 'ignore' (overrides win)."""
    import pandas as pd

    roles: dict[str, str] = {}
    for name in frame.columns:
        series = frame[name]
        key = str(name)
        if pd.api.types.is_datetime64_any_dtype(series):
            roles[key] = "time"
        elif pd.api.types.is_bool_dtype(series):
            roles[key] = "category"
        elif pd.api.types.is_numeric_dtype(series):
            if key.lower() in ("year",) and _whole_numbers(series):
                roles[key] = "time"
            else:
                roles[key] = "category" if _is_id(key) else "number"
        else:
            sample = series.dropna().head(50)
            if len(sample) and all(isinstance(v, (dt.date, dt.datetime, pd.Timestamp)) for v in sample):
                roles[key] = "time"
            elif len(sample) and all(isinstance(v, str) and ISO_TIME.match(v) for v in sample):
                roles[key] = "time"
            elif len(sample) and all(_is_number(v) for v in sample):
                roles[key] = "number"  # e.g. DECIMAL values arrive as objects
            else:
                roles[key] = "category"
    for key, role in (overrides or {}).items():
        if key in roles and role in ROLES:
            roles[key] = role
    return roles


def _whole_numbers(series) -> bool:
    values = series.dropna()
    return len(values) > 0 and bool(((values % 1) == 0).all()) and bool(values.between(1900, 2200).all())


def _is_number(value) -> bool:
    from decimal import Decimal

    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _as_time(series):
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series):
        return series  # whole years stay numbers on the axis
    return pd.to_datetime(series, errors="coerce")


def _as_number(series):
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").astype(float)


# ---------------------------------------------------------------------------------------------
# Labels and numbers


_AGGREGATES = {"avg": "average", "mean": "average", "sum": "total", "count": "number of",
               "max": "highest", "min": "lowest", "median": "median"}


def column_label(name: str) -> str:
    """A reader's label for a result column: 'avg(close)' -> 'average close', 'total_volume' -> 'total volume'."""
    text = str(name).strip()
    lowered = text.lower()
    if lowered in ("count_star()", "count(*)", "count", "cnt"):
        return "count"
    match = re.fullmatch(r"(\w+)\s*\(\s*(distinct\s+)?([^()]*)\)", lowered)
    if match:
        func, distinct, arg = match.groups()
        arg = arg.split(".")[-1].replace("_", " ").strip() or "rows"
        if func == "count":
            return f"number of {'distinct ' if distinct else ''}{arg}" if arg != "*" else "count"
        if func in _AGGREGATES:
            return f"{_AGGREGATES[func]} {arg}"
    return text.replace("_", " ")


def axis_title(name: str) -> str:
    """An axis title or legend name from a column name, capitalised, as Plotly text (a name is data)."""
    label = column_label(name)
    return plotly_text(label[:1].upper() + label[1:])


def chart_label(value) -> str:
    """A cell value as a category, legend or hover label: formatted, shown as written (never a tag)."""
    return plotly_text(format_value(value))


def format_number(value, *, compact: bool = False) -> str:
    """Numbers for people: 51,073; 187.23; 0.0734; 1.53B when ``compact`` and large."""
    from decimal import Decimal

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        value = float(value)
    if not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        return str(value)
    number = float(value)
    if math.isinf(number):
        return "infinite" if number > 0 else "minus infinite"
    magnitude = abs(number)
    if compact and magnitude >= 1e6:
        for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
            if magnitude >= limit:
                return f"{number / limit:.3g}{suffix}"
    if number.is_integer():
        return f"{int(number):,}"
    if magnitude >= 1:
        return f"{number:,.2f}"
    if magnitude == 0:
        return "0"
    # Four significant digits in plain decimals (0.0001235, 0.000000001), never 1e-09.
    decimals = min(15, 3 - math.floor(math.log10(magnitude)))
    return f"{number:.{decimals}f}".rstrip("0").rstrip(".")


def format_value(value) -> str:
    """Any cell value as text: numbers formatted, dates in ISO form."""
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat(sep=" ")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if _is_number(value) or hasattr(value, "dtype"):
        return format_number(value.item() if hasattr(value, "item") else value)
    return "n/a" if value is None else str(value)


def question_title(question_text: str, limit: int = 90) -> str:
    """A figure title from the question: trimmed, capitalised, without the question mark, as Plotly text."""
    text = " ".join(question_text.split()).rstrip("?.! ")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return plotly_text(text[:1].upper() + text[1:])


# ---------------------------------------------------------------------------------------------
# Charts


def _figure_spec(traces: list[dict], title: str, x_title: str | None = None, y_title: str | None = None,
                 layout: dict | None = None) -> FigureSpec:
    """The spec of a styled, templated figure from plain trace and layout dicts.

    Plotly is not loaded here: the figure is made from the spec where the chart is shown
    (``tradeassist.core.chart_figures``), so an answer read in the terminal never pays for one.
    """
    spec = dict(layout or {})
    spec["title"] = {"text": title, "x": 0.01, "xanchor": "left"}
    spec["margin"] = {"l": 60, "r": 30, "t": 60 + 16 * title.count("<br>"), "b": 50}
    spec["legend"] = {"title": {"text": ""}}
    spec["hovermode"] = "x unified" if x_title else "closest"
    if x_title is not None:
        spec["xaxis"] = {**spec.get("xaxis", {}), "title": {"text": x_title}}
    if y_title is not None:  # the primary axis only; a secondary axis keeps its own title
        spec["yaxis"] = {**spec.get("yaxis", {}), "title": {"text": y_title}}
    return FigureSpec(tuple(traces), spec, DEFAULT_TEMPLATE)


def choose_chart(frame: pd.DataFrame, question_text: str, column_roles: dict | None = None, *,
                 reading=None) -> Chart | None:
    """The chart that fits the result's shape (see the module's table), or None.

    ``reading`` (a ``tradeassist.sql.reading.SqlReading``, or its text) names the columns on the axes by what
    the SQL computed and is shown under the title, so a chart never claims more than was computed.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame) or frame.empty or len(frame.columns) == 0:
        return None
    roles = classify_columns(frame, column_roles)
    frame, roles = _relabelled(frame, roles, getattr(reading, "labels", ()))
    times = [c for c in frame.columns if roles[str(c)] == "time"]
    numbers = [c for c in frame.columns if roles[str(c)] == "number"]
    categories = [c for c in frame.columns if roles[str(c)] == "category"]
    title = _chart_title(question_text, getattr(reading, "text", reading))
    main = main_number(frame, numbers, reading) if numbers else None

    if len(frame) == 1 and numbers:
        return _indicator(frame, numbers, title)
    if times and not numbers:
        return None
    if times:
        time = times[0]
        lowered = {str(c).lower(): c for c in numbers}
        if all(name in lowered for name in OHLC) and (
                not categories or frame[categories[0]].nunique() == 1):
            return _candlestick(frame, time, [lowered[n] for n in OHLC], title)
        if categories and len(frame) > frame[categories[0]].nunique() > 1:
            return _lines_by_category(frame, time, categories[0], main, title)
        if categories and frame[categories[0]].nunique() == len(frame):
            return _bars(frame, categories, main, title)  # one row per thing (e.g. transfers): not a series
        return _lines(frame, time, numbers[:4] if main in numbers[:4] else [main], title)
    if categories and numbers:
        return _bars(frame, categories, main, title)
    if len(numbers) >= 2:
        return _scatter(frame, numbers[0], numbers[1], title)
    return None


def _chart_title(question_text: str, reading: str | None) -> str:
    """The question as the title and the reading under it; typed SQL is titled by its reading alone."""
    if not isinstance(reading, str) or not reading:
        return question_title(question_text)
    if _SQL_TEXT.match(question_text or ""):
        lines = textwrap.wrap(reading[:1].upper() + reading[1:], 90)
        return "<br>".join(html.escape(line) for line in lines[:3])
    # Plotly does not wrap titles: the reading is broken into lines a chart's width can hold.
    lines = textwrap.wrap(f"Computed: {reading}", 110)
    return question_title(question_text) + "".join(f"<br><sup>{html.escape(line)}</sup>" for line in lines[:3])


def _with_note(title: str, note: str) -> str:
    """The title with a note after its first line (before the reading under it)."""
    head, sep, rest = title.partition("<br>")
    return f"{head} {note}{sep}{rest}"


def _relabelled(frame, roles: dict[str, str], labels) -> tuple:
    """The frame with columns named by the SQL reading's labels (when they are one per column and distinct)."""
    labels = [str(label) for label in labels or ()]
    if len(labels) != len(frame.columns) or len(set(labels)) != len(labels) or not all(labels):
        return frame, roles
    if labels == [str(c) for c in frame.columns]:
        return frame, roles
    mapping = dict(zip(frame.columns, labels))
    return frame.rename(columns=mapping), {mapping.get(k, k): v for k, v in roles.items()}


def main_number(frame, numbers: list, reading=None):
    """The number a result is about: the column the SQL sorted by, else the only or the last number.

    The last, not the first: in "symbol, first close, last close, change" the computed measure
    comes last, and a chart or sentence about the first close would misstate the answer.
    """
    for key in getattr(reading, "order", ()) or ():
        position = getattr(key, "position", None)
        if position is not None and position < len(frame.columns) and frame.columns[position] in numbers:
            return frame.columns[position]
    return numbers[0] if len(numbers) == 1 else numbers[-1]


def _gapped(x, ys: list) -> tuple:
    """``x`` and ``ys`` with an empty point inserted inside every gap longer than the usual step.

    Plotly joins consecutive points, so without this a line would bridge a missing month as if
    it had been observed. Daily series allow weekends and holidays (up to 5 days) before a gap.
    ``x`` is sorted (datetimes or whole years); plain NumPy keeps this cheap on every answer.
    """
    import numpy as np

    times = np.asarray(x)
    values = [np.asarray(y, dtype=float) for y in ys]
    if len(times) < 3:
        return times, values
    is_time = np.issubdtype(times.dtype, np.datetime64)
    numeric = times.astype("datetime64[ns]").astype(np.int64) / 1e9 if is_time else times.astype(float)
    steps = np.diff(numeric)
    positive = steps[steps > 0]
    if len(positive) == 0:
        return times, values
    step = float(np.median(positive))
    day = 86400.0
    limit = max(step * 1.5, 5 * day) if is_time and 0.9 * day <= step <= day else step * 1.5
    gaps = np.nonzero(steps > limit)[0] + 1  # insert before these positions
    if len(gaps) == 0:
        return times, values
    middle = times[gaps - 1] + (times[gaps] - times[gaps - 1]) / 2
    return np.insert(times, gaps, middle), [np.insert(v, gaps, np.nan) for v in values]


def _line_mode(points: int) -> str:
    # Markers on short series, so a single point between two gaps is still seen.
    return "lines+markers" if points <= 60 else "lines"


def _indicator(frame, numbers, title: str) -> Chart:
    row = frame.iloc[0]
    context = ", ".join(chart_label(row[c]) for c in frame.columns if c not in numbers)
    shown = numbers[:4]
    traces = []
    for i, column in enumerate(shown):
        value = row[column]
        number = float(value) if value is not None and not _isnan(value) else float("nan")
        traces.append({
            "type": "indicator", "mode": "number", "value": number,
            "number": {"valueformat": _d3_format(number)},
            "title": {"text": axis_title(column) + (f"<br><sub>{context}</sub>" if context and i == 0 else "")},
            "domain": {"row": 0, "column": i},
        })
    layout = {"grid": {"rows": 1, "columns": len(shown), "pattern": "independent"}}
    return Chart(_figure_spec(traces, title, layout=layout), kind="indicator")


def _isnan(value) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _d3_format(number: float) -> str:
    if math.isnan(number) or number == int(number):
        return ",.0f"
    return ",.2f" if abs(number) >= 1 else ".4g"


def _candlestick(frame, time, ohlc, title: str) -> Chart:
    data = frame.assign(_t=_as_time(frame[time])).sort_values("_t")
    trace = {"type": "candlestick", "x": data["_t"], "open": _as_number(data[ohlc[0]]),
             "high": _as_number(data[ohlc[1]]), "low": _as_number(data[ohlc[2]]),
             "close": _as_number(data[ohlc[3]]), "name": "price"}
    layout = {"xaxis": {"rangeslider": {"visible": False}}}
    return Chart(_figure_spec([trace], title, axis_title(str(time)), "Price", layout), kind="candlestick")


def _lines(frame, time, numbers, title: str) -> Chart:
    data = frame.assign(_t=_as_time(frame[time])).sort_values("_t")
    x, gapped = _gapped(data["_t"].to_numpy(), [_as_number(data[c]) for c in numbers])
    values = dict(zip(numbers, gapped))
    scales = [float(abs(values[c]).max()) if len(values[c]) else 0.0 for c in numbers]
    # A second series on another scale (e.g. price and volume) gets its own axis.
    second_axis = len(numbers) == 2 and min(scales) > 0 and max(scales) / min(scales) > 50
    traces = [{"type": "scatter", "x": x, "y": values[column], "mode": _line_mode(len(frame)),
               "connectgaps": False, "name": axis_title(str(column)), "yaxis": "y2" if second_axis and i == 1 else "y"}
              for i, column in enumerate(numbers)]
    layout = {}
    if second_axis:
        layout["yaxis2"] = {"overlaying": "y", "side": "right", "title": {"text": axis_title(str(numbers[1]))}}
    y_title = axis_title(str(numbers[0])) if len(numbers) == 1 or second_axis else "Value"
    return Chart(_figure_spec(traces, title, axis_title(str(time)), y_title, layout), kind="line")


def _lines_by_category(frame, time, category, number, title: str) -> Chart:
    data = frame.assign(_t=_as_time(frame[time]), _v=_as_number(frame[number])).sort_values("_t")
    weight = data.groupby(category)["_v"].apply(lambda s: s.abs().sum()).sort_values(ascending=False)
    traces = []
    for key in weight.index[:MAX_LINES]:
        part = data[data[category] == key]
        x, (y,) = _gapped(part["_t"].to_numpy(), [part["_v"].to_numpy()])
        traces.append({"type": "scatter", "x": x, "y": y, "mode": _line_mode(len(part)),
                       "connectgaps": False, "name": chart_label(key)})
    if len(weight) > MAX_LINES:
        title = _with_note(title, f"(top {MAX_LINES} of {len(weight)})")
    return Chart(_figure_spec(traces, title, axis_title(str(time)), axis_title(str(number))), kind="line")


def _bars(frame, categories, number, title: str) -> Chart:
    label = categories[0]
    data = frame.assign(_v=_as_number(frame[number]), _k=frame[label].map(chart_label))
    if len(categories) >= 2 and frame[categories[1]].nunique() <= MAX_LINES:
        # Two categories (e.g. desk and side): grouped bars, one colour per second category.
        group = categories[1]
        totals = data.groupby("_k")["_v"].sum().sort_values(ascending=False)
        order = list(totals.index[:MAX_BARS])
        traces = [{"type": "bar", "x": part["_k"], "y": part["_v"], "name": chart_label(key)}
                  for key, part in data[data["_k"].isin(order)].groupby(group, sort=True)]
        layout = {"barmode": "group", "xaxis": {"categoryorder": "array", "categoryarray": order}}
        return Chart(_figure_spec(traces, title, axis_title(str(label)), axis_title(str(number)), layout), kind="bar")
    import numpy as np

    # Plain arrays from here: a chart is built on every answer, and pandas' per-call cost added up.
    values = data["_v"].to_numpy()
    keys = data["_k"].to_numpy()
    ranked = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
    if len(ranked) > MAX_BARS:
        title = _with_note(title, f"(top {MAX_BARS} of {len(ranked)})")
        ranked = ranked[:MAX_BARS]
    values, keys = values[ranked], keys[ranked]
    horizontal = len(keys) > 12 or max(len(k) for k in keys) > 14
    if horizontal:  # long or many labels read better down the side, largest on top
        trace = {"type": "bar", "x": values[::-1], "y": keys[::-1], "orientation": "h"}
        return Chart(_figure_spec([trace], title, axis_title(str(number)), axis_title(str(label))), kind="bar")
    trace = {"type": "bar", "x": keys, "y": values}
    layout = {"xaxis": {"type": "category"}}
    return Chart(_figure_spec([trace], title, axis_title(str(label)), axis_title(str(number)), layout), kind="bar")


def _scatter(frame, x, y, title: str) -> Chart:
    trace = {"type": "scatter", "x": _as_number(frame[x]), "y": _as_number(frame[y]), "mode": "markers"}
    return Chart(_figure_spec([trace], title, axis_title(str(x)), axis_title(str(y))), kind="scatter")

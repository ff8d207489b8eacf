"""The JSON form of an answer: the one shape the CLI, the HTTP API and tests exchange."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid
from typing import Any

from tradeassist.core.answer import (
    Answer,
    Chart,
    Citation,
    Contribution,
    Explanation,
    ModelInfo,
    Notice,
    Sql,
    Table,
    Text,
)
from tradeassist.core.errors import TradeAssistError

#: Keys every JSON answer has, in this order.
KEYS = (
    "route", "text", "sql", "dialect", "reading", "columns", "rows", "chart", "citations", "explanation",
    "notices", "model", "timings_ms", "error",
)


def json_value(value: Any) -> Any:
    """One cell as a JSON-safe value: ISO dates and timestamps, floats, null for NaN."""
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def error_json(exc: BaseException) -> dict[str, str]:
    """The ``error`` member: a stable type name and a message meant for people."""
    if isinstance(exc, TradeAssistError):
        return {"type": exc.type, "message": str(exc)}
    return {"type": "InternalError", "message": f"Unexpected error: {type(exc).__name__}: {exc}"}


def _explanation_json(explanation: Explanation) -> dict[str, Any]:
    return {
        "subject": explanation.subject,
        "prediction": explanation.prediction,
        "base_value": explanation.base_value,
        "summary": explanation.summary,
        "contributions": [
            {"feature": c.feature, "value": json_value(c.value), "contribution": c.contribution}
            for c in explanation.contributions
        ],
    }


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The JSON form of an answer as DESIGN.md lists it (plus ``dialect`` and ``notices``).

    ``reading`` is what the SQL computes in plain English (null when the answer has no SQL).
    """
    table = answer.table
    sql = answer.sql
    chart = answer.chart
    explanation = answer.first(Explanation)
    columns: list[str] = []
    rows: list[list[Any]] = []
    if table is not None:
        columns = [str(c) for c in table.frame.columns]
        rows = [[json_value(v) for v in row] for row in table.frame.itertuples(index=False)]
    return {
        "route": answer.route,
        "text": answer.text,
        "sql": sql.statement if sql else None,
        "dialect": sql.dialect if sql else None,
        "reading": sql.reading if sql else None,
        "columns": columns,
        "rows": rows,
        "chart": json.loads(chart.figure.to_json()) if chart else None,
        "citations": [
            {"source": c.source, "page": c.page, "snippet": c.snippet, "score": c.score}
            for c in answer.citations
        ],
        "explanation": _explanation_json(explanation) if explanation else None,
        "notices": [
            {"level": n.level, "message": n.message, "options": list(n.options)}
            for n in answer.notices
        ],
        "model": answer.model.to_json(),
        "timings_ms": {k: round(v, 3) for k, v in answer.timings_ms.items()},
        "error": error_json(answer.error) if answer.error is not None else None,
    }


def dumps(answer: Answer) -> str:
    """The JSON form as one line of text."""
    return json.dumps(answer_to_json(answer), ensure_ascii=False)


def json_safe_state(state) -> dict[str, Any]:
    """The route state entries that survive JSON (follow-ups after a resume or over HTTP reuse them)."""
    kept = {}
    for key, value in dict(state or {}).items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue  # a live object (a DataFrame, a model) cannot be kept; follow-ups do without it
        kept[key] = value
    return kept


class RemoteError(TradeAssistError):
    """An error reported by a remote backend, re-raised locally with its original type name."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self._type_name = type_name

    @property
    def type(self) -> str:
        return self._type_name


def answer_from_json(data: dict[str, Any]) -> Answer:
    """Rebuild an Answer from its JSON form (used by clients of a shared backend)."""
    import pandas as pd

    parts: list = []
    if data.get("text"):
        parts.append(Text(data["text"]))
    if data.get("sql"):
        parts.append(Sql(data["sql"], data.get("dialect") or "duckdb", data.get("reading") or None))
    if data.get("columns"):
        parts.append(Table(pd.DataFrame(data.get("rows") or [], columns=data["columns"])))
    if data.get("chart"):
        import plotly.io as pio  # only for a chart: a saved terminal turn has none

        parts.append(Chart(pio.from_json(json.dumps(data["chart"]))))
    for c in data.get("citations") or []:
        parts.append(Citation(c["source"], c.get("page"), c.get("snippet", ""), float(c.get("score", 0))))
    if data.get("explanation"):
        e = data["explanation"]
        parts.append(
            Explanation(
                subject=e["subject"],
                prediction=float(e["prediction"]),
                base_value=float(e["base_value"]),
                summary=e.get("summary", ""),
                contributions=tuple(
                    Contribution(c["feature"], c["value"], float(c["contribution"]))
                    for c in e.get("contributions", [])
                ),
            )
        )
    for n in data.get("notices") or []:
        parts.append(Notice(n["message"], n.get("level", "info"), tuple(n.get("options", ()))))
    model = ModelInfo(**data["model"]) if data.get("model") else ModelInfo(method="remote")
    error = data.get("error")
    return Answer(
        route=data.get("route") or "none",
        parts=tuple(parts),
        model=model,
        timings_ms=data.get("timings_ms") or {},
        error=RemoteError(error["type"], error["message"]) if error else None,
    )

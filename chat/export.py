"""A conversation as a Jupyter notebook whose cells rebuild each table and chart from its SQL.

Pure function over the JSON form of answers (``tradeassist.core.jsonform.answer_to_json``), no Chainlit import,
so the chat, the HTTP API and notebooks can all export the same way.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tradeassist.core.table_format import markdown_cell, markdown_literal

from tradeassist.chat.safety import strip_remote_images

#: The first code cell: open the trading database read-only and define the chart rule.
_SETUP = '''\
"""Open the trading database read-only; every query below is checked and re-run against it."""
import os

import pandas as pd
import plotly.io as pio

# The data source is named without credentials. Give them through the environment when this runs:
# TRADEASSIST_DB_URL (the full URL), or for PostgreSQL PGPASSWORD (read by the driver).
DB_URL = os.environ.get("TRADEASSIST_DB_URL") or {db_url!r}


def run_sql(statement: str) -> pd.DataFrame:
    """Run one SELECT through tradeassist's guard on a read-only connection; returns a DataFrame."""
    try:
        from tradeassist.core.settings import Settings
        from tradeassist.sql.db.executor import Database, Executor
    except ImportError:  # tradeassist is not installed in this kernel: plain read-only access
        return _run_plain(statement)
    database = Database.connect(DB_URL)
    try:
        _, result = Executor(database, Settings()).run_sql(statement)
        return result.frame
    finally:
        database.close()


def _run_plain(statement: str) -> pd.DataFrame:
    if "://" not in DB_URL:  # a DuckDB file
        import duckdb

        con = duckdb.connect(DB_URL, read_only=True, config={{"enable_external_access": False}})
        try:
            return con.execute(statement).df()
        finally:
            con.close()
    import sqlalchemy as sa

    engine = sa.create_engine(DB_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            return pd.read_sql(sa.text(statement), conn)
    finally:
        engine.dispose()


def chart(frame: pd.DataFrame, question: str, kind: str = ""):
    """The chart for a result, chosen by the same rules as the chat (never model-written code)."""
    try:
        from tradeassist.sql.present import choose_chart
    except ImportError:
        choose_chart = None
    if choose_chart is not None:
        made = choose_chart(frame, question)
        return getattr(made, "figure", made)
    import plotly.express as px

    dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])
             or str(c).lower() in {{"date", "day", "month", "week", "year", "executed_at", "placed_at"}}]
    numbers = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and c not in dates]
    labels = [c for c in frame.columns if c not in dates and c not in numbers]
    if not numbers:
        return None
    if dates:
        return px.line(frame, x=dates[0], y=numbers[0], color=labels[0] if labels else None)
    if labels:
        return px.bar(frame, x=labels[0], y=numbers[0])
    return None
'''


#: Query parameters of a database URL that carry credentials (Snowflake, Trino, ClickHouse, ...).
_SECRET_PARAM = re.compile(r"pass|pwd|secret|token|key|auth|credential|sig", re.IGNORECASE)
#: ``scheme://user:password@host`` anywhere in text.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*):(?P<secret>[^\s@/'\"]+)@")


def data_source_name(db_url: str) -> str:
    """The database URL without any credential: no password, no secret query parameter."""
    if "://" not in db_url:
        return db_url  # a DuckDB or SQLite path holds no secret
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except ArgumentError:
        return _URL_PASSWORD.sub(r"\g<head>@", db_url.split("?", 1)[0])
    query = {k: v for k, v in url.query.items() if not _SECRET_PARAM.search(k)}
    # URL.set() ignores None, so the URL is built again without the password.
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, query)
    return bare.render_as_string(hide_password=False)


def scrub_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with URL passwords and every given secret value replaced by ``***``."""
    text = _URL_PASSWORD.sub(r"\g<head>:***@", text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def url_secrets(db_url: str) -> list[str]:
    """The credential values a database URL holds (its password and secret query parameters)."""
    if "://" not in db_url:
        return []
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except ArgumentError:
        return [m.group("secret") for m in _URL_PASSWORD.finditer(db_url)]
    found = [url.password] if url.password else []
    for key, value in url.query.items():
        if _SECRET_PARAM.search(key):
            found += [value] if isinstance(value, str) else list(value)
    return [str(v) for v in found]


def settings_secrets(settings) -> list[str]:
    """The secret values a Settings object holds (API keys, tokens), for ``scrub_secrets``."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, str) and re.search(r"(key|token|secret|password)$", name):
            found.append(value)
    return found


def light_json(question: str, answer) -> dict[str, Any]:
    """An answer's JSON form without rows or figure: what history, feedback and export keep."""
    from tradeassist.core.jsonform import answer_to_json, json_safe_state

    data = answer_to_json(answer)
    data["question"] = question
    data["row_count"] = len(data["rows"])
    data["rows"] = []
    data["chart_kind"] = (answer.chart.kind or "figure") if answer.chart is not None else None
    data["chart"] = None
    data["state"] = json_safe_state(answer.state)
    return data


@dataclass(frozen=True)
class ExportTurn:
    """One question of the conversation and the JSON form of its answer."""

    question: str
    answer: Mapping[str, Any]


def _markdown_cell(text: str):
    import nbformat

    return nbformat.v4.new_markdown_cell(text)


def _code_cell(source: str):
    import nbformat

    return nbformat.v4.new_code_cell(source)


def _quote(text: str) -> str:
    # Lines as Markdown counts them (str.splitlines also breaks at form feeds and separators), tabs
    # expanded where they stand: after "> " a tab would be narrower, and could close a code block
    # that Markdown (and strip_remote_images) saw going on.
    lines = re.split(r"\r\n|\r|\n", text.rstrip("\r\n"))
    return "\n".join("> " + line.expandtabs(4) if line else ">" for line in lines)


def build_notebook(turns: Iterable[ExportTurn], db_url: str, title: str = "tradeassist conversation"):
    """The conversation as an ``nbformat`` notebook: markdown for words, code that re-runs each SQL."""
    import nbformat

    cells = [
        _markdown_cell(
            f"# {title}\n\nEach table and chart below is rebuilt by re-running its SQL on the trading "
            "database, opened read-only. Run all cells to refresh them."
        ),
        _code_cell(_SETUP.format(db_url=data_source_name(db_url))),
    ]
    for number, turn in enumerate(turns, start=1):
        answer = turn.answer
        # Markdown cells render raw HTML, links and images: questions, names and values are written
        # as literal text, and words from a model or a document lose images, links and tags.
        cells.append(_markdown_cell(f"## {number}. {markdown_literal(turn.question)}"))
        error = answer.get("error")
        if error:
            cells.append(_markdown_cell(f"**Not answered:** {strip_remote_images(str(error.get('message', '')))}"))
            continue
        words = [strip_remote_images(answer.get("text") or "")]
        words += [f"*{n['level']}:* {strip_remote_images(n['message'])}" for n in answer.get("notices") or []]
        model = answer.get("model") or {}
        route = html.escape(f"{answer.get('route')} · {model.get('method', 'offline')}")
        words.append(f"<small>route: {route}</small>")
        cells.append(_markdown_cell("\n\n".join(w for w in words if w)))
        sql = answer.get("sql")
        if sql:
            frame_name = f"result_{number}"
            cells.append(
                _code_cell(f"{frame_name} = run_sql({json.dumps(sql)})\n{frame_name}")
            )
            if answer.get("chart") is not None or answer.get("chart_kind"):
                cells.append(
                    _code_cell(
                        f"figure_{number} = chart({frame_name}, {json.dumps(turn.question)})\n"
                        f"figure_{number}"
                    )
                )
        citations = answer.get("citations") or []
        if citations:
            lines = ["**Sources**", ""]
            for c in citations:
                page = f" p.{c['page']}" if c.get("page") else ""
                snippet = strip_remote_images(str(c.get("snippet", "")))
                lines.append(f"- **{markdown_literal(str(c['source']))}{page}**\n\n{_quote(snippet)}")
            cells.append(_markdown_cell("\n".join(lines)))
        explanation = answer.get("explanation")
        if explanation:
            rows = "\n".join(
                f"| {markdown_cell(str(c['feature']))} | {markdown_cell(str(c['value']))} | {c['contribution']:+.4f} |"
                for c in explanation.get("contributions", [])
            )
            cells.append(
                _markdown_cell(
                    f"**Why {markdown_literal(str(explanation['subject']))}** "
                    f"(prediction {explanation['prediction']:.3f})\n\n"
                    f"| feature | value | contribution |\n|---|---|---|\n{rows}"
                )
            )
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def notebook_bytes(
    turns: Iterable[ExportTurn], db_url: str, title: str = "tradeassist conversation", secrets: Iterable[str] = ()
) -> bytes:
    """The notebook as ``.ipynb`` bytes, ready to download, with no credential anywhere in it.

    The setup cell names the data source without credentials; answer texts and error messages
    (which may quote a connection URL) are scrubbed of the URL's and the given ``secrets``' values.
    """
    import nbformat

    text = nbformat.writes(build_notebook(turns, db_url, title))
    return scrub_secrets(text, [*url_secrets(db_url), *secrets]).encode("utf-8")

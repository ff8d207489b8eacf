"""Rich notebook display of an Answer: HTML, Markdown and Plotly mime bundles, and NotebookAnswer."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tradeassist.core.inert_markdown import strip_remote_images
from tradeassist.core.answer import Answer, Citation, Explanation, Notice
from tradeassist.core.chart_figures import inert_labels
from tradeassist.core.chart_theme import themed_spec
from tradeassist.core.jsonform import answer_to_json, json_value
from tradeassist.core.table_format import column_formats, format_frame, markdown_literal, markdown_table

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

#: The mimetype JupyterLab's built-in Plotly renderer (jupyterlab-plotly) draws.
PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: Rows shown in HTML; the whole table stays in ``.df``.
MAX_HTML_ROWS = 60
#: Rows in the Markdown and plain-text fallbacks (front ends that show HTML never render these).
MAX_TEXT_ROWS = 15
#: A mime bundle: (data, metadata), as IPython's display formatter returns it.
Bundle = tuple[dict[str, Any], dict[str, Any]]

_NOTICE_COLOURS = {"info": "#1f6feb", "warning": "#b08800", "clarify": "#8250df"}


def markdown_to_html(text: str) -> str:
    """Markdown rendered to safe HTML: raw HTML escaped, no image, no link to another host."""
    from markdown_it import MarkdownIt

    # Retrieved or generated text is data: no raw HTML passes, no image is fetched, and a link keeps
    # its words but not its target (``[click](https://host/?q=secret)`` would send data on a click).
    renderer = MarkdownIt("commonmark", {"html": False}).disable("image")
    return renderer.render(strip_remote_images(text))


def frame_html(frame: pd.DataFrame, truncated: bool = False) -> str:
    """A DataFrame as an HTML table (the first MAX_HTML_ROWS rows) with a row-count note."""
    shown = frame.head(MAX_HTML_ROWS)
    # Formatted per column (thousands separators, decimals by magnitude, plain dates); .df stays raw.
    formats = column_formats(frame)
    table = shown.to_html(
        index=False, border=0, classes="dataframe tradeassist-table", na_rep="",
        formatters={column: formats[column] for column in shown.columns},
    )
    note = ""
    if len(frame) > MAX_HTML_ROWS or truncated:
        cut = " (cut by the row cap)" if truncated else ""
        note = f"<div class='tradeassist-note'>{len(frame)} rows{cut}; showing {len(shown)}. Use <code>.df</code> for all.</div>"
    return table + note


def _notice_html(notice: Notice) -> str:
    colour = _NOTICE_COLOURS[notice.level]
    options = "".join(f"<li>{html.escape(o)}</li>" for o in notice.options)
    listed = f"<ul>{options}</ul>" if options else ""
    return (
        f"<div class='tradeassist-notice' style='border-left:3px solid {colour};padding-left:6px'>"
        f"{html.escape(notice.message)}{listed}</div>"
    )


def _citations_html(citations: list[Citation]) -> str:
    items = []
    for c in citations:
        page = f", p.&nbsp;{c.page}" if c.page else ""
        items.append(
            f"<li><b>{html.escape(c.source)}</b>{page} <small>({c.score:.2f})</small><br>"
            f"<span style='color:#555'>{html.escape(c.snippet)}</span></li>"
        )
    return "<div class='tradeassist-citations'><b>Sources</b><ol>" + "".join(items) + "</ol></div>"


def _explanation_html(explanation: Explanation) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c.feature)}</td><td>{html.escape(str(json_value(c.value)))}</td>"
        f"<td>{c.contribution:+.4f}</td></tr>"
        for c in explanation.contributions[:12]
    )
    summary = html.escape(explanation.summary or f"Why {explanation.subject}")
    return (
        f"<div class='tradeassist-explanation'><b>{summary}</b> "
        f"<small>(prediction {explanation.prediction:.3f}, base {explanation.base_value:.3f})</small>"
        f"<table class='dataframe'><tr><th>feature</th><th>value</th><th>contribution</th></tr>{rows}</table></div>"
    )


def _footer_html(answer: Answer) -> str:
    model = answer.model
    who = model.method + (f" · {model.model}" if model.model else "")
    total = answer.timings_ms.get("total")
    took = f" · {total:.0f} ms" if total is not None else ""
    return f"<div class='tradeassist-footer' style='color:#888;font-size:85%'>route: {html.escape(answer.route)} · {html.escape(who)}{took}</div>"


def answer_html(answer: Answer) -> str:
    """Everything except the chart as one HTML block: notices, text, SQL, table, sources."""
    if answer.error is not None:
        return (
            "<div class='tradeassist-error' style='color:#b31d28'><b>Error:</b> "
            f"{html.escape(str(answer.error))}</div>"
        )
    pieces = []
    reading = answer.reading
    if reading:  # what the SQL computes comes first, before any number is shown
        pieces.append(f"<div class='tradeassist-reading'><b>Computed:</b> {html.escape(reading)}</div>")
    pieces += [_notice_html(n) for n in answer.notices]
    if answer.text:
        pieces.append(f"<div class='tradeassist-text'>{markdown_to_html(answer.text)}</div>")
    if answer.sql is not None:
        pieces.append(
            f"<details class='tradeassist-sql'><summary>SQL ({html.escape(answer.sql.dialect)})</summary>"
            f"<pre><code class='language-sql'>{html.escape(answer.sql.statement)}</code></pre></details>"
        )
    if answer.table is not None:
        pieces.append(frame_html(answer.table.frame, answer.table.truncated))
    if answer.citations:
        pieces.append(_citations_html(answer.citations))
    explanation = answer.first(Explanation)
    if explanation is not None:
        pieces.append(_explanation_html(explanation))
    pieces.append(_footer_html(answer))
    return "<div class='tradeassist-answer'>" + "\n".join(pieces) + "</div>"


def answer_markdown(answer: Answer) -> str:
    """The answer as Markdown (text, SQL block, table, sources) for Markdown-only front ends."""
    if answer.error is not None:
        return f"**Error:** {strip_remote_images(str(answer.error))}"
    reading = answer.reading
    pieces = ["**Computed:** " + markdown_literal(reading)] if reading else []
    # Words from a model, a document or data: no image, link or HTML survives (as in the chat).
    pieces += [f"> **{n.level}:** {strip_remote_images(n.message)}" for n in answer.notices]
    if answer.text:
        pieces.append(strip_remote_images(answer.text))
    if answer.sql is not None:
        pieces.append(f"```sql\n{answer.sql.statement}\n```")
    if answer.table is not None:
        pieces.append(markdown_table(answer.table.frame, MAX_TEXT_ROWS))
        if len(answer.table.frame) > MAX_TEXT_ROWS:
            pieces.append(f"*{len(answer.table.frame)} rows; showing {MAX_TEXT_ROWS}.*")
    for c in answer.citations:
        page = f" p.{c.page}" if c.page else ""
        pieces.append(f"- \\[{markdown_literal(c.source)}{page}\\] {strip_remote_images(c.snippet)}")
    return "\n\n".join(pieces)


def answer_plain(answer: Answer) -> str:
    """A short plain-text form (the repr terminals and logs show)."""
    if answer.error is not None:
        return f"Error: {answer.error}"
    reading = answer.reading
    lines = [f"Computed: {reading}"] if reading else []
    lines += [n.message for n in answer.notices]
    if answer.text:
        lines.append(answer.text)
    if answer.sql is not None:
        lines.append(f"SQL: {answer.sql.statement}")
    if answer.table is not None:
        frame = answer.table.frame
        lines.append(format_frame(frame.head(MAX_TEXT_ROWS)).to_string(index=False))
        if len(frame) > MAX_TEXT_ROWS:
            lines.append(f"... {len(frame)} rows")
    for c in answer.citations:
        lines.append(f"[{c.source}{' p.' + str(c.page) if c.page else ''}] {c.snippet[:160]}")
    lines.append(f"(route: {answer.route})")
    return "\n".join(lines)


def _json_engine() -> str:
    try:
        import orjson  # noqa: F401  (plotly serialises several times faster with it)
    except ImportError:
        return "json"
    return "orjson"


def figure_bundle(figure: go.Figure) -> Bundle:
    """A Plotly figure as JupyterLab's Plotly mimetype, with a plain-text fallback."""
    import plotly.io as pio

    # Round-trip through plotly's JSON encoder: numpy arrays and dates become plain JSON.
    # The figure was validated when built, so validating again only costs time.
    spec = inert_labels(themed_spec(json.loads(pio.to_json(figure, validate=False, engine=_json_engine()))))
    # Labels are text: no tag from data (inert_labels), and no TeX, which JupyterLab's MathJax would
    # typeset from any label holding two "$" (and whose \href makes links).
    spec.setdefault("config", {"responsive": True, "typesetMath": False})
    title = figure.layout.title.text if figure.layout.title and figure.layout.title.text else "chart"
    return {PLOTLY_MIME: spec, "text/plain": f"<Plotly figure: {title}>"}, {}


def answer_bundles(answer: Answer) -> list[Bundle]:
    """The display outputs of an answer: one for text, SQL and table, one for the chart if any.

    Two outputs, not one: a front end renders a single mimetype per output, so a bundle
    holding both the table HTML and the Plotly JSON would show only the chart.
    """
    bundles: list[Bundle] = [
        (
            {
                "text/plain": answer_plain(answer),
                "text/html": answer_html(answer),
                "text/markdown": answer_markdown(answer),
            },
            {},
        )
    ]
    if answer.error is None and answer.chart is not None:
        bundles.append(figure_bundle(answer.chart.figure))
    return bundles


def output_items(answer: Answer) -> Iterator[dict[str, Any]]:
    """The answer as nbformat ``display_data`` outputs (for Output widgets and notebooks)."""
    for data, metadata in answer_bundles(answer):
        yield {"output_type": "display_data", "data": data, "metadata": metadata}


class NotebookAnswer:
    """An answer as a live notebook object: ``.df``, ``.figure``, ``.sql``, ``.citations``, ``.text``."""

    def __init__(self, answer: Answer, question: str = ""):
        self.answer = answer
        self.question = question
        self._bundles: list[Bundle] | None = None

    def bundles(self) -> list[Bundle]:
        """The display outputs (computed once; an answer does not change)."""
        if self._bundles is None:
            self._bundles = answer_bundles(self.answer)
        return self._bundles

    @property
    def df(self) -> pd.DataFrame | None:
        """The result table as a DataFrame, or None."""
        return self.answer.table.frame if self.answer.table is not None else None

    @property
    def figure(self) -> go.Figure | None:
        """The Plotly figure, or None."""
        return self.answer.chart.figure if self.answer.chart is not None else None

    @property
    def sql(self) -> str | None:
        """The SQL statement that produced the table, or None."""
        return self.answer.sql.statement if self.answer.sql is not None else None

    @property
    def reading(self) -> str | None:
        """What the SQL computes, in one line of plain English, or None."""
        return self.answer.reading

    @property
    def citations(self) -> list[Citation]:
        """Citations (source, page, snippet, score), best first."""
        return self.answer.citations

    @property
    def text(self) -> str:
        """The answer's text as Markdown."""
        return self.answer.text

    @property
    def route(self) -> str:
        """The route that answered."""
        return self.answer.route

    @property
    def error(self) -> Exception | None:
        """The error, when the question failed."""
        return self.answer.error

    @property
    def json(self) -> dict[str, Any]:
        """The JSON form of the answer (as the CLI's ``--json`` prints it)."""
        return answer_to_json(self.answer)

    def _ipython_display_(self) -> None:
        from IPython.display import publish_display_data

        for data, metadata in self.bundles():
            publish_display_data(data, metadata)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """One combined bundle (HTML, Markdown, Plotly JSON) for renderers that take a single one."""
        data: dict[str, Any] = {}
        bundles = self.bundles()
        for bundle, _ in reversed(bundles):
            data.update(bundle)
        data["text/plain"] = bundles[0][0]["text/plain"]
        return data

    def __repr__(self) -> str:
        shape = f", {len(self.df)} rows" if self.df is not None else ""
        return f"<NotebookAnswer route={self.answer.route!r}{shape}: {self.question[:60]!r}>"


class IngestSummary:
    """What ``%ingest`` did, file by file (the pipeline's report is ``.report``)."""

    def __init__(self, report: Any):
        self.report = report

    @property
    def files(self) -> pd.DataFrame:
        """One row per file: source, status, pages, chunks, reason."""
        import pandas as pd

        rows = [
            {"source": f.source, "status": f.status, "pages": f.pages, "chunks": f.chunks, "reason": f.reason}
            for f in self.report.files
        ]
        return pd.DataFrame(rows, columns=["source", "status", "pages", "chunks", "reason"])

    def headline(self) -> str:
        """One line of totals."""
        r = self.report
        return (
            f"{r.stored} stored, {r.skipped} unchanged, {r.failures} failed "
            f"({r.pages} pages, {r.chunks} chunks) in {r.seconds:.1f} s"
        )

    def _repr_html_(self) -> str:
        return f"<div><b>Ingest:</b> {html.escape(self.headline())}</div>" + frame_html(self.files)

    def __repr__(self) -> str:
        return f"Ingest: {self.headline()}"

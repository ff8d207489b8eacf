"""Plain-terminal rendering of an Answer with rich (the CLI's front end)."""

from __future__ import annotations

import re

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table as RichTable
from rich.text import Text

from tradeassist.core.answer import Answer, Explanation, Notice
from tradeassist.core.jsonform import json_value
from tradeassist.core.table_format import NUMERIC_KINDS, column_formats

MAX_TERMINAL_ROWS = 50
#: What Markdown would read as markup: emphasis, code, links, HTML and entities, headings, quotes,
#: tables, escapes, list markers, line breaks, and spaces at either end.
_MARKDOWN_SIGNS = re.compile(r"[\\`*_\[\]<>#!|~&=]|^[-+]|^\d+[.)]|^\s|\s$|\n")


def render_answer(answer: Answer, console: Console) -> None:
    """Print an answer: what its SQL computes, notices, text, SQL, table, citations, explanation, provenance."""
    if answer.error is not None:
        # Messages, names and values are text: escaped, so "[link=...]" or "[red]" in data is shown as written.
        console.print(f"[bold red]Error:[/] {escape(str(answer.error))}")
        return
    if answer.reading:  # what the SQL computes comes first
        console.print(Text.assemble(("Computed: ", "bold"), answer.reading))
    for notice in answer.notices:
        _render_notice(notice, console)
    if answer.text:
        console.print(prose(answer.text))
    if answer.sql is not None:
        console.print(Panel(Syntax(answer.sql.statement, "sql", word_wrap=True), title=f"SQL ({answer.sql.dialect})"))
    if answer.table is not None:
        frame = answer.table.frame
        table = RichTable(show_lines=False, header_style="bold")
        formats = column_formats(frame)
        for column in frame.columns:
            numeric = formats[column].kind in NUMERIC_KINDS
            table.add_column(escape(str(column)), justify="right" if numeric else "left")
        for row in frame.head(MAX_TERMINAL_ROWS).itertuples(index=False):
            # Cells are data: escaped, so a value such as "[red]" is shown, not read as a style.
            table.add_row(*(escape(formats[c](v)) for c, v in zip(frame.columns, row)))
        console.print(table)
        if len(frame) > MAX_TERMINAL_ROWS or answer.table.truncated:
            console.print(f"[dim]{len(frame)} rows{' (truncated)' if answer.table.truncated else ''}; "
                          f"showing {min(len(frame), MAX_TERMINAL_ROWS)}. Use --json for all.[/]")
    if answer.chart is not None:
        console.print(f"[dim]Chart: {answer.chart.kind or 'figure'} (use --json or the chat to see it)[/]")
    for citation in answer.citations:
        page = f" p.{citation.page}" if citation.page else ""
        console.print(f"[cyan]\\[{escape(citation.source)}{page}][/] {escape(citation.snippet)}")
    explanation = answer.first(Explanation)
    if explanation is not None:
        console.print(f"[bold]Why {escape(explanation.subject)}:[/] {escape(explanation.summary)}")
        for c in explanation.contributions[:10]:
            console.print(f"  {escape(f'{c.feature:<28}')} {c.contribution:+.4f}  (value {escape(_cell(c.value))})")
    console.print(f"[dim]route: {escape(answer.route)} · {escape(answer.model.method)}"
                  f"{' · ' + escape(answer.model.model) if answer.model.model else ''}"
                  f" · {answer.timings_ms.get('total', 0):.1f} ms[/]")


def prose(text: str) -> RenderableType:
    """Markdown text as rich renders it; a plain sentence (most summaries) is laid out as the same
    padded paragraph without loading the Markdown parser (some 30 ms of a first answer)."""
    if not _MARKDOWN_SIGNS.search(text):
        return Padding(Text(text, justify="left"), 0, expand=True)
    from rich.markdown import Markdown

    return Markdown(text)


def _render_notice(notice: Notice, console: Console) -> None:
    style = {"info": "blue", "warning": "yellow", "clarify": "magenta"}[notice.level]
    console.print(f"[{style}]{escape(notice.message)}[/]")
    for option in notice.options:
        console.print(f"  [{style}]-[/] {escape(option)}")


def _cell(value: object) -> str:
    clean = json_value(value)
    if clean is None:
        return ""
    if isinstance(clean, float):
        return f"{clean:,.4f}".rstrip("0").rstrip(".") if abs(clean) < 1e15 else f"{clean:.6g}"
    return str(clean)

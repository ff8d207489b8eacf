"""Answers as Chainlit messages: text, tables (sortable + CSV), charts, SQL, citations, explanations.

Rendering only: the answer was already produced by the shared backend. What a later turn needs
(follow-ups, feedback, notebook export) is kept in the message's metadata as ``light_json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import chainlit as cl

from tradeassist.core.answer import Answer, Citation, Explanation, Notice
from tradeassist.core.chart_figures import inert_labels
from tradeassist.core.chart_theme import themed_spec
from tradeassist.core.table_format import markdown_literal, markdown_table, sortable_frame

from tradeassist.chat.export import light_json
from tradeassist.chat.safety import strip_remote_images

#: Rows shown in the sortable table element; the CSV download always has every row.
MAX_TABLE_ROWS = 2000
#: Results up to this many rows are shown formatted for reading (1,234.50) in the message itself;
#: longer ones in a sortable, paged table, which must hold numbers to sort them by value.
MESSAGE_TABLE_ROWS = 15
METADATA_KEY = "tradeassist"
#: The server's signature over ``METADATA_KEY``'s value (see ``tradeassist.chat.signing``).
SIGNATURE_KEY = "tradeassist_signature"
#: The side element that lists a document answer's citations (the panel's title when it opens).
SOURCES_ELEMENT = "Sources of this answer"
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_. -]+")


def display_frame(frame):
    """The frame as shown in the sortable table element: numbers rounded per column, plain dates."""
    return sortable_frame(frame.head(MAX_TABLE_ROWS))


def plotly_element(name: str, figure) -> cl.Plotly:
    """An inline chart in the product's one theme (SQL, signals and documents charts alike), labels inert."""
    element = cl.Plotly(name=name, figure=figure, display="inline")
    # The theme is applied to the element's JSON, not to the figure: the answer's figure stays as built.
    # Labels from data (a symbol, a category) never become Plotly links or styles, whichever builder made them.
    element.content = json.dumps(inert_labels(themed_spec(json.loads(element.content))))
    return element


def pretty_sql(statement: str, dialect: str) -> str:
    """The statement laid out on several lines for reading (the original if it cannot be parsed)."""
    import sqlglot

    try:
        return ";\n".join(sqlglot.transpile(statement, read=dialect, write=dialect, pretty=True))
    except sqlglot.errors.SqlglotError:
        return statement


def citation_name(citation: Citation, index: int) -> str:
    """The label a citation is shown and referenced by in the message, e.g. ``[report.pdf p.3]``."""
    source = _NAME_UNSAFE.sub("_", citation.source.rsplit("/", 1)[-1])[:60] or "source"
    page = f" p.{citation.page}" if citation.page else ""
    return f"[{index}: {source}{page}]"


def reading_markdown(answer: Answer) -> str | None:
    """The "Computed: ..." line of an SQL answer (what the SQL computes), or None."""
    reading = answer.reading
    if reading is None:
        return None
    # The reading quotes values from the SQL, which a model or a person wrote: shown as plain text.
    return "**Computed:** " + markdown_literal(reading)


def _notice_markdown(notice: Notice) -> str:
    icon = {"info": "ℹ️", "warning": "⚠️", "clarify": "❓"}[notice.level]
    return f"{icon} {strip_remote_images(notice.message)}"


def _explanation_elements(explanation: Explanation, with_chart: bool = True) -> list:
    import pandas as pd
    import plotly.graph_objects as go

    rows = [(c.feature, c.value, c.contribution) for c in explanation.contributions]
    frame = pd.DataFrame(rows, columns=["feature", "value", "contribution"])
    table = cl.Dataframe(name="contributions", data=sortable_frame(frame), display="inline")
    if not with_chart:
        return [table]
    top = frame.head(15).iloc[::-1]
    figure = go.Figure(
        go.Bar(
            x=top["contribution"],
            y=top["feature"],
            orientation="h",
            marker_color=["#2e7d32" if v >= 0 else "#c62828" for v in top["contribution"]],
        )
    )
    figure.update_layout(
        title=f"Why {explanation.subject}: feature contributions (SHAP)",
        xaxis_title="push on the score",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return [table, plotly_element("contributions chart", figure)]


def answer_content(answer: Answer) -> tuple[str, list]:
    """The message's markdown and its elements (inline table, CSV, chart; side citations)."""
    if answer.error is not None:
        return f"**Sorry, I could not answer that.** {strip_remote_images(str(answer.error))}", []
    lines: list[str] = [line for line in (reading_markdown(answer),) if line]  # what was computed, first
    lines += [_notice_markdown(n) for n in answer.notices]
    if answer.text:
        lines.append(strip_remote_images(answer.text))
    elements: list = []
    table = answer.table
    if table is not None:
        frame = table.frame
        if len(frame) <= MESSAGE_TABLE_ROWS:
            shown = frame
            lines.append(markdown_table(frame))
        else:
            shown = display_frame(frame)
            elements.append(cl.Dataframe(name=table.title or "result", data=shown, display="inline"))
        elements.append(
            cl.File(
                name="result.csv",
                content=frame.to_csv(index=False).encode("utf-8"),
                mime="text/csv",
                display="inline",
            )
        )
        if len(frame) > len(shown) or table.truncated:
            lines.append(
                f"_{len(frame):,} rows{' (cut at the row limit)' if table.truncated else ''}; "
                f"the table shows {len(shown):,}, the CSV has them all._"
            )
    if answer.chart is not None:
        elements.append(plotly_element(answer.chart.kind or "chart", answer.chart.figure))
    explanation = answer.first(Explanation)
    if explanation is not None:
        if explanation.summary:
            lines.append(strip_remote_images(explanation.summary))
        # The engine's own chart of the same contributions, when there is one, is not drawn twice.
        elements.extend(_explanation_elements(explanation, with_chart=answer.chart is None))
    if answer.citations:
        names = []
        for index, citation in enumerate(answer.citations, start=1):
            name = citation_name(citation, index)
            names.append(name)
            # Snippets are retrieved text: shown as plain data, with remote images neutralised.
            # Each passage is headed by its own label: Chainlit (>= 2.11) opens the side panel by
            # itself with every side element of the chat stacked under one title, so a passage
            # must say which file and page it comes from rather than borrow the panel's title.
            content = f"**{name}**\n\n{strip_remote_images(citation.snippet)}"
            elements.append(cl.Text(name=name, content=content, display="side"))
        # Added last, so the panel Chainlit opens by itself is titled for what it stacks (all the
        # passages), not with the last citation's label; a click on a label still opens that one.
        elements.append(cl.Text(name=SOURCES_ELEMENT, content="\n".join(f"- {n}" for n in names), display="side"))
        lines.append("**Sources:** " + " ".join(names))
    if not lines and not elements:
        lines.append("_(The answer is empty.)_")
    return "\n\n".join(lines), elements


def answer_actions(answer: Answer) -> list[cl.Action]:
    """Buttons under an answer: the readings of a clarifying question, and notebook export."""
    actions = []
    for notice in answer.notices:
        if notice.level == "clarify":
            for option in notice.options[:6]:
                actions.append(
                    cl.Action(name="clarify", payload={"text": option}, label=option[:80],
                              tooltip="Ask this reading")
                )
    if answer.error is None:
        actions.append(
            cl.Action(name="export_notebook", payload={}, label="Export as notebook", icon="notebook",
                      tooltip="Download the conversation as a Jupyter notebook")
        )
    return actions


def route_summary(answer: Answer) -> str:
    """The "route taken" step's text: the route, why, each claim, timings and the model used."""
    state = answer.state
    model = answer.model
    lines = [f"**Route:** `{answer.route}`"]
    if state.get("route_reason"):
        lines[0] += f" ({state['route_reason']})"
    claims = state.get("claims") or {}
    if claims:
        lines.append("**Claims:** " + ", ".join(f"{k} {v:.2f}" for k, v in claims.items()))
    answered_by = model.method if model.provider == "offline" else f"{model.provider} · {model.model or model.method}"
    lines.append(f"**Answered by:** {answered_by}")
    if model.tokens_in or model.tokens_out:
        lines.append(f"**Tokens:** {model.tokens_in} in, {model.tokens_out} out")
    if answer.timings_ms:
        lines.append("**Timings:** " + ", ".join(f"{k} {v:.1f} ms" for k, v in answer.timings_ms.items()))
    return "\n\n".join(lines)


async def send_answer(question: str, answer: Answer, streamed: cl.Message | None = None,
                      sign: Callable[[dict[str, Any]], str] | None = None) -> cl.Message:
    """Show an answer: a route step, a collapsible SQL step, then the message with its elements.

    ``streamed`` is the message that already showed the model's text piece by piece: it is finished
    with the whole answer (the final text replaces the streamed draft, so nothing shows twice).
    ``sign`` signs the answer's metadata, so that a resumed conversation trusts only what the server wrote.
    """
    async with cl.Step(name=f"Route: {answer.route}", type="run") as step:
        step.output = route_summary(answer)
    if answer.sql is not None:
        async with cl.Step(name="SQL", type="tool", language="sql", default_open=False) as sql_step:
            computed = f"-- Computed: {answer.reading}\n" if answer.reading else ""
            sql_step.output = computed + pretty_sql(answer.sql.statement, answer.sql.dialect)
    content, elements = answer_content(answer)
    data = light_json(question, answer)
    metadata = {METADATA_KEY: data, SIGNATURE_KEY: sign(data) if sign is not None else None}
    if streamed is not None and streamed.streaming:
        streamed.content, streamed.elements, streamed.actions = content, elements, answer_actions(answer)
        streamed.metadata = metadata
        await streamed.send()  # ends the stream; the message now holds the whole answer
        return streamed
    message = cl.Message(content=content, elements=elements, actions=answer_actions(answer), metadata=metadata)
    await message.send()
    return message

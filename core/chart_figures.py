"""Plotly figures made from plain specs (``tradeassist.core.answer.FigureSpec``), only where a chart is shown.

The terminal never shows a chart, so an answer carries its chart as data; the chat, the notebook
and the JSON form ask for ``Chart.figure`` and this module makes it (the first use loads Plotly).
"""

from __future__ import annotations

import functools
import html
import pickle
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from tradeassist.core.answer import FigureSpec


#: A "<" that opens no tag of the label markup figures use themselves (line break, sub- and superscript,
#: bold, italics, a hover template's <extra>; all without attributes): ``<a href>``, ``<span style>`` show as text.
_OTHER_TAG = re.compile(r"<(?!/?(?:br|sub|sup|b|i|em|extra)\s*/?>)", re.IGNORECASE)


def plotly_text(value: Any) -> str:
    """A value from data as Plotly label text: shown as written, never read as a tag or an entity."""
    return html.escape(str(value), quote=False)


def inert_labels(spec: Any) -> Any:
    """A figure's JSON with no tag but line breaks, sub/superscripts, bold and italics in any string.

    Plotly reads a subset of HTML in titles, tick labels, legend names and hover text; a chart
    made by any builder from data (a symbol ``<a href=...>``) must not become a link or a style.
    """
    if isinstance(spec, str):
        return _OTHER_TAG.sub("&lt;", spec) if "<" in spec else spec
    if isinstance(spec, dict):
        return {key: inert_labels(value) for key, value in spec.items()}
    if isinstance(spec, list):
        return [inert_labels(value) for value in spec]
    return spec


@functools.lru_cache(maxsize=4)
def _template_bytes(name: str) -> bytes:
    import plotly.io as pio

    return pickle.dumps(pio.templates[name].to_plotly_json(), protocol=pickle.HIGHEST_PROTOCOL)


def template_json(name: str) -> dict:
    """A private copy of a registered template's JSON (unpickling a cached copy is cheap)."""
    return pickle.loads(_template_bytes(name))


def figure_from_spec(spec: FigureSpec) -> go.Figure:
    """The figure a spec describes, built in one step and templated.

    Traces and layout are validated once, at construction (no ``add_trace``/``update_layout``
    chains, each of which validates again). The template is a registered, already valid one, so
    it is attached without a second validation pass, the way Plotly attaches its default template.
    """
    import plotly.graph_objects as go

    figure = go.Figure(data=[dict(trace) for trace in spec.traces], layout=dict(spec.layout))
    layout_object = figure.layout
    validate = layout_object._validate
    layout_object._validate = False
    try:
        layout_object.template = template_json(spec.template)
    finally:
        layout_object._validate = validate
    return figure

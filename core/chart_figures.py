"""Plotly figures made from plain specs (``tradeassist.core.answer.FigureSpec``), only where a chart is shown.

The terminal never shows a chart, so an answer carries its chart as data; the chat, the notebook
and the JSON form ask for ``Chart.figure`` and this module makes it (the first use loads Plotly).
"""

from __future__ import annotations

import functools
import pickle
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from tradeassist.core.answer import FigureSpec


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

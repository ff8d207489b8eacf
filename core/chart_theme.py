"""One chart theme for every route: transparent backgrounds, neutral grid, one colour sequence.

Engines build figures with whatever template suits them; front ends apply this theme when they
show a figure, so SQL, signals and document charts look alike. Backgrounds are transparent and
text and grid lines are mid-grey, so a chart reads on the chat's light and dark themes and in
light or dark JupyterLab; the chat's stylesheet (public/tradeassist.css) lightens chart text
further when the chat is dark.
"""

from __future__ import annotations

from typing import Any

#: Mid-grey text and translucent lines: legible on white and on near-black backgrounds.
TEXT_COLOUR = "#7c8594"
GRID_COLOUR = "rgba(128, 128, 128, 0.22)"
LINE_COLOUR = "rgba(128, 128, 128, 0.45)"
#: Colour sequence chosen to stay distinct on light and dark backgrounds.
COLOURWAY = ("#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16",
             "#f97316", "#64748b")


def theme_template() -> dict[str, Any]:
    """The theme as Plotly template JSON: Plotly's white template with transparent, neutral styling."""
    import plotly.io as pio

    template = pio.templates["plotly_white"].to_plotly_json()
    layout = template.setdefault("layout", {})
    layout.update(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        colorway=list(COLOURWAY),
        font={"color": TEXT_COLOUR},
        legend={"bgcolor": "rgba(0,0,0,0)"},
        hoverlabel={"font": {"color": "#111827"}, "bgcolor": "#f9fafb"},
    )
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout.get(axis, {}), "gridcolor": GRID_COLOUR, "linecolor": LINE_COLOUR,
                        "zerolinecolor": LINE_COLOUR}
    return template


def themed_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A figure's JSON with the theme as its template (the spec is changed in place and returned)."""
    spec.setdefault("layout", {})["template"] = theme_template()
    return spec

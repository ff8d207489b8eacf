"""Plotly charts of the signal engine: price with indicators, SHAP bars, rankings, equity curves."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from tradeassist.core.answer import Explanation


def shap_bar(explanation: Explanation, top: int = 10) -> go.Figure:
    """Horizontal bars of the largest SHAP contributions (largest at the top)."""
    import plotly.graph_objects as go

    items = list(explanation.contributions[:top])[::-1]
    figure = go.Figure(
        go.Bar(
            x=[c.contribution for c in items],
            y=[c.feature for c in items],
            orientation="h",
            marker_color=["#2ca02c" if c.contribution > 0 else "#d62728" for c in items],
            text=[f"{c.contribution:+.3f}" for c in items],
            hovertext=[f"value {c.value:.4g}" for c in items],
        )
    )
    figure.update_layout(
        title=f"Why {explanation.subject}: SHAP contributions (log-odds)",
        xaxis_title="contribution to the model's log-odds",
        height=120 + 28 * len(items),
        margin={"l": 200},
    )
    return figure


def price_chart(history: pd.DataFrame, symbol: str, strong_dates: list | None = None, days: int = 180) -> go.Figure:
    """Candlesticks with EMA-12/26 and Bollinger bands, cross and breakout markers, RSI and volume."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    data = history.tail(days)
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.6, 0.2, 0.2], vertical_spacing=0.03,
                           subplot_titles=(f"{symbol} daily", "RSI-14", "Volume"))
    figure.add_trace(go.Candlestick(x=data["date"], open=data["open"], high=data["high"], low=data["low"],
                                    close=data["close"], name=symbol), row=1, col=1)
    for column, label, style in (
        ("ema_12", "EMA-12", {"color": "#1f77b4"}),
        ("ema_26", "EMA-26", {"color": "#ff7f0e"}),
        ("bb_upper", "Bollinger upper", {"color": "grey", "dash": "dot"}),
        ("bb_lower", "Bollinger lower", {"color": "grey", "dash": "dot"}),
    ):
        figure.add_trace(go.Scatter(x=data["date"], y=data[column], name=label, line=style, mode="lines"), row=1, col=1)
    up = data[data["ema_cross"] == 1]
    down = data[data["ema_cross"] == -1]
    figure.add_trace(go.Scatter(x=up["date"], y=up["low"] * 0.98, mode="markers", name="EMA bullish cross",
                                marker={"symbol": "triangle-up", "size": 11, "color": "green"}), row=1, col=1)
    figure.add_trace(go.Scatter(x=down["date"], y=down["high"] * 1.02, mode="markers", name="EMA bearish cross",
                                marker={"symbol": "triangle-down", "size": 11, "color": "red"}), row=1, col=1)
    if strong_dates:
        strong = data[data["date"].isin(strong_dates)]
        figure.add_trace(go.Scatter(x=strong["date"], y=strong["high"] * 1.04, mode="markers", name="strong breakout",
                                    marker={"symbol": "star", "size": 13, "color": "gold"}), row=1, col=1)
    figure.add_trace(go.Scatter(x=data["date"], y=data["rsi_14"], name="RSI-14", line={"color": "purple"}), row=2, col=1)
    for level in (30, 70):
        figure.add_hline(y=level, line={"dash": "dash", "color": "grey", "width": 1}, row=2, col=1)
    figure.add_trace(go.Bar(x=data["date"], y=data["volume"], name="Volume", marker_color="#7f7f7f"), row=3, col=1)
    figure.update_layout(height=720, xaxis_rangeslider_visible=False, legend={"orientation": "h"})
    return figure


def ranking_bar(ranked: pd.DataFrame, strong: float, top: int = 15) -> go.Figure:
    """Bars of the highest breakout scores, the strong-breakout line drawn across."""
    import plotly.graph_objects as go

    data = ranked.head(top)
    figure = go.Figure(go.Bar(x=data["symbol"], y=data["breakout_score"], name="breakout score",
                              marker_color=["#2ca02c" if s >= strong else "#1f77b4" for s in data["breakout_score"]]))
    figure.add_hline(y=strong, line={"dash": "dash", "color": "orange"}, annotation_text=f"strong breakout ({strong})")
    figure.update_layout(title="Strongest breakout scores", yaxis={"range": [0, 1], "title": "score"})
    return figure


def equity_chart(daily: pd.DataFrame, title: str) -> go.Figure:
    """Equity curves of the strategy and of buy-and-hold."""
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.add_trace(go.Scatter(x=daily["date"], y=daily["equity"], name="strategy (net of costs)", mode="lines"))
    figure.add_trace(go.Scatter(x=daily["date"], y=daily["benchmark_equity"], name="buy and hold", mode="lines"))
    figure.update_layout(title=title, yaxis_title="growth of 1")
    return figure

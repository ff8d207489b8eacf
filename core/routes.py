"""The explicit, ordered tuple of routes the backend uses. No import-time registration."""

from __future__ import annotations

from core.route import Route
from core.settings import Settings


def default_routes(settings: Settings) -> tuple[Route, ...]:
    """The product's routes, in priority order for ties: sql, docs, signals."""
    from retrieval.route import DocsRoute
    from signals.route import SignalsRoute
    from sql.route import SqlRoute

    return (SqlRoute(settings), DocsRoute(settings), SignalsRoute(settings))

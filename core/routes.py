"""The explicit, ordered tuple of routes the backend uses. No import-time registration."""

from __future__ import annotations

import threading

from core.route import Route
from core.settings import Settings


def default_routes(settings: Settings) -> tuple[Route, ...]:
    """The product's routes, in priority order for ties: sql, docs, signals.

    When a language model is configured, the SQL route gets the LLM engine and the docs route the
    grounded writer, both through one gateway; otherwise both answer with their offline methods.
    """
    from retrieval.route import DocsRoute
    from signals.route import SignalsRoute
    from sql.route import SqlRoute

    gateway = model_gateway(settings)
    if gateway is None:
        return (SqlRoute(settings), DocsRoute(settings), SignalsRoute(settings))
    from retrieval.grounded import GroundedWriter
    from sql.llm_engine import VannaSqlEngine

    sql_route = SqlRoute(settings)
    sql_route.llm_engine = VannaSqlEngine(gateway, settings, teacher=sql_route.teacher(),
                                          database=lambda: sql_route.engine()[0])
    return (sql_route, DocsRoute(settings, writer=GroundedWriter(gateway, settings)), SignalsRoute(settings))


_GATEWAYS: dict[int, tuple[Settings, object]] = {}
_GATEWAYS_LOCK = threading.Lock()


def model_gateway(settings: Settings):
    """The model gateway for these settings (one per settings object, so routes share breakers
    and concurrency caps), or None when no model is configured (offline)."""
    with _GATEWAYS_LOCK:
        cached = _GATEWAYS.get(id(settings))
        if cached is not None and cached[0] is settings:
            return cached[1]
        from core.gateway.providers import build_providers

        providers = build_providers(settings)
        gateway = None
        if providers:
            from core.gateway import Gateway, Policy

            gateway = Gateway(providers, Policy.from_settings(settings))
        _GATEWAYS[id(settings)] = (settings, gateway)
        return gateway


def router_options(settings: Settings | None) -> dict:
    """The router's classifier (MiniLM, loaded on first tie) and, with a model, its tie-breaker."""
    if settings is None:
        return {}
    from core.classifier import ModelTieBreaker, RouteClassifier

    gateway = model_gateway(settings)
    return {"classifier": RouteClassifier(), "tie_breaker": ModelTieBreaker(gateway) if gateway else None}

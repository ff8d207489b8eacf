"""The wiring: the one core module that imports engines. It builds the services and their routes.

Front ends call ``build_services(settings)`` once at their edge and hand the result to
``tradeassist.core.backend.Backend``; each route receives what it needs in its constructor. No import-time
registration and no module-level state: every call builds new objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradeassist.core.route import Route
from tradeassist.core.services import Services
from tradeassist.core.settings import Settings

if TYPE_CHECKING:
    from tradeassist.core.gateway import Gateway
    from tradeassist.retrieval.embeddings import LazyEmbedder
    from tradeassist.signals.engine import SignalEngines


@dataclass(frozen=True)
class RouteInputs:
    """What the services being built lend their routes: the one gateway, embedder and signal engines."""

    gateway: Gateway | None
    embedder: LazyEmbedder
    signal_engines: SignalEngines


#: Makes a deployment's routes from the inputs of the services being built.
RoutesFactory = Callable[[RouteInputs], Sequence[Route]]


def build_services(settings: Settings, *, routes: Sequence[Route] | RoutesFactory | None = None,
                   shared: Services | None = None) -> Services:
    """The services for ``settings``: a new gateway, the embedder, the signal engines, the routes.

    ``routes`` replaces the product's routes (deployments that add their own): the routes, or a
    function making them from this services object's ``RouteInputs`` (so they share its gateway and
    embedder). ``shared`` lends its embedder and signal engines, which do not depend on the model
    settings (the chat's "offline" choice shares them with its "auto" one instead of loading the
    model twice).
    """
    from tradeassist.core.classifier import ModelTieBreaker, RouteClassifier
    from tradeassist.retrieval.embeddings import LazyEmbedder
    from tradeassist.signals.engine import SignalEngines

    gateway = model_gateway(settings)
    embedder = shared.embedder if shared is not None else LazyEmbedder(settings.home)
    signal_engines = shared.signal_engines if shared is not None else SignalEngines()
    inputs = RouteInputs(gateway=gateway, embedder=embedder, signal_engines=signal_engines)
    if routes is None:
        routes = _product_routes(settings, inputs)
    elif callable(routes):
        routes = routes(inputs)
    return Services(
        settings=settings,
        gateway=gateway,
        embedder=embedder,
        signal_engines=signal_engines,
        routes=tuple(routes),
        classifier=RouteClassifier(embedder=embedder),
        tie_breaker=ModelTieBreaker(gateway) if gateway is not None else None,
    )


def default_routes(settings: Settings, inputs: RouteInputs | None = None) -> tuple[Route, ...]:
    """The product's routes for ``settings`` (sql, docs, signals) over ``inputs``.

    A deployment's routes function extends them with the inputs it was given, sharing the services'
    gateway and embedder. Without ``inputs`` (the older form) the routes get new services of their own.
    """
    if inputs is None:
        return build_services(settings).routes
    return _product_routes(settings, inputs)


def _product_routes(settings: Settings, inputs: RouteInputs) -> tuple[Route, ...]:
    """The product's routes, in priority order for ties: sql, docs, signals.

    When a language model is configured, the SQL route gets the LLM engine and the docs route the
    grounded writer, both through the one gateway; otherwise both answer with their offline methods.
    """
    from tradeassist.retrieval.route import DocsRoute
    from tradeassist.signals.route import SignalsRoute
    from tradeassist.sql.route import SqlRoute

    gateway, embedder = inputs.gateway, inputs.embedder
    signals = SignalsRoute(settings, engines=inputs.signal_engines)
    if gateway is None:  # the SQL route makes its teacher on first use
        return (SqlRoute(settings), DocsRoute(settings, embedder=embedder), signals)
    from tradeassist.retrieval.grounded import GroundedWriter
    from tradeassist.sql.llm_engine import VannaSqlEngine
    from tradeassist.sql.teach import Teacher

    teacher = Teacher(settings)  # one store of taught pairs: the route matches them, the model sees them

    # The model's SQL is probed on the route's own connection, which the route opens on its first
    # question: the engine asks for it when it runs, after the route below exists.
    llm_engine = VannaSqlEngine(gateway, settings, teacher=teacher, database=lambda: sql_route.engine()[0])
    sql_route = SqlRoute(settings, teacher=teacher, llm_engine=llm_engine)
    docs = DocsRoute(settings, writer=GroundedWriter(gateway, settings), embedder=embedder)
    return (sql_route, docs, signals)


def model_gateway(settings: Settings) -> Gateway | None:
    """A new model gateway for these settings (its routes share its breakers and concurrency caps),
    or None when no model is configured (offline)."""
    from tradeassist.core.gateway.providers import build_providers

    providers = build_providers(settings)
    if not providers:
        return None
    from tradeassist.core.gateway import Gateway, Policy

    return Gateway(providers, Policy.from_settings(settings))

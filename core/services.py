"""The services object: what the routes share, built once at the edge from one Settings.

A front end (a CLI command, the chat server, the Jupyter extension) builds one with
``tradeassist.core.routes.build_services(settings)`` and passes it to ``tradeassist.core.backend.Backend``. Everything a
process used to keep in module-level caches lives here instead (the model gateway with its breakers
and concurrency caps, the embedding model, the signal engines), or in the route objects held here
(the SQL route's connection, catalog and planner; the docs route's index), so two services objects
built from different settings can live side by side in one process without sharing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradeassist.core.route import Route
from tradeassist.core.settings import Settings

if TYPE_CHECKING:  # engine types for readers and checkers only: this module imports no engine
    from tradeassist.core.classifier import ModelTieBreaker, RouteClassifier
    from tradeassist.core.gateway import Gateway
    from tradeassist.retrieval.embeddings import LazyEmbedder
    from tradeassist.signals.engine import SignalEngines


@dataclass(frozen=True)
class Services:
    """One settings object and the long-lived parts built from it, passed down explicitly."""

    settings: Settings
    #: The language-model gateway, or None when no model is configured (offline answers only).
    gateway: Gateway | None
    #: The sentence embedder (MiniLM), loaded on first use; the classifier and the docs index share it.
    embedder: LazyEmbedder
    #: Signal engines per database and home, holding features and the loaded model between questions.
    signal_engines: SignalEngines
    #: The routes, in priority order for ties.
    routes: tuple[Route, ...]
    #: Breaks near-ties of the routes' claims (embeds example questions on the first tie).
    classifier: RouteClassifier | None = None
    #: A language model's pick among routes the classifier cannot separate (None when offline).
    tie_breaker: ModelTieBreaker | None = None

    def router_options(self) -> dict[str, Any]:
        """The router's keyword arguments: the classifier and the tie-breaker."""
        return {"classifier": self.classifier, "tie_breaker": self.tie_breaker}

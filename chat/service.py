"""What the chat and its HTTP API share: one Backend per model choice, asking in a thread."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from tradeassist.core.answer import Answer, error_answer, with_charts_made
from tradeassist.core.backend import Backend
from tradeassist.core.errors import ConfigError, TradeAssistError
from tradeassist.core.question import Question, Turn
from tradeassist.core.services import Services
from tradeassist.core.settings import Settings

from tradeassist.chat.fairpool import FairPool

if TYPE_CHECKING:
    from tradeassist.core.routes import RouteInputs, RoutesFactory

logger = logging.getLogger("tradeassist.chat")

#: How many earlier exchanges a question carries for follow-ups.
CONTEXT_TURNS = 6
#: Route override choices shown in the chat settings ("auto" lets the router decide).
ROUTE_CHOICES = ("auto", "sql", "docs", "signals")


def routes_factory(spec: str, settings: Settings) -> RoutesFactory:
    """The routes a ``TRADEASSIST_CHAT_ROUTES`` spec (``module:function``) names, as ``build_services`` takes them.

    A function of ``(settings, inputs)`` gets the ``RouteInputs`` of the services being built
    (extend with ``tradeassist.core.routes.default_routes(settings, inputs)``: one gateway, one embedder); a
    function of ``(settings)`` alone, the older form, still works.
    """
    module_name, _, function = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), function or "routes")
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"TRADEASSIST_CHAT_ROUTES={spec!r} does not name a routes function ({exc}).") from exc

    def make_routes(inputs: RouteInputs) -> Sequence:
        if _accepts(factory, settings, inputs):
            return tuple(factory(settings, inputs))
        return tuple(factory(settings))

    return make_routes


def _accepts(function: Callable, *args: object) -> bool:
    """Whether ``function`` can be called with these positional arguments."""
    try:
        inspect.signature(function).bind(*args)
    except (TypeError, ValueError):  # ValueError: no signature to read, taken as the one-argument form
        return False
    return True


class BusyError(TradeAssistError):
    """The asking user already has as many questions running as they may."""

    status = 429


class BackendPool:
    """One Backend per model choice: "auto" built with the pool (as the server starts), "offline" on first use.

    Questions run in a bounded pool of their own threads, never in the event loop's default
    pool (where logins check passwords), and one user may have only ``per_user`` running at once,
    so nobody's burst of slow questions can starve other people or the login page.
    """

    def __init__(self, settings: Settings, routes_spec: str | None = None, *, workers: int = 4, per_user: int = 2,
                 ingest_workers: int = 2):
        self.settings = settings
        self.routes_spec = routes_spec
        self.per_user = per_user
        #: The services of the "auto" choice, built once as the server starts (models load when first asked).
        self.services = self._build_services(settings)
        self._backends: dict[str, Backend] = {"auto": Backend(self.services)}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tradeassist-ask")
        self._running: dict[str, int] = {}
        #: Uploads (parsing, OCR) run in a pool of their own: a slow scan never holds a question's thread,
        #: and the pool is shared fairly: one user holds one worker at most while others wait.
        self.ingest_pool = FairPool(ingest_workers, per_user=1, name="tradeassist-ingest")

    def _build_services(self, settings: Settings, shared: Services | None = None) -> Services:
        from tradeassist.core.routes import build_services

        routes = routes_factory(self.routes_spec, settings) if self.routes_spec else None
        return build_services(settings, routes=routes, shared=shared)

    def backend(self, model: str = "auto") -> Backend:
        """The Backend for a model choice; "offline" forbids every language model."""
        key = "offline" if model == "offline" else "auto"
        with self._lock:
            if key not in self._backends:
                # Built on first use; it shares the embedder and signal engines of "auto".
                offline = self.settings.model_copy(update={"offline_only": True})
                self._backends[key] = Backend(self._build_services(offline, shared=self.services))
            return self._backends[key]

    def ask(self, question: Question, model: str = "auto") -> Answer:
        """Answer one question with its charts made; every failure comes back as an Answer with ``error`` set.

        Charts are made here, in the question's thread: the chat and the API only read them on the
        event loop, and a chart that cannot be made becomes a warning instead of a failed question.
        """
        try:
            return with_charts_made(self.backend(model).ask_safely(question))
        except TradeAssistError as exc:
            return error_answer(question.route or "none", exc)
        except Exception as exc:  # a bug in an engine: logged in full, shown briefly, server stays up
            logger.exception("question failed: %r", question.text)
            return error_answer(question.route or "none", exc)

    async def ask_async(self, question: Question, model: str = "auto") -> Answer:
        """``ask`` in the question pool, so the event loop keeps serving other people.

        A user past their number of running questions gets a ``BusyError`` answer at once.
        """
        user = question.user or ""
        with self._lock:
            if self._running.get(user, 0) >= self.per_user:
                busy = BusyError(f"You have {self.per_user} questions running already; "
                                 "ask again when one has been answered.")
                return error_answer(question.route or "none", busy)
            self._running[user] = self._running.get(user, 0) + 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, self.ask, question, model)
        finally:
            with self._lock:
                left = self._running.pop(user, 1) - 1
                if left > 0:
                    self._running[user] = left


def build_question(
    text: str,
    *,
    user: str,
    route: str | None = None,
    history: Sequence[Turn] = (),
    on_text: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Question:
    """The Question a front end sends: text, route override ("auto" = none), recent turns, user.

    ``on_text`` receives model-written text as it arrives (for streaming) and ``cancel`` stops it.
    """
    return Question(
        text=text,
        route=None if route in (None, "", "auto") else route,
        context=tuple(history)[-CONTEXT_TURNS:],
        user=user,
        on_text=on_text,
        cancel=cancel,
    )


class TextRelay:
    """Hands text pieces from the answering thread to the event loop, in order, for ``stream_token``."""

    def __init__(self, send: Callable[[str], Awaitable[object]]):
        self.send = send
        self.loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump())

    def __call__(self, piece: str) -> None:
        """Queue one piece (called from the worker thread; never blocks it)."""
        self.loop.call_soon_threadsafe(self._queue.put_nowait, piece)

    async def _pump(self) -> None:
        while (piece := await self._queue.get()) is not None:
            await self.send(piece)

    async def finish(self) -> None:
        """Wait until every queued piece was sent, then stop."""
        self._queue.put_nowait(None)
        await self._task

"""Answers and their typed parts: what every engine returns and every front end renders."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from tradeassist.core.errors import BadInputError

if TYPE_CHECKING:  # heavy imports stay out of start-up
    import pandas as pd
    import plotly.graph_objects as go

NOTICE_LEVELS = ("info", "warning", "clarify")

logger = logging.getLogger("tradeassist.answer")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise BadInputError(message)


@dataclass(frozen=True)
class Text:
    """Markdown text written for the person (a summary, an answer, an explanation)."""

    markdown: str

    def __post_init__(self) -> None:
        _require(isinstance(self.markdown, str), "Text.markdown must be a string")


@dataclass(frozen=True, eq=False)
class Table:
    """A result table; ``truncated`` says the row cap cut it."""

    frame: pd.DataFrame
    title: str = ""
    truncated: bool = False

    def __post_init__(self) -> None:
        import pandas as pd

        _require(isinstance(self.frame, pd.DataFrame), "Table.frame must be a pandas DataFrame")


@dataclass(frozen=True, eq=False)
class FigureSpec:
    """A Plotly figure as plain data: trace and layout dicts and the registered template to style it with."""

    traces: tuple[Mapping[str, Any], ...]
    layout: Mapping[str, Any]
    template: str = "plotly_dark"

    def __post_init__(self) -> None:
        object.__setattr__(self, "traces", tuple(self.traces))
        _require(all(isinstance(t, Mapping) for t in self.traces), "FigureSpec.traces must be mappings")
        _require(isinstance(self.layout, Mapping), "FigureSpec.layout must be a mapping")


@dataclass(frozen=True, eq=False)
class Chart:
    """A Plotly figure chosen by rules from the data (never code written by a model).

    ``source`` is the figure, its FigureSpec, or a function of no arguments that makes it. A spec
    or a function becomes the figure on the first read of ``figure``, so a front end that never
    shows charts (the terminal) never loads Plotly.
    """

    source: go.Figure | FigureSpec | Callable[[], go.Figure]
    kind: str = ""
    _built: go.Figure | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.source, FigureSpec) or callable(self.source):
            return
        import plotly.graph_objects as go

        _require(isinstance(self.source, go.Figure),
                 "Chart.figure must be a plotly Figure, a FigureSpec or a function making one")

    @property
    def figure(self) -> go.Figure:
        """The Plotly figure, made on first use and kept."""
        if not isinstance(self.source, FigureSpec) and not callable(self.source):
            return self.source
        if self._built is None:
            if isinstance(self.source, FigureSpec):
                from tradeassist.core.chart_figures import figure_from_spec

                built = figure_from_spec(self.source)
            else:
                built = self.source()
            object.__setattr__(self, "_built", built)
        return self._built


@dataclass(frozen=True)
class Sql:
    """The statement that produced a table, in its database's dialect, and what it computes in words."""

    statement: str
    dialect: str
    #: What the statement computes, one line of plain English read from its SQL tree.
    reading: str | None = None

    def __post_init__(self) -> None:
        _require(bool(self.statement.strip()), "Sql.statement must not be empty")
        _require(bool(self.dialect), "Sql.dialect must be named")
        _require(self.reading is None or isinstance(self.reading, str), "Sql.reading must be text or None")


@dataclass(frozen=True)
class Citation:
    """Where a piece of an answer comes from: a file, a 1-based page, the quoted text."""

    source: str
    page: int | None
    snippet: str
    score: float

    def __post_init__(self) -> None:
        _require(bool(self.source), "Citation.source must be named")
        _require(self.page is None or self.page >= 1, "Citation.page is 1-based")
        _require(math.isfinite(self.score), "Citation.score must be finite")


@dataclass(frozen=True)
class Contribution:
    """One feature's push on a model's output (a SHAP value) and the feature's value."""

    feature: str
    value: float
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """Why a model scored a subject as it did: feature contributions, largest first."""

    subject: str
    prediction: float
    base_value: float
    contributions: tuple[Contribution, ...]
    summary: str = ""

    def __post_init__(self) -> None:
        _require(bool(self.subject), "Explanation.subject must be named")
        _require(
            all(isinstance(c, Contribution) for c in self.contributions),
            "Explanation.contributions must be Contribution items",
        )


@dataclass(frozen=True)
class Notice:
    """A warning, a note, or a clarifying question (``level='clarify'``) with options."""

    message: str
    level: str = "info"
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(self.level in NOTICE_LEVELS, f"Notice.level must be one of {NOTICE_LEVELS}")
        _require(bool(self.message), "Notice.message must not be empty")


Part = Text | Table | Chart | Sql | Citation | Explanation | Notice


@dataclass(frozen=True)
class ModelInfo:
    """Provenance: which model or offline method produced an answer, and at what cost."""

    method: str
    provider: str = "offline"
    model: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    #: A configured model that was asked and failed, with why: the answer came from ``method`` instead.
    failed: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain-dict form used by the JSON answer."""
        return dataclasses.asdict(self)


OFFLINE = ModelInfo(method="offline")


@dataclass(frozen=True)
class Answer:
    """What an engine returns: the route, typed parts, timings, provenance, and route state."""

    route: str
    parts: tuple[Part, ...]
    model: ModelInfo = OFFLINE
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    #: Route-private state a follow-up question may reuse (for example the SQL plan).
    state: Mapping[str, Any] = field(default_factory=dict)
    #: Set when the question failed; front ends show it instead of parts.
    error: Exception | None = None

    def __post_init__(self) -> None:
        _require(bool(self.route), "Answer.route must be named")
        object.__setattr__(self, "parts", tuple(self.parts))
        object.__setattr__(self, "timings_ms", MappingProxyType(dict(self.timings_ms)))
        object.__setattr__(self, "state", MappingProxyType(dict(self.state)))

    def of(self, kind: type) -> list:
        """Every part of one kind, in order."""
        return [part for part in self.parts if isinstance(part, kind)]

    def first(self, kind: type) -> Any:
        """The first part of one kind, or None."""
        found = self.of(kind)
        return found[0] if found else None

    @property
    def text(self) -> str:
        """All Text parts joined, as markdown."""
        return "\n\n".join(part.markdown for part in self.of(Text))

    @property
    def sql(self) -> Sql | None:
        """The Sql part, if any."""
        return self.first(Sql)

    @property
    def reading(self) -> str | None:
        """What the answer's SQL computes, in words (None when there is no SQL or no reading)."""
        sql = self.sql
        return sql.reading if sql is not None and sql.reading else None

    @property
    def table(self) -> Table | None:
        """The first Table part, if any."""
        return self.first(Table)

    @property
    def chart(self) -> Chart | None:
        """The first Chart part, if any."""
        return self.first(Chart)

    @property
    def citations(self) -> list[Citation]:
        """Citation parts, best first as the engine ordered them."""
        return self.of(Citation)

    @property
    def notices(self) -> list[Notice]:
        """Notice parts (warnings and clarifying questions)."""
        return self.of(Notice)

    @property
    def needs_clarification(self) -> bool:
        """True when the engine asked a clarifying question instead of answering."""
        return any(n.level == "clarify" for n in self.notices)

    def with_timing(self, **timings_ms: float) -> Answer:
        """A copy with more timings recorded."""
        return dataclasses.replace(self, timings_ms={**self.timings_ms, **timings_ms})

    def replace(self, **changes: Any) -> Answer:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def error_answer(route: str, exc: Exception, timings_ms: Mapping[str, float] | None = None) -> Answer:
    """An Answer that carries an error for front ends to show clearly."""
    return Answer(route=route or "none", parts=(), error=exc, timings_ms=timings_ms or {})


def with_charts_made(answer: Answer) -> Answer:
    """The answer with every chart's figure made now; a chart that cannot be made becomes a warning.

    Servers call this in the thread that answered, so a chart is never built on an event loop, and a
    chart builder's failure costs the chart alone: the rest of the answer is still shown.
    """
    parts: list[Part] = []
    for part in answer.parts:
        if isinstance(part, Chart):
            try:
                _ = part.figure  # made now and kept by the chart for whoever shows it
            except Exception as exc:  # a bug in a chart builder: logged in full, the answer kept
                logger.exception("the %s chart of a %s answer could not be made", part.kind or "", answer.route)
                part = Notice(f"The chart could not be drawn ({type(exc).__name__}); the rest of the answer "
                              "stands.", "warning")
        parts.append(part)
    if all(new is old for new, old in zip(parts, answer.parts)):
        return answer
    return answer.replace(parts=tuple(parts))

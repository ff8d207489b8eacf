"""Questions: what a front end builds from what a person typed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tradeassist.core.errors import BadInputError

if TYPE_CHECKING:
    from tradeassist.core.answer import Answer

MAX_QUESTION_CHARS = 4000


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of the conversation, for follow-ups ("and for MSFT?")."""

    question: str
    answer: Answer | None = None


@dataclass(frozen=True)
class Question:
    """A plain-English question, with its route override, conversation and asking user."""

    text: str
    route: str | None = None
    context: tuple[Turn, ...] = ()
    user: str = "local"
    #: Mark data as confidential: language models used for it must be local.
    confidential: bool = False
    #: Extra tables supplied by the front end (e.g. a notebook DataFrame), name -> DataFrame.
    frames: dict = field(default_factory=dict, compare=False, hash=False)
    #: SQL the person wrote, to run as written (the notebook's ``%sql``): the question goes to the
    #: sql route, which guards and runs this statement instead of planning one.
    sql: str | None = None
    #: Receives pieces of model-written text as they arrive (front ends stream them); called from
    #: the thread that answers, so it must be thread-safe. None: nothing streams.
    on_text: Callable[[str], None] | None = field(default=None, compare=False, hash=False, repr=False)
    #: Set by the front end to stop a model that is still writing (the person pressed stop).
    cancel: threading.Event | None = field(default=None, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise BadInputError("The question must be text.")
        object.__setattr__(self, "text", self.text.strip())
        object.__setattr__(self, "context", tuple(self.context))
        if self.sql is not None:
            if not self.sql.strip():
                raise BadInputError("There is no SQL to run: write a SELECT.")
            if self.route not in (None, "sql"):
                raise BadInputError(f"SQL to run is answered by the sql route, not {self.route!r}.")
            object.__setattr__(self, "route", "sql")
        if len(self.text) > MAX_QUESTION_CHARS:
            raise BadInputError(
                f"The question is {len(self.text)} characters long; the limit is {MAX_QUESTION_CHARS}."
            )

    @property
    def previous(self) -> Turn | None:
        """The most recent earlier turn, if any."""
        return self.context[-1] if self.context else None

    def follow_up(self, text: str, answer: Answer | None, **changes: object) -> Question:
        """The next question in the same conversation, remembering this one and its answer."""
        from dataclasses import replace

        # The SQL written for this question is not the next question's: it plans afresh.
        return replace(self, text=text, context=(*self.context, Turn(self.text, answer)), **{"sql": None, **changes})

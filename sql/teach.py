"""Taught question-SQL pairs: stored after the guard checks them, reused for similar questions.

Similarity is normalised-token Jaccard with linked values abstracted ("AAPL" and "MSFT" both
become ``<symbol>``), so "average close of AAPL" taught once also answers "average close of
MSFT"; the stored SQL is then re-bound to the new values through its sqlglot tree.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass

import sqlglot
import sqlglot.expressions as exp

from tradeassist.core.errors import BadInputError
from tradeassist.core.settings import Settings
from tradeassist.sql.catalog.values import STOPWORDS, phrase_key

#: How similar (Jaccard of content tokens) a question must be to reuse a taught pair.
MIN_SIMILARITY = 0.8


@dataclass(frozen=True)
class TaughtPair:
    """One taught pair: the question, its guarded SQL, when it was taught, and whose it is."""

    question: str
    sql: str
    dialect: str
    taught_at: str
    #: The user whose questions it answers; None: everyone's (taught by the operator, ``tradeassist teach``).
    user: str | None = None

    def visible_to(self, user: str | None) -> bool:
        """Whether this pair may answer ``user``'s questions: everyone's pairs and the user's own."""
        return self.user is None or self.user == user


def _signature(text: str, catalog) -> tuple[frozenset[str], list[tuple[str, object]]]:
    """Content tokens with linked values replaced by ``<column>`` slots, and the values in order."""
    from tradeassist.sql.planner.parse import parse_question

    parsed = parse_question(text, catalog, dt.date(2000, 1, 1))
    tokens: set[str] = set()
    values: list[tuple[str, object]] = []
    for item in parsed.items:
        if hasattr(item, "values") and item.values:
            ref = item.values[0]
            tokens.add(f"<{ref.column}>")
            values.append((ref.column, ref.value))
        elif hasattr(item, "concepts"):
            tokens.update(t for t in phrase_key(item.text) if t not in STOPWORDS)
        elif item.norm not in STOPWORDS:
            tokens.add(item.norm)
    if parsed.period:
        tokens.add(f"<period:{parsed.period.label}>")
    for comparison in parsed.comparisons:
        tokens.add(f"<{comparison.op}{comparison.number:g}>")
    return frozenset(tokens), values


class Teacher:
    """The store of taught pairs under ``settings.home/taught_sql.jsonl``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.home / "taught_sql.jsonl"
        self._lock = threading.Lock()
        self._cache: list[TaughtPair] | None = None
        self._cache_stamp: tuple[int, int] | None = None
        self._signatures: dict[str, tuple[frozenset[str], list]] = {}

    def pairs(self) -> list[TaughtPair]:
        """Every taught pair, oldest first (also the examples store for language-model engines)."""
        with self._lock:
            # Another process (the chat's thumbs-up, the CLI) may have taught a pair since.
            stamp = self._file_stamp()
            if self._cache is None or stamp != self._cache_stamp:
                self._cache_stamp = stamp
                self._cache = []
                if self.path.exists():
                    for line in self.path.read_text(encoding="utf-8").splitlines():
                        if line.strip():
                            try:
                                self._cache.append(TaughtPair(**json.loads(line)))
                            except (ValueError, TypeError):
                                continue  # a damaged line costs that pair only
            return list(self._cache)

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

    def teach(self, question: str, sql: str, database=None, user: str | None = None) -> TaughtPair:
        """Guard ``sql`` against the database's schema and store the pair; returns it.

        ``database`` defaults to the settings' trading database. ``user`` keeps the pair to that user's
        questions (a thumbs-up in the chat); None makes it everyone's, which only the operator does.
        """
        from tradeassist.sql.db.guard import guard_sql

        question = question.strip()
        if not question:
            raise BadInputError("The question to teach is empty.")
        own = database is None
        if own:
            from tradeassist.sql.db.database import Database

            database = Database.connect(self.settings.resolved_db_url(), self.settings)
        try:
            guarded = guard_sql(sql, database.schema(), database.dialect,
                                default_limit=self.settings.sql_default_limit, max_rows=self.settings.sql_max_rows)
        finally:
            if own:
                database.close()
        pair = TaughtPair(question, guarded.sql, database.dialect, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                          user)
        self.settings.ensure_home()
        with self._lock:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(pair.__dict__) + "\n")
            self._cache = None
        return pair

    def forget(self, user: str) -> int:
        """Remove every pair taught for ``user`` (their account is going); returns how many."""
        with self._lock:
            if not self.path.exists():
                return 0
            kept, removed = [], 0
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    mine = json.loads(line).get("user") == user
                except (ValueError, AttributeError):
                    mine = False  # a damaged line is kept as it is: it was never this user's pair
                removed += mine
                if not mine:
                    kept.append(line)
            if removed:
                scratch = self.path.with_suffix(".tmp")
                scratch.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
                scratch.replace(self.path)  # whole or not at all
            self._cache = None
            return removed

    def match(self, question: str, catalog, user: str | None = None) -> str | None:
        """SQL of the most similar taught pair ``user`` may use (re-bound to this question's values), or None."""
        pairs = [pair for pair in self.pairs() if pair.visible_to(user)]
        if not pairs:
            return None
        tokens, values = _signature(question, catalog)
        if not tokens:
            return None
        best, best_score = None, 0.0
        for pair in pairs:
            if pair.question not in self._signatures:
                self._signatures[pair.question] = _signature(pair.question, catalog)
            other, _ = self._signatures[pair.question]
            score = len(tokens & other) / len(tokens | other) if other else 0.0
            if score > best_score:
                best, best_score = pair, score
        if best is None or best_score < MIN_SIMILARITY:
            return None
        return rebind(best.sql, best.dialect, self._signatures[best.question][1], values, catalog.dialect)


def rebind(sql: str, dialect: str, old: list[tuple[str, object]], new: list[tuple[str, object]], target: str) -> str:
    """The taught SQL with the old question's linked values replaced by the new question's."""
    tree = sqlglot.parse_one(sql, read=dialect)
    swaps = {}
    for (old_column, old_value), (new_column, new_value) in zip(old, new):
        if old_column == new_column and old_value != new_value:
            swaps[str(old_value)] = str(new_value)
    if swaps:
        for literal in tree.find_all(exp.Literal):
            if literal.is_string and literal.this in swaps:
                literal.replace(exp.Literal.string(swaps[literal.this]))
    return tree.sql(dialect=target)

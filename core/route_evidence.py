"""Evidence across routes: which of a question's meaning-carrying words only the documents explain.

The SQL planner reports the words it could not link or use; those that are not signal words are the
question's distinctive terms. When they occur in the person's documents (a keyword probe of the
store, and phrases shared with the best chunks such as a product's name), the documents are the
engine that can answer: the docs claim rises and the SQL claim drops.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.text import STOP_WORDS, keywords

#: The planner's note for a word its plan leaves out (see sql.planner.plan).
_UNUSED = re.compile(r"'([^']+)' is not used by the plan")
#: Words that name signals, indicators and backtests: the signals route explains them.
SIGNAL_TERMS = re.compile(r"^(breakouts?|momentum|signals?|scores?|backtests?|shap|rsi|macd|adx|bollinger|ema"
                          r"|strongest|flagged|indicators?)$")
#: Question words that carry no topic beyond STOP_WORDS (so they never count as evidence).
_FILLER = frozenset("use used get got make made may might must need needs new large small kind".split())
#: How many chunks the keyword probe reads.
PROBE_K = 5


@dataclass(frozen=True)
class DocumentEvidence:
    """What the documents explain of a question: its distinctive terms, those found, a shared phrase."""

    terms: tuple[str, ...]
    found: tuple[str, ...]
    phrase: str | None

    @property
    def share(self) -> float:
        """The share of distinctive terms the documents hold (0 with none)."""
        return len(self.found) / len(self.terms) if self.terms else 0.0

    @property
    def docs_claim(self) -> float:
        """How strongly this evidence says the documents answer the question (0..0.95)."""
        if not self.found:
            return 0.0
        return min(0.95, 0.45 + 0.35 * self.share + (0.15 if self.phrase else 0.0))


def planner_leftovers(plan) -> list[str]:
    """Words the SQL plan could not link or did not use (from the planner's own notes)."""
    words = [word for note in getattr(plan, "notes", ()) for word in _UNUSED.findall(note)]
    return [*getattr(plan, "unknown_words", ()), *words]


def distinctive_terms(leftovers: Sequence[str]) -> list[str]:
    """The leftovers that carry meaning: no stop words, fillers, numbers or signal words."""
    out: dict[str, None] = {}
    for word in keywords(" ".join(leftovers)):
        word = word.removesuffix("'s")
        if word in STOP_WORDS or word in _FILLER or word.isdigit() or len(word) < 3 or SIGNAL_TERMS.match(word):
            continue
        out.setdefault(word, None)
    return list(out)


def _stem(word: str) -> str:
    # Crude but enough for "limits"/"limit", "investors"/"investor": compare a shared prefix.
    return word[: max(4, len(word) - 2)] if len(word) > 4 else word


def _holds(text_words: set[str], word: str) -> bool:
    stem = _stem(word)
    return word in text_words or any(w.startswith(stem) and len(w) - len(stem) <= 3 for w in text_words)


def shared_phrase(question: str, texts: Sequence[str]) -> str | None:
    """A run of two content words of the question found together in one of the texts."""
    words = [w for w in keywords(question) if len(w) > 2]
    for text in texts:
        lower = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
        for first, second in zip(words, words[1:]):
            if re.search(rf"\b{re.escape(_stem(first))}\w* {re.escape(_stem(second))}\w*", lower):
                return f"{first} {second}"
    return None


def document_evidence(question: str, leftovers: Sequence[str], index, user: str) -> DocumentEvidence:
    """Probe the user's documents (keyword search) for the question's distinctive terms."""
    terms = distinctive_terms(leftovers)
    if not terms:
        return DocumentEvidence((), (), None)
    hits = index.search(" ".join([*terms, question]), user=user, k=PROBE_K, mode="keyword")
    texts = [f"{hit.chunk.section}\n{hit.chunk.text}" for hit in hits]
    words = {w for text in texts for w in re.findall(r"[a-z0-9]+", text.lower())}
    found = tuple(term for term in terms if _holds(words, term))
    return DocumentEvidence(tuple(terms), found, shared_phrase(question, texts) if found else None)


def weigh_claims(question, claims: dict[str, float], routes: Sequence) -> dict[str, float]:
    """Claims adjusted by document evidence: docs up, SQL down when only the documents explain
    the words the SQL plan leaves out. Unchanged when either route is absent or a probe fails."""
    by_name = {route.name: route for route in routes}
    sql, docs = by_name.get("sql"), by_name.get("docs")
    if sql is None or docs is None or not hasattr(sql, "engine") or not hasattr(docs, "index"):
        return claims
    try:
        _database, planner = sql.engine()
        leftovers = planner_leftovers(planner.plan(question.text))
        evidence = document_evidence(question.text, leftovers, docs.index, question.user)
    except Exception:  # evidence only re-ranks routes; it must never fail the question
        return claims
    if not evidence.found:
        return claims
    weighed = dict(claims)
    weighed["docs"] = max(weighed["docs"], evidence.docs_claim)
    # Each word only the documents explain is a word the SQL answer would silently drop.
    weighed["sql"] = max(0.0, weighed["sql"] - min(0.6, 0.3 * len(evidence.found)))
    return weighed

"""Document evidence for routing: which of a question's distinctive words the person's documents hold.

The SQL route reports the words its plan could not link or use; those that are not signal words are
the question's distinctive terms. When they occur in the documents (a keyword probe of the store,
and phrases shared with the best chunks such as a product's name), the documents are the engine
that can answer. The router (``tradeassist.core.route_evidence``) weighs the claims with what this finds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tradeassist.retrieval.text import STOP_WORDS, keywords

#: Words that name signals, indicators and backtests: the signals route explains them.
#: Instruments by kind, strategies and what drives a score are the signals route's words too.
SIGNAL_TERMS = re.compile(r"^(breakouts?|momentum|signals?|scores?|backtests?|shap|rsi|macd|adx|bollinger|ema"
                          r"|strongest|flagged|indicators?|stocks?|tickers?|symbols?|coins?|shares|sectors?"
                          r"|strateg(?:y|ies)|features?|drivers?|drives?|driving|explanations?|explain|moving"
                          r"|averages?|crossovers?|ranks?|ranking)$")
#: Question words that carry no topic beyond STOP_WORDS (so they never count as evidence).
_FILLER = frozenset("use used get got make made might need needs new large small kind".split())
#: How many chunks the keyword probe reads.
PROBE_K = 5


@dataclass(frozen=True)
class DocumentEvidence:
    """What the documents explain of a question: its distinctive terms, those found, a shared phrase."""

    terms: tuple[str, ...]
    found: tuple[str, ...]
    phrase: str | None
    #: Two question words that name a section of a document ("position limit": "Position limits").
    heading: str | None = None

    @property
    def share(self) -> float:
        """The share of distinctive terms the documents hold (0 with none)."""
        return len(self.found) / len(self.terms) if self.terms else 0.0

    @property
    def docs_claim(self) -> float:
        """How strongly this evidence says the documents answer the question (0..0.95)."""
        from_heading = 0.8 if self.heading else 0.0
        if not self.found:
            return from_heading
        return max(from_heading, min(0.95, 0.45 + 0.35 * self.share + (0.15 if self.phrase else 0.0)))

    @property
    def sql_penalty(self) -> float:
        """How much to lower the SQL claim: per word only the documents explain, or for a heading."""
        return min(0.6, 0.3 * len(self.found) + (0.3 if self.heading else 0.0))


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
    """A run of two content words of the question (no signal words) found together in a text."""
    words = [w for w in keywords(question) if len(w) > 2]
    for text in texts:
        lower = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
        for first, second in zip(words, words[1:]):
            if SIGNAL_TERMS.match(first) or SIGNAL_TERMS.match(second):
                continue
            if re.search(rf"\b{re.escape(_stem(first))}\w* {re.escape(_stem(second))}\w*", lower):
                return f"{first} {second}"
    return None


def document_evidence(question: str, leftovers: Sequence[str], index, user: str, *,
                      headings: bool = False) -> DocumentEvidence:
    """Probe the user's documents (keyword search) for the question's distinctive terms; with
    ``headings`` (the SQL plan is unsure), also for section headings the question names."""
    terms = distinctive_terms(leftovers)
    if not terms and not headings:
        return DocumentEvidence((), (), None)
    hits = index.search(" ".join([*terms, question]), user=user, k=PROBE_K, mode="keyword")
    texts = [f"{hit.chunk.section}\n{hit.chunk.text}" for hit in hits]
    words = {w for text in texts for w in re.findall(r"[a-z0-9]+", text.lower())}
    found = tuple(term for term in terms if _holds(words, term))
    heading = shared_phrase(question, [hit.chunk.section for hit in hits if hit.chunk.section]) if headings else None
    return DocumentEvidence(tuple(terms), found, shared_phrase(question, texts) if found else None, heading)

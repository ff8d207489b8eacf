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
#: Instruments by kind, strategies and what drives a score are the signals route's words too.
SIGNAL_TERMS = re.compile(r"^(breakouts?|momentum|signals?|scores?|backtests?|shap|rsi|macd|adx|bollinger|ema"
                          r"|strongest|flagged|indicators?|stocks?|tickers?|symbols?|coins?|shares|sectors?"
                          r"|strateg(?:y|ies)|features?|drivers?|drives?|driving|explanations?|explain|moving"
                          r"|averages?|crossovers?|ranks?|ranking)$")
#: Question words that carry no topic beyond STOP_WORDS (so they never count as evidence).
_FILLER = frozenset("use used get got make made might need needs new large small kind".split())
#: Words of permission and duty ("may", "must"): rules are written in documents, never in trade rows.
_NORMATIVE = re.compile(r"\b(may|must|allowed|permitted|prohibited|forbidden|mandatory)\b", re.IGNORECASE)
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


def weigh_claims(question, claims: dict[str, float], routes: Sequence) -> dict[str, float]:
    """Claims adjusted by document evidence: docs up, SQL down when only the documents explain
    the words the SQL plan leaves out. Unchanged when either route is absent or a probe fails."""
    by_name = {route.name: route for route in routes}
    sql, docs = by_name.get("sql"), by_name.get("docs")
    if sql is None or docs is None or not hasattr(sql, "engine") or not hasattr(docs, "index"):
        return claims
    try:
        from sql.planner.parse import parse_question

        _database, planner = sql.engine()
        parsed = parse_question(question.text, planner.catalog, planner.today)
        plan = planner.plan(question.text)
        # Words the catalog does not know, and words the plan leaves out that name no catalog thing.
        named = {word for mention in parsed.mentions() for word in keywords(mention.text)}
        leftovers = [token.original for token in parsed.unknown]
        leftovers += [word for word in planner_leftovers(plan) if not set(keywords(word)) & named]
        leftovers += _NORMATIVE.findall(question.text)
        evidence = document_evidence(question.text, leftovers, docs.index, question.user, headings=not plan.ok)
    except Exception:  # evidence only re-ranks routes; it must never fail the question
        return claims
    if not evidence.found and not evidence.heading:
        return claims
    weighed = dict(claims)
    weighed["docs"] = max(weighed["docs"], evidence.docs_claim)
    # Each word only the documents explain is a word the SQL answer would silently drop.
    weighed["sql"] = max(0.0, weighed["sql"] - evidence.sql_penalty)
    return weighed


#: What each route answers from, for the notice that names the route taken and the one beside it.
ROUTE_SOURCES = {"sql": "the trading database", "docs": "your documents", "signals": "the signal engine"}


def close_call_notice(picked: str, claims: dict[str, float], margin: float, floor: float):
    """A Notice naming the route that answered and offering the runner-up, when their claims
    are within ``margin`` (and the runner-up claims at least ``floor``); None otherwise."""
    from core.answer import Notice

    if picked not in claims:
        return None
    others = sorted(((claim, name) for name, claim in claims.items() if name != picked), reverse=True)
    if not others:
        return None
    claim, other = others[0]
    if claim < floor or claims[picked] - claim > margin:
        return None
    where = ROUTE_SOURCES.get(picked, f"the {picked} route")
    there = ROUTE_SOURCES.get(other, f"the {other} route")
    return Notice(f"Answered from {where}; this question could also be about {there}. "
                  f"To ask there, repeat it with the route set to '{other}' (`--route {other}`).", "info")

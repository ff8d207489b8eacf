"""Whether retrieved passages can answer a question at all, before any of them is quoted.

Quoting the nearest passages to a question they do not answer reads like an answer. Two checks
say "not found" instead: the thing asked about (the subject phrase, "the portfolio manager", "the
lock-up period") must be named in one passage, and a "how much / how many" question needs a
passage with a number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tradeassist.retrieval.records import Hit
from tradeassist.retrieval.text import FINANCIAL_TERMS, STOP_WORDS

#: "What is the custody fee charged by ...", "Who is the portfolio manager of ...": the subject is
#: the words between the question word and the first linking word.
_LEAD = r"^(?:according to [^,]+,\s*)?"
_NP = r"(?P<np>[\w'-]+(?:\s+[\w'-]+){0,3}?)"
_AUX = r"does|do|did|is|are|must|can|may|should|will|would|has|have"
_SUBJECT = re.compile(
    # "what is the custody fee charged by ...", "who is the portfolio manager of ..."
    _LEAD + r"(?:what|which|who)(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:the|a|an|its|their|our|my)\s+" + _NP
    + r"\s+(?:of|for|in|on|at|charged|paid|that|by|under|per|applies|apply|set|" + _AUX + r")\b"
    # "what management fee does ..."
    + "|" + _LEAD + r"(?:what|which)\s+" + _NP.replace("np", "np2") + r"\s+(?:" + _AUX + r")\b",
    re.IGNORECASE,
)
#: Words that open a clause rather than a noun phrase ("what did the ...", "which of ...").
_NOT_NOUNS = frozenset("did does do was were is are has have can could may might should will would "
                       "kind sort type one ones".split())
#: Words of a subject that qualify the measure but name no thing of their own.
_GENERIC = frozenset("maximum minimum max min total average typical current exact main number amount "
                     "level size share percentage part".split()
                    # Kinds of thing, answered by the thing's name ("which business segment": "Consumer Health").
                    + "business segment segments region regions type kind category division unit company".split())
_PERIOD = re.compile(r"^(?:fy|q[1-4])?'?\d{2,4}$")
_HOW_MUCH = re.compile(r"^(?:according to [^,]+,\s*)?how (?:much|many|large|big|long|high|low)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|half)\b", re.IGNORECASE)


def subject_words(question: str) -> list[str]:
    """The words naming what a question asks for ("portfolio manager"); empty when it has none."""
    found = _SUBJECT.search(question.strip())
    if not found:
        return []
    words = (found.group("np") or found.group("np2")).lower().split()
    if words[0] in _NOT_NOUNS:
        return []
    return [w.removesuffix("'s") for w in words if w not in _GENERIC]


def _mentions(text: str, word: str) -> bool:
    # A hyphenated term ("value-at-risk", "lock-up") must appear whole, hyphens or spaces between.
    if "-" in word:
        pattern = r"[\s-]+".join(re.escape(part) for part in word.split("-") if part)
        return re.search(rf"\b{pattern}", text) is not None
    stem = word[: max(4, len(word) - 2)] if len(word) > 5 else word
    return re.search(rf"\b{re.escape(stem)}\w{{0,4}}\b", text) is not None


def missing_subject(question: str, hits: Sequence[Hit]) -> str | None:
    """The subject phrase when no passage names all of its words (two or more), else None.

    Linking words ("segment of JnJ"), fiscal periods ("FY2016") and words naming the passage's
    own document (its company, an alias such as JnJ, its file name) need not be in the passage;
    an analyst's abbreviation ("COGS") is named by the words filings print ("cost of revenue").
    """
    words = [w for w in subject_words(question) if w not in STOP_WORDS and not _PERIOD.match(w)]
    if len(words) < 2:
        return None  # one word ("what range") is too vague to demand verbatim
    for hit in hits:
        text = f"{hit.chunk.section}\n{hit.chunk.text}".lower()
        names = _document_names(hit)
        if all(word in names or _mentions(text, word) or _abbreviation_named(text, word) for word in words):
            return None
    return " ".join(words)


def _document_names(hit: Hit) -> set[str]:
    meta = hit.document.meta if isinstance(hit.document.meta, dict) else {}
    names = " ".join([hit.document.source, str(meta.get("company") or ""), *map(str, meta.get("aliases") or ())])
    return set(re.findall(r"[a-z0-9&]+", names.lower().replace("_", " ")))


def _abbreviation_named(text: str, word: str) -> bool:
    expansion = FINANCIAL_TERMS.get(word)
    return bool(expansion) and any(_mentions(text, part) for part in expansion.split() if len(part) >= 4)


def unanswered(question: str, hits: Sequence[Hit]) -> str | None:
    """Why the passages cannot answer the question (for the "not found" reply), or None."""
    subject = missing_subject(question, hits)
    if subject is not None:
        return f"none of the passages found mentions the {subject}"
    if _HOW_MUCH.search(question.strip()) and not any(_NUMBER.search(hit.chunk.text) for hit in hits):
        return "none of the passages found holds a number"
    return None

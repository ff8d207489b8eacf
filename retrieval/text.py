"""Small text utilities shared by keyword search and answer writing: words, stop words, sentences."""

from __future__ import annotations

import re

#: Words that carry no topic; dropped from keyword queries and sentence scoring.
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours say said tell told according document documents statement statements
    mention mentions mentioned describe described much many please show give find
    """.split()
)

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.'/-][A-Za-z0-9]+)*")
_SPLIT_PARTS = re.compile(r"[./'-]")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9$])|\n\s*\n|\n(?=\s*[*\u2022-]\s)")
_ABBREVIATIONS = re.compile(
    r"\b(?:[A-Z]|Inc|Corp|Co|Ltd|No|Mr|Mrs|Ms|Dr|St|U\.S|vs|a\.m|p\.m|e\.g|i\.e|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)


def tokens(text: str) -> list[str]:
    """Lowercased word tokens; "1/4", "8-K" and "mid-2015" stay whole."""
    return [t.lower() for t in _TOKEN.findall(text)]


def keywords(text: str) -> list[str]:
    """Distinct topic words of a query, in order, stop words dropped (for keyword search)."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        if token in STOP_WORDS:
            continue
        # FTS5's tokenizer splits "1/4" and "8-K"; search their parts so they still match.
        for part in _SPLIT_PARTS.split(token) if _SPLIT_PARTS.search(token) else (token,):
            if part and part not in STOP_WORDS and (len(part) > 1 or part.isdigit()):
                seen.setdefault(part, None)
    return list(seen)


def fts_query(text: str) -> str | None:
    """An SQLite FTS5 MATCH expression: the query's keywords as quoted terms joined by OR.

    Quoting each term makes every user word a plain string to FTS5, never query syntax.
    """
    words = keywords(text)
    if not words:
        return None
    return " OR ".join('"' + word.replace('"', "") + '"' for word in words)


def sentences(text: str) -> list[str]:
    """Split text into sentences (and bullet items), joining lines broken by layout."""
    pieces: list[str] = []
    for raw in _SENTENCE_END.split(text):
        piece = " ".join(raw.split())
        if not piece:
            continue
        # Re-join a split after an abbreviation ("Amcor Ltd." + "announced ...").
        if pieces and _ABBREVIATIONS.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def embedding_text(text: str, element_types: tuple[str, ...] = ()) -> str:
    """The text a chunk is embedded from: a table's caption and row labels, without its figures.

    Columns of figures say nothing to a sentence-embedding model but cost most of a table's
    tokens (``16,525`` is four word pieces); keyword search still indexes them. Prose is embedded
    as it is.
    """
    if "Table" not in element_types:
        return text
    lines = text.split("\n")
    labels = [line.split(" | ", 1)[0].strip() for line in lines[1:]]
    return "\n".join([lines[0], *(label for label in labels if label and label != "(continued)")])


#: Sentences of a question that instruct how to answer rather than say what is asked
#: ("Answer in USD millions.", "Please round to one decimal place.").
_INSTRUCTION = re.compile(
    r"^(?:answer|provide|respond|please|round|give|show your|we (?:need|want) to calculate|"
    r"calculate what was asked|if .{0,40}not (?:explicitly )?(?:outlined|available|relevant))\b",
    re.IGNORECASE,
)


def question_focus(question: str) -> str:
    """The question without its instruction sentences (what to search for and quote)."""
    pieces = sentences(question)
    kept = [piece for piece in pieces if not _INSTRUCTION.match(piece.strip())]
    return " ".join(kept) if kept else question


#: Abbreviations analysts write and the words filings print instead (searched beside them).
FINANCIAL_TERMS = {
    "cogs": "cost of goods sold cost of sales cost of revenue",
    "capex": "capital expenditures purchases of property and equipment additions to property",
    "pp&e": "property plant and equipment", "ppne": "property plant and equipment",
    "ppe": "property plant and equipment",
    "d&a": "depreciation and amortization", "sg&a": "selling general and administrative expenses",
    "eps": "earnings per share", "ebit": "operating income earnings before interest and taxes",
    "ebitda": "operating income depreciation and amortization",
    "dpo": "accounts payable cost of sales", "dso": "accounts receivable",
    "r&d": "research and development", "fcf": "free cash flow cash from operations capital expenditures",
    "yoy": "year over year", "topline": "revenue net sales", "top line": "revenue net sales",
    "p&l": "income statement", "opex": "operating expenses",
}
_TERM = re.compile(r"(?<![\w&])(" + "|".join(re.escape(k) for k in sorted(FINANCIAL_TERMS, key=len, reverse=True))
                   + r")(?![\w&])", re.IGNORECASE)


def expand_financial_terms(text: str) -> str:
    """The text with the words filings use for the abbreviations it holds appended (once each)."""
    found = dict.fromkeys(match.lower() for match in _TERM.findall(text))
    if not found:
        return text
    return text + " (" + "; ".join(FINANCIAL_TERMS[term] for term in found) + ")"

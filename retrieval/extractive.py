"""The offline answer: the most relevant sentences (or table rows) of the top chunks, quoted.

Sentences are scored by query-term overlap weighted by IDF (BM25-like, over the candidate
sentences) plus the embedding similarity of sentence and question, with a small prior for the
rank of the chunk they came from. Retrieved text is data: it is quoted with markdown images,
links and HTML made inert, so an image or a link inside a document is shown as text and never
rendered or fetched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tradeassist.retrieval.figures import asks_for_figure, has_figure, units_of
from tradeassist.retrieval.filings import read_query
from tradeassist.retrieval.records import Hit
from tradeassist.retrieval.statements import caption_years
from tradeassist.retrieval.text import STOP_WORDS, sentences, tokens

#: How many of the top hits are split into candidate sentences.
CANDIDATE_HITS = 6
#: Quote at most this many sentences, and only those scoring this close to the best one.
MAX_QUOTES = 4
MIN_QUOTES = 2
KEEP_RATIO = 0.72
#: At most this many candidate units are embedded (those sharing most terms with the question).
MAX_EMBEDDED_UNITS = 40
#: A sentence shorter than this many words is a heading or a fragment, unless it holds numbers.
MIN_WORDS = 5
#: Longest quote; longer sentences are cut at a word boundary.
MAX_QUOTE_CHARS = 500
#: For a question asking for a figure: the bonus of a passage holding one, and of one naming the
#: period asked for, both scaled by how many of the question's terms the passage holds.
FIGURE_BONUS = 0.3
PERIOD_BONUS = 0.15

_NUMBER = re.compile(r"\d")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
_MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)]*)\)")
_MD_REF_DEFINITION = re.compile(r"\[([^\]]*)\]:")


@dataclass(frozen=True)
class Quote:
    """One sentence chosen for the answer, with the hit it came from and its score."""

    text: str
    hit: Hit
    score: float

    @property
    def label(self) -> str:
        """The citation label: ``[file p.N]`` (``[file]`` when the page is unknown)."""
        return citation_label(self.hit)


def citation_label(hit: Hit) -> str:
    """``[file p.N]`` for a hit (1-based page), ``[file]`` without a page."""
    page = hit.chunk.page
    return f"[{hit.document.source} p.{page}]" if page else f"[{hit.document.source}]"


def defuse(text: str) -> str:
    """Document text made inert for markdown: images and links become words, HTML loses its tags.

    ``![x](http://host/a.png)`` becomes ``image x (http://host/a.png)``: nothing is fetched or
    rendered as an image; ``<img ...>`` and ``<script>`` lose their angle brackets.
    """
    text = _MD_IMAGE.sub(lambda m: f"image {m[1]} ({m[2]})", text)
    text = _MD_LINK.sub(lambda m: f"{m[1]} ({m[2]})", text)
    text = _MD_REF_DEFINITION.sub(lambda m: f"[{m[1]}] :", text)
    text = text.replace("![", "! [")
    return text.replace("<", "\u2039").replace(">", "\u203a")


def candidate_units(text: str, *, table: bool = False) -> list[str]:
    """Sentences of a chunk, with table-like lines (several numbers, few words) kept as rows.

    A table chunk (``table``) is a caption line and then one row per line: every row is a unit,
    followed by the caption's unit ("in millions") so the figure keeps its scale.
    """
    if table:
        lines = [line.strip() for line in text.split("\n")]
        caption, rows = (lines[0], lines[1:]) if len(lines) > 1 else ("", lines)
        units_note = units_of(caption)
        suffix = f" ({units_note})" if units_note else ""
        years = caption_years(caption)
        # The caption is a unit too: it may be the answer ("The proposal ... was defeated:").
        return ([caption] if caption else []) + [_with_years(row, years) + suffix for row in rows if " | " in row]
    units: list[str] = []
    prose: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        words = line.split()
        numbers = sum(1 for w in words if _NUMBER.search(w))
        # A table row: mostly numbers ("Net sales $ 3,226.8 $ 2,729.4 ...", "For 250,838,697").
        if numbers and len(words) <= 30 and numbers * 3 >= len(words):
            if prose:
                units.extend(sentences("\n".join(prose)))
                prose = []
            units.append(" ".join(words))
        else:
            prose.append(line)
    if prose:
        units.extend(sentences("\n".join(prose)))
    return _join_short_runs(units)


def _with_years(row: str, years: Sequence[str]) -> str:
    """A row of bare cells ("Net sales | 24,977 | 26,268") quoted with the years its caption heads
    them with, when they fit one to one: a figure quoted without its year reads as any year's."""
    label, *cells = [part.strip() for part in row.split(" | ")]
    if not years or len(cells) != len(years) or any(":" in cell for cell in cells):
        return row
    return " | ".join([label, *(f"{year}: {cell}" for year, cell in zip(years, cells))])


def _join_short_runs(units: list[str]) -> list[str]:
    """Runs of short lines ("Name: Damien Clayton", "Title: Company Secretary") as one unit."""
    joined: list[str] = []
    run: list[str] = []
    for unit in [*units, ""]:
        words = unit.split()
        numbers = sum(1 for w in words if _NUMBER.search(w))
        if unit and len(words) < MIN_WORDS and numbers * 3 < len(words):  # short, and not a table row
            run.append(unit)
            continue
        if len(run) >= 2:
            joined.append("; ".join(run))
        else:
            joined.extend(run)
        run = []
        if unit:
            joined.append(unit)
    return joined


def _idf(term_sets: Sequence[set[str]]) -> dict[str, float]:
    count = len(term_sets)
    df: dict[str, int] = {}
    for terms in term_sets:
        for term in terms:
            df[term] = df.get(term, 0) + 1
    return {term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in df.items()}


def _stem(token: str) -> str:
    # A light suffix strip so "purchases" meets "purchase" and "raised" meets "raise".
    for suffix in ("ies", "es", "s", "ed", "ing"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


_FISCAL = re.compile(r"^(?:fy|q[1-4])'?((?:19|20)?\d{2})$")


def _terms(text: str) -> set[str]:
    terms = set()
    for token in tokens(text):
        if token in STOP_WORDS:
            continue
        # "FY2019" and "FY19" meet the "2019" of a table's column heading.
        fiscal = _FISCAL.match(token)
        if fiscal:
            year = fiscal[1]
            terms.add(year if len(year) == 4 else "20" + year)
            continue
        terms.add(_stem(token))
    return terms


def select_quotes(question: str, hits: Sequence[Hit], embed=None) -> list[Quote]:
    """The best 2-4 sentences from the top hits for ``question``, best first.

    ``embed`` maps a list of texts to unit vectors (the query first); without it only term
    overlap counts.
    """
    units: list[tuple[str, Hit, int]] = []
    for rank, hit in enumerate(hits[:CANDIDATE_HITS]):
        for unit in candidate_units(hit.chunk.text, table="Table" in hit.chunk.element_types):
            if len(unit.split()) >= MIN_WORDS or _NUMBER.search(unit):
                units.append((unit, hit, rank))
    if not units:
        return []
    query_terms = _terms(question)
    unit_terms = [_terms(unit) for unit, _, _ in units]
    idf = _idf(unit_terms)
    default_idf = math.log(1 + (len(units) + 0.5) / 0.5)
    query_weight = sum(idf.get(t, default_idf) for t in query_terms) or 1.0
    overlaps = [sum(idf.get(t, 0.0) for t in query_terms & terms) for terms in unit_terms]
    similarities = [0.0] * len(units)
    if embed is not None:
        # Only the units sharing most of the question's terms are embedded: embedding every
        # sentence of six long chunks cost most of an answer's time, for units that lose anyway.
        chosen = sorted(range(len(units)), key=lambda i: (-overlaps[i], units[i][2]))[:MAX_EMBEDDED_UNITS]
        vectors = embed([question, *(units[i][0] for i in chosen)])
        for i, vector in zip(chosen, vectors[1:]):
            similarities[i] = float(vector @ vectors[0])
    top_score = max(hit.score for hit in hits[:CANDIDATE_HITS])
    wants_figure = asks_for_figure(question)
    years = {str(year) for year in read_query(question)[0]}
    scored = []
    for (unit, hit, _rank), terms, similarity, raw_overlap in zip(units, unit_terms, similarities, overlaps):
        overlap = raw_overlap / query_weight
        # Long sentences match more words by chance; damp them gently (BM25's length idea).
        length_norm = 1.0 / (1.0 + 0.25 * max(0.0, len(terms) / 25.0 - 1.0))
        # The chunk's own retrieval score is a prior: the best chunk's sentences start ahead.
        prior = hit.score / top_score if top_score > 0 else 0.0
        score = 0.5 * overlap * length_norm + 0.4 * max(similarity, 0.0) + 0.2 * prior
        # A question asking for a figure is answered by a passage holding one, for the period asked.
        if wants_figure and has_figure(unit):
            score += FIGURE_BONUS * overlap
            if years and any(year in unit for year in years):
                score += PERIOD_BONUS * overlap
        scored.append(Quote(_clip(unit), hit, score))
    scored.sort(key=lambda quote: -quote.score)
    best = scored[0].score
    chosen: list[Quote] = []
    seen: set[str] = set()
    for quote in scored:
        if quote.text in seen:
            continue
        if len(chosen) >= MIN_QUOTES and (quote.score < KEEP_RATIO * best or len(chosen) >= MAX_QUOTES):
            break
        chosen.append(quote)
        seen.add(quote.text)
    return chosen


def _clip(text: str) -> str:
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    return text[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0] + " \u2026"


def quotes_markdown(quotes: Sequence[Quote]) -> str:
    """Markdown: each quote as an escaped block quote followed by its citation label."""
    lines = []
    for quote in quotes:
        lines.append(f"> {defuse(quote.text)} {defuse(quote.label)}")
    return "\n>\n".join(lines)

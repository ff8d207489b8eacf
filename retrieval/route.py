"""The docs route: answers from the person's documents, quoting sentences with their citations.

Offline (the default), the answer is extractive: the best sentences of the best chunks, each
followed by ``[file p.N]``. A grounded writer (a language model) can be passed in as ``writer``;
it receives the same hits and must return markdown and its ModelInfo. Retrieved text is data:
nothing in it is executed, and this route never produces SQL.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from tradeassist.core.answer import Answer, Citation, ModelInfo, Notice, Text
from tradeassist.core.errors import ModelUnavailableError, TradeAssistError
from tradeassist.core.question import Question
from tradeassist.retrieval.records import DocumentInfo, Hit
from tradeassist.retrieval.text import expand_financial_terms, keywords, question_focus

if TYPE_CHECKING:
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.embeddings import Embedder
    from tradeassist.retrieval.index import DocumentIndex

logger = logging.getLogger(__name__)

#: How many chunks are retrieved for one question, and how many become citations.
SEARCH_K = 8
MAX_CITATIONS = 5
#: Below both of these a hit is not about the question (cosine of MiniLM vectors; share of the
#: question's keywords found in the chunk).
MIN_DENSE = 0.32
MIN_KEYWORD_COVERAGE = 0.5
MIN_DENSE_WITH_KEYWORDS = 0.18
SNIPPET_CHARS = 400
#: Once the question is answerable, hits scoring at least this share of the best one are used.
KEEP_SHARE = 0.5

_STRONG = re.compile(
    r"\b(statements?|filings?|8-k|10-k|10-q|earnings release|press release|according to|"
    r"which documents?|what did the committee|the committee say|my documents?|uploaded|"
    r"indentures?|proxy|annual report|fomc|federal open market committee|minutes|"
    r"implementation note)\b",
    re.IGNORECASE,
)
_MEDIUM = re.compile(
    r"\b(committee|federal reserve|the fed|report|memo|research note|shareholders?|"
    r"board of directors|signed|pdf|documents?|file|page|quarter results|guidance|"
    r"polic(?:y|ies)|manual|handbook|agreements?|contracts?|prospectus|presentation|transcript)\b",
    re.IGNORECASE,
)
#: "what does the hedging policy say", "what the ops manual says about": a text speaking.
_SAYS = re.compile(r"\bwhat\b(?: (?:does|do|did))? (?:the|my|our|this|that|its|their|[A-Z]{1,5}'s) "
                   r"[\w' -]{1,40}? (?:says?|said|states?|mentions?)\b", re.IGNORECASE)
#: A filing's words: fiscal periods and financial statement lines.
_FILING_WORDS = re.compile(
    r"\b(FY\s?'?\d{2,4}|fiscal (?:year|quarter|\d{4})|balance sheet|income statement|statements? of|"
    r"cash flows?|p&l|current assets|current liabilities|total assets|total liabilities|"
    r"(?:share|stock)holders'? equity|inventor(?:y|ies)|cogs|capex|capital expenditures?|ebitda|ebit|"
    r"operating income|net income|net earnings|gross margin|revenues?|net sales|segments?|dividends?|"
    r"guidance|working capital|debt|liquidity|impairment|restructuring|acquisitions?|acquired)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"\u201c][^\"\u201d]{3,}[\"\u201d]")


class AnswerWriter(Protocol):
    """Writes an answer from retrieved hits (a language model); offline answers need none."""

    def write(self, question: Question, hits: Sequence[Hit]) -> tuple[str, ModelInfo]:
        """Markdown grounded in ``hits`` and the provenance of the model that wrote it."""
        ...


class DocsRoute:
    """Answers questions about uploaded and ingested documents, with citations to file and page."""

    name = "docs"
    description = "Questions about your documents (statements, filings, reports), answered with citations."

    def __init__(self, settings: Settings, *, writer: AnswerWriter | None = None, index: DocumentIndex | None = None,
                 embedder: Embedder | None = None):
        self.settings = settings
        self.writer = writer
        self._index = index
        #: The chat's worker threads share this route: one of them opens the index.
        self._index_lock = threading.Lock()
        #: The embedding model the index opened here uses (the services' shared one, or the index's own).
        self.embedder = embedder

    @property
    def index(self) -> DocumentIndex:
        """The document index, opened on first use (once, whichever thread asks first)."""
        with self._index_lock:
            if self._index is None:
                from tradeassist.retrieval.index import DocumentIndex

                self._index = DocumentIndex.open(self.settings, embedder=self.embedder)
            return self._index

    def document_evidence(self, text: str, unknown, unused, named, user: str, *, headings: bool = False):
        """Which of the words another route could not explain the user's documents hold (for the
        router): ``unknown`` words always count, ``unused`` ones unless they name a catalog thing."""
        from tradeassist.retrieval.route_evidence import document_evidence

        named_words = {word for mention in named for word in keywords(mention)}
        leftovers = [*unknown, *(word for word in unused if not set(keywords(word)) & named_words)]
        return document_evidence(text, leftovers, self.index, user, headings=headings)

    # --- claim -------------------------------------------------------------------------------

    def claim(self, question: Question) -> float:
        """How document-like the question is: document words, quoted phrases, a keyword peek."""
        text = question.text
        score = 0.0
        if _STRONG.search(text):
            score = 0.8
        elif _QUOTED.search(text):
            score = 0.7
        elif _SAYS.search(text):
            score = 0.6
        elif _MEDIUM.search(text):
            score = 0.45
        if score < 0.8:
            score = max(score, self._filing_claim(question), self._peek(question))
        return score

    def _filing_claim(self, question: Question) -> float:
        # A question naming a company whose filings are stored, in a filing's words (a fiscal
        # period, a statement line) is about those filings, not about the trading data.
        if not _FILING_WORDS.search(question.text):
            return 0.0
        from tradeassist.retrieval.filings import preferred_documents

        try:
            named = preferred_documents(question.text, self.index.list_documents(user=question.user))
        except TradeAssistError as exc:  # no readable document store: no filing claim
            logger.debug("docs filing claim skipped: %s", exc)
            return 0.0
        return 0.85 if named else 0.0

    def _peek(self, question: Question) -> float:
        # A cheap keyword-only look (no embedding): many of the question's words in one chunk.
        words = keywords(question.text)
        if len(words) < 2:
            return 0.0
        try:
            hits = self.index.search(question.text, user=question.user, k=1, mode="keyword")
        except TradeAssistError as exc:  # no readable document store: no claim; the answer reports it
            logger.debug("docs keyword peek skipped: %s", exc)
            return 0.0
        if not hits:
            return 0.0
        return 0.5 * _coverage(words, hits[0])

    # --- answer ------------------------------------------------------------------------------

    def _search(self, question: Question, documents: Sequence[DocumentInfo]) -> list[Hit]:
        """Relevant hits: in the filings of ``documents`` the question names first (period, then
        company), else all."""
        from tradeassist.retrieval.filings import preferred_documents, read_query
        from tradeassist.retrieval.rerank import rerank

        focus = expand_financial_terms(question_focus(question.text))
        from tradeassist.retrieval.figures import asks_for_figure  # answering modules load only when this route answers

        tables_first = asks_for_figure(focus)
        depth = 2 * SEARCH_K if tables_first else SEARCH_K
        tiers = preferred_documents(question.text, documents)
        years, _quarter = read_query(question.text)
        for keys in [*tiers, None]:
            hits = self.index.search(focus, user=question.user, k=depth, documents=keys)
            if keys is not None:
                hits = self._with_statements(focus, hits, keys, question.user)
            hits = rerank(focus, hits, years, tables_first=tables_first)
            relevant = relevant_hits(focus, hits[:SEARCH_K])
            if relevant:
                return relevant
        return []

    def _uncovered(self, question: Question, documents: Sequence[DocumentInfo]) -> str | None:
        """Why the stored filings (``documents``) cannot cover the company or the period the question
        names, or None."""
        from tradeassist.retrieval.coverage import uncovered
        from tradeassist.retrieval.filings import read_query

        text = question.text
        if not (_FILING_WORDS.search(text) or _STRONG.search(text) or read_query(text)[0]):
            return None  # not a question about a company's filings

        def names_word(word: str) -> bool:
            if not keywords(word):
                return True  # a stop word names nothing to look for
            return bool(self.index.search(word, user=question.user, k=1, mode="keyword"))

        def company_hits(keys: list[str]) -> list[Hit]:
            focus = expand_financial_terms(question_focus(text))
            return self.index.search(focus, user=question.user, k=2 * SEARCH_K, documents=keys)

        return uncovered(text, documents, names_word=names_word, company_hits=company_hits)

    def _with_statements(self, focus: str, hits: list[Hit], keys: list[str], user: str) -> list[Hit]:
        """The hits plus the named filings' statements whose lines the question names: a long
        question's words rarely bring a statement table (its row labels) among the first chunks."""
        from tradeassist.retrieval.rerank import STATEMENT_QUERIES, merge_hits, statement_kinds, statement_of

        for kind in sorted(statement_kinds(focus)):
            found = self.index.search(f"{STATEMENT_QUERIES[kind]} {focus}", user=user, k=SEARCH_K, documents=keys)
            hits = merge_hits(hits, [hit for hit in found if statement_of(hit) == kind])
        return hits

    def answer(self, question: Question) -> Answer:
        """Quote the most relevant sentences with citations, or say plainly that nothing matched."""
        from tradeassist.retrieval.answerable import unanswered
        from tradeassist.retrieval.extractive import defuse, quotes_markdown, select_quotes
        from tradeassist.retrieval.figure_answer import figure_citations, figure_markdown, filing_figure, writer_evidence

        started = time.perf_counter()
        # Listed once: the coverage check, the search and the figure lead all read the same list.
        documents = self.index.list_documents(user=question.user)
        # A company or a period that no stored filing covers: no passage can answer.
        missing = self._uncovered(question, documents)
        relevant = [] if missing else self._search(question, documents)
        # A statement figure looked up or computed from the named filing's rows answers by itself.
        figure = None if missing else filing_figure(question.text, self.index, question.user, relevant, documents)
        computed = figure is not None and figure.computed
        # Passages that do not name what is asked would read like an answer once quoted.
        missing = missing or (unanswered(question.text, relevant) if relevant and not computed else None)
        searched = time.perf_counter()
        timings = {"search": (searched - started) * 1000}
        if (not relevant and not computed) or missing:
            return Answer(
                route=self.name,
                parts=(Text(_nothing_found(documents, missing)),),
                model=ModelInfo(method="extractive"),
                timings_ms={**timings, "answer": (time.perf_counter() - searched) * 1000},
                state={"hits": 0},
            )
        parts: list = []
        model = ModelInfo(method="extractive")
        markdown = failed = None
        focus = expand_financial_terms(question_focus(question.text))
        quotes = select_quotes(focus, relevant, embed=self.index.embedder.embed)
        if self.writer is not None:
            try:
                evidence = writer_hits(quotes, relevant)
                markdown, model = self.writer.write(
                    question, writer_evidence(figure, evidence) if figure is not None else evidence)
            except ModelUnavailableError as exc:
                failed = str(exc)
                parts.append(Notice(f"Answered offline: {exc}", level="warning"))
                markdown = None
        if markdown is None:
            markdown = quotes_markdown(quotes) if quotes else _hit_list(relevant)
            model = ModelInfo(method="extractive", failed=failed)
            if figure is not None:
                markdown = figure_markdown(figure) + ("\n\n" + markdown if markdown else "")
        elif figure is not None:
            markdown = defuse(figure.lead) + "\n\n" + markdown  # the figure as computed, above the model's words
        parts.insert(0, Text(markdown))
        citations = _citations(quotes, relevant)
        parts.extend(figure_citations(figure, citations) if figure is not None else citations)
        return Answer(
            route=self.name,
            parts=tuple(parts),
            model=model,
            timings_ms={**timings, "answer": (time.perf_counter() - searched) * 1000},
            state={"hits": len(relevant)},
        )


def writer_hits(quotes, hits: Sequence[Hit]) -> list[Hit]:
    """The hits for the grounded writer: those holding the chosen sentences or table rows first,
    each with its chosen lines on top, so a long chunk cut to the prompt's size keeps them."""
    from dataclasses import replace

    chosen: dict[str, list[str]] = {}
    for quote in quotes:
        chosen.setdefault(quote.hit.chunk_id, []).append(quote.text)
    first = []
    for chunk_id, lines in chosen.items():
        hit = next(h for h in hits if h.chunk_id == chunk_id)
        first.append(replace(hit, chunk=replace(hit.chunk, text="\n".join([*lines, hit.chunk.text]))))
    return first + [hit for hit in hits if hit.chunk_id not in chosen]


def _coverage(words: Sequence[str], hit: Hit) -> float:
    text = hit.chunk.text.lower()
    return sum(1 for word in words if word in text) / max(1, len(words))


def relevant_hits(question: str, hits: Sequence[Hit]) -> list[Hit]:
    """The hits worth quoting: none unless one is about the question, then those near the best."""
    if not any(is_relevant(question, hit) for hit in hits):
        return []
    best = max(hit.score for hit in hits)
    return [hit for hit in hits if hit.score >= KEEP_SHARE * best]


def is_relevant(question: str, hit: Hit) -> bool:
    """Whether a hit is about the question: close in meaning, or sharing most of its keywords."""
    dense = hit.dense_score if hit.dense_score is not None else 0.0
    if dense >= MIN_DENSE:
        return True
    words = keywords(question)
    return bool(words) and dense >= MIN_DENSE_WITH_KEYWORDS and _coverage(words, hit) >= MIN_KEYWORD_COVERAGE


def _citations(quotes, hits: Sequence[Hit]) -> list[Citation]:
    from tradeassist.retrieval.extractive import defuse

    # One citation per chunk. Chunks that gave quotes come first, in the order of their best
    # quote (the snippet is that quote); then the other top chunks in retrieval order.
    # One citation per page too: five citations point at five places to look.
    citations: list[Citation] = []
    used: set[str] = set()
    pages: set[tuple[str, int | None]] = set()
    for quote in quotes:
        page = (quote.hit.document.key, quote.hit.chunk.page)
        if quote.hit.chunk_id in used or page in pages:
            continue
        used.add(quote.hit.chunk_id)
        pages.add(page)
        citations.append(
            Citation(quote.hit.document.source, quote.hit.chunk.page, defuse(quote.text), round(quote.score, 4))
        )
    for hit in hits:
        if len(citations) >= MAX_CITATIONS:
            break
        page = (hit.document.key, hit.chunk.page)
        if hit.chunk_id in used or page in pages:
            continue
        used.add(hit.chunk_id)
        pages.add(page)
        snippet = " ".join(hit.chunk.text.split())[:SNIPPET_CHARS]
        citations.append(Citation(hit.document.source, hit.chunk.page, defuse(snippet), round(hit.score, 4)))
    return citations


def _hit_list(hits: Sequence[Hit]) -> str:
    from tradeassist.retrieval.extractive import citation_label, defuse

    lines = [f"> {defuse(' '.join(hit.chunk.text.split())[:SNIPPET_CHARS])} {citation_label(hit)}" for hit in hits[:3]]
    return "\n>\n".join(lines)


def _nothing_found(documents: Sequence[DocumentInfo], why: str | None = None) -> str:
    if not documents:
        return (
            "There are no documents to search yet. Add some with `tradeassist ingest PATH` "
            "(or upload them in the chat), then ask again."
        )
    return (
        f"Not found in your documents: {why or 'nothing in them answers this question'}. "
        "Try other words, or check with `tradeassist docs list` that the document is there."
    )

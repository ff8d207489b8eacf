"""The vector store interface: what every document store (embedded, Weaviate) provides.

A store keeps documents, their chunks and one embedding per chunk, and answers three kinds of
search inside a :class:`Scope` (which users' documents and which collections are visible):
dense (nearest embeddings), keyword (BM25) and hybrid (both, fused). Filtering by scope happens
inside each search, so a narrow scope never loses results to post-filtering.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tradeassist.core.errors import BadInputError
from tradeassist.retrieval.records import SHARED_COLLECTION, Chunk, DocumentInfo, Hit

if TYPE_CHECKING:
    import numpy as np

#: Search modes every store supports.
MODES = ("hybrid", "dense", "keyword")


@dataclass(frozen=True)
class Scope:
    """What one search may see: the asking user's documents plus the shared collection.

    ``collections`` narrows further (None means every collection the user may read).
    """

    user: str
    collections: tuple[str, ...] | None = None
    #: Narrower still: only these document keys (the filings a question names); None means all.
    documents: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.user:
            raise BadInputError("A search needs the asking user's name.")
        if self.collections is not None:
            object.__setattr__(self, "collections", tuple(sorted(set(self.collections))))
        if self.documents is not None:
            object.__setattr__(self, "documents", tuple(sorted(set(self.documents))))

    def allows(self, doc: DocumentInfo) -> bool:
        """True when a document is visible in this scope (used by tests and small stores)."""
        visible = doc.collection == SHARED_COLLECTION or doc.user == self.user
        return (visible and (self.collections is None or doc.collection in self.collections)
                and (self.documents is None or doc.key in self.documents))


@dataclass(frozen=True)
class StoredDocument:
    """A document as listed by a store: its info plus how many chunks and when it went in."""

    info: DocumentInfo
    chunks: int
    ingested_at: str


@runtime_checkable
class VectorStore(Protocol):
    """A store of documents, chunks and embeddings with scoped dense, keyword and hybrid search."""

    #: Short name shown by ``tradeassist docs list`` and the benches ("embedded", "weaviate").
    name: str

    def has(self, key: str, content_hash: str) -> bool:
        """True when the document ``key`` is stored with exactly this content hash."""
        ...

    def replace_document(
        self, doc: DocumentInfo, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> int:
        """Atomically put ``doc`` in place of any earlier version; returns the chunk count."""
        ...

    def remove(self, key: str, *, user: str | None = None) -> bool:
        """Delete one document (only if owned by ``user`` when given); True if it existed."""
        ...

    def documents(self, *, user: str | None = None) -> list[StoredDocument]:
        """Every stored document (those visible to ``user`` when given), by source name."""
        ...

    def search(
        self, query: str, vector: np.ndarray, scope: Scope, *, k: int = 10, mode: str = "hybrid"
    ) -> list[Hit]:
        """The best ``k`` chunks in ``scope`` for a query text and its embedding."""
        ...

    def close(self) -> None:
        """Release connections and caches."""
        ...


# --- helpers shared by the stores -------------------------------------------------------------

_DATE_NAME = re.compile(r"(?<!\d)(19\d{2}|20\d{2})[-_]?(\d{2})[-_]?(\d{2})(?!\d)")


def title_terms(doc: DocumentInfo, chunk: Chunk) -> str:
    """Words that describe where a chunk sits, searched alongside its text.

    The file name, the section title, and a date written in words when the file name holds one
    (``20120913.txt`` -> "September 13 2012"), so "the September 2012 statement" finds it.
    """
    stem = PurePath(doc.source).stem
    words = [re.sub(r"[_\-.]+", " ", stem), chunk.section]
    meta = doc.meta if isinstance(doc.meta, dict) else {}
    if meta.get("title"):
        words.append(str(meta["title"]))
    words.extend(filing_words(meta))
    for match in _DATE_NAME.finditer(stem):
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        words.append(f"{day:%B} {day.day} {day.year}")
    return " ".join(w for w in words if w)


def filing_words(meta: dict) -> list[str]:
    """Searchable words of a filing's facts: company, its aliases, form, "FY2019", "Q2 2023"."""
    words = [str(meta[name]) for name in ("company", "form") if meta.get(name)]
    words.extend(str(alias) for alias in meta.get("aliases") or ())
    year = meta.get("fiscal_year")
    if year:
        words += [f"FY{year}", f"fiscal {year}", str(year)]
        if meta.get("fiscal_quarter"):
            words.append(f"Q{meta['fiscal_quarter']} {year}")
    return words


def check_mode(mode: str) -> str:
    """The search mode, or a clear error naming the choices."""
    if mode not in MODES:
        raise BadInputError(f"Unknown search mode {mode!r}; choose one of {', '.join(MODES)}.")
    return mode

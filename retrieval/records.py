"""Records shared by ingest (the writer) and retrieval (the store and search)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The collection every user can read; uploads go to a user's own collection unless shared.
SHARED_COLLECTION = "shared"


@dataclass(frozen=True)
class Chunk:
    """A piece of a document ready to embed: its text, where it sits, and what it is made of."""

    text: str
    page: int | None
    section: str = ""
    element_types: tuple[str, ...] = ()
    #: HTML of a table chunk, kept for display; search uses ``text``.
    html: str | None = None
    ordinal: int = 0


@dataclass(frozen=True)
class DocumentInfo:
    """One ingested file: who owns it, where it came from, and the hash of its content."""

    key: str
    source: str
    path: str
    content_hash: str
    collection: str = SHARED_COLLECTION
    user: str = "local"
    pages: int = 0
    file_type: str = ""
    meta: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Hit:
    """A search result: the chunk, its document, and a fused relevance score."""

    chunk_id: str
    document: DocumentInfo
    chunk: Chunk
    score: float
    #: Cosine similarity of the chunk to the query, when dense search found it.
    dense_score: float | None = None
    #: BM25 score of the chunk for the query, when keyword search found it.
    keyword_score: float | None = None

"""DocumentIndex: the one way into the document store (ingest writes, the docs route searches).

It pairs the configured store (embedded SQLite by default, Weaviate when
``TRADEASSIST_VECTOR_STORE=weaviate``) with the embedding model, so callers hand over text and
never deal with vectors. Safe to open from several processes on the same home: the embedded
store is one SQLite file in WAL mode and every write is a single transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tradeassist.core.errors import BadInputError, ConfigError, UnknownNameError
from tradeassist.retrieval.records import Chunk, DocumentInfo, Hit
from tradeassist.retrieval.store import Scope, StoredDocument, VectorStore, check_mode

if TYPE_CHECKING:
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.embeddings import Embedder

#: The embedded store's file, under ``settings.home``.
STORE_FILE = Path("documents") / "store.sqlite3"
#: The longest query text searched (longer questions are cut, not refused).
MAX_QUERY_CHARS = 2000
MAX_K = 200


def embedding_texts(chunks: Sequence[Chunk]) -> list[str]:
    """What each chunk is embedded from (tables without their figures, see ``embedding_text``)."""
    from tradeassist.retrieval.text import embedding_text

    return [embedding_text(chunk.text, chunk.element_types) for chunk in chunks]


class DocumentIndex:
    """Documents, chunks and their embeddings, searchable per user (hybrid BM25 + dense)."""

    def __init__(self, store: VectorStore, embedder: Embedder | None = None, *, home: Path | None = None):
        self.store = store
        self._embedder = embedder
        self._home = home

    @classmethod
    def open(cls, settings: Settings, *, embedder: Embedder | None = None) -> DocumentIndex:
        """The store configured by ``settings`` (under ``settings.home`` for the embedded one)."""
        kind = (settings.vector_store or "embedded").strip().lower()
        if kind == "embedded":
            from tradeassist.retrieval.embedded_store import EmbeddedStore

            store: VectorStore = EmbeddedStore(settings.ensure_home() / STORE_FILE)
        elif kind == "weaviate":
            if not settings.weaviate_url:
                raise ConfigError(
                    "TRADEASSIST_VECTOR_STORE=weaviate needs TRADEASSIST_WEAVIATE_URL "
                    "(for example http://localhost:8080)."
                )
            from tradeassist.retrieval.weaviate_store import WeaviateStore

            store = WeaviateStore.connect(settings.weaviate_url)
        else:
            raise ConfigError(
                f"Unknown vector store {settings.vector_store!r}; choose 'embedded' or 'weaviate'."
            )
        return cls(store, embedder, home=settings.home)

    @property
    def embedder(self) -> Embedder:
        """The embedding model: the one given, else this index's own (made on first use)."""
        if self._embedder is None:
            from tradeassist.retrieval.embeddings import LazyEmbedder

            self._embedder = LazyEmbedder(self._home)
        return self._embedder

    # --- writing (ingest) --------------------------------------------------------------------

    def has(self, key: str, content_hash: str) -> bool:
        """True when ``key`` is already stored with this content hash (re-ingest is a no-op)."""
        return self.store.has(key, content_hash)

    def replace_document(self, doc: DocumentInfo, chunks: Sequence[Chunk], *, vectors=None) -> int:
        """Embed the chunks and atomically put ``doc`` in place of any earlier version.

        Embedding happens before the write transaction, so a slow model never holds the lock;
        a crash at any point leaves either the old version or the new one. ``vectors``, when the
        caller embedded already, are those of the chunks with text. Returns the chunk count.
        """
        if not doc.key or not doc.source:
            raise BadInputError("A document needs a key and a source name.")
        chunks = [chunk for chunk in chunks if chunk.text and chunk.text.strip()]
        if vectors is None:
            vectors = self.embedder.embed(embedding_texts(chunks))
        return self.store.replace_document(doc, chunks, vectors)

    def remove(self, key: str, *, user: str | None = None) -> bool:
        """Delete a document by key (only one owned by ``user`` when given); True if removed."""
        return self.store.remove(key, user=user)

    # --- reading -----------------------------------------------------------------------------

    def list_documents(self, *, user: str | None = None) -> list[DocumentInfo]:
        """Documents visible to ``user`` (their own and the shared collection); all when None."""
        return [stored.info for stored in self.store.documents(user=user)]

    def stored_documents(self, *, user: str | None = None) -> list[StoredDocument]:
        """Like ``list_documents`` with chunk counts and ingestion times (for ``docs list``), after
        checking the store's file where the store is a local file that can be damaged."""
        check = getattr(self.store, "check", None)
        if check is not None:
            check()
        return self.store.documents(user=user)

    def find(self, name_or_key: str, *, user: str | None = None) -> list[DocumentInfo]:
        """Documents whose key, source name or path is ``name_or_key``; a clear error if none."""
        matches = [
            doc
            for doc in self.list_documents(user=user)
            if name_or_key in (doc.key, doc.source, doc.path)
        ]
        if not matches:
            raise UnknownNameError(f"No stored document is called {name_or_key!r}.")
        return matches

    def search(
        self,
        query: str,
        *,
        user: str,
        collections: Sequence[str] | None = None,
        k: int = 10,
        mode: str = "hybrid",
        documents: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The best ``k`` chunks visible to ``user`` (own documents + shared), best first.

        ``documents`` (keys) narrows the search to those documents (the filings a question names).
        """
        check_mode(mode)
        if not isinstance(query, str) or not query.strip():
            raise BadInputError("The search query is empty.")
        if not 1 <= k <= MAX_K:
            raise BadInputError(f"k must be between 1 and {MAX_K}, not {k}.")
        query = query.strip()[:MAX_QUERY_CHARS]
        scope = Scope(user=user, collections=tuple(collections) if collections is not None else None,
                      documents=tuple(documents) if documents is not None else None)
        vector = self.embedder.embed_query(query) if mode != "keyword" else None
        return self.store.search(query, vector, scope, k=k, mode=mode)

    def close(self) -> None:
        """Release the store's connections."""
        self.store.close()

    def __enter__(self) -> DocumentIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

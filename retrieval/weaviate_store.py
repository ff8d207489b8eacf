"""The Weaviate store (weaviate-client v4): the same interface as the embedded store, for scale-out.

Chosen with ``TRADEASSIST_VECTOR_STORE=weaviate`` and ``TRADEASSIST_WEAVIATE_URL``. Two
collections: ``TradeassistDocument`` (one object per document, holding its current version) and
``TradeassistChunk`` (text, scope fields and our own 384-d vector per chunk).

Weaviate has no multi-object transactions, so a replacement is ordered to be safe:
new chunks go in under a fresh version id, then the document object is switched to that version
(one object write: the commit point), then chunks of other versions are deleted. Searches only
accept chunks of a document's current version, so a crash between the steps leaves the old or the
new version visible, never both; leftovers are deleted by the next write of that document.
Scope (user, shared collection, chosen collections) is a filter inside each Weaviate query.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from urllib.parse import urlparse

import numpy as np

from tradeassist.core.errors import BadInputError, ConfigError
from tradeassist.retrieval.fusion import DENSE_WEIGHT, collapse_duplicates
from tradeassist.retrieval.records import SHARED_COLLECTION, Chunk, DocumentInfo, Hit
from tradeassist.retrieval.store import Scope, StoredDocument, check_mode, title_terms

DOCUMENTS = "TradeassistDocument"
CHUNKS = "TradeassistChunk"
#: A fixed namespace so the same key always maps to the same document object id.
_NAMESPACE = uuid.UUID("6f1c6a52-55a1-4c0e-9d7e-2a4c7e0c9b11")
#: Candidates fetched before dropping stale versions and near-duplicates.
OVERFETCH = 3


class WeaviateStore:
    """Documents and chunks in a Weaviate server, searched with its hybrid (BM25 + vector) query."""

    name = "weaviate"

    def __init__(self, client, *, dimensions: int = 384):
        self.client = client
        self.dimensions = dimensions
        self._ensure_schema()

    @classmethod
    def connect(cls, url: str, *, grpc_port: int | None = None) -> WeaviateStore:
        """Connect to the Weaviate server at ``url`` (gRPC on 50051 unless told otherwise)."""
        import weaviate

        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"TRADEASSIST_WEAVIATE_URL must be an http(s) URL, not {url!r}.")
        secure = parsed.scheme == "https"
        try:
            client = weaviate.connect_to_custom(
                http_host=parsed.hostname,
                http_port=parsed.port or (443 if secure else 8080),
                http_secure=secure,
                grpc_host=parsed.hostname,
                grpc_port=grpc_port or 50051,
                grpc_secure=secure,
            )
        except Exception as exc:  # the client raises several kinds; all mean "unreachable"
            raise ConfigError(f"Cannot reach Weaviate at {url}: {exc}") from exc
        return cls(client)

    def _ensure_schema(self) -> None:
        from weaviate.classes.config import Configure, DataType, Property, Tokenization

        def text(name: str, *, search: bool = False) -> Property:
            return Property(
                name=name,
                data_type=DataType.TEXT,
                index_searchable=search,
                tokenization=Tokenization.WORD if search else Tokenization.FIELD,
            )

        if not self.client.collections.exists(DOCUMENTS):
            self.client.collections.create(
                DOCUMENTS,
                vector_config=Configure.Vectors.self_provided(),
                properties=[
                    text("key"), text("source"), text("path"), text("content_hash"),
                    text("collection"), text("user"), text("file_type"), text("meta"),
                    text("version"), text("ingested_at"),
                    Property(name="pages", data_type=DataType.INT),
                    Property(name="chunks", data_type=DataType.INT),
                ],
            )
        if not self.client.collections.exists(CHUNKS):
            self.client.collections.create(
                CHUNKS,
                vector_config=Configure.Vectors.self_provided(),
                properties=[
                    text("text", search=True), text("title", search=True),
                    text("doc_key"), text("version"), text("collection"), text("user"),
                    text("section"), text("element_types"), text("html"),
                    Property(name="page", data_type=DataType.INT),
                    Property(name="ordinal", data_type=DataType.INT),
                ],
            )
        self.documents_collection = self.client.collections.get(DOCUMENTS)
        self.chunks_collection = self.client.collections.get(CHUNKS)

    # --- writing ---------------------------------------------------------------------------

    def _doc_object(self, key: str):
        return self.documents_collection.query.fetch_object_by_id(uuid.uuid5(_NAMESPACE, key))

    def has(self, key: str, content_hash: str) -> bool:
        """True when ``key`` is stored with exactly ``content_hash``."""
        found = self._doc_object(key)
        return found is not None and found.properties.get("content_hash") == content_hash

    def replace_document(self, doc: DocumentInfo, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        """Insert the new version, switch the document to it, then delete older versions."""
        from weaviate.classes.data import DataObject

        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.dimensions):
            raise BadInputError(f"Expected {len(chunks)} vectors of {self.dimensions} numbers, got {vectors.shape}.")
        version = uuid.uuid4().hex
        objects = [
            DataObject(
                properties={
                    "text": chunk.text, "title": title_terms(doc, chunk), "doc_key": doc.key,
                    "version": version, "collection": doc.collection, "user": doc.user,
                    "section": chunk.section, "element_types": json.dumps(list(chunk.element_types)),
                    "html": chunk.html or "", "page": chunk.page or 0, "ordinal": chunk.ordinal or i,
                },
                vector=vector.tolist(),
            )
            for i, (chunk, vector) in enumerate(zip(chunks, vectors))
        ]
        if objects:
            result = self.chunks_collection.data.insert_many(objects)
            if result.has_errors:
                self._delete_chunks(doc.key, keep_version=None, only_version=version)
                raise ConfigError(f"Weaviate refused chunks of {doc.source}: {list(result.errors.values())[:1]}")
        properties = {
            "key": doc.key, "source": doc.source, "path": doc.path, "content_hash": doc.content_hash,
            "collection": doc.collection, "user": doc.user, "file_type": doc.file_type,
            "meta": json.dumps(doc.meta, default=str), "version": version,
            "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "pages": doc.pages, "chunks": len(objects),
        }
        doc_id = uuid.uuid5(_NAMESPACE, doc.key)
        if self.documents_collection.data.exists(doc_id):
            self.documents_collection.data.replace(uuid=doc_id, properties=properties)
        else:
            self.documents_collection.data.insert(properties=properties, uuid=doc_id)
        self._delete_chunks(doc.key, keep_version=version)
        return len(objects)

    def _delete_chunks(self, key: str, *, keep_version: str | None, only_version: str | None = None) -> None:
        from weaviate.classes.query import Filter

        where = Filter.by_property("doc_key").equal(key)
        if keep_version is not None:
            where = where & Filter.by_property("version").not_equal(keep_version)
        if only_version is not None:
            where = where & Filter.by_property("version").equal(only_version)
        self.chunks_collection.data.delete_many(where=where)

    def remove(self, key: str, *, user: str | None = None) -> bool:
        """Delete one document (only if ``user`` owns it, when given); True if it existed."""
        found = self._doc_object(key)
        if found is None or (user is not None and found.properties.get("user") != user):
            return False
        self.documents_collection.data.delete_by_id(found.uuid)
        self._delete_chunks(key, keep_version=None)
        return True

    # --- reading ---------------------------------------------------------------------------

    def documents(self, *, user: str | None = None) -> list[StoredDocument]:
        """Stored documents (those visible to ``user`` when given), ordered by source."""
        stored = []
        for obj in self.documents_collection.iterator():
            info = _doc_info(obj.properties)
            if user is not None and not Scope(user).allows(info):
                continue
            stored.append(StoredDocument(info, int(obj.properties.get("chunks") or 0), obj.properties.get("ingested_at", "")))
        return sorted(stored, key=lambda s: (s.info.source, s.info.key))

    def _filters(self, scope: Scope):
        from weaviate.classes.query import Filter

        visible = Filter.by_property("collection").equal(SHARED_COLLECTION) | Filter.by_property("user").equal(scope.user)
        if scope.collections is not None:
            visible = visible & Filter.by_property("collection").contains_any(list(scope.collections) or [""])
        if scope.documents is not None:
            visible = visible & Filter.by_property("doc_key").contains_any(list(scope.documents) or [""])
        return visible

    def search(
        self, query: str, vector: np.ndarray, scope: Scope, *, k: int = 10, mode: str = "hybrid"
    ) -> list[Hit]:
        """Weaviate's hybrid, near-vector or BM25 query with the scope as a filter."""
        from weaviate.classes.query import HybridFusion, MetadataQuery

        check_mode(mode)
        filters = self._filters(scope)
        limit = k * OVERFETCH
        metadata = MetadataQuery(score=True, distance=True)
        query_api = self.chunks_collection.query
        if mode == "dense":
            response = query_api.near_vector(
                near_vector=list(map(float, vector)), limit=limit, filters=filters,
                return_metadata=metadata, include_vector=True,
            )
        elif mode == "keyword":
            response = query_api.bm25(
                query=query, query_properties=["text", "title"], limit=limit, filters=filters,
                return_metadata=metadata, include_vector=True,
            )
        else:
            response = query_api.hybrid(
                query=query, vector=list(map(float, vector)), alpha=DENSE_WEIGHT,
                fusion_type=HybridFusion.RELATIVE_SCORE, query_properties=["text", "title"],
                limit=limit, filters=filters, return_metadata=metadata, include_vector=True,
            )
        return collapse_duplicates(self._hits(response.objects, vector), lambda h: h.chunk.text, limit=k)

    def _hits(self, objects, vector: np.ndarray | None) -> list[Hit]:
        current: dict[str, DocumentInfo | None] = {}
        versions: dict[str, str] = {}
        hits = []
        for obj in objects:
            props = obj.properties
            key = props["doc_key"]
            if key not in current:
                found = self._doc_object(key)
                current[key] = _doc_info(found.properties) if found else None
                versions[key] = found.properties.get("version") if found else ""
            if current[key] is None or props.get("version") != versions[key]:
                continue  # a version being replaced or removed
            # The cosine to the query from the returned vector: hybrid results carry no distance.
            stored = obj.vector.get("default") if isinstance(obj.vector, dict) else obj.vector
            cosine = float(np.dot(np.asarray(stored, dtype=np.float32), vector)) if stored is not None and vector is not None else None
            hits.append(
                Hit(
                    chunk_id=str(obj.uuid),
                    document=current[key],
                    chunk=Chunk(
                        text=props["text"], page=props.get("page") or None, section=props.get("section") or "",
                        element_types=tuple(json.loads(props.get("element_types") or "[]")),
                        html=props.get("html") or None, ordinal=props.get("ordinal") or 0,
                    ),
                    score=float(obj.metadata.score if obj.metadata.score is not None else (cosine or 0.0)),
                    dense_score=cosine,
                )
            )
        return hits

    def close(self) -> None:
        """Close the client connection."""
        self.client.close()


def _doc_info(props: dict) -> DocumentInfo:
    return DocumentInfo(
        key=props["key"], source=props["source"], path=props.get("path") or "",
        content_hash=props.get("content_hash") or "", collection=props.get("collection") or SHARED_COLLECTION,
        user=props.get("user") or "local", pages=int(props.get("pages") or 0),
        file_type=props.get("file_type") or "", meta=json.loads(props.get("meta") or "{}"),
    )

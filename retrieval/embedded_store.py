"""The embedded document store: one SQLite file (documents, chunks, vectors, FTS5) under home.

Why SQLite: every write is one transaction, so a process killed in the middle of replacing a
document leaves the old version or the new one, never a mix; WAL mode lets the chat read while
an ingest writes from another process; FTS5 (built into Python's sqlite3) gives BM25 keyword
search inside the same transaction. Vectors are stored as float32 blobs beside their chunk and
searched in memory by :class:`retrieval.dense.DenseIndex`.

Layout::

    documents(id, key UNIQUE, source, path, content_hash, collection, user, pages, ...)
    chunks(id AUTOINCREMENT, doc_id -> documents, ordinal, page, section, ..., text, vector)
    chunks_fts(text, title)        FTS5, rowid = chunks.id
    state(name, value)             'generation' grows by one with every committed write
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tradeassist.core.errors import BadInputError, ConfigError, DataSourceError
from tradeassist.retrieval.dense import DenseIndex
from tradeassist.retrieval.fusion import FUSION, collapse_duplicates, fuse
from tradeassist.retrieval.records import SHARED_COLLECTION, Chunk, DocumentInfo, Hit
from tradeassist.retrieval.store import Scope, StoredDocument, check_mode, title_terms
from tradeassist.retrieval.text import fts_query

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    collection TEXT NOT NULL,
    user TEXT NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0,
    file_type TEXT NOT NULL DEFAULT '',
    meta TEXT NOT NULL DEFAULT '{}',
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_scope ON documents(collection, user);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    page INTEGER,
    section TEXT NOT NULL DEFAULT '',
    element_types TEXT NOT NULL DEFAULT '[]',
    html TEXT,
    text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(text, title, tokenize='porter unicode61');
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO state(name, value) VALUES ('generation', 0);
"""

#: The in-memory dense index persisted beside the store file (see ``tradeassist.retrieval.dense``).
DENSE_SNAPSHOT = "dense.npz"
#: How many candidates each leg of a hybrid search contributes before fusion.
CANDIDATES = 50
#: Keyword hits weigh a title match (file name, section, date words) at a third of the text.
BM25_WEIGHTS = (1.0, 0.35)


def damaged_store_message(path: Path, exc: BaseException) -> str:
    """What to tell a person when the store's SQLite file cannot be read (damaged, truncated, not a store)."""
    return (f"The document store at {path} is damaged or unreadable ({exc}). Your trading data and "
            "uploaded files are not affected: restore the store from a backup, or move it aside and "
            "ingest your documents again.")


def _store_errors(method):
    """SQLite errors raised by a store method become one clear DataSourceError naming the file,
    instead of a traceback from deep inside a search (the file is the problem, not the question)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise DataSourceError(damaged_store_message(self.path, exc)) from exc

    return wrapper


class EmbeddedStore:
    """Documents, chunks and vectors in one SQLite file, with in-memory dense search."""

    name = "embedded"

    def __init__(
        self, path: Path, *, dimensions: int = 384, dense: DenseIndex | None = None, fusion: str = FUSION
    ):
        self.path = Path(path)
        self.fusion = fusion
        self.dimensions = dimensions
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.dense = dense or DenseIndex(dimensions, snapshot=self.path.with_name(DENSE_SNAPSHOT))
        try:
            with self._connect() as conn:
                conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DataSourceError(damaged_store_message(self.path, exc)) from exc

    # --- connections -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as exc:
                raise ConfigError(f"Cannot open the document store at {self.path}: {exc}") from exc
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @_store_errors
    def generation(self) -> int:
        """A number that grows with every committed write (caches compare it)."""
        row = self._connect().execute("SELECT value FROM state WHERE name='generation'").fetchone()
        return int(row[0])

    # --- writing ---------------------------------------------------------------------------

    @_store_errors
    def has(self, key: str, content_hash: str) -> bool:
        """True when ``key`` is stored with exactly ``content_hash``."""
        row = self._connect().execute(
            "SELECT 1 FROM documents WHERE key=? AND content_hash=?", (key, content_hash)
        ).fetchone()
        return row is not None

    @_store_errors
    def replace_document(self, doc: DocumentInfo, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        """Put ``doc`` and its chunks in place of any earlier version, in one transaction."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.dimensions):
            raise BadInputError(
                f"Expected {len(chunks)} vectors of {self.dimensions} numbers, got shape {vectors.shape}."
            )
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        conn = self._connect()
        # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._delete(conn, doc.key)
            cursor = conn.execute(
                "INSERT INTO documents(key, source, path, content_hash, collection, user, pages,"
                " file_type, meta, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.key, doc.source, doc.path, doc.content_hash, doc.collection, doc.user,
                    doc.pages, doc.file_type, json.dumps(doc.meta, default=str), now,
                ),
            )
            doc_id = cursor.lastrowid
            for ordinal, (chunk, vector) in enumerate(zip(chunks, vectors)):
                row = conn.execute(
                    "INSERT INTO chunks(doc_id, ordinal, page, section, element_types, html, text, vector)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (
                        doc_id, chunk.ordinal or ordinal, chunk.page, chunk.section,
                        json.dumps(list(chunk.element_types)), chunk.html, chunk.text, vector.tobytes(),
                    ),
                )
                conn.execute(
                    "INSERT INTO chunks_fts(rowid, text, title) VALUES (?,?,?)",
                    (row.lastrowid, chunk.text, title_terms(doc, chunk)),
                )
            self._bump(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(chunks)

    @_store_errors
    def remove(self, key: str, *, user: str | None = None) -> bool:
        """Delete one document and its chunks; with ``user``, only a document that user owns."""
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT user FROM documents WHERE key=?", (key,)).fetchone()
            if row is None or (user is not None and row[0] != user):
                conn.execute("ROLLBACK")
                return False
            self._delete(conn, key)
            self._bump(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True

    @staticmethod
    def _delete(conn: sqlite3.Connection, key: str) -> None:
        row = conn.execute("SELECT id FROM documents WHERE key=?", (key,)).fetchone()
        if row is None:
            return
        conn.execute(
            "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE doc_id=?)", (row[0],)
        )
        conn.execute("DELETE FROM chunks WHERE doc_id=?", (row[0],))
        conn.execute("DELETE FROM documents WHERE id=?", (row[0],))

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE state SET value = value + 1 WHERE name='generation'")

    # --- reading ---------------------------------------------------------------------------

    @_store_errors
    def check(self) -> None:
        """Check the file's integrity (a damaged page can read back as a blank row, not an error).
        It reads the whole file, so it runs where a person looks at the store (``docs list``),
        never on the question path."""
        problem = self._connect().execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise sqlite3.DatabaseError(problem.replace("*** in database main ***", "").strip())

    @_store_errors
    def documents(self, *, user: str | None = None) -> list[StoredDocument]:
        """Stored documents (those visible to ``user`` when given), ordered by source."""
        sql = (
            "SELECT d.*, (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.id) AS n FROM documents d"
        )
        params: tuple = ()
        if user is not None:
            sql += " WHERE d.collection = ? OR d.user = ?"
            params = (SHARED_COLLECTION, user)
        conn = self._connect()
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(sql + " ORDER BY d.source, d.key", params).fetchall()
        finally:
            conn.row_factory = None
        return [StoredDocument(_doc_info(row), int(row["n"]), row["ingested_at"]) for row in rows]

    @_store_errors
    def search(
        self, query: str, vector: np.ndarray, scope: Scope, *, k: int = 10, mode: str = "hybrid"
    ) -> list[Hit]:
        """Hybrid (default), dense or keyword search inside ``scope``; near-duplicates collapsed."""
        check_mode(mode)
        conn = self._connect()
        allowed = self._allowed_docs(conn, scope)
        if len(allowed) == 0:
            return []
        depth = max(CANDIDATES, 3 * k)
        dense: dict[int, float] = {}
        keyword: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            result = self.dense_search(vector, allowed, depth)
            dense = dict(zip(result.ids.tolist(), result.scores.tolist()))
        if mode in ("hybrid", "keyword"):
            keyword = dict(self._keyword(conn, query, scope, depth))
        if mode == "hybrid":
            # Score every candidate on both legs, so fusion compares like with like.
            self._complete_scores(conn, query, vector, dense, keyword)
            ranked = fuse(dense, keyword, self.fusion)
        else:
            ranked = dense or keyword
        # Hydrate only what the duplicate collapse may need to fill k results.
        ids = list(ranked)[: 3 * k + 10]
        hits = self._hydrate(conn, ids, ranked, dense, keyword)
        return collapse_duplicates(hits, lambda hit: hit.chunk.text, limit=k)

    def _complete_scores(
        self,
        conn: sqlite3.Connection,
        query: str,
        vector: np.ndarray,
        dense: dict[int, float],
        keyword: dict[int, float],
    ) -> None:
        missing_dense = np.array([i for i in keyword if i not in dense], dtype=np.int64)
        if len(missing_dense):
            for chunk_id, cosine in zip(missing_dense.tolist(), self.dense.score_ids(vector, missing_dense).tolist()):
                if cosine == cosine:  # not NaN
                    dense[chunk_id] = cosine
        missing_keyword = [i for i in dense if i not in keyword]
        match = fts_query(query)
        if missing_keyword and match:
            marks = ",".join("?" * len(missing_keyword))
            rows = conn.execute(
                f"SELECT rowid, -bm25(chunks_fts, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]})"
                f" FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN ({marks})",
                [match, *missing_keyword],
            ).fetchall()
            keyword.update((int(r[0]), float(r[1])) for r in rows)

    @_store_errors
    def dense_search(self, vector: np.ndarray, allowed_docs: np.ndarray, k: int):
        """Nearest chunks among the allowed documents (exact, or the IVF index when large)."""
        conn = self._connect()
        self.dense.refresh(conn, self.generation())
        mask = None if len(allowed_docs) == self._document_count(conn) else self.dense.mask_for(allowed_docs)
        return self.dense.search(vector, mask, k)

    def _document_count(self, conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    @staticmethod
    def _scope_sql(scope: Scope, alias: str = "d") -> tuple[str, list]:
        clause = f"({alias}.collection = ? OR {alias}.user = ?)"
        params: list = [SHARED_COLLECTION, scope.user]
        if scope.collections is not None:
            marks = ",".join("?" * len(scope.collections))
            clause += f" AND {alias}.collection IN ({marks})" if marks else " AND 0"
            params.extend(scope.collections)
        if scope.documents is not None:
            marks = ",".join("?" * len(scope.documents))
            clause += f" AND {alias}.key IN ({marks})" if marks else " AND 0"
            params.extend(scope.documents)
        return clause, params

    def _allowed_docs(self, conn: sqlite3.Connection, scope: Scope) -> np.ndarray:
        clause, params = self._scope_sql(scope)
        rows = conn.execute(f"SELECT id FROM documents d WHERE {clause}", params).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def _keyword(self, conn: sqlite3.Connection, query: str, scope: Scope, k: int) -> list[tuple[int, float]]:
        match = fts_query(query)
        if match is None:
            return []
        clause, params = self._scope_sql(scope)
        # The scope is part of the query, so the LIMIT applies after filtering, not before.
        sql = (
            f"SELECT f.rowid, -bm25(chunks_fts, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]}) AS score"
            " FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.doc_id"
            f" WHERE chunks_fts MATCH ? AND {clause} ORDER BY score DESC LIMIT ?"
        )
        try:
            return [(int(r[0]), float(r[1])) for r in conn.execute(sql, [match, *params, k])]
        except sqlite3.OperationalError as exc:  # a query FTS5 cannot parse: no keyword hits
            if "fts5" in str(exc).lower() or "syntax" in str(exc).lower():
                return []
            raise

    def _hydrate(
        self,
        conn: sqlite3.Connection,
        ids: list[int],
        fused: dict[int, float],
        dense_scores: dict[int, float],
        keyword_scores: dict[int, float],
    ) -> list[Hit]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(
                "SELECT c.id AS chunk_id, c.ordinal, c.page, c.section, c.element_types, c.html, c.text,"
                " d.* FROM chunks c JOIN documents d ON d.id = c.doc_id"
                f" WHERE c.id IN ({marks})",
                ids,
            ).fetchall()
        finally:
            conn.row_factory = None
        by_id = {row["chunk_id"]: row for row in rows}
        docs: dict[int, DocumentInfo] = {}
        hits = []
        for chunk_id in ids:
            row = by_id.get(chunk_id)
            if row is None:  # removed between the search and now
                continue
            doc = docs.get(row["id"]) or docs.setdefault(row["id"], _doc_info(row))
            chunk = Chunk(
                text=row["text"],
                page=row["page"],
                section=row["section"],
                element_types=tuple(json.loads(row["element_types"])),
                html=row["html"],
                ordinal=row["ordinal"],
            )
            hits.append(
                Hit(
                    chunk_id=str(chunk_id),
                    document=doc,
                    chunk=chunk,
                    score=fused[chunk_id],
                    dense_score=dense_scores.get(chunk_id),
                    keyword_score=keyword_scores.get(chunk_id),
                )
            )
        return hits


def _doc_info(row: sqlite3.Row) -> DocumentInfo:
    return DocumentInfo(
        key=row["key"],
        source=row["source"],
        path=row["path"],
        content_hash=row["content_hash"],
        collection=row["collection"],
        user=row["user"],
        pages=row["pages"],
        file_type=row["file_type"],
        meta=json.loads(row["meta"] or "{}"),
    )

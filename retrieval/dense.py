"""In-memory dense search over the store's embeddings: exact NumPy, or a FAISS IVF index when large.

The SQLite database is the source of truth; each process keeps a copy of the vectors in memory
and brings it up to date incrementally when the store's generation changes (chunk ids only grow,
so new rows are ``id > last seen`` and removed rows are the ids that disappeared). The copy is
persisted beside the store (``dense.npz``) after a refresh that read many new vectors, so a new
process (a CLI question) loads one file and reads only what changed since, instead of every
vector blob from SQLite.

Why two methods: exact search over 100k x 384 float32 costs ~24 ms per query on this machine,
over the 20 ms budget for a whole hybrid search; an inverted-file index (FAISS ``IndexIVFFlat``)
scans a few percent of the vectors and keeps recall@10 above 0.95 (see ``bench/retrieval.py``).
Below ``ann_threshold`` visible vectors, exact search is both fast and perfect, and it is what
narrow scopes (one user's uploads) use, so a filter never starves the index of candidates.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import sqlite3

#: Use the approximate index only when more vectors than this are visible to a search.
ANN_THRESHOLD = 20_000
#: A refresh that had to read at least this many vectors from SQLite saves a new snapshot.
SNAPSHOT_MIN_NEW = 500


@dataclass(frozen=True)
class DenseResult:
    """Chunk ids and their cosine similarities, best first."""

    ids: np.ndarray
    scores: np.ndarray


class DenseIndex:
    """The vectors of one store, kept in memory and searched exactly or through FAISS IVF."""

    def __init__(self, dimensions: int, *, ann_threshold: int = ANN_THRESHOLD, nprobe: int | None = None,
                 snapshot: Path | None = None):
        self.dimensions = dimensions
        #: Where the vectors are persisted between processes (None: kept in memory only).
        self.snapshot = snapshot
        self.ann_threshold = ann_threshold
        self.nprobe = nprobe
        self.generation: int | None = None
        #: Vectors the last refresh read from SQLite, and whether this copy began from the snapshot.
        self.last_read = 0
        self.from_snapshot = False
        self.ids = np.zeros(0, dtype=np.int64)
        self.doc_ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, dimensions), dtype=np.float32)
        self._ann = None  # faiss index over chunk ids, built on demand
        self._ann_trained_on = 0
        self._lock = threading.Lock()
        self._masks: dict[tuple, np.ndarray] = {}

    # --- keeping up with the store ---------------------------------------------------------

    def refresh(self, conn: sqlite3.Connection, generation: int) -> None:
        """Bring the in-memory copy up to ``generation`` (reads only what changed)."""
        if generation == self.generation:
            return
        with self._lock:
            if generation == self.generation:
                return
            if self.generation is None:
                self._load_snapshot()
            current = np.fromiter(
                (row[0] for row in conn.execute("SELECT id FROM chunks ORDER BY id")), dtype=np.int64
            )
            keep = np.isin(self.ids, current, assume_unique=True)
            removed = self.ids[~keep]
            last = int(self.ids[-1]) if len(self.ids) else 0
            rows = conn.execute(
                "SELECT id, doc_id, vector FROM chunks WHERE id > ? ORDER BY id", (last,)
            ).fetchall()
            new_ids = np.array([r[0] for r in rows], dtype=np.int64)
            new_docs = np.array([r[1] for r in rows], dtype=np.int64)
            new_matrix = (
                np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(-1, self.dimensions)
                if rows
                else np.zeros((0, self.dimensions), dtype=np.float32)
            )
            self.ids = np.concatenate([self.ids[keep], new_ids])
            self.doc_ids = np.concatenate([self.doc_ids[keep], new_docs])
            self.matrix = np.ascontiguousarray(np.concatenate([self.matrix[keep], new_matrix]))
            if self._ann is not None:
                if len(removed):
                    self._ann.remove_ids(removed)
                if len(new_ids):
                    self._ann.add_with_ids(new_matrix, new_ids)
                # Centroids trained on a much smaller collection partition it badly: retrain.
                if len(self.ids) > 2 * self._ann_trained_on:
                    self._ann = None
            self.generation = generation
            self.last_read = len(new_ids)
            if len(new_ids) >= SNAPSHOT_MIN_NEW or (len(removed) and len(new_ids)):
                self._save_snapshot()

    # --- persistence -----------------------------------------------------------------------

    def _load_snapshot(self) -> None:
        """Start from the vectors saved by an earlier process; refresh then reads only what changed."""
        if self.snapshot is None or not self.snapshot.is_file():
            return
        try:
            with np.load(self.snapshot) as saved:
                ids, doc_ids, matrix = saved["ids"], saved["doc_ids"], saved["matrix"]
        except (OSError, ValueError, KeyError):
            return  # unreadable or half-written by a crashed process: rebuild from SQLite
        if matrix.ndim != 2 or matrix.shape[1] != self.dimensions or not (len(ids) == len(doc_ids) == len(matrix)):
            return
        self.ids, self.doc_ids, self.matrix = ids.astype(np.int64), doc_ids.astype(np.int64), matrix
        self._sort_by_id()
        self.from_snapshot = True

    def _sort_by_id(self) -> None:
        """Chunk ids must be ascending (searchsorted relies on it); sort a snapshot that is not."""
        if len(self.ids) > 1 and not np.all(self.ids[1:] > self.ids[:-1]):
            order = np.argsort(self.ids, kind="stable")
            self.ids, self.doc_ids, self.matrix = self.ids[order], self.doc_ids[order], self.matrix[order]

    def _save_snapshot(self) -> None:
        """Persist the vectors atomically (a temporary file renamed into place)."""
        if self.snapshot is None:
            return
        temporary = self.snapshot.with_name(f".{self.snapshot.name}.{os.getpid()}.tmp.npz")
        try:
            np.savez(temporary, ids=self.ids, doc_ids=self.doc_ids, matrix=self.matrix)
            os.replace(temporary, self.snapshot)
        except OSError:
            temporary.unlink(missing_ok=True)  # a read-only home: search works, only slower to start

    # --- search ----------------------------------------------------------------------------

    def mask_for(self, allowed_docs: np.ndarray) -> np.ndarray:
        """Boolean mask over the in-memory rows whose document is in ``allowed_docs``."""
        # The same scope asks again and again (one user's chat): keep the last few masks.
        key = (self.generation, hash(np.asarray(allowed_docs, dtype=np.int64).tobytes()))
        mask = self._masks.get(key)
        if mask is None:
            mask = np.isin(self.doc_ids, allowed_docs)
            if len(self._masks) >= 16:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def search(self, query: np.ndarray, mask: np.ndarray | None, k: int) -> DenseResult:
        """The ``k`` nearest visible chunks by cosine; ``mask`` None means all are visible."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        visible = len(self.ids) if mask is None else int(mask.sum())
        if visible == 0 or k <= 0:
            return DenseResult(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        if visible > self.ann_threshold:
            return self._search_ann(query, mask, k)
        return self.search_exact(query, mask, k)

    def search_exact(self, query: np.ndarray, mask: np.ndarray | None, k: int) -> DenseResult:
        """Brute-force search over the visible rows (the reference the benches compare with)."""
        if mask is None:
            rows = None
            scores = self.matrix @ query
        elif mask.mean() > 0.25:
            # Copying most rows out costs more than scoring them all: score all, hide the rest.
            rows = None
            scores = self.matrix @ query
            scores[~mask] = -np.inf
            k = min(k, int(mask.sum()))
        else:
            rows = np.flatnonzero(mask)
            scores = self.matrix[rows] @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        positions = top if rows is None else rows[top]
        return DenseResult(self.ids[positions], scores[top].astype(np.float32))

    def score_ids(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosine of the query with given chunk ids (NaN for ids not held in memory)."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        scores = np.full(len(ids), np.nan, dtype=np.float32)
        if len(self.ids) == 0 or len(ids) == 0:
            return scores
        positions = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        found = self.ids[positions] == ids
        scores[found] = self.matrix[positions[found]] @ query
        return scores

    def _search_ann(self, query: np.ndarray, mask: np.ndarray | None, k: int) -> DenseResult:
        import faiss

        index = self._ensure_ann()
        params = faiss.SearchParametersIVF(nprobe=self._nprobe(index.nlist))
        if mask is not None and not mask.all():
            # A bitmap over chunk ids: the filter is applied inside the inverted-list scan.
            top_id = int(self.ids[-1]) + 1
            bits = np.zeros(top_id, dtype=bool)
            bits[self.ids[mask]] = True
            packed = np.packbits(bits, bitorder="little")
            params.sel = faiss.IDSelectorBitmap(top_id, faiss.swig_ptr(packed))
        scores, ids = index.search(query.reshape(1, -1), k, params=params)
        found = ids[0] >= 0
        return DenseResult(ids[0][found].astype(np.int64), scores[0][found].astype(np.float32))

    def _nprobe(self, nlist: int) -> int:
        return self.nprobe or max(8, min(nlist, math.ceil(nlist / 10)))

    def _ensure_ann(self):
        import faiss

        with self._lock:
            if self._ann is None:
                count = len(self.ids)
                nlist = int(max(16, min(4096, 2 * math.sqrt(count))))
                quantizer = faiss.IndexFlatIP(self.dimensions)
                index = faiss.IndexIVFFlat(quantizer, self.dimensions, nlist, faiss.METRIC_INNER_PRODUCT)
                # Unit vectors under inner product: keep centroids on the sphere too, or
                # long centroids attract the assignment and the partition degrades.
                index.cp.spherical = True
                # 64 points per centroid are plenty for k-means and keep training under a second.
                sample_size = min(count, nlist * 64)
                rng = np.random.default_rng(0)
                sample = self.matrix[rng.choice(count, size=sample_size, replace=False)]
                index.train(sample)
                index.add_with_ids(self.matrix, self.ids)
                self._ann, self._ann_trained_on = index, count
            return self._ann

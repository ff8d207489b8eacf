"""Retrieval benchmark: hybrid search latency and recall at 100k chunks, beside exact search.

Run: ``.venv/bin/python bench/retrieval.py [--chunks 100000] [--queries 200]``

The corpus is synthetic but shaped like real embeddings: vectors are unit vectors drawn around
topic centres (neighbours at cosine ~0.6, like MiniLM's close matches), texts mix topic words
with Zipf-distributed background words (taken from the FOMC statements when ../shared/data is
present). Every figure is measured in the same process on the same store:

* exact dense search (the anchor): brute-force NumPy over all vectors;
* dense search as the store runs it (FAISS IVF above 20k visible vectors), recall@10 vs exact;
* keyword search (SQLite FTS5 BM25);
* hybrid search as the docs route runs it (both legs, fusion, hydration, duplicate collapse),
  and its recall@10 against the same pipeline with the exact dense leg;
* a scoped search (one user's uploads + the shared collection);
* one query embedding with all-MiniLM-L6-v2 (with ``--embed``).
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from tradeassist.retrieval.dense import DenseIndex  # noqa: E402
from tradeassist.retrieval.embedded_store import EmbeddedStore  # noqa: E402
from tradeassist.retrieval.records import Chunk, DocumentInfo  # noqa: E402
from tradeassist.retrieval.store import Scope  # noqa: E402

DIM = 384
SHARED_DOCS = ROOT.parent / "shared" / "data" / "docs" / "fomc" / "statements"


def vocabulary(rng: np.random.Generator, size: int = 6000) -> list[str]:
    """Words for synthetic texts: the FOMC statements' words when present, else made-up words."""
    words: dict[str, None] = {}
    if SHARED_DOCS.is_dir():
        for path in sorted(SHARED_DOCS.glob("*.txt")):
            for word in re.findall(r"[a-z]{3,}", path.read_text(errors="replace").lower()):
                words.setdefault(word, None)
    vocab = list(words)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    while len(vocab) < size:
        vocab.append("".join(rng.choice(letters, size=int(rng.integers(4, 10)))))
    return vocab[:size]


def build_corpus(store: EmbeddedStore, chunks: int, rng: np.random.Generator, *, per_doc: int = 100, topics: int = 2000):
    """Fill ``store`` with ``chunks`` synthetic chunks; returns topic centres and topic words."""
    vocab = vocabulary(rng)
    zipf = 1.0 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    centres = rng.standard_normal((topics, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    topic_words = rng.integers(200, len(vocab), size=(topics, 25))
    sigma = 0.042  # within-topic cosine ~ 1 / (1 + 384 sigma^2) ~ 0.6
    docs = chunks // per_doc
    for d in range(docs):
        # Every 10th document is a private upload of one of 20 users; the rest are shared.
        private = d % 10 == 0
        user = f"user{d % 20}" if private else "local"
        doc = DocumentInfo(
            key=f"bench-{d}", source=f"bench-{d:05d}.txt", path=f"/bench/{d}", content_hash=str(d),
            collection=f"{user}-uploads" if private else "shared", user=user, pages=per_doc // 10,
        )
        topic_of = rng.integers(0, topics, size=per_doc)
        vectors = centres[topic_of] + sigma * rng.standard_normal((per_doc, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = []
        for t in topic_of:
            words = np.concatenate([rng.choice(topic_words[t], size=25), rng.choice(len(vocab), size=35, p=zipf)])
            rng.shuffle(words)
            texts.append(" ".join(vocab[w] for w in words))
        store.replace_document(doc, [Chunk(text, page=i // 10 + 1, ordinal=i) for i, text in enumerate(texts)], vectors)
    return centres, topic_words, vocab


def queries(rng, centres, topic_words, vocab, count: int):
    """(text, vector) pairs: a few topic words and a new point near the same topic centre."""
    out = []
    for _ in range(count):
        t = int(rng.integers(0, len(centres)))
        vector = centres[t] + 0.042 * rng.standard_normal(DIM).astype(np.float32)
        vector /= np.linalg.norm(vector)
        words = [vocab[w] for w in rng.choice(topic_words[t], size=4, replace=False)]
        out.append((" ".join(words), vector.astype(np.float32)))
    return out


def timed(fn, items):
    """Run ``fn`` over items; (results, latencies in ms)."""
    results, times = [], []
    for item in items:
        start = time.perf_counter()
        results.append(fn(item))
        times.append((time.perf_counter() - start) * 1000)
    return results, times


def pct(values, q):
    return float(np.percentile(values, q))


def recall(found, truth, k=10):
    """Mean share of the true top-k found."""
    return statistics.mean(len(set(f[:k]) & set(t[:k])) / max(1, len(t[:k])) for f, t in zip(found, truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embed", action="store_true", help="Also time one MiniLM query embedding.")
    parser.add_argument("--folder", type=Path, default=None, help="Keep the store here (reused if present).")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="tradeassist-bench-"))
    path = folder / "store.sqlite3"
    reuse = path.exists()
    store = EmbeddedStore(path)
    started = time.perf_counter()
    if reuse:
        print(f"reusing {path}")
        # Rebuild the same centres and words so queries match the stored corpus.
        centres, topic_words, vocab = _replay(rng, args.chunks)
    else:
        centres, topic_words, vocab = build_corpus(store, args.chunks, rng)
    build_s = time.perf_counter() - started
    conn = store._connect()
    started = time.perf_counter()
    store.dense.refresh(conn, store.generation())
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    store.dense._ensure_ann()
    ivf_s = time.perf_counter() - started
    qs = queries(np.random.default_rng(11), centres, topic_words, vocab, args.queries)
    everyone = Scope("local")
    one_user = Scope("user3")
    allowed_all = store._allowed_docs(conn, everyone)

    # Warm-up so first-call costs (page cache, BLAS threads) are not counted.
    for text, vector in qs[:5]:
        store.search(text, vector, everyone, k=10)

    exact, t_exact = timed(lambda q: store.dense.search_exact(q[1], store.dense.mask_for(allowed_all), 10).ids.tolist(), qs)
    dense, t_dense = timed(lambda q: store.dense_search(q[1], allowed_all, 10).ids.tolist(), qs)
    _, t_keyword = timed(lambda q: store._keyword(conn, q[0], everyone, 50), qs)
    hybrid, t_hybrid = timed(lambda q: [h.chunk_id for h in store.search(q[0], q[1], everyone, k=10)], qs)
    _, t_scoped = timed(lambda q: store.search(q[0], q[1], one_user, k=10), qs)
    threshold = store.dense.ann_threshold
    store.dense.ann_threshold = 10**12  # the same pipeline with the exact dense leg
    hybrid_exact, t_hybrid_exact = timed(lambda q: [h.chunk_id for h in store.search(q[0], q[1], everyone, k=10)], qs)
    store.dense.ann_threshold = threshold

    rows = [
        ("exact dense (anchor)", t_exact, 1.0),
        ("dense, FAISS IVF", t_dense, recall(dense, exact)),
        ("keyword, FTS5 BM25 top 50", t_keyword, None),
        ("hybrid, exact dense leg", t_hybrid_exact, 1.0),
        ("hybrid (default)", t_hybrid, recall(hybrid, hybrid_exact)),
        ("hybrid, one user's scope", t_scoped, None),
    ]
    if args.embed:
        from tradeassist.retrieval.embeddings import LazyEmbedder

        embedder = LazyEmbedder()
        embedder.embed_query("warm up")
        _, t_embed = timed(embedder.embed_query, [q[0] for q in qs[:50]])
        rows.append(("MiniLM query embedding", t_embed, None))

    n = len(store.dense.ids)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}, "
          f"{n} chunks x {DIM} dims, {len(qs)} queries, nlist {store.dense._ann.nlist}, "
          f"nprobe {store.dense._nprobe(store.dense._ann.nlist)}")
    print(f"build {build_s:.1f} s (insert), load vectors {load_s:.2f} s, train+add IVF {ivf_s:.2f} s")
    print(f"{'method':32} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>10}")
    for name, times, rec in rows:
        r = "" if rec is None else f"{rec:.3f}"
        print(f"{name:32} {pct(times, 50):8.2f} {pct(times, 95):8.2f} {r:>10}")
    store.close()


def _replay(rng, chunks):
    # Re-draws exactly what build_corpus drew, without writing, to rebuild queries for a kept store.
    class _NullStore:
        def replace_document(self, *args, **kwargs):
            return 0

    return build_corpus(_NullStore(), chunks, rng)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

"""Fixtures of the retrieval tests: stores with random vectors (fast) and a real-model index."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from retrieval.records import Chunk, DocumentInfo  # noqa: E402

#: A small slice of the shared corpus: the statements and filings some dev questions cite,
#: plus neighbours that say similar things (so ranking matters).
FOMC_SUBSET = (
    "19940204.txt", "19940322.txt", "19991221.txt", "19991116.txt", "20010103.txt", "20010131.txt",
    "20081216.txt", "20081029.txt", "20141029.txt", "20140917.txt", "20151216.txt", "20151028.txt",
)
PDF_SUBSET = ("PEPSICO_2023_8K_dated-2023-05-05.pdf", "AMCOR_2022_8K_dated-2022-07-01.pdf")


def unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    """Random unit vectors of 384 numbers (stand-ins for embeddings in store-only tests)."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def make_doc(key: str, *, user: str = "local", collection: str = "shared", content_hash: str = "h1",
             source: str | None = None, pages: int = 1) -> DocumentInfo:
    """A DocumentInfo for tests."""
    return DocumentInfo(key=key, source=source or f"{key}.txt", path=f"/docs/{key}.txt",
                        content_hash=content_hash, collection=collection, user=user, pages=pages)


def make_chunks(texts: list[str], *, page: int | None = 1) -> list[Chunk]:
    """Chunks with the given texts, numbered in order."""
    return [Chunk(text=text, page=page, ordinal=i) for i, text in enumerate(texts)]


@pytest.fixture
def store(tmp_path):
    """An empty embedded store in a temporary folder."""
    from retrieval.embedded_store import EmbeddedStore

    store = EmbeddedStore(tmp_path / "store.sqlite3")
    yield store
    store.close()


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 embedder, loaded once for the whole session."""
    from retrieval.embeddings import shared_embedder

    return shared_embedder()


@pytest.fixture
def make_index(tmp_path, embedder):
    """Factory of empty DocumentIndexes (real model) in temporary folders."""
    from retrieval.embedded_store import EmbeddedStore
    from retrieval.index import DocumentIndex

    opened = []

    def factory(name: str = "index"):
        index = DocumentIndex(EmbeddedStore(tmp_path / name / "store.sqlite3"), embedder)
        opened.append(index)
        return index

    yield factory
    for index in opened:
        index.close()


@pytest.fixture(scope="session")
def fomc_home(shared_data, embedder, tmp_path_factory):
    """A home folder whose store holds a slice of the shared FOMC statements and two PDFs."""
    from retrieval.embedded_store import EmbeddedStore
    from retrieval.index import STORE_FILE, DocumentIndex
    from retrieval_corpus import document_chunks

    home = tmp_path_factory.mktemp("fomc-home")
    docs = shared_data / "docs"
    paths = [docs / "fomc" / "statements" / name for name in FOMC_SUBSET]
    paths += [docs / "pdf" / name for name in PDF_SUBSET]
    index = DocumentIndex(EmbeddedStore(home / STORE_FILE), embedder)
    for path in paths:
        doc, chunks = document_chunks(path)
        index.replace_document(doc, chunks)
    index.close()
    return home

"""Fixtures of the retrieval tests: stores with random vectors (fast) and a real-model index."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from retrieval_helpers import FOMC_SUBSET, PDF_SUBSET, make_chunks, make_doc, unit_vectors  # noqa: E402,F401



@pytest.fixture
def store(tmp_path):
    """An empty embedded store in a temporary folder."""
    from tradeassist.retrieval.embedded_store import EmbeddedStore

    store = EmbeddedStore(tmp_path / "store.sqlite3")
    yield store
    store.close()


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 embedder, loaded once for the whole session."""
    from tradeassist.retrieval.embeddings import LazyEmbedder

    return LazyEmbedder()


@pytest.fixture
def make_index(tmp_path, embedder):
    """Factory of empty DocumentIndexes (real model) in temporary folders."""
    from tradeassist.retrieval.embedded_store import EmbeddedStore
    from tradeassist.retrieval.index import DocumentIndex

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
    from tradeassist.retrieval.embedded_store import EmbeddedStore
    from tradeassist.retrieval.index import STORE_FILE, DocumentIndex
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

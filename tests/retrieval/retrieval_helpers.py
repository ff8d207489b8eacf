"""Builders shared by the retrieval tests (a module of its own: every test folder has a conftest)."""

from __future__ import annotations

import numpy as np

from tradeassist.retrieval.records import Chunk, DocumentInfo

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

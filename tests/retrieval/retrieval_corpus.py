"""Test corpus helpers: Chunks built straight from the shared .txt files and PDFs (pypdfium2)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from tradeassist.retrieval.records import Chunk, DocumentInfo

#: Chunks hold whole paragraphs up to about this many words.
CHUNK_WORDS = 120


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a text: blocks separated by blank lines, whitespace collapsed."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [" ".join(block.split()) for block in blocks if block.strip()]


def group(paras: list[str], limit: int = CHUNK_WORDS, joiner: str = "\n\n") -> list[str]:
    """Consecutive paragraphs joined until a chunk reaches ``limit`` words."""
    chunks: list[str] = []
    current: list[str] = []
    words = 0
    for para in paras:
        count = len(para.split())
        if current and words + count > limit:
            chunks.append(joiner.join(current))
            current, words = [], 0
        current.append(para)
        words += count
    if current:
        chunks.append(joiner.join(current))
    return chunks


def document_chunks(path: Path, *, user: str = "local", collection: str = "shared") -> tuple[DocumentInfo, list[Chunk]]:
    """A DocumentInfo and its Chunks for one .txt or .pdf file (PDF pages are 1-based)."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    pages: list[tuple[int, str]]
    if path.suffix.lower() == ".pdf":
        import pypdfium2

        pdf = pypdfium2.PdfDocument(data)
        pages = [(i + 1, pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
        pdf.close()
    else:
        pages = [(1, data.decode("utf-8", errors="replace"))]
    chunks: list[Chunk] = []
    for page, text in pages:
        text = text.replace("\r\n", "\n")
        # Text layers of PDFs have no blank lines between paragraphs: group their lines instead.
        if "\n\n" in text:
            pieces = group(paragraphs(text))
        else:
            pieces = group([" ".join(line.split()) for line in text.split("\n") if line.strip()], joiner="\n")
        for piece in pieces:
            chunks.append(Chunk(text=piece, page=page, ordinal=len(chunks)))
    key = f"{user}:{collection}:{path.parent.name}/{path.name}"
    doc = DocumentInfo(
        key=key, source=path.name, path=str(path), content_hash=digest,
        collection=collection, user=user, pages=len(pages), file_type=path.suffix.lstrip(".").lower(),
    )
    return doc, chunks


def corpus_files(docs: Path) -> Iterator[Path]:
    """Every .txt and .pdf file under the shared docs folder, in a stable order."""
    yield from sorted(p for p in docs.rglob("*") if p.suffix.lower() in (".txt", ".pdf"))

"""Elements to chunks: unstructured's chunk_by_title with a size cap, pages kept apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from tradeassist.retrieval.records import Chunk

if TYPE_CHECKING:
    from unstructured.documents.elements import Element


@dataclass(frozen=True)
class ChunkingOptions:
    """Sizes for chunk_by_title, in characters."""

    #: Hard cap: no chunk is longer (an oversized paragraph is split, with ``overlap``).
    max_characters: int = 1200
    #: Soft cap: start a new chunk once this long.
    new_after_n_chars: int = 1000
    #: Small sections are merged into the next until this long.
    combine_text_under_n_chars: int = 300
    #: Characters repeated between pieces of a split paragraph, so no sentence is cut blind.
    overlap: int = 100


def chunk_elements(elements: Sequence[Element], options: ChunkingOptions | None = None) -> list[Chunk]:
    """Chunks by title, each with its 1-based page, section title, element types and table HTML."""
    from unstructured.chunking.title import chunk_by_title

    if not elements:
        return []
    options = options or ChunkingOptions()
    # Chunk each page on its own: a chunk never spans two pages, so its citation page is exact.
    # (chunk_by_title's multipage_sections=False still lets small sections combine across pages.)
    pieces = []

    def chunk_run(run: list) -> None:
        if run:
            pieces.extend(chunk_by_title(
                run,
                max_characters=options.max_characters,
                new_after_n_chars=options.new_after_n_chars,
                combine_text_under_n_chars=options.combine_text_under_n_chars,
                overlap=options.overlap,
                multipage_sections=False,
                include_orig_elements=True,
            ))

    for _, page_elements in groupby(elements, key=lambda el: el.metadata.page_number or 1):
        run: list = []
        for element in page_elements:
            # A table that fits in one chunk is one chunk as it is: chunk_by_title would rebuild
            # its text from the HTML cells and lose the one-row-per-line layout of its text.
            if element.category == "Table" and len(element.text or "") <= options.max_characters:
                chunk_run(run)
                run = []
                pieces.append(element)
            else:
                run.append(element)
        chunk_run(run)
    chunks: list[Chunk] = []
    section = ""
    for piece in pieces:
        text = (piece.text or "").strip()
        if not text:
            continue
        originals = list(getattr(piece.metadata, "orig_elements", None) or []) or [piece]
        titles = [el.text.strip() for el in originals if el.category == "Title" and el.text.strip()]
        sheet = getattr(piece.metadata, "page_name", None) or ""
        if originals and originals[0].category == "Title" and titles:
            chunk_section = titles[0][:200]
        else:
            chunk_section = section or (titles[0][:200] if titles else sheet[:200])
        if titles:
            # The last heading inside this chunk governs the chunks that follow it.
            section = titles[-1][:200]
        types = tuple(dict.fromkeys(el.category for el in originals)) or (piece.category,)
        is_table = piece.category in ("Table", "TableChunk")
        chunks.append(Chunk(
            text=text,
            page=int(piece.metadata.page_number or 1),
            section=chunk_section,
            element_types=types,
            html=(piece.metadata.text_as_html or None) if is_table else None,
            ordinal=len(chunks),
        ))
    return chunks

"""Ingest speed: PDF pages per second and chunks per second into the index, beside their anchors.

Run: ``.venv/bin/python bench/ingest.py [--pdf-dir DIR] [--repeat N]``

All figures come from one process, medians over ``--repeat`` runs, on the same files:

- ours: ``ingest.partition.partition_file`` (pypdfium2 text layer -> paragraphs -> unstructured's
  ``partition_text``) plus ``chunk_by_title``, the path ``tradeassist ingest`` takes for PDFs;
- anchor: ``unstructured.partition.pdf.partition_pdf(strategy="fast")`` called directly (needs
  ``unstructured-inference`` and its imports; when missing the row says why);
- reference: pypdfium2's raw text layer alone (the ceiling for any text-layer PDF path);
- embedding: chunks/s through ``DocumentIndex.replace_document`` (embed + store) beside the bare
  embedding model on the same texts (the anchor for the store's overhead).

spaCy results are cached per text inside unstructured; the caches are cleared before every run so
that repeats measure real work.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")

DEFAULT_PDFS = Path(__file__).resolve().parents[2] / "shared" / "data" / "docs" / "pdf"


def clear_nlp_caches() -> None:
    """Forget unstructured's per-text spaCy results so that a repeat does the work again."""
    from unstructured.nlp import tokenize

    for name in ("_process_cached", "word_tokenize", "pos_tag", "_tokenize_for_cache"):
        getattr(tokenize, name).cache_clear()


def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def run_ours(files: list[Path]) -> tuple[float, int]:
    """Seconds for our PDF path over all files, and the chunk count."""
    from ingest.chunking import chunk_elements
    from ingest.limits import Limits
    from ingest.partition import partition_file
    from ingest.sniff import FileKind

    clear_nlp_caches()
    chunks = 0
    started = time.perf_counter()
    for path in files:
        chunks += len(chunk_elements(partition_file(path, FileKind.PDF, Limits()).elements))
    return time.perf_counter() - started, chunks


def run_anchor(files: list[Path]) -> float:
    """Seconds for unstructured's partition_pdf(strategy="fast") over all files."""
    from unstructured.partition.pdf import partition_pdf

    clear_nlp_caches()
    started = time.perf_counter()
    for path in files:
        elements = partition_pdf(filename=str(path), strategy="fast", languages=["eng"])
        if not elements:
            raise RuntimeError(f"partition_pdf returned no elements for {path.name}")
    return time.perf_counter() - started


def run_raw_text(files: list[Path]) -> float:
    """Seconds to read pypdfium2's text layer of every page (no classification)."""
    import pypdfium2 as pdfium

    started = time.perf_counter()
    for path in files:
        document = pdfium.PdfDocument(str(path))
        for page in document:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        document.close()
    return time.perf_counter() - started


def median_of(repeat: int, run) -> float:
    return statistics.median(run() for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-dir", type=Path, default=DEFAULT_PDFS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-embedding", action="store_true", help="Measure PDF parsing only.")
    args = parser.parse_args()
    files = sorted(args.pdf_dir.glob("*.pdf"))
    if not files:
        print(f"no PDFs in {args.pdf_dir}; nothing to measure")
        return 0
    from ingest.worker import warm_up

    warm_up()
    pages = sum(page_count(p) for p in files)
    rows: list[tuple[str, str, str]] = []

    ours_runs = [run_ours(files) for _ in range(args.repeat)]
    ours_s = statistics.median(s for s, _ in ours_runs)
    chunk_count = ours_runs[0][1]
    rows.append(("ours: pypdfium2 text -> partition_text -> chunk_by_title", f"{pages / ours_s:.1f} pages/s",
                 f"{ours_s:.2f} s"))
    try:
        anchor_s = median_of(args.repeat, lambda: run_anchor(files))
        rows.append(("anchor: unstructured partition_pdf(strategy='fast')", f"{pages / anchor_s:.1f} pages/s",
                     f"{anchor_s:.2f} s"))
    except ImportError as exc:
        rows.append(("anchor: unstructured partition_pdf(strategy='fast')", "unavailable",
                     f"import failed: {exc}"[:70]))
    raw_s = median_of(args.repeat, lambda: run_raw_text(files))
    rows.append(("reference: pypdfium2 raw text layer only", f"{pages / raw_s:.1f} pages/s", f"{raw_s:.3f} s"))

    if not args.no_embedding:
        rows.extend(embedding_rows(files, args.repeat))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"{len(files)} PDFs, {pages} pages, {chunk_count} chunks; medians of {args.repeat} runs")
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  {'rate':>16}  detail")
    for name, rate, detail in rows:
        print(f"{name.ljust(width)}  {rate:>16}  {detail}")
    return 0


def embedding_rows(files: list[Path], repeat: int) -> list[tuple[str, str, str]]:
    """Chunks/s into the real index (embed + atomic store) beside the bare embedding model."""
    from core.settings import Settings
    from ingest.chunking import chunk_elements
    from ingest.limits import Limits
    from ingest.partition import partition_file
    from ingest.pipeline import document_key
    from ingest.sniff import FileKind
    from retrieval.embeddings import shared_embedder
    from retrieval.index import DocumentIndex
    from retrieval.records import DocumentInfo

    per_file = [(p, chunk_elements(partition_file(p, FileKind.PDF, Limits()).elements)) for p in files]
    texts = [c.text for _, chunks in per_file for c in chunks]
    embedder = shared_embedder()
    embedder.embed(texts[:4])
    bare = statistics.median(_timed(lambda: embedder.embed(texts)) for _ in range(repeat))
    with tempfile.TemporaryDirectory() as home:
        index = DocumentIndex.open(Settings(home=Path(home)), embedder=embedder)

        def store_all() -> None:
            for n, (path, chunks) in enumerate(per_file):
                key = document_key("bench", "bench", str(path))
                doc = DocumentInfo(key=key, source=path.name, path=str(path), content_hash=f"h{time.time_ns()}{n}",
                                   collection="bench", user="bench")
                index.replace_document(doc, chunks)

        stored = statistics.median(_timed(store_all) for _ in range(repeat))
        index.close()
    n = len(texts)
    return [("ours: DocumentIndex.replace_document (embed + store)", f"{n / stored:.1f} chunks/s", f"{stored:.2f} s"),
            ("anchor: bare MiniLM embed of the same chunks", f"{n / bare:.1f} chunks/s", f"{bare:.2f} s")]


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())

"""Ingest speed, stage by stage, beside its anchors measured in the same run.

Run: ``.venv/bin/python bench/ingest.py [--pdf-dir DIR] [--limit N] [--home DIR] [--anchor-pages N]``

- ours, end to end: ``tradeassist.ingest.pipeline.ingest_paths`` on the PDFs (parse in worker processes,
  chunk, embed with the int8 ONNX MiniLM, write the SQLite store), pages/s over wall time, and the
  seconds each stage took summed over files (parse and chunk run in workers while the writer
  embeds, so stages overlap);
- anchor: pypdfium2's text extraction alone on the same files (the ceiling of any text-layer path);
- anchor: unstructured's ``partition_pdf(strategy="fast")`` on a sample of the files (the
  smallest files up to ``--anchor-pages`` pages), beside our parse stage on that same sample; it
  needs unstructured-inference, which this project does not install, so pdfminer.six's text
  extraction (the core of the "fast" strategy) and the previous path (pdfium text through
  unstructured's spaCy-based ``partition_text``) are timed on the sample as well.

The machine is noted with its load average at the start and at the end: on a shared machine the
wall-clock figures move with the load, so CPU seconds of this process are printed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_PDFS = SHARED / "filings" if (SHARED / "filings").is_dir() else SHARED / "docs" / "pdf"


def page_count(path: Path) -> int:
    """Pages of one PDF."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def pdfium_text_seconds(files: list[Path]) -> float:
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


def unstructured_fast_seconds(files: list[Path]) -> float:
    """Seconds for unstructured's partition_pdf(strategy="fast") over ``files``."""
    from unstructured.partition.pdf import partition_pdf

    started = time.perf_counter()
    for path in files:
        if not partition_pdf(filename=str(path), strategy="fast", languages=["eng"]):
            raise RuntimeError(f"partition_pdf returned no elements for {path.name}")
    return time.perf_counter() - started


def pdfminer_seconds(files: list[Path]) -> float:
    """Seconds for pdfminer.six's layout analysis and text (the core of partition_pdf's "fast")."""
    from pdfminer.high_level import extract_text

    started = time.perf_counter()
    for path in files:
        extract_text(str(path))
    return time.perf_counter() - started


def previous_path_seconds(files: list[Path]) -> float:
    """Seconds for the previous PDF path: pdfium text, paragraphs, unstructured's partition_text."""
    from unstructured.partition.text import partition_text

    from tradeassist.ingest.layout import join_wrapped
    from tradeassist.ingest.limits import Limits
    from tradeassist.ingest.pdf import read_pdf_pages

    started = time.perf_counter()
    for path in files:
        for page in read_pdf_pages(path, Limits()):
            partition_text(text="\n\n".join(join_wrapped(page.text.split("\n"))), languages=["eng"])
    return time.perf_counter() - started


def our_parse_seconds(files: list[Path]) -> float:
    """Seconds for our parse + chunk of ``files`` in this process (the sample the anchor sees)."""
    from tradeassist.ingest.chunking import chunk_elements
    from tradeassist.ingest.limits import Limits
    from tradeassist.ingest.partition import partition_file
    from tradeassist.ingest.sniff import FileKind

    started = time.perf_counter()
    for path in files:
        chunk_elements(partition_file(path, FileKind.PDF, Limits()).elements)
    return time.perf_counter() - started


def sample(files: list[Path], pages: dict[Path, int], limit: int) -> list[Path]:
    """The smallest files first, up to ``limit`` pages (at least one file)."""
    chosen: list[Path] = []
    total = 0
    for path in sorted(files, key=lambda p: pages[p]):
        if chosen and total + pages[path] > limit:
            break
        chosen.append(path)
        total += pages[path]
    return chosen


def run_pipeline(files: list[Path], home: Path, workers: int | None):
    """The real ingest into a store under ``home``, with the CLI's progress bars on stderr."""
    from rich.console import Console

    from tradeassist.core.settings import Settings
    from tradeassist.cli.ingest_view import ProgressBar
    from tradeassist.ingest.pipeline import ingest_paths

    settings = Settings(home=home)
    with ProgressBar(Console(stderr=True)) as on_progress:
        return ingest_paths([str(p) for p in files], settings, progress=on_progress, workers=workers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-dir", type=Path, default=DEFAULT_PDFS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N files (0: all).")
    parser.add_argument("--home", type=Path, default=None, help="Keep the store here (default: a temporary folder).")
    parser.add_argument("--anchor-pages", type=int, default=60, help="Pages for the partition_pdf(fast) anchor.")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    files = sorted(args.pdf_dir.glob("*.pdf"))[: args.limit or None]
    if not files:
        print(f"no PDFs in {args.pdf_dir}; nothing to measure")
        return 0
    load_start = os.getloadavg()
    pages = {path: page_count(path) for path in files}
    total_pages = sum(pages.values())
    rows: list[tuple[str, str, str]] = []

    cpu_before = resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        report = run_pipeline(files, home, args.workers)
    cpu = (resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
           - cpu_before)
    wall = report.seconds
    rows.append(("ours: ingest end to end (wall)", f"{report.pages / wall:.1f} pages/s",
                 f"{wall:.1f} s, {report.chunks} chunks, {report.failures} failed, {cpu:.0f} CPU-s"))
    for stage, seconds in report.stage_seconds().items():
        rows.append((f"  stage {stage} (summed over files)", f"{report.pages / max(seconds, 1e-9):.1f} pages/s",
                     f"{seconds:.1f} s"))
    text_s = pdfium_text_seconds(files)
    rows.append(("anchor: pypdfium2 text extraction alone", f"{total_pages / text_s:.1f} pages/s", f"{text_s:.1f} s"))
    anchor_files = sample(files, pages, args.anchor_pages)
    anchor_pages = sum(pages[p] for p in anchor_files)
    from tradeassist.ingest.worker import warm_up

    warm_up()
    ours_s = our_parse_seconds(anchor_files)
    rows.append((f"ours: parse + chunk on the sample ({anchor_pages} pages)", f"{anchor_pages / ours_s:.1f} pages/s",
                 f"{ours_s:.2f} s"))
    try:
        fast_s = unstructured_fast_seconds(anchor_files)
        rows.append(("anchor: unstructured partition_pdf(fast), same sample", f"{anchor_pages / fast_s:.1f} pages/s",
                     f"{fast_s:.2f} s"))
    except ImportError as exc:
        # partition_pdf imports unstructured-inference (OpenCV, timm, matplotlib...), which this
        # project does not install; its "fast" text comes from pdfminer, timed just below.
        rows.append(("anchor: unstructured partition_pdf(fast), same sample", "unavailable",
                     f"import failed: {exc}"[:70]))
    miner_s = pdfminer_seconds(anchor_files)
    rows.append(("anchor: pdfminer.six text (partition_pdf fast's core), same sample",
                 f"{anchor_pages / miner_s:.1f} pages/s", f"{miner_s:.2f} s"))
    previous_s = previous_path_seconds(anchor_files)
    rows.append(("anchor: previous path (pdfium + spaCy partition_text), same sample",
                 f"{anchor_pages / previous_s:.1f} pages/s", f"{previous_s:.2f} s"))
    load_end = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; load average (1/5/15 min) at start "
          f"{load_start[0]:.1f}/{load_start[1]:.1f}/{load_start[2]:.1f}, at end "
          f"{load_end[0]:.1f}/{load_end[1]:.1f}/{load_end[2]:.1f}")
    print(f"{len(files)} PDFs from {args.pdf_dir}, {total_pages} pages")
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  {'rate':>16}  detail")
    for name, rate, detail in rows:
        print(f"{name.ljust(width)}  {rate:>16}  {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

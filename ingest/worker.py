"""Parse one file into chunks; runs inside worker processes, so it returns plain picklable values.

``warm_up`` imports unstructured's modules; the worker forkserver runs it once (see
``tradeassist.ingest.preload``) so that every forked worker starts warm.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from tradeassist.core.errors import IngestError, TradeAssistError
from tradeassist.ingest.chunking import ChunkingOptions, chunk_elements
from tradeassist.ingest.filing import filing_facts
from tradeassist.ingest.limits import Limits, check_file_size
from tradeassist.ingest.offline import prepare_unstructured
from tradeassist.ingest.partition import partition_file
from tradeassist.ingest.sniff import HEAD_BYTES, sniff_kind
from tradeassist.retrieval.records import Chunk

#: Pages read for a filing's cover facts (company, form, period).
COVER_PAGES = 3


@dataclass(frozen=True)
class ParseJob:
    """One file to parse: where it is, the name to show, and the limits to apply."""

    path: str
    name: str
    limits: Limits
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)


@dataclass
class ParsedFile:
    """What parsing one file produced: chunks and pages, or the reason it failed."""

    path: str
    ok: bool
    kind: str = ""
    pages: int = 0
    chunks: list[Chunk] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0
    ocr_pages: int = 0
    #: What the document is (company, form, fiscal period: see ``tradeassist.ingest.filing``).
    meta: dict = field(default_factory=dict)
    #: Seconds spent partitioning (reading pages into elements) and chunking.
    parse_s: float = 0.0
    chunk_s: float = 0.0


def parse_file(job: ParseJob) -> ParsedFile:
    """Sniff, check limits, partition and chunk one file; never raises (failures are results)."""
    started = time.perf_counter()
    try:
        path = Path(job.path)
        check_file_size(path.stat().st_size, job.limits)
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        kind = sniff_kind(head, name=job.name, zip_source=path)
        parsed = partition_file(path, kind, job.limits)
        partitioned = time.perf_counter()
        chunks = chunk_elements(parsed.elements, job.chunking)
        if not chunks:
            raise IngestError(f"no text found in this {kind.value.upper()} file"
                              + (" (even after OCR)" if kind.is_image or kind.value == "pdf" else ""))
        cover = "\n".join(el.text for el in parsed.elements if (el.metadata.page_number or 1) <= COVER_PAGES)
        finished = time.perf_counter()
        return ParsedFile(job.path, True, kind.value, parsed.pages, chunks,
                          seconds=finished - started, ocr_pages=parsed.ocr_pages,
                          meta=filing_facts(job.name, cover), parse_s=partitioned - started,
                          chunk_s=finished - partitioned)
    except TradeAssistError as exc:
        return ParsedFile(job.path, False, reason=str(exc), seconds=time.perf_counter() - started)
    except FileNotFoundError:
        return ParsedFile(job.path, False, reason="the file disappeared before it could be read",
                          seconds=time.perf_counter() - started)
    except PermissionError:
        return ParsedFile(job.path, False, reason="permission denied reading the file",
                          seconds=time.perf_counter() - started)
    except Exception as exc:  # any parser bug on a strange file must fail this file alone
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
        return ParsedFile(job.path, False, reason=f"unexpected parser error {type(exc).__name__}: "
                          f"{str(exc)[:200]}{where}", seconds=time.perf_counter() - started)


def warm_up() -> None:
    """Import unstructured's element and chunking modules now rather than on the first file.

    spaCy is not loaded here: PDFs no longer need it, and the formats that do (plain text,
    e-mail) load it on their first file.
    """
    prepare_unstructured()
    import unstructured.chunking.title  # noqa: F401
    import unstructured.documents.elements  # noqa: F401


def init_worker() -> None:
    """Process-pool initializer: ignore Ctrl-C (the parent decides) and warm the parser."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()  # a no-op when the forkserver preloaded it

"""Files and folders into the document index: parallel parsing, one writer, idempotent, resumable.

Parsing (sniff, limits, partition, chunk) runs in a process pool, one file per task; the calling
process is the only writer and stores each document with ``DocumentIndex.replace_document``,
which swaps a document's chunks atomically. A file already stored under the same key with the
same content hash is skipped, so a run killed at any point and started again finishes the job
with no duplicates. A file that fails (bad content, a limit, a parser crash) fails alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tradeassist.core.errors import BadInputError, IngestError, TradeAssistError
from tradeassist.ingest.limits import Limits, check_file_size
from tradeassist.retrieval.records import SHARED_COLLECTION, DocumentInfo

if TYPE_CHECKING:
    from tradeassist.core.settings import Settings
    from tradeassist.ingest.worker import ParsedFile, ParseJob
    from tradeassist.retrieval.index import DocumentIndex

#: Collection that chat and notebook uploads go to by default: visible to the uploader only.
UPLOADS_COLLECTION = "uploads"
#: Path prefix recorded for documents that arrived as bytes rather than from a file.
UPLOAD_PREFIX = "upload:"
Status = Literal["ok", "skipped", "failed"]
#: The stages of ingest timed per file.
STAGES = ("parse", "chunk", "embed", "index")
#: Chunks embedded between two progress updates of the file being stored.
EMBED_SLICE = 128


@dataclass
class FileResult:
    """What happened to one file: stored, skipped as unchanged, or failed with a reason."""

    path: str
    source: str
    status: Status
    reason: str = ""
    kind: str = ""
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    key: str = ""
    #: Seconds by stage: parse (pages to elements), chunk, embed, index (the store's write).
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the file is in the index now (stored by this run or unchanged)."""
        return self.status != "failed"


@dataclass
class IngestReport:
    """Per-file results of one ingest run and its totals."""

    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def stored(self) -> int:
        """Files parsed and written by this run."""
        return sum(1 for f in self.files if f.status == "ok")

    @property
    def skipped(self) -> int:
        """Files already stored with the same content (unchanged)."""
        return sum(1 for f in self.files if f.status == "skipped")

    @property
    def failures(self) -> int:
        """Files that could not be ingested."""
        return sum(1 for f in self.files if f.status == "failed")

    @property
    def pages(self) -> int:
        """Pages parsed by this run."""
        return sum(f.pages for f in self.files if f.status == "ok")

    @property
    def chunks(self) -> int:
        """Chunks written by this run."""
        return sum(f.chunks for f in self.files if f.status == "ok")

    def stage_seconds(self) -> dict[str, float]:
        """Seconds spent in each stage over the stored files (parse, chunk, embed, index).

        Parsing runs in worker processes while the writer embeds, so the stages overlap and
        their sum can exceed the run's wall time.
        """
        totals = dict.fromkeys(STAGES, 0.0)
        for result in self.files:
            for stage, seconds in result.stages.items():
                totals[stage] = totals.get(stage, 0.0) + seconds
        return totals


@dataclass(frozen=True)
class Progress:
    """A progress update: counts so far, and the file that just finished (None at the start)."""

    files_done: int
    files_total: int
    pages: int
    chunks: int
    failures: int
    elapsed_s: float
    last: FileResult | None = None
    #: The file being embedded and written now, with its chunks embedded so far and in all.
    current: str = ""
    current_done: int = 0
    current_total: int = 0


ProgressCallback = Callable[[Progress], None]
#: A parse job with the document it will become, and what parsing produced.
_Parsed = tuple[tuple["ParseJob", DocumentInfo], "ParsedFile"]


def document_key(collection: str, user: str, location: str) -> str:
    """Stable id of a document within its owner's scope: sha1 of collection, user and location."""
    return hashlib.sha1(f"{collection}\0{user}\0{location}".encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


#: Why a symbolic link inside an ingested folder is skipped (it could point anywhere on the machine).
SYMLINK_SKIPPED = "a symbolic link: not followed inside a folder (ingest its target by name)"


def discover_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[FileResult]]:
    """Files under ``paths`` (folders recursively, sorted), and failures for unusable paths.

    Hidden files and folders are skipped; symbolic links inside folders are not followed, so a
    folder cannot pull in files from elsewhere on the machine, and each is reported as skipped.
    """
    found: list[Path] = []
    problems: list[FileResult] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for folder, dirs, names in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names) + [d for d in dirs if (Path(folder) / d).is_symlink()]:
                    candidate = Path(folder) / name
                    if candidate.is_symlink() and not name.startswith("."):
                        # Said in the report: a file the user sees in the folder is never dropped in silence.
                        problems.append(FileResult(str(candidate), name, "skipped", SYMLINK_SKIPPED))
                        continue
                    if name.startswith(".") or not candidate.is_file():
                        continue
                    resolved = candidate.resolve()
                    if resolved not in seen:
                        seen.add(resolved)
                        found.append(resolved)
        elif path.is_file():
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                found.append(resolved)
        else:
            reason = "no such file or folder" if not path.exists() else "not a regular file"
            problems.append(FileResult(str(path), path.name, "failed", reason))
    return found, problems


def ingest_paths(
    paths: Sequence[str | os.PathLike[str]],
    settings: Settings,
    *,
    user: str = "local",
    collection: str | None = None,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    index: DocumentIndex | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively) into the document index; one bad file fails alone."""
    if not paths:
        raise BadInputError("Give at least one file or folder to ingest.")
    collection = _check_scope(collection or settings.collection or SHARED_COLLECTION, user)
    started = time.perf_counter()
    files, problems = discover_files(paths)
    report = IngestReport(files=list(problems))
    limits = Limits.from_settings(settings)
    own_index = index is None
    index = index if index is not None else _open_index(settings)
    tracker = _Tracker(report, len(files) + len(problems), started, progress)
    tracker.emit(None)
    try:
        jobs: list[tuple[ParseJob, DocumentInfo]] = []
        for path in files:
            outcome = _prepare(path, path.name, str(path), limits, collection, user, index)
            if isinstance(outcome, FileResult):
                tracker.finish(outcome)
            else:
                jobs.append(outcome)
        for job, parsed in _parse_all(jobs, workers):
            tracker.finish(_store(index, job, parsed, tracker.embedding))
    finally:
        if own_index:
            index.close()
    report.seconds = time.perf_counter() - started
    return report


def ingest_bytes(
    name: str,
    data: bytes,
    settings: Settings,
    *,
    user: str,
    collection: str | None = None,
    index: DocumentIndex | None = None,
) -> FileResult:
    """Ingest one uploaded file given as bytes (notebook uploads); never raises for bad files.

    The bytes are written to a private temporary file under the product's home, removed afterwards.
    """
    with upload_scratch(settings) as folder:
        path = folder / "upload.bin"
        path.write_bytes(data)
        os.chmod(path, 0o600)
        return ingest_upload(name, path, settings, user=user, collection=collection, index=index)


@contextmanager
def upload_scratch(settings: Settings) -> Iterator[Path]:
    """A private folder under the home's ``tmp/`` for one upload's files, removed afterwards.

    A server killed while one exists leaves it behind; the next start removes such folders.
    """
    scratch = settings.ensure_home() / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="upload-") as folder:  # created 0700
        yield Path(folder)


def ingest_upload(
    name: str,
    path: Path,
    settings: Settings,
    *,
    user: str,
    collection: str | None = None,
    index: DocumentIndex | None = None,
) -> FileResult:
    """Ingest one uploaded file that is already on disk (the server streams uploads there); never raises.

    The upload goes to the ``uploads`` collection of ``user`` unless another is named; its bytes are
    never held in memory whole (hashing and parsing read the file).
    """
    safe_name = _safe_upload_name(name)
    collection = _check_scope(collection or UPLOADS_COLLECTION, user)
    limits = Limits.from_settings(settings)
    started = time.perf_counter()
    location = UPLOAD_PREFIX + safe_name
    key = document_key(collection, user, location)
    size = path.stat().st_size
    try:
        check_file_size(size, limits)
    except IngestError as exc:
        return FileResult(location, safe_name, "failed", str(exc), key=key)
    own_index = index is None
    index = index if index is not None else _open_index(settings)
    try:
        content_hash = file_sha256(path)
        if index.has(key, content_hash):
            return FileResult(location, safe_name, "skipped", "unchanged", key=key,
                              seconds=time.perf_counter() - started)
        from tradeassist.ingest.worker import ParseJob, parse_file

        job = ParseJob(str(path), safe_name, limits)
        parsed = parse_file(job)
        doc = _document_info(key, safe_name, location, content_hash, collection, user, size)
        result = _store(index, (job, doc), parsed)
        result.path = location
        return result
    finally:
        if own_index:
            index.close()


def ingest_uploads(
    uploads: Sequence[tuple[str, bytes]],
    settings: Settings,
    *,
    user: str,
    collection: str | None = None,
    progress: ProgressCallback | None = None,
    index: DocumentIndex | None = None,
) -> IngestReport:
    """Ingest several uploaded files (name, bytes) at once, within ``max_files_per_upload``."""
    limit = int(getattr(settings, "max_files_per_upload", 20))
    if len(uploads) > limit:
        raise BadInputError(f"Too many files in one upload: {len(uploads)} (limit {limit}).")
    started = time.perf_counter()
    report = IngestReport()
    tracker = _Tracker(report, len(uploads), started, progress)
    tracker.emit(None)
    own_index = index is None
    index = index if index is not None else _open_index(settings)
    try:
        for name, data in uploads:
            tracker.finish(ingest_bytes(name, data, settings, user=user, collection=collection, index=index))
    finally:
        if own_index:
            index.close()
    report.seconds = time.perf_counter() - started
    return report


# --- internals -------------------------------------------------------------------------------


class _Tracker:
    """Adds finished files to the report and reports progress."""

    def __init__(self, report: IngestReport, total: int, started: float, callback: ProgressCallback | None):
        self.report, self.total, self.started, self.callback = report, total, started, callback
        self.done = len(report.files)

    def finish(self, result: FileResult) -> None:
        self.report.files.append(result)
        self.done += 1
        self.emit(result)

    def emit(self, last: FileResult | None, current: str = "", done: int = 0, total: int = 0) -> None:
        if self.callback is None:
            return
        report = self.report
        self.callback(Progress(self.done, self.total, report.pages, report.chunks, report.failures,
                               time.perf_counter() - self.started, last, current, done, total))

    def embedding(self, source: str, done: int, total: int) -> None:
        """Progress of the file being embedded: ``done`` of its ``total`` chunks."""
        self.emit(None, source, done, total)


def _open_index(settings: Settings) -> DocumentIndex:
    from tradeassist.retrieval.index import DocumentIndex

    return DocumentIndex.open(settings)


def _check_scope(collection: str, user: str) -> str:
    """Refuse empty or odd collection and user names (they become keys and filters)."""
    for label, value in (("collection", collection), ("user", user)):
        if not value or not value.strip() or len(value) > 200 or any(ord(ch) < 32 for ch in value):
            raise BadInputError(f"Invalid {label} name {value!r}.")
    return collection.strip()


def _safe_upload_name(name: str) -> str:
    """The last path component of an upload's name, without control characters."""
    cleaned = "".join(ch for ch in Path(str(name).replace("\\", "/")).name if ord(ch) >= 32).strip()
    return cleaned[:255] or "upload"


def _document_info(key: str, source: str, location: str, content_hash: str, collection: str,
                   user: str, size: int) -> DocumentInfo:
    return DocumentInfo(key=key, source=source, path=location, content_hash=content_hash,
                        collection=collection, user=user, meta={"size": size})


def _prepare(path: Path, source: str, location: str, limits: Limits, collection: str, user: str,
             index: DocumentIndex) -> FileResult | tuple[ParseJob, DocumentInfo]:
    """A parse job for a file that needs (re)ingesting, or its result when it does not."""
    from tradeassist.ingest.worker import ParseJob

    key = document_key(collection, user, location)
    started = time.perf_counter()
    try:
        size = path.stat().st_size
        check_file_size(size, limits)
        content_hash = file_sha256(path)
        if index.has(key, content_hash):
            return FileResult(location, source, "skipped", "unchanged", key=key,
                              seconds=time.perf_counter() - started)
    except IngestError as exc:
        return FileResult(location, source, "failed", str(exc), key=key)
    except OSError as exc:
        return FileResult(location, source, "failed", f"cannot read the file: {exc.strerror or exc}", key=key)
    doc = _document_info(key, source, location, content_hash, collection, user, size)
    return ParseJob(str(path), source, limits), doc


def _store(index: DocumentIndex, item: tuple[ParseJob, DocumentInfo], parsed: ParsedFile,
           on_embedded: Callable[[str, int, int], None] | None = None) -> FileResult:
    """Write one parsed file into the index (the single writer), or report why it failed."""
    from tradeassist.retrieval.index import embedding_texts

    _, doc = item
    base = dict(path=doc.path, source=doc.source, key=doc.key, kind=parsed.kind, seconds=parsed.seconds)
    if not parsed.ok:
        return FileResult(status="failed", reason=parsed.reason, **base)
    meta = dict(doc.meta, **parsed.meta, ocr_pages=parsed.ocr_pages,
                ingested_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    stored = DocumentInfo(key=doc.key, source=doc.source, path=doc.path, content_hash=doc.content_hash,
                          collection=doc.collection, user=doc.user, pages=parsed.pages,
                          file_type=parsed.kind, meta=meta)
    write_started = time.perf_counter()
    chunks = [chunk for chunk in parsed.chunks if chunk.text and chunk.text.strip()]
    try:
        vectors = _embed(index, doc.source, embedding_texts(chunks), on_embedded)
        embedded = time.perf_counter()
        count = index.replace_document(stored, chunks, vectors=vectors)
    except TradeAssistError as exc:
        return FileResult(status="failed", reason=f"could not store: {exc}", **base)
    finished = time.perf_counter()
    base["seconds"] = parsed.seconds + (finished - write_started)
    stages = {"parse": parsed.parse_s, "chunk": parsed.chunk_s, "embed": embedded - write_started,
              "index": finished - embedded}
    return FileResult(status="ok", pages=parsed.pages, chunks=count, stages=stages, **base)


def _embed(index: DocumentIndex, source: str, texts: list[str],
           on_embedded: Callable[[str, int, int], None] | None):
    """Vectors of ``texts`` in slices, reporting progress after each (the per-file progress bar)."""
    import numpy as np

    if on_embedded is None or len(texts) <= EMBED_SLICE:
        return index.embedder.embed(texts)
    parts = []
    for start in range(0, len(texts), EMBED_SLICE):
        on_embedded(source, start, len(texts))
        parts.append(index.embedder.embed(texts[start:start + EMBED_SLICE]))
    on_embedded(source, len(texts), len(texts))
    return np.concatenate(parts)


def _parse_all(jobs: list[tuple[ParseJob, DocumentInfo]], workers: int | None) -> Iterator[_Parsed]:
    """Yield (job, parsed) as files finish: in a process pool when it pays, else in this process."""
    if not jobs:
        return
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    workers = min(workers, len(jobs))
    if workers == 1:
        from tradeassist.ingest.worker import parse_file, warm_up

        warm_up()
        for item in jobs:
            yield item, parse_file(item[0])
        return
    yield from _parse_in_pool(jobs, workers)


def _parse_in_pool(jobs: list[tuple[ParseJob, DocumentInfo]], workers: int) -> Iterator[_Parsed]:
    """Parse in worker processes; a worker that dies takes only its own file down.

    When a worker is killed (a segfault in a native parser, the OOM killer) every pending
    future fails with BrokenProcessPool. Those files are retried one at a time in a fresh
    single-worker pool, so only the file that really kills its worker is reported failed.
    """
    from tradeassist.ingest.worker import ParsedFile, parse_file

    pending = list(jobs)
    suspects: list[tuple[ParseJob, DocumentInfo]] = []
    with _make_pool(workers) as pool:
        futures: dict[Future, tuple[ParseJob, DocumentInfo]] = {pool.submit(parse_file, job): (job, doc)
                                                                 for job, doc in pending}
        for future in as_completed(futures):
            item = futures[future]
            try:
                yield item, future.result()
            except BrokenProcessPool:
                suspects.append(item)
    for item in suspects:
        with _make_pool(1) as pool:
            try:
                parsed = pool.submit(parse_file, item[0]).result()
            except BrokenProcessPool:
                parsed = ParsedFile(item[0].path, False, reason="the parser process crashed on this file "
                                    "(killed or out of memory)")
        yield item, parsed


def _make_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers fork from a clean server that has already loaded the parsers.

    ``forkserver`` (not ``fork``): the calling process may hold threads and a loaded embedding
    model, which must not be forked; the server preloads unstructured and spaCy once.
    """
    import multiprocessing

    from tradeassist.ingest.worker import init_worker

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tradeassist.ingest.preload"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker)

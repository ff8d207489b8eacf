"""Uploaded files into the ingest pipeline, one at a time, each failing alone with a clear message."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradeassist.core.errors import IngestError, TradeAssistError
from tradeassist.core.settings import Settings

if TYPE_CHECKING:
    from tradeassist.chat.fairpool import FairPool
    from tradeassist.retrieval.embeddings import Embedder


@dataclass(frozen=True)
class UploadResult:
    """What became of one uploaded file."""

    name: str
    kind: str
    pages: int = 0
    chunks: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain-dict form for the HTTP API."""
        return {"name": self.name, "kind": self.kind, "pages": self.pages, "chunks": self.chunks,
                "error": self.error}


#: OCR seconds one uploaded file may use when ``TRADEASSIST_OCR_BUDGET_S`` does not say otherwise.
UPLOAD_OCR_BUDGET_S = 120.0


def store_damaged_message(exc: BaseException) -> str:
    """What to tell a person when the document store (a SQLite file under the home) cannot be read."""
    return (f"the document store under TRADEASSIST_HOME is damaged or unreadable ({exc}); the uploaded "
            "file was not the problem. Restore the store from a backup, or move it aside and ingest again.")


def ingest_one(name: str, path: Path, kind: str, settings: Settings, user: str,
               embedder: Embedder | None = None) -> UploadResult:
    """Ingest one uploaded file (already on disk) into ``user``'s uploads; a failure is reported, never raised.

    ``embedder`` is the server's (its services' one); without it the upload loads a model of its own.
    """
    if settings.ocr_budget_s is None:  # an upload is a request: its OCR time is bounded
        settings = settings.model_copy(update={"ocr_budget_s": UPLOAD_OCR_BUDGET_S})
    try:
        from tradeassist.ingest.pipeline import ingest_upload
        from tradeassist.retrieval.index import DocumentIndex
    except ImportError:
        return UploadResult(name, kind, error="Document ingest is not available in this installation.")
    try:
        with DocumentIndex.open(settings, embedder=embedder) as index:
            result = ingest_upload(name, path, settings, user=user, index=index)
    except TradeAssistError as exc:
        return UploadResult(name, kind, error=str(exc))
    except sqlite3.DatabaseError as exc:  # the store is damaged, not the file: say so
        return UploadResult(name, kind, error=str(IngestError(store_damaged_message(exc))))
    except Exception as exc:  # a broken file must fail alone, never take the chat down
        return UploadResult(name, kind, error=str(IngestError(f"{name} could not be read: {type(exc).__name__}")))
    if not result.ok:
        return UploadResult(name, result.kind or kind, error=result.reason or "it could not be ingested")
    return UploadResult(name, result.kind or kind, result.pages, result.chunks)


async def ingest_files(
    files: Sequence[tuple[str, Path]],
    kinds: Sequence[str],
    settings: Settings,
    user: str,
    on_done: Callable[[UploadResult, int, int], Awaitable[None]] | None = None,
    pool: FairPool | None = None,
    embedder: Embedder | None = None,
) -> list[UploadResult]:
    """Ingest files (on disk) one after another in ``pool`` as ``user``'s jobs, reporting each as it finishes.

    Without a pool they run in the event loop's default executor (tests, scripts).
    """
    results = []
    loop = asyncio.get_running_loop()
    for index, ((name, path), kind) in enumerate(zip(files, kinds, strict=True), start=1):
        args = (name, path, kind, settings, user, embedder)
        if pool is None:
            result = await loop.run_in_executor(None, ingest_one, *args)
        else:
            result = await asyncio.wrap_future(pool.submit(user, ingest_one, *args))
        results.append(result)
        if on_done is not None:
            await on_done(result, index, len(files))
    return results


def remove_stale_uploads(home: Path, older_than_s: float = 3600.0) -> int:
    """Remove upload scratch folders (``<home>/tmp/upload-*``) a crashed server left behind.

    A live upload's folder is removed by the ingest pipeline itself within its time limits, so
    anything older than ``older_than_s`` belongs to a process that died (kill -9, power loss).
    """
    import shutil
    import time

    scratch = home / "tmp"
    removed = 0
    if not scratch.is_dir():
        return 0
    for folder in scratch.glob("upload-*"):
        try:
            if time.time() - folder.stat().st_mtime > older_than_s:
                shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
                removed += 1
        except OSError:
            continue  # another server sharing this home removed it first
    return removed

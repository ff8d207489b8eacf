"""Uploaded files into the ingest pipeline, one at a time, each failing alone with a clear message."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from core.errors import IngestError, TradeAssistError
from core.settings import Settings


@dataclass(frozen=True)
class FileResult:
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


def ingest_one(name: str, data: bytes, kind: str, settings: Settings, user: str) -> FileResult:
    """Ingest one file into ``user``'s uploads; a failure is reported, never raised."""
    if settings.ocr_budget_s is None:  # an upload is a request: its OCR time is bounded
        settings = settings.model_copy(update={"ocr_budget_s": UPLOAD_OCR_BUDGET_S})
    try:
        from ingest.pipeline import ingest_bytes
    except ImportError:
        return FileResult(name, kind, error="Document ingest is not available in this installation.")
    try:
        result = ingest_bytes(name, data, settings, user=user)
    except TradeAssistError as exc:
        return FileResult(name, kind, error=str(exc))
    except Exception as exc:  # a broken file must fail alone, never take the chat down
        return FileResult(name, kind, error=str(IngestError(f"{name} could not be read: {type(exc).__name__}")))
    if not result.ok:
        return FileResult(name, result.kind or kind, error=result.reason or "it could not be ingested")
    return FileResult(name, result.kind or kind, result.pages, result.chunks)


async def ingest_files(
    files: Sequence[tuple[str, bytes]],
    kinds: Sequence[str],
    settings: Settings,
    user: str,
    on_done: Callable[[FileResult, int, int], Awaitable[None]] | None = None,
    executor: Executor | None = None,
) -> list[FileResult]:
    """Ingest files in ``executor`` (the ingest pool), one after another, reporting each as it finishes."""
    results = []
    loop = asyncio.get_running_loop()
    for index, ((name, data), kind) in enumerate(zip(files, kinds, strict=True), start=1):
        result = await loop.run_in_executor(executor, ingest_one, name, data, kind, settings, user)
        results.append(result)
        if on_done is not None:
            await on_done(result, index, len(files))
    return results

"""The demo's documents, written for the demo database: a trading and hedging policy, a market
commentary and a product sheet (PDF). ``tradeassist demo`` ingests them into the shared collection,
so a documents question has something to answer from on a fresh install.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradeassist.core.settings import Settings
    from tradeassist.ingest.pipeline import IngestReport

#: The folder of the demo documents, shipped inside the package.
DOCUMENTS_FOLDER = Path(__file__).resolve().parent / "documents"
#: The file types the folder holds (its generator script and caches are not documents).
DOCUMENT_SUFFIXES = (".md", ".pdf")


def demo_document_paths() -> list[Path]:
    """The demo documents, in name order."""
    return sorted(p for p in DOCUMENTS_FOLDER.iterdir() if p.suffix in DOCUMENT_SUFFIXES)


def ingest_demo_documents(settings: Settings, progress: Callable | None = None) -> IngestReport:
    """Ingest the demo documents into the shared collection (files already there are skipped)."""
    from tradeassist.ingest.offline import set_offline_environment
    from tradeassist.ingest.pipeline import ingest_paths
    from tradeassist.retrieval.records import SHARED_COLLECTION

    set_offline_environment()
    # Three small files: parsing them in this process is faster than starting a process pool.
    return ingest_paths([str(p) for p in demo_document_paths()], settings, user="local",
                        collection=SHARED_COLLECTION, progress=progress, workers=1)

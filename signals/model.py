"""The XGBoost meta-model: leakage check, purged walk-forward training with early stopping, metrics."""

from __future__ import annotations

import os

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from tradeassist.core.errors import SignalError

# OpenMP threads that spin while waiting made XGBoost 20x slower on a busy 2-core machine;
# passive waiting costs nothing when cores are free. Effective only before xgboost loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Below this many rows one thread trains faster than two (thread start-up dominates).
SMALL_FIT_ROWS = 100_000
#: A feature whose rank correlation with any single future bar's return exceeds this is a leak:
#: honest daily features reach |rho| of a few hundredths; tomorrow's return itself gives ~0.4+.
LEAK_CORRELATION = 0.2


@dataclass(frozen=True)
class TrainConfig:
    """Knobs of walk-forward training; defaults are sized to train the demo data in seconds."""

    horizon: int = 5
    threshold: float = 0.02
    n_folds: int = 4
    #: Share of dates kept for the first training window when no test start is given.
    min_train_frac: float = 0.5
    #: Share of each training window (its latest dates) used for early stopping.
    valid_frac: float = 0.15
    n_estimators: int = 200
    max_depth: int = 3
    learning_rate: float = 0.1
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 5.0
    early_stopping_rounds: int = 20
    nthread: int = 2
    seed: int = 7

    def xgb_params(self) -> dict[str, Any]:
        """Keyword arguments for ``xgboost.XGBClassifier``."""
        return {
            "n_estimators": self.n_estimators,
            "max_depth": self.max_depth,
            "learning_rate": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "tree_method": "hist",
            "n_jobs": self.nthread,
            "random_state": self.seed,
            "eval_metric": "logloss",
        }


@dataclass
class FoldResult:
    """Out-of-sample metrics of one walk-forward fold."""

    fold: int
    train_start: str
    train_end: str
    test_start: str
    test_end: str
    n_train: int
    n_test: int
    best_iteration: int
    auc: float
    precision_at_10: float
    brier: float
    base_rate: float


@dataclass
class WalkForwardResult:
    """Every fold's metrics and the out-of-sample predictions (symbol, date, prob, label, returns)."""

    folds: list[FoldResult]
    oos: pd.DataFrame
    features: list[str]
    config: TrainConfig
    summary: dict[str, float] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Per-fold metrics plus a mean row, for display."""
        import pandas as pd

        frame = pd.DataFrame([asdict(f) for f in self.folds])
        mean = {c: frame[c].mean() for c in ("auc", "precision_at_10", "brier", "base_rate")}
        mean.update(fold="mean", n_train=int(frame["n_train"].mean()), n_test=int(frame["n_test"].sum()))
        return pd.concat([frame, pd.DataFrame([mean])], ignore_index=True)


def precision_at_k(frame: pd.DataFrame, k: int = 10, score: str = "prob") -> float:
    """Mean over days of the share of positive labels among that day's ``k`` highest scores."""
    top = frame.sort_values(score, ascending=False, kind="stable").groupby("date", sort=False).head(k)
    return float(top.groupby("date")["label"].mean().mean()) if len(top) else float("nan")


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if 0 < labels.mean() < 1 else float("nan")


def check_leakage(rows: pd.DataFrame, features: Sequence[str], horizon: int, limit: float = LEAK_CORRELATION) -> None:
    """Refuse features that correlate with the label's future window (a look-ahead leak).

    Each feature is rank-correlated with every single future bar's return r(t+1)..r(t+h) and
    with the whole forward return; honest features see none of these. A correlation counts when
    it passes ``limit`` and four standard errors of chance at the sample's size.
    """
    import numpy as np

    sample = rows if len(rows) <= 200_000 else rows.sample(200_000, random_state=0)
    if "next_ret" not in sample or "fwd_ret" not in sample:
        raise SignalError("The leakage check needs next_ret and fwd_ret columns (use add_labels).")
    # r(t+k) for k = 1..h, from the per-symbol next-bar return shifted back.
    targets = {"forward return": sample["fwd_ret"]}
    ordered = sample.sort_values(["symbol", "date"], kind="stable")
    nxt = ordered.groupby("symbol", sort=False)["next_ret"]
    for k in range(1, horizon + 1):
        targets[f"return of bar t+{k}"] = nxt.shift(-(k - 1)).reindex(sample.index)
    ranked_targets = {name: t.rank() for name, t in targets.items()}
    offenders: list[str] = []
    for feature in features:
        ranked = sample[feature].rank()
        worst_name, worst_excess, worst_rho = "", 0.0, 0.0
        for name, target in ranked_targets.items():
            both = ranked.notna() & target.notna()
            if both.sum() < 50:
                continue
            rho = float(np.corrcoef(ranked[both], target[both])[0, 1])
            # Small samples correlate by chance: allow four standard errors (1/sqrt(n)) of a null
            # correlation, with overlapping forward windows counted as n / horizon observations.
            n_eff = both.sum() / (horizon if name == "forward return" else 1)
            allowed = max(limit, 4.0 / np.sqrt(max(n_eff - 1, 1)))
            if abs(rho) - allowed > worst_excess:
                worst_name, worst_excess, worst_rho = name, abs(rho) - allowed, rho
        if worst_excess > 0:
            offenders.append(f"{feature} (rank correlation {worst_rho:+.2f} with the {worst_name})")
    if offenders:
        raise SignalError(
            "Training refused: look-ahead leak suspected. These features correlate with the label's "
            f"future window (limit |rho| <= {limit}): " + "; ".join(offenders)
            + ". Features at day t must use only data up to day t."
        )


def _fit(train: pd.DataFrame, valid: pd.DataFrame | None, features: Sequence[str], config: TrainConfig,
         n_estimators: int | None = None):
    import xgboost as xgb

    params = config.xgb_params()
    if len(train) < SMALL_FIT_ROWS:
        params["n_jobs"] = 1
    if n_estimators is not None:
        params["n_estimators"] = n_estimators
    if valid is not None and len(valid) and 0 < valid["label"].mean() < 1:
        params["early_stopping_rounds"] = config.early_stopping_rounds
        model = xgb.XGBClassifier(**params)
        model.fit(train[list(features)], train["label"], eval_set=[(valid[list(features)], valid["label"])], verbose=False)
    else:
        model = xgb.XGBClassifier(**params)
        model.fit(train[list(features)], train["label"], verbose=False)
    return model


def _split_train_valid(train: pd.DataFrame, config: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    dates = train["date"].drop_duplicates().sort_values().to_numpy()
    n_valid = int(len(dates) * config.valid_frac)
    if n_valid < 10 or len(dates) - n_valid - config.horizon < 20:
        return train, None
    # The validation block is purged from the fitting block too: its labels look ahead.
    fit_end = dates[len(dates) - n_valid - config.horizon - 1]
    valid_start = dates[len(dates) - n_valid]
    fit = train[_purged(train, fit_end, valid_start)]
    return fit, train[train["date"] >= valid_start]


def _purged(rows: pd.DataFrame, last_date, next_start):
    """Rows dated up to ``last_date`` whose label window also ends before ``next_start``."""
    keep = rows["date"] <= last_date
    if "label_end" in rows:
        # Counting dates is not enough when calendars differ: an equity's 5 bars can span 7 days.
        keep &= rows["label_end"] < next_start
    return keep


def walk_forward(
    rows: pd.DataFrame,
    features: Sequence[str],
    config: TrainConfig = TrainConfig(),
    test_start: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> WalkForwardResult:
    """Expanding-window walk-forward: each fold trains on dates before its test block minus a purge.

    ``rows`` are labelled training rows (see ``features.training_rows``). The purge drops the
    ``horizon`` dates before each test block, so no training label overlaps a test date.
    """
    import numpy as np
    import pandas as pd

    features = list(features)
    dates = np.sort(rows["date"].unique())
    if len(dates) < 60:
        raise SignalError(f"Not enough history to train: {len(dates)} labelled days (need at least 60).")
    if test_start is None:
        first_test = int(len(dates) * config.min_train_frac)
    else:
        first_test = int(np.searchsorted(dates, np.datetime64(pd.Timestamp(test_start))))
        # Always leave a real training window in front of the first test block.
        first_test = max(first_test, 40 + config.horizon)
    if first_test >= len(dates) - 5:
        raise SignalError("No dates left to test on after the training window; choose an earlier start.")
    bounds = np.linspace(first_test, len(dates), config.n_folds + 1).astype(int)
    folds: list[FoldResult] = []
    predictions: list[pd.DataFrame] = []
    for number, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:]), start=1):
        if hi <= lo:
            continue
        train_end_index = lo - config.horizon - 1  # purge: last training label ends before dates[lo]
        if train_end_index < 20:
            continue
        train = rows[_purged(rows, dates[train_end_index], dates[lo])]
        test = rows[(rows["date"] >= dates[lo]) & (rows["date"] <= dates[hi - 1])]
        if progress:
            progress(number, config.n_folds, f"fold {number}: train {len(train):,} rows, test {len(test):,}")
        fit_rows, valid_rows = _split_train_valid(train, config)
        model = _fit(fit_rows, valid_rows, features, config)
        prob = model.predict_proba(test[features])[:, 1]
        best = getattr(model, "best_iteration", None)
        best_iteration = int(best) + 1 if best is not None else config.n_estimators
        scored = test[["symbol", "date", "label", "fwd_ret", "next_ret"]].assign(prob=prob, fold=number)
        predictions.append(scored)
        labels = scored["label"].to_numpy()
        folds.append(
            FoldResult(
                fold=number,
                train_start=str(pd.Timestamp(dates[0]).date()),
                train_end=str(pd.Timestamp(dates[train_end_index]).date()),
                test_start=str(pd.Timestamp(dates[lo]).date()),
                test_end=str(pd.Timestamp(dates[hi - 1]).date()),
                n_train=len(train),
                n_test=len(test),
                best_iteration=best_iteration,
                auc=_auc(labels, prob),
                precision_at_10=precision_at_k(scored, 10),
                brier=float(np.mean((prob - labels) ** 2)),
                base_rate=float(labels.mean()),
            )
        )
    if not folds:
        raise SignalError("Walk-forward produced no folds: the history is too short for the purge gap.")
    oos = pd.concat(predictions, ignore_index=True)
    result = WalkForwardResult(folds=folds, oos=oos, features=features, config=config)
    result.summary = {
        "auc": float(np.nanmean([f.auc for f in folds])),
        "precision_at_10": float(np.nanmean([f.precision_at_10 for f in folds])),
        "brier": float(np.mean([f.brier for f in folds])),
        "base_rate": float(np.mean([f.base_rate for f in folds])),
        "oos_auc": _auc(oos["label"].to_numpy(), oos["prob"].to_numpy()),
        "n_folds": len(folds),
    }
    return result


def fit_final(rows: pd.DataFrame, features: Sequence[str], config: TrainConfig, result: WalkForwardResult):
    """The model to deploy: all labelled rows, as many trees as the folds' early stopping chose."""
    import numpy as np

    trees = max(10, int(np.median([f.best_iteration for f in result.folds])))
    return _fit(rows, None, features, config, n_estimators=trees)

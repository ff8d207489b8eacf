"""Walk-forward training, the leakage check, the registry, and the honesty tests (no look-ahead)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tradeassist.core.errors import SignalError
from tradeassist.signals.backtest import BacktestConfig, run_backtest
from tradeassist.signals.features import FEATURES, add_labels, compute_indicators, training_rows
from tradeassist.signals.model import TrainConfig, check_leakage, walk_forward
from tradeassist.signals.registry import ModelRegistry
from signals_synthetic import synthetic_bars

SMALL = TrainConfig(n_estimators=120, learning_rate=0.1, n_folds=4, min_train_frac=0.45)


@pytest.fixture(scope="module")
def learnable():
    """Bars with a weak mean-reversion pattern, their features and training rows."""
    bars = synthetic_bars(n_symbols=24, n_days=900, seed=5, pattern=0.08)
    frame = add_labels(compute_indicators(bars))
    return bars, training_rows(frame)


@pytest.fixture(scope="module")
def noise():
    """Zero-drift random walks: nothing to learn, buy-and-hold earns nothing on average."""
    bars = synthetic_bars(n_symbols=24, n_days=1100, seed=9)
    frame = add_labels(compute_indicators(bars))
    return bars, training_rows(frame)


def test_walk_forward_is_time_ordered_and_purged(learnable):
    _, rows = learnable
    result = walk_forward(rows, FEATURES, SMALL)
    dates = np.sort(rows["date"].unique())
    assert len(result.folds) == 4
    for fold in result.folds:
        train_end = np.datetime64(pd.Timestamp(fold.train_end))
        test_start = np.datetime64(pd.Timestamp(fold.test_start))
        gap = np.searchsorted(dates, test_start) - np.searchsorted(dates, train_end)
        assert gap > SMALL.horizon, "the purge gap must exceed the label horizon"
        assert 1 <= fold.best_iteration <= SMALL.n_estimators  # early stopping chose a tree count
        assert 0.0 <= fold.brier <= 1.0 and 0.0 <= fold.precision_at_10 <= 1.0
    # Test blocks follow each other without overlap; every prediction is out of sample.
    starts = [f.test_start for f in result.folds]
    assert starts == sorted(starts)
    assert result.oos["date"].min() > pd.Timestamp(result.folds[0].train_end)
    # The pattern is real, so the model finds some of it.
    assert result.summary["auc"] > 0.53


def test_permuted_labels_give_chance_auc(learnable):
    _, rows = learnable
    shuffled = rows.copy()
    shuffled["label"] = np.random.default_rng(0).permutation(shuffled["label"].to_numpy())
    result = walk_forward(shuffled, FEATURES, SMALL)
    assert abs(result.summary["auc"] - 0.5) < 0.05, result.summary
    assert abs(result.summary["oos_auc"] - 0.5) < 0.05


def _sharpe_tolerance(days: int, periods: float = 252.0) -> float:
    # Under the null (no edge) an annualised Sharpe estimate over T days has standard error
    # about sqrt(periods / T) (Lo, 2002, iid returns); three standard errors leave a 0.3% false alarm rate.
    return 3.0 * math.sqrt(periods / days)


def test_permuted_labels_give_zero_sharpe_and_a_leak_does_not(noise):
    bars, rows = noise
    shuffled = rows.copy()
    shuffled["label"] = np.random.default_rng(1).permutation(shuffled["label"].to_numpy())
    result = walk_forward(shuffled, FEATURES, SMALL)
    scores = result.oos[["symbol", "date"]].assign(score=result.oos["prob"])
    test = run_backtest(scores, bars, BacktestConfig(top_n=5, hold=5, cost_bps=0.0))
    days = int(test.metrics["days"])
    assert days > 500
    tolerance = _sharpe_tolerance(days)
    assert abs(test.metrics["sharpe"]) < tolerance, (test.metrics, tolerance)
    assert abs(test.metrics["active_sharpe"]) < tolerance
    # The same pipeline fed a look-ahead score (the next day's return) is wildly "profitable":
    # the tolerance above is tight enough to catch a leak.
    leaked = result.oos[["symbol", "date"]].assign(score=result.oos["next_ret"])
    cheat = run_backtest(leaked, bars, BacktestConfig(top_n=5, hold=1, cost_bps=0.0))
    assert cheat.metrics["sharpe"] > 5 * tolerance


def test_leaked_feature_is_refused(learnable):
    _, rows = learnable
    leaky = rows.assign(tomorrow_return=rows["next_ret"])
    with pytest.raises(SignalError) as caught:
        check_leakage(leaky, [*FEATURES, "tomorrow_return"], horizon=5)
    message = str(caught.value)
    assert "tomorrow_return" in message and "look-ahead" in message
    assert "rsi_14" not in message  # honest features pass
    check_leakage(rows, FEATURES, horizon=5)  # does not raise


def test_leak_refused_through_the_engine(tmp_path, learnable):
    from tradeassist.core.settings import Settings
    from tradeassist.signals.engine import SignalEngine
    from signals_synthetic import write_duckdb

    bars, rows = learnable
    db = write_duckdb(bars[bars["symbol"].isin(["S00", "S01", "S02"])], tmp_path / "leak.duckdb")
    engine = SignalEngine(Settings(home=tmp_path / "home", db_url=str(db)), train_config=SMALL)
    leaky = training_rows(engine.frame()).assign(rsi_14=lambda f: f["fwd_ret"])  # a "feature" that is the label window
    with pytest.raises(SignalError, match="Training refused"):
        engine.train(rows=leaky)
    assert ModelRegistry.for_settings(engine.settings).versions() == []  # nothing was stored


def test_registry_versions_and_retrain_promotion(tmp_path, learnable):
    from tradeassist.core.settings import Settings
    from tradeassist.signals.engine import SignalEngine
    from signals_synthetic import write_duckdb

    bars, _ = learnable
    db = write_duckdb(bars[bars["symbol"].isin([f"S{i:02d}" for i in range(8)])], tmp_path / "reg.duckdb")
    settings = Settings(home=tmp_path / "home", db_url=str(db))
    engine = SignalEngine(settings, train_config=SMALL)
    first = engine.retrain()
    assert first.promoted and first.record.version == "v0001"
    meta = first.record.meta
    for key in ("metrics", "features", "training_range", "data_fingerprint", "params", "created_at"):
        assert key in meta
    assert meta["features"] == list(FEATURES) and len(meta["data_fingerprint"]) == 16
    assert (first.record.path / "model.json").is_file()
    # Same data, same seed: the candidate cannot beat the current model by 3%; it is kept, not promoted.
    second = engine.retrain()
    registry = ModelRegistry.for_settings(settings)
    assert not second.promoted and "kept v0001" in second.reason and "3%" in second.reason
    assert registry.current().version == "v0001" and [r.version for r in registry.versions()] == ["v0001", "v0002"]
    # A current model that scored worse is replaced.
    meta_file = registry.get("v0001").path / "meta.json"
    import json

    stored = json.loads(meta_file.read_text())
    stored["metrics"]["auc"] = 0.40
    meta_file.write_text(json.dumps(stored))
    third = engine.retrain()
    assert third.promoted and registry.current().version == "v0003" and "promoted" in third.reason
    # The stored booster predicts what the engine scores.
    booster = registry.current().load_booster()
    latest = engine.latest()
    np.testing.assert_allclose(engine.score_rows(latest, booster)["model_prob"],
                               booster.inplace_predict(latest[list(FEATURES)].to_numpy("float32")), rtol=1e-6)


def test_purge_uses_each_label_window_across_calendars():
    """Crypto trades every day, equities on weekdays: no training label may end inside a test block."""
    weekdays = synthetic_bars(n_symbols=6, n_days=400, seed=2)
    daily = synthetic_bars(n_symbols=3, n_days=560, seed=3, names=["BTC", "ETH", "SOL"])
    daily["date"] = np.tile(pd.date_range("2023-01-02", periods=560, freq="D"), 3)
    rows = training_rows(add_labels(compute_indicators(pd.concat([weekdays, daily], ignore_index=True))))
    result = walk_forward(rows, FEATURES, SMALL)
    purged_any = False
    for fold in result.folds:
        test_start = pd.Timestamp(fold.test_start)
        dated = rows[rows["date"] <= pd.Timestamp(fold.train_end)]
        clean = dated[dated["label_end"] < test_start]
        # The fold trained on exactly the rows whose label window ends before its test block.
        assert fold.n_train == len(clean)
        purged_any |= len(clean) < len(dated)
    # Counting dates alone would have let some equity labels (5 bars over a weekend) into a test block.
    assert purged_any

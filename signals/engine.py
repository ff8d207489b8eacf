"""The signal engine: bars -> features -> model and rule scores, SHAP, training and backtests.

A ``SignalEngines`` (owned by the product's services) keeps one engine per (database, home), holding
the feature frame and the loaded model, so scoring a symbol after the first question costs milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from tradeassist.core.errors import SignalError, UnknownNameError
from tradeassist.signals.breakout import BreakoutConfig, MomentumProvider, OnchainFlowProvider, blend, rule_scores
from tradeassist.signals.features import FEATURES, LabelSpec, add_labels, compute_indicators, training_rows
from tradeassist.signals.model import TrainConfig, check_leakage, fit_final, walk_forward
from tradeassist.signals.registry import ModelRecord, ModelRegistry, data_fingerprint

if TYPE_CHECKING:
    import pandas as pd

    from tradeassist.core.answer import Explanation
    from tradeassist.core.settings import Settings
    from tradeassist.signals.backtest import BacktestConfig, BacktestResult
    from tradeassist.signals.model import WalkForwardResult

#: A new model replaces the current one only when its walk-forward AUC is this much better (relative).
PROMOTION_GAIN = 0.03
#: Symbols whose last bar is older than this many days before the newest bar are not "today".
STALE_DAYS = 7


@dataclass
class TrainOutcome:
    """What a training run produced: the stored version, its walk-forward result, promotion."""

    record: ModelRecord
    result: WalkForwardResult
    promoted: bool
    reason: str


@dataclass
class _LatestRows:
    """Today's row per symbol as arrays, for scoring without pandas overhead."""

    as_of: Any
    rows: pd.DataFrame
    positions: dict[str, int]
    matrix: Any  # float32, symbols x features
    classes: Any  # signal-class scores, symbols x classes
    rule: Any
    dates: Any
    symbols: Any
    close: Any
    fresh: Any  # indices of symbols whose last bar is recent


class SignalEngine:
    """Scores, explains, trains and backtests on one trading database."""

    def __init__(self, settings: Settings, db_url: str | None = None,
                 breakout: BreakoutConfig | None = None, train_config: TrainConfig | None = None):
        self.settings = settings
        self.db_url = db_url or settings.resolved_db_url()
        self.breakout = breakout or BreakoutConfig()
        self.train_config = train_config or TrainConfig()
        self.registry = ModelRegistry.for_settings(settings)
        self._frame: pd.DataFrame | None = None
        self._bars: pd.DataFrame | None = None
        self._instruments: pd.DataFrame | None = None
        self._onchain: pd.DataFrame | None = None
        self._providers: list | None = None
        self._latest: _LatestRows | None = None
        self._as_of: tuple[Any, Any] | None = None
        self._loaded: tuple[Any, ModelRecord, Any] | None = None  # (registry stamp, record, booster)
        self._explainers: dict[str, Any] = {}
        self._lock = threading.Lock()
        #: The database file's modification time when this engine was made (see SignalEngines).
        self.database_stamp: int | None = None

    # Data ---------------------------------------------------------------------------------
    def bars(self) -> pd.DataFrame:
        """Every daily bar of the database (loaded once)."""
        if self._bars is None:
            from tradeassist.signals.data import BarReader, load_bars

            with BarReader.open(self.db_url, self.settings) as reader:
                self._bars = load_bars(reader)
            if self._bars.empty:
                raise SignalError(f"The database {self.db_url} has no daily bars to compute signals from.")
        return self._bars

    def frame(self) -> pd.DataFrame:
        """Bars with indicators, features and labels (computed once)."""
        if self._frame is None:
            spec = LabelSpec(self.train_config.horizon, self.train_config.threshold)
            self._frame = add_labels(compute_indicators(self.bars()), spec)
        return self._frame

    def instruments(self) -> pd.DataFrame:
        """The instruments table (symbol, name, sector, asset_class), empty when absent."""
        if self._instruments is None:
            from tradeassist.signals.data import BarReader, load_instruments

            with BarReader.open(self.db_url, self.settings) as reader:
                self._instruments = load_instruments(reader)
        return self._instruments

    def onchain_daily(self) -> pd.DataFrame:
        """Daily on-chain flow measures for crypto symbols (empty when the table is absent)."""
        if self._onchain is None:
            from tradeassist.signals.data import BarReader, load_table
            from tradeassist.signals.onchain import daily_flows

            with BarReader.open(self.db_url, self.settings) as reader:
                self._onchain = daily_flows(load_table(reader, "onchain_transfers"))
        return self._onchain

    def providers(self) -> list:
        """The signal-class providers our data can feed (built once)."""
        if self._providers is None:
            providers: list = [MomentumProvider()]
            if not self.onchain_daily().empty:
                providers.append(OnchainFlowProvider(self.onchain_daily()))
            self._providers = providers
        return self._providers

    def symbols(self) -> list[str]:
        """Every symbol with bars."""
        return sorted(self.bars()["symbol"].unique())

    def as_of(self):
        """The scoring date: the latest bar on or before the settings' today."""
        import pandas as pd

        today = pd.Timestamp(self.settings.current_date())
        if self._as_of is None or self._as_of[0] != today:
            dates = self.bars()["date"]
            eligible = dates[dates <= today]
            if eligible.empty:
                raise SignalError(f"No bars on or before {today.date()} in {self.db_url}.")
            self._as_of = (today, eligible.max())
        return self._as_of[1]

    # Models -------------------------------------------------------------------------------
    def train(self, symbols: Sequence[str] | None = None, since=None, promote: bool = True,
              progress: Callable[[int, int, str], None] | None = None, rows: pd.DataFrame | None = None) -> TrainOutcome:
        """Leakage check, walk-forward evaluation, final fit, and a new registry version."""
        import pandas as pd

        frame = self.frame()
        if symbols:
            wanted = {s.upper() for s in symbols}
            unknown = wanted - set(frame["symbol"])
            if unknown:
                raise UnknownNameError(f"No bars for {', '.join(sorted(unknown))}.")
            frame = frame[frame["symbol"].isin(wanted)]
        if since is not None:
            frame = frame[frame["date"] >= pd.Timestamp(since)]
        rows = training_rows(frame, FEATURES) if rows is None else rows
        check_leakage(rows, FEATURES, self.train_config.horizon)
        result = walk_forward(rows, FEATURES, self.train_config, progress=progress)
        model = fit_final(rows, FEATURES, self.train_config, result)
        meta = {
            "metrics": result.summary,
            "folds": [asdict(f) for f in result.folds],
            "features": list(FEATURES),
            "label": {"horizon": self.train_config.horizon, "threshold": self.train_config.threshold},
            "training_range": [str(rows["date"].min().date()), str(rows["date"].max().date())],
            "n_rows": len(rows),
            "n_symbols": int(rows["symbol"].nunique()),
            "data_fingerprint": data_fingerprint(self.bars()),
            "db": self.db_url,
            "params": asdict(self.train_config),
        }
        current = self.registry.current()
        if not promote:
            reason = "stored, not promoted"
        else:
            reason = "first model" if current is None else f"replaces {current.version} (trained on request)"
        record = self.registry.save(model.get_booster(), meta, promote=promote)
        return TrainOutcome(record, result, promote, reason)

    def retrain(self, progress: Callable[[int, int, str], None] | None = None) -> TrainOutcome:
        """Train a candidate; promote it only if its walk-forward AUC beats the current one by 3%."""
        current = self.registry.current()
        outcome = self.train(promote=current is None, progress=progress)
        if current is None:
            return outcome
        new, old = outcome.record.metric, current.metric
        if new >= old * (1.0 + PROMOTION_GAIN):
            self.registry.promote(outcome.record.version)
            outcome.promoted = True
            outcome.reason = (f"{outcome.record.version} promoted: walk-forward AUC {new:.4f} beats "
                              f"{current.version}'s {old:.4f} by {100 * (new / old - 1):.1f}% (>= 3%).")
        else:
            outcome.promoted = False
            outcome.reason = (f"kept {current.version}: the new model's walk-forward AUC {new:.4f} is not 3% "
                              f"better than {old:.4f} ({100 * (new / old - 1):+.1f}%); {outcome.record.version} "
                              "is stored but not promoted.")
        return outcome

    def model(self, auto_train: bool = True) -> tuple[ModelRecord | None, Any, bool]:
        """(current record, loaded booster, trained_now); trains a first model when allowed."""
        with self._lock:
            stamp = self.registry.stamp()
            if self._loaded is not None and self._loaded[0] == stamp:
                return self._loaded[1], self._loaded[2], False  # nothing was promoted since
            trained_now = False
            record = self.registry.current()
            if record is None:
                if not auto_train:
                    return None, None, False
                record = self.train().record
                trained_now = True
                stamp = self.registry.stamp()
            if self._loaded is None or self._loaded[1].version != record.version:
                self._explainers.clear()
                booster = record.load_booster()
            else:
                booster = self._loaded[2]
            self._loaded = (stamp, record, booster)
            return record, booster, trained_now

    def explainer(self, method: str = "xgboost"):
        """The cached SHAP explainer of the current model."""
        from tradeassist.signals.explain import ShapExplainer

        record, booster, _ = self.model()
        key = f"{record.version}:{method}"
        if key not in self._explainers:
            self._explainers[key] = ShapExplainer(booster, record.meta["features"], method=method)
        return self._explainers[key]

    # Scoring ------------------------------------------------------------------------------
    def _latest_state(self) -> _LatestRows:
        """Today's row of every symbol, its feature matrix and rule scores (computed once per day).

        Rule scores depend only on data, not on the model, so they are cached with the features;
        model probability and SHAP values are computed on every request.
        """
        import numpy as np

        as_of = self.as_of()
        if self._latest is None or self._latest.as_of != as_of:
            frame = self.frame()
            last = frame[frame["date"] <= as_of].groupby("symbol", sort=False).tail(1).reset_index(drop=True)
            classes = rule_scores(last, self.providers(), self.breakout)
            self._latest = _LatestRows(
                as_of=as_of,
                rows=last[["symbol", "date", "close", *FEATURES]],
                positions={symbol: i for i, symbol in enumerate(last["symbol"])},
                matrix=last[list(FEATURES)].to_numpy(dtype="float32"),
                classes=classes[list(self.breakout.weights)].to_numpy(),
                rule=classes["rule_score"].to_numpy(),
                dates=last["date"].to_numpy(),
                symbols=last["symbol"].to_numpy(dtype=object),
                close=last["close"].to_numpy(dtype="float64"),
                fresh=np.flatnonzero((last["date"] >= as_of - np.timedelta64(STALE_DAYS, "D")).to_numpy()),
            )
        return self._latest

    def _indices(self, symbols: Sequence[str] | None) -> list[int]:
        state = self._latest_state()
        if not symbols:
            return list(state.fresh)
        wanted = list(dict.fromkeys(s.upper() for s in symbols))
        unknown = sorted(set(wanted) - set(state.positions))
        if unknown:
            raise UnknownNameError(f"No bars for {', '.join(unknown)} on or before {state.as_of.date()}.")
        return [state.positions[s] for s in wanted]

    def latest(self, symbols: Sequence[str] | None = None) -> pd.DataFrame:
        """Each symbol's feature row as of today (stale symbols dropped unless asked for by name)."""
        return self._latest_state().rows.take(self._indices(symbols)).reset_index(drop=True)

    def _scored(self, indices: list[int], booster) -> tuple[pd.DataFrame, Any]:
        """Scores of today's rows at ``indices``: model on the cached matrix, rules from the cache."""
        import numpy as np
        import pandas as pd

        state = self._latest_state()
        matrix = state.matrix[indices]
        rule = state.rule[indices]
        if booster is not None:
            prob = booster.inplace_predict(matrix)
            score = blend(prob, np.where(np.isnan(rule), prob, rule), self.breakout)
        else:
            prob = np.full(len(indices), np.nan)
            score = rule
        columns = {"symbol": state.symbols[indices], "date": state.dates[indices],
                   "close": state.close[indices], "model_prob": prob}
        classes = state.classes[indices]
        columns.update({name: classes[:, i] for i, name in enumerate(self.breakout.weights)})
        columns.update(rule_score=rule, breakout_score=score, strong=score >= self.breakout.strong)
        return pd.DataFrame(columns), matrix

    def score_rows(self, rows: pd.DataFrame, booster=None, features: Sequence[str] = FEATURES) -> pd.DataFrame:
        """Model probability, class scores, rule score and the blended breakout score of any rows."""
        import numpy as np
        import pandas as pd

        classes = rule_scores(rows, self.providers(), self.breakout)
        rule = classes["rule_score"].to_numpy()
        if booster is not None:
            prob = booster.inplace_predict(rows[list(features)].to_numpy(dtype="float32"))
            # Rows the rules cannot score (indicators still warming up) fall back to the model alone.
            score = blend(prob, np.where(np.isnan(rule), prob, rule), self.breakout)
        else:
            prob = np.full(len(rows), np.nan)
            score = rule
        columns = {"symbol": rows["symbol"].to_numpy(), "date": rows["date"].to_numpy(),
                   "close": rows["close"].to_numpy(), "model_prob": prob}
        columns.update({name: classes[name].to_numpy() for name in self.breakout.weights})
        columns.update(rule_score=rule, breakout_score=score, strong=score >= self.breakout.strong)
        return pd.DataFrame(columns)

    def score(self, symbols: Sequence[str] | None = None, auto_train: bool = True) -> tuple[pd.DataFrame, dict]:
        """Breakout scores as of today, best first, and facts about how they were made."""
        record, booster, trained_now = self.model(auto_train=auto_train)
        scored, _ = self._scored(self._indices(symbols), booster)
        if not symbols:
            scored = scored.sort_values("breakout_score", ascending=False, kind="stable").reset_index(drop=True)
        info = {"version": record.version if record else None, "trained_now": trained_now,
                "as_of": self.as_of(), "record": record}
        return scored, info

    def explain(self, symbol: str, method: str = "xgboost") -> tuple[Explanation, pd.DataFrame]:
        """SHAP explanation of one symbol's model probability today, and its scored row."""
        from tradeassist.signals.explain import explanation

        record, booster, _ = self.model()
        indices = self._indices([symbol])
        scored, matrix = self._scored(indices, booster)
        values, base = self.explainer(method).contributions_of(matrix)
        horizon = record.meta.get("label", {}).get("horizon", 5)
        features = record.meta["features"]
        row = dict(zip(features, matrix[0].tolist()))
        part = explanation(symbol.upper(), row, values[0], base[0], float(scored["model_prob"].iloc[0]),
                           features, horizon=horizon)
        return part, scored

    def history(self, symbol: str, days: int = 180) -> pd.DataFrame:
        """One symbol's recent bars with indicators, up to today."""
        frame = self.frame()
        data = frame[(frame["symbol"] == symbol.upper()) & (frame["date"] <= self.as_of())]
        if data.empty:
            raise UnknownNameError(f"No bars for {symbol}.")
        return data.tail(days)

    def strong_dates(self, symbol: str, days: int = 180) -> list:
        """Recent days when the symbol's breakout score crossed the strong line (display only)."""
        record, booster, _ = self.model(auto_train=False)
        rows = self.history(symbol, days).dropna(subset=list(FEATURES))
        if rows.empty:
            return []
        scored = self.score_rows(rows, booster)
        return list(scored.loc[scored["strong"], "date"])

    # Backtests ----------------------------------------------------------------------------
    def backtest(self, universe: Sequence[str], since=None, config: BacktestConfig | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> tuple[BacktestResult, WalkForwardResult]:
        """Top-N backtest on walk-forward out-of-sample scores only (no model sees its test days).

        Folds train on every symbol's history before each test block (minus the purge gap); the
        portfolio trades only ``universe``.
        """
        from tradeassist.signals.backtest import BacktestConfig, run_backtest

        config = config or BacktestConfig()
        rows = training_rows(self.frame(), FEATURES)
        check_leakage(rows, FEATURES, self.train_config.horizon)
        result = walk_forward(rows, FEATURES, self.train_config, test_start=since, progress=progress)
        oos = result.oos[result.oos["symbol"].isin(set(universe))]
        if oos.empty:
            raise SignalError("No out-of-sample predictions for that universe and period.")
        picked = oos[["symbol", "date"]].merge(rows, on=["symbol", "date"], how="left")  # keeps oos order
        classes = rule_scores(picked, self.providers(), self.breakout)
        scores = oos[["symbol", "date"]].copy()
        scores["score"] = blend(oos["prob"].to_numpy(), classes["rule_score"].to_numpy(), self.breakout)
        bars = self.bars()
        return run_backtest(scores, bars[bars["symbol"].isin(set(universe))], config), result


class SignalEngines:
    """One engine per (database, home folder), kept while the database file is unchanged."""

    def __init__(self):
        self._engines: dict[tuple[str, str], SignalEngine] = {}
        self._lock = threading.Lock()

    def get(self, settings: Settings, db_url: str | None = None) -> SignalEngine:
        """The engine for this database and home folder (features and model kept between questions)."""
        key = (db_url or settings.resolved_db_url(), str(settings.home))
        stamp = _database_stamp(key[0])
        with self._lock:
            engine = self._engines.get(key)
            if (engine is None or engine.settings.current_date() != settings.current_date()
                    or engine.database_stamp != stamp):
                engine = SignalEngine(settings, key[0])
                engine.database_stamp = stamp
                self._engines[key] = engine
            return engine

    def clear(self) -> None:
        """Forget every engine (after the database changed)."""
        with self._lock:
            self._engines.clear()


def _database_stamp(db_url: str) -> int | None:
    """A DuckDB or SQLite file's modification time, so a rebuilt database is read afresh."""
    from tradeassist.sql.db.urls import local_file

    path = local_file(db_url)
    try:
        return path.stat().st_mtime_ns if path is not None else None
    except OSError:
        return None

"""SHAP contributions of the meta-model (TreeSHAP) and the Explanation parts built from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tradeassist.core.answer import Contribution, Explanation

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Readable names for features, used in explanations and charts.
FEATURE_LABELS: dict[str, str] = {
    "rsi_14": "RSI-14",
    "ema_gap": "EMA-12 vs EMA-26 gap",
    "ema_cross": "EMA 12/26 cross today",
    "adx_14": "ADX-14 (trend strength)",
    "macd_line": "MACD line / price",
    "macd_signal": "MACD signal / price",
    "macd_hist": "MACD histogram / price",
    "atr_pct": "ATR-14 / price",
    "bb_pctb": "Bollinger %B",
    "bb_width": "Bollinger band width",
    "volume_spike": "Volume vs 20-day average",
    "ret_1": "1-day return",
    "ret_5": "5-day return",
    "ret_20": "20-day return",
}


class ShapExplainer:
    """TreeSHAP values for one booster: ``shap.TreeExplainer`` or XGBoost's own ``pred_contribs``.

    Both compute exact TreeSHAP on the same trees (values in log-odds); ``pred_contribs`` skips
    shap's per-call overhead, which matters when one symbol must be explained in milliseconds.
    """

    def __init__(self, booster, features: Sequence[str], method: str = "xgboost"):
        if method not in ("xgboost", "shap"):
            raise ValueError("method must be 'xgboost' or 'shap'")
        self.booster = booster
        self.features = list(features)
        self.method = method
        self._tree_explainer = None

    def _shap(self):
        if self._tree_explainer is None:
            import shap

            self._tree_explainer = shap.TreeExplainer(self.booster)
        return self._tree_explainer

    def contributions(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(values of shape rows x features, base value per row), both in log-odds."""
        return self.contributions_of(rows[self.features].to_numpy(dtype="float32"))

    def contributions_of(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The same for a float32 matrix whose columns are ``features`` in order."""
        import numpy as np
        import xgboost as xgb

        if self.method == "shap":
            explainer = self._shap()
            values = np.asarray(explainer.shap_values(data))
            base = np.full(len(data), float(np.ravel(explainer.expected_value)[0]))
            return values, base
        # One thread: building a DMatrix for a few rows with every core costs more than the rows.
        matrix = xgb.DMatrix(data, feature_names=self.features, nthread=1)
        raw = self.booster.predict(matrix, pred_contribs=True)
        return raw[:, :-1], raw[:, -1]


def explanation(
    subject: str,
    feature_row: Mapping[str, float],
    values: np.ndarray,
    base_value: float,
    probability: float,
    features: Sequence[str],
    top: int | None = None,
    horizon: int = 5,
) -> Explanation:
    """An Explanation with contributions ordered by |SHAP value|, largest first."""
    import numpy as np

    order = np.argsort(-np.abs(values), kind="stable")
    if top is not None:
        order = order[:top]
    items = tuple(
        Contribution(
            feature=FEATURE_LABELS.get(features[i], features[i]),
            value=float(feature_row[features[i]]),
            contribution=float(values[i]),
        )
        for i in order
    )
    ups = [c.feature for c in items if c.contribution > 0][:3]
    downs = [c.feature for c in items if c.contribution < 0][:2]
    summary = (
        f"model probability {probability:.2f} of a {horizon}-day breakout; "
        f"pushing up: {', '.join(ups) or 'nothing'}; pushing down: {', '.join(downs) or 'nothing'} "
        "(SHAP values in log-odds, TreeSHAP)."
    )
    return Explanation(subject=subject, prediction=float(probability), base_value=float(base_value),
                       contributions=items, summary=summary)

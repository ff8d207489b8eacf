"""The signals route: breakout scores, strongest signals, why a ticker is flagged, backtests."""

from __future__ import annotations

import re
import time
from functools import partial
from typing import TYPE_CHECKING

from tradeassist.core.answer import Answer, Chart, ModelInfo, Notice, Table, Text
from tradeassist.core.errors import SignalError, TradeAssistError
from tradeassist.core.question import Question

if TYPE_CHECKING:
    import pandas as pd

    from tradeassist.core.settings import Settings
    from tradeassist.signals.engine import SignalEngine, SignalEngines

#: Words that make a question ours, with how strongly.
CLAIM_WORDS: tuple[tuple[str, float], ...] = (
    (r"backtest", 0.95),
    (r"breakout", 0.9),
    (r"\bshap\b", 0.9),
    (r"meta[- ]?model", 0.9),
    (r"\bflagged\b", 0.85),
    (r"\bsignals?\b", 0.8),
    (r"\brsi\b", 0.75),
    (r"\bmacd\b", 0.75),
    (r"\badx\b", 0.7),
    (r"bollinger", 0.7),
    (r"momentum", 0.7),
    (r"ema\s*(12|26)|\bema cross", 0.7),
    (r"strongest", 0.5),
)
#: Words that also name products and themes ("Breakout Momentum Basket", "momentum crashes").
SOFT_CLAIM_WORDS = frozenset({r"breakout", r"momentum", r"\bsignals?\b", r"strongest"})
#: Their claim when the question asks nothing of instruments: below a document's evidence.
SOFT_CLAIM = 0.5
#: A ticker (NVDA, BTC), instruments by kind, or a ranking: what a signal answer is about.
_TICKER = re.compile(r"\b(?!US\b)[A-Z]{2,5}\b")
_INSTRUMENTS = re.compile(
    r"\b(stocks?|tickers?|symbols?|coins?|equities|shares|crypto|assets|sectors?|universe|today|this week|"
    r"strongest|top|rank\w*|best|leaders?|highest|lowest|flagged|breaking out)\b", re.IGNORECASE)


def asks_of_instruments(text: str) -> bool:
    """Whether a question asks about instruments (a ticker, stocks, coins) or for a ranking."""
    return bool(_TICKER.search(text) or _INSTRUMENTS.search(text))


_INTENTS = (
    ("backtest", r"backtest|back-test|back test"),
    ("why", r"\bwhy\b|\bexplain|\bshap\b|flagged|driv(es|ing)"),
    ("rank", r"strongest|\btop\b|\bbest\b|which (tickers|symbols|stocks|coins)|\bwhich\b.*\bsignals?\b|\brank|\bleaders?\b"),
    ("score", r"breakout|score|signal|rsi|macd|momentum|adx|bollinger"),
)
MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}


def intent_of(text: str) -> str | None:
    """The kind of signal question: backtest, why, rank, score, or None."""
    lower = text.lower()
    for name, pattern in _INTENTS:
        if re.search(pattern, lower):
            return name
    return None


def parse_since(text: str):
    """A start date from "since 2024", "since March 2024", "from 2024-03-01"; None when absent."""
    import datetime as dt

    lower = text.lower()
    found = re.search(r"(?:since|from|starting)\s+(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", lower)
    if found:
        return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3) or 1))
    found = re.search(r"(?:since|from|starting(?: in)?)\s+(?:(" + "|".join(MONTHS) + r")\s+)?(\d{4})\b", lower)
    if found:
        return dt.date(int(found.group(2)), MONTHS.get(found.group(1) or "", 1), 1)
    return None


def parse_backtest_options(text: str) -> dict:
    """Top N, holding days and cost in bps, when the question states them."""
    lower = text.lower()
    options: dict = {}
    if found := re.search(r"\btop[ -]?(\d{1,3})\b", lower):
        options["top_n"] = int(found.group(1))
    if found := re.search(r"hold(?:ing)?(?: period)?(?: of| for)?\s+(\d{1,3})\s*(?:trading\s+)?days?|(\d{1,3})[- ]day hold", lower):
        options["hold"] = int(found.group(1) or found.group(2))
    if found := re.search(r"(\d+(?:\.\d+)?)\s*(?:bps|basis points)", lower):
        options["cost_bps"] = float(found.group(1))
    return options


class SignalsRoute:
    """Answers breakout-score, strongest-signal, why-flagged and backtest questions."""

    name = "signals"
    description = ("Technical signals: breakout scores, the strongest signals today, why a ticker is "
                   "flagged (SHAP), and walk-forward backtests of the breakout strategy.")

    def __init__(self, settings: Settings, *, engines: SignalEngines | None = None):
        from tradeassist.signals.engine import SignalEngines

        self.settings = settings
        #: The engines this route reads (the services' shared ones, or its own).
        self.engines = engines if engines is not None else SignalEngines()

    def claim(self, question: Question) -> float:
        """Strong for signal words (breakout, signals, flagged, backtest, RSI, MACD, SHAP...); the
        words a product or a text may also use (breakout, momentum) count fully only when the
        question asks for scores of instruments or a ranking."""
        lower = question.text.lower()
        matched = [(pattern, weight) for pattern, weight in CLAIM_WORDS if re.search(pattern, lower)]
        if not matched:
            return 0.0
        best = max(weight for _pattern, weight in matched)
        if all(pattern in SOFT_CLAIM_WORDS for pattern, _weight in matched) and not asks_of_instruments(question.text):
            return min(best, SOFT_CLAIM)
        return best

    def engine(self) -> SignalEngine:
        """The kept engine for the configured database."""
        return self.engines.get(self.settings)

    def answer(self, question: Question) -> Answer:
        """Score, rank, explain or backtest, as the question asks."""
        started = time.perf_counter()
        engine = self.engine()
        text = question.text
        intent = intent_of(text)
        symbols = self._symbols(engine, text)
        if intent is None and question.previous is not None:
            # "and for MSFT?" repeats the previous question's kind for new symbols.
            intent = intent_of(question.previous.question)
        if intent == "backtest":
            answer = self._backtest(engine, text)
        elif symbols and (intent in ("why", "score", None) or (intent == "rank" and len(symbols) == 1)):
            answer = self._explain(engine, symbols[0]) if intent == "why" else self._score(engine, symbols)
        elif intent == "why":
            raise SignalError("Which ticker should I explain? Ask like: 'why is NVDA flagged?'")
        else:
            answer = self._rank(engine, text)
        return answer.with_timing(signals=(time.perf_counter() - started) * 1000)

    # Parts of answers ----------------------------------------------------------------------
    def _symbols(self, engine: SignalEngine, text: str) -> list[str]:
        from tradeassist.signals.universe import find_symbols

        return find_symbols(text, engine.symbols(), engine.instruments())

    def _model_parts(self, engine: SignalEngine, scored: pd.DataFrame, info: dict) -> tuple[list, ModelInfo]:
        notices: list = []
        if info.get("trained_now"):
            record = info["record"]
            notices.append(Notice(
                f"No signal model was trained yet, so one was trained now ({record.version}, walk-forward "
                f"AUC {record.metric:.3f} on {record.meta['n_rows']:,} rows). Retrain with `tradeassist signals retrain`."))
        if info.get("record") is None:
            return notices, ModelInfo(method="rules")
        return notices, ModelInfo(method="xgboost-meta-model", model=info["version"])

    def _score_model(self, engine: SignalEngine, symbols=None) -> tuple[pd.DataFrame, dict, list]:
        """Scores with the model, or rule scores with a notice when no model can be trained."""
        notices: list = []
        try:
            scored, info = engine.score(symbols)
        except SignalError as exc:
            if "Training refused" in str(exc):
                raise
            scored, info = engine.score(symbols, auto_train=False)
            notices.append(Notice(f"Scored from rules only: no model could be trained ({exc})", level="warning"))
        return scored, info, notices

    def _missing_notice(self, engine: SignalEngine, row) -> Notice | None:
        from tradeassist.signals.breakout import missing_classes

        missing = missing_classes(row, engine.breakout)
        if not missing:
            return None
        weights = engine.breakout.weights
        present = [c for c in weights if c not in missing]
        share = sum(weights[c] for c in missing)
        return Notice(
            f"No data for {', '.join(missing)} (weight {share:.2f}); that weight was redistributed "
            f"proportionally to {', '.join(present) or 'nothing'}.")

    def _components(self, engine: SignalEngine, row) -> pd.DataFrame:
        import pandas as pd

        weights = engine.breakout.weights
        present = {c: weights[c] for c in weights if row[c] == row[c]}
        total = sum(present.values()) or 1.0
        rows = []
        model_weight = engine.breakout.model_weight if row["model_prob"] == row["model_prob"] else 0.0
        if model_weight:
            rows.append({"component": "meta-model probability", "score": row["model_prob"], "weight": model_weight,
                         "contribution": model_weight * row["model_prob"]})
        for name, weight in weights.items():
            effective = (1 - model_weight) * present[name] / total if name in present else 0.0
            rows.append({"component": name, "score": row[name] if name in present else None,
                         "weight": effective, "contribution": effective * row[name] if name in present else 0.0})
        rows.append({"component": "breakout score", "score": row["breakout_score"], "weight": 1.0,
                     "contribution": row["breakout_score"]})
        return pd.DataFrame(rows)

    # Intents --------------------------------------------------------------------------------
    def _score(self, engine: SignalEngine, symbols: list[str]) -> Answer:
        from tradeassist.signals import charts

        scored, info, notices = self._score_model(engine, symbols)
        model_notices, model = self._model_parts(engine, scored, info)
        lines, parts = [], []
        as_of = info["as_of"].date()
        for symbol in symbols:
            row = scored[scored["symbol"] == symbol].iloc[0]
            verdict = "a **strong breakout**" if row["strong"] else "not a strong breakout"
            mix = (f"{engine.breakout.model_weight:.1f} x model probability {row['model_prob']:.2f} + "
                   f"{1 - engine.breakout.model_weight:.1f} x rule score {row['rule_score']:.2f}"
                   if row["model_prob"] == row["model_prob"] else f"rule score {row['rule_score']:.2f} (no model)")
            lines.append(f"**{symbol}** breakout score **{row['breakout_score']:.2f}** as of {row['date'].date()} "
                         f"({verdict}; strong at >= {engine.breakout.strong}) = {mix}.")
        first = scored[scored["symbol"] == symbols[0]].iloc[0]
        parts.append(Text("\n\n".join(lines)))
        parts.append(Table(_tidy(self._components(engine, first)), title=f"{symbols[0]} breakout score components"))
        missing = self._missing_notice(engine, first)
        if info.get("record") is not None:
            explanation, _ = engine.explain(symbols[0])
            parts.append(explanation)
            parts.append(Chart(partial(charts.price_chart, engine.history(symbols[0]), symbols[0], engine.strong_dates(symbols[0])), kind="candlestick"))
            parts.append(Chart(partial(charts.shap_bar, explanation), kind="bar"))
        else:
            parts.append(Chart(partial(charts.price_chart, engine.history(symbols[0]), symbols[0]), kind="candlestick"))
        if len(symbols) > 1:
            parts.append(Table(_tidy(scored.reset_index(drop=True)), title="Breakout scores"))
        extra = [n for n in (missing,) if n is not None]
        return Answer(route=self.name, parts=(*notices, *model_notices, *extra, *parts), model=model,
                      state={"intent": "score", "symbols": symbols, "as_of": str(as_of)})

    def _explain(self, engine: SignalEngine, symbol: str) -> Answer:
        from tradeassist.signals import charts

        scored, info, notices = self._score_model(engine, [symbol])
        model_notices, model = self._model_parts(engine, scored, info)
        if info.get("record") is None:
            raise SignalError("There is no model to explain yet; run `tradeassist signals train`.")
        explanation, _ = engine.explain(symbol)
        row = scored.iloc[0]
        flagged = "is flagged as a **strong breakout**" if row["strong"] else "is **not** flagged as a strong breakout"
        top = explanation.contributions[:3]
        reasons = "; ".join(f"{c.feature} = {c.value:.4g} ({c.contribution:+.3f})" for c in top)
        text = (f"**{symbol}** {flagged} as of {row['date'].date()}: breakout score {row['breakout_score']:.2f} "
                f"(model probability {row['model_prob']:.2f}, rule score {row['rule_score']:.2f}). "
                f"Largest SHAP contributions to the model: {reasons}.")
        parts = [
            Text(text),
            explanation,
            Chart(partial(charts.shap_bar, explanation), kind="bar"),
            Chart(partial(charts.price_chart, engine.history(symbol), symbol, engine.strong_dates(symbol)), kind="candlestick"),
            Table(_tidy(self._components(engine, row)), title=f"{symbol} breakout score components"),
        ]
        missing = self._missing_notice(engine, row)
        return Answer(route=self.name, parts=(*notices, *model_notices, *([missing] if missing else []), *parts),
                      model=model, state={"intent": "why", "symbols": [symbol]})

    def _rank(self, engine: SignalEngine, text: str) -> Answer:
        from tradeassist.signals import charts
        from tradeassist.signals.universe import resolve_universe

        universe_note = "all symbols"
        symbols = None
        try:
            chosen, universe_note = resolve_universe(text, engine.symbols(), engine.instruments())
            if universe_note != "all symbols" and not re.search(r"\b(all|every)\b", text.lower()):
                symbols = chosen
        except TradeAssistError:
            pass
        scored, info, notices = self._score_model(engine, None)
        if symbols:
            scored = scored[scored["symbol"].isin(set(symbols))]
        if scored.empty:
            raise SignalError("No symbols have bars recent enough to score today.")
        model_notices, model = self._model_parts(engine, scored, info)
        limit = parse_backtest_options(text).get("top_n", 10)
        ranked = scored.reset_index(drop=True)
        ranked.insert(0, "rank", range(1, len(ranked) + 1))
        strong = ranked[ranked["strong"]]
        leaders = ", ".join(f"{r.symbol} ({r.breakout_score:.2f})" for r in ranked.head(min(limit, 5)).itertuples())
        text_out = (f"Strongest signals as of {info['as_of'].date()} ({universe_note}): {leaders}. "
                    f"{len(strong)} of {len(ranked)} symbols are strong breakouts (score >= {engine.breakout.strong}).")
        columns = ["rank", "symbol", "breakout_score", "model_prob", "rule_score", *engine.breakout.weights, "strong", "close", "date"]
        shown = _tidy(ranked[columns].dropna(axis=1, how="all").head(limit))
        missing = self._missing_notice(engine, ranked.iloc[0])
        parts = [Text(text_out), Table(shown, title="Strongest breakout signals"),
                 Chart(partial(charts.ranking_bar, ranked, engine.breakout.strong, top=max(limit, 10)), kind="bar")]
        return Answer(route=self.name, parts=(*notices, *model_notices, *([missing] if missing else []), *parts),
                      model=model, state={"intent": "rank"})

    def _backtest(self, engine: SignalEngine, text: str) -> Answer:
        from tradeassist.signals.backtest import BacktestConfig
        from tradeassist.signals.universe import resolve_universe

        since = parse_since(text)
        try:
            universe, label = resolve_universe(text, engine.symbols(), engine.instruments())
        except TradeAssistError:
            universe, label = engine.symbols(), "all symbols"
        options = parse_backtest_options(text)
        notices = []
        if "top_n" not in options:
            # Buying 10 of an 8-name universe would just be buy-and-hold: pick about a third.
            options["top_n"] = min(10, max(1, len(universe) // 3))
            if options["top_n"] < 10:
                notices.append(Notice(f"The universe has {len(universe)} symbols, so the strategy buys the top "
                                      f"{options['top_n']} each day (say 'top N' to choose)."))
        config = BacktestConfig(**options)
        result, walk = engine.backtest(universe, since=since, config=config)
        answer = backtest_answer(self.name, result, walk, label, since, engine)
        return answer.replace(parts=(*notices, *answer.parts))


def _tidy(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """Rounded floats and plain dates, for tables people read."""
    frame = frame.copy()
    for column in frame.columns:
        if str(frame[column].dtype).startswith("datetime64"):
            frame[column] = frame[column].dt.date
        elif frame[column].dtype.kind == "f":
            frame[column] = frame[column].round(digits)
    return frame


def backtest_answer(route: str, result, walk, label: str, since, engine) -> Answer:
    """The Answer for a backtest: metrics beside buy-and-hold, the equity curve, the folds."""
    from tradeassist.signals import charts

    m, b = result.metrics, result.benchmark_metrics
    start, end = result.daily["date"].min().date(), result.daily["date"].max().date()
    cfg = result.config
    text = (f"Backtest of the breakout strategy on {label} ({len(set(result.signals['symbol']))} symbols traded), "
            f"{start} to {end}: each day buy the top {cfg.top_n} breakout scores, hold {cfg.hold} days, "
            f"{cfg.cost_bps:g} bps cost per trade. Net Sharpe {m['sharpe']:.2f} vs buy-and-hold {b['sharpe']:.2f}; "
            f"total return {m['total_return']:.1%} vs {b['total_return']:.1%}; max drawdown {m['max_drawdown']:.1%}; "
            f"win rate {m['win_rate']:.1%} over {int(m['n_signals'])} signals.")
    notices = [Notice(
        f"Scores are walk-forward out-of-sample: {len(walk.folds)} folds, each model trained only on rows whose "
        f"{walk.config.horizon}-day label window ends before its test block, with a purge of at least "
        f"{walk.config.horizon + 1} dates (mean fold AUC {walk.summary['auc']:.3f}).")]
    if since is not None and walk.folds and str(since) < walk.folds[0].test_start:
        notices.append(Notice(f"The test starts on {walk.folds[0].test_start}, not {since}: earlier days are "
                              "needed to train the first model.", level="warning"))
    return Answer(
        route=route,
        parts=(*notices, Text(text), Table(_tidy(result.table()), title="Backtest: strategy vs buy-and-hold"),
               Chart(partial(charts.equity_chart, result.daily, f"Breakout strategy on {label}"), kind="line"),
               Table(_tidy(walk.table()), title="Walk-forward folds")),
        model=ModelInfo(method="xgboost-meta-model", model="walk-forward"),
        state={"intent": "backtest", "universe": label},
    )

"""``tradeassist signals ...``: train, retrain, score, explain, backtest and list the breakout models."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from tradeassist.cli.console import console
from tradeassist.cli.groups import subgroup
from tradeassist.cli.options import DbOption, settings_for


def _engine(db: str | None):
    from tradeassist.signals.engine import SignalEngine

    return SignalEngine(settings_for(db))


def _print_frame(frame, title: str, digits: int = 4) -> None:
    from rich.table import Table as RichTable

    from tradeassist.core.jsonform import json_value

    table = RichTable(title=title, header_style="bold")
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            clean = json_value(value)
            cells.append("" if clean is None else f"{clean:.{digits}f}" if isinstance(clean, float) else str(clean))
        table.add_row(*cells)
    console.print(table)


def _print_folds(walk) -> None:
    frame = walk.table()[["fold", "test_start", "test_end", "n_train", "n_test", "best_iteration", "auc",
                          "precision_at_10", "brier", "base_rate"]]
    frame = frame.rename(columns={"best_iteration": "trees", "precision_at_10": "prec@10", "base_rate": "base"})
    _print_frame(frame, "Walk-forward folds (out-of-sample)", 3)


def _progress():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), transient=False)


def _with_progress(work, label: str):
    with _progress() as progress:
        task = progress.add_task(label, total=None)

        def report(done: int, total: int, message: str) -> None:
            progress.update(task, total=total, completed=done - 1, description=message)

        outcome = work(report)
        progress.update(task, completed=progress.tasks[0].total or 1, description=f"{label}: done")
    return outcome


def train(
    db: DbOption = None,
    symbols: Annotated[Optional[str], typer.Option(help="Comma-separated symbols (default: all).")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only bars from this date (YYYY-MM-DD).")] = None,
) -> None:
    """Walk-forward train the meta-model and store it as the current version."""
    engine = _engine(db)
    chosen = [s.strip() for s in symbols.split(",") if s.strip()] if symbols else None
    with console.status("Computing indicators..."):
        engine.frame()
    outcome = _with_progress(lambda report: engine.train(chosen, since, progress=report), "walk-forward training")
    _print_folds(outcome.result)
    s = outcome.result.summary
    console.print(f"Stored [bold]{outcome.record.version}[/] (current): mean AUC {s['auc']:.4f}, "
                  f"precision@10 {s['precision_at_10']:.4f}, Brier {s['brier']:.4f}, base rate {s['base_rate']:.4f}; "
                  f"{outcome.record.meta['n_rows']:,} rows, {outcome.record.meta['n_symbols']} symbols, "
                  f"{outcome.record.meta['training_range'][0]} .. {outcome.record.meta['training_range'][1]}.")


def retrain(db: DbOption = None) -> None:
    """Train a candidate; promote it only if it beats the current model by 3% or more."""
    engine = _engine(db)
    with console.status("Computing indicators..."):
        engine.frame()
    outcome = _with_progress(lambda report: engine.retrain(progress=report), "walk-forward training")
    console.print(outcome.reason if outcome.reason != "first model" else
                  f"{outcome.record.version} stored and promoted (no model existed).")


def score(
    symbols: Annotated[Optional[list[str]], typer.Argument(help="Symbols to score (default: all, best first).")] = None,
    db: DbOption = None,
    top: Annotated[int, typer.Option(help="Rows to show when scoring all symbols.")] = 20,
) -> None:
    """Breakout scores as of today (model probability blended with rule scores)."""
    engine = _engine(db)
    scored, info = engine.score(symbols or None)
    if info["trained_now"]:
        console.print(f"[blue]No model existed; trained {info['version']} first.[/]")
    shown = scored if symbols else scored.head(top)
    _print_frame(shown.dropna(axis=1, how="all").assign(date=shown["date"].dt.date),
                 f"Breakout scores as of {info['as_of'].date()} (model {info['version'] or 'none: rules only'})", 3)


def explain(
    symbol: Annotated[str, typer.Argument(help="The symbol to explain.")],
    db: DbOption = None,
    method: Annotated[str, typer.Option(help="'xgboost' (pred_contribs) or 'shap' (TreeExplainer).")] = "xgboost",
) -> None:
    """SHAP contributions behind one symbol's model probability today."""
    engine = _engine(db)
    explanation, scored = engine.explain(symbol, method=method)
    row = scored.iloc[0]
    console.print(f"[bold]{symbol.upper()}[/] breakout score {row['breakout_score']:.3f} "
                  f"(model {row['model_prob']:.3f}, rules {row['rule_score']:.3f}); base value "
                  f"{explanation.base_value:+.3f} log-odds")
    console.print(explanation.summary)
    for item in explanation.contributions:
        console.print(f"  {item.feature:<28} {item.contribution:+.4f}  (value {item.value:.4g})")


def backtest(
    db: DbOption = None,
    universe: Annotated[str, typer.Option(help="tech, crypto, all, a sector, or symbols 'AAPL,MSFT'.")] = "all",
    since: Annotated[Optional[str], typer.Option(help="Start of the test period (YYYY-MM-DD).")] = None,
    top: Annotated[int, typer.Option(help="Names bought each day.")] = 10,
    hold: Annotated[int, typer.Option(help="Holding period in trading days.")] = 5,
    cost_bps: Annotated[float, typer.Option("--cost-bps", help="Cost per trade in basis points.")] = 10.0,
) -> None:
    """Backtest the breakout strategy on walk-forward out-of-sample scores, beside buy-and-hold."""
    import datetime as dt

    from tradeassist.core.errors import BadInputError
    from tradeassist.signals.backtest import BacktestConfig
    from tradeassist.signals.universe import resolve_universe

    engine = _engine(db)
    try:
        start = dt.date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise BadInputError(f"--since must be a date like 2024-01-31, not {since!r}.") from exc
    with console.status("Computing indicators..."):
        engine.frame()
    symbols, label = resolve_universe(universe, engine.symbols(), engine.instruments())
    config = BacktestConfig(top_n=top, hold=hold, cost_bps=cost_bps)
    result, walk = _with_progress(lambda report: engine.backtest(symbols, start, config, progress=report),
                                  "walk-forward scoring")
    _print_folds(walk)
    _print_frame(result.table(), f"Backtest on {label}: top {top}, hold {hold} days, {cost_bps:g} bps")


def list_models() -> None:
    """Stored model versions, their metrics, and which one is current."""
    import pandas as pd

    from tradeassist.signals.registry import ModelRegistry

    registry = ModelRegistry.for_settings(settings_for())
    current = registry.current()
    rows = [
        {
            "version": r.version,
            "current": "yes" if current and r.version == current.version else "",
            "auc": r.metric,
            "precision@10": r.meta.get("metrics", {}).get("precision_at_10"),
            "brier": r.meta.get("metrics", {}).get("brier"),
            "rows": r.meta.get("n_rows"),
            "range": " .. ".join(r.meta.get("training_range", [])),
            "created_at": r.meta.get("created_at"),
        }
        for r in registry.versions()
    ]
    if not rows:
        console.print("No models yet. Run `tradeassist signals train`.")
        return
    _print_frame(pd.DataFrame(rows), f"Models in {registry.root}")


def register(app: typer.Typer) -> None:
    """Add the ``signals`` command group to the tradeassist CLI."""
    group = subgroup(app, "signals", "Indicators, the XGBoost meta-model, breakout scores and backtests.")
    group.command("train")(train)
    group.command("retrain")(retrain)
    group.command("score")(score)
    group.command("explain")(explain)
    group.command("backtest")(backtest)
    group.command("list")(list_models)

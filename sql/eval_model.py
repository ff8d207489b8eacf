"""The language-model SQL path scored beside the offline planner (``tradeassist eval sql FILE --model``).

Three columns on the same questions, each as right / clarified / wrong (see ``tradeassist.sql.evaluate``):

- **planner**: the SQL route offline, exactly as ``eval sql`` scores it;
- **model**: the language model writes the SQL for every question (``VannaSqlEngine``: guard,
  value check, database probe, corrections); no SQL accepted counts as clarified;
- **planner + model**: what the product does with a model configured: the planner's answer stands
  when it gives one, and the model is asked only where the planner would ask back.

A model that turns the planner's clarifications into wrong answers shows up as a higher wrong
count in the last column than in the first: the number to watch.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from tradeassist.core.errors import TradeAssistError
from tradeassist.core.question import Question, Turn

if TYPE_CHECKING:
    from tradeassist.core.settings import Settings

PATHS = ("planner", "model", "planner + model")


@dataclass(frozen=True)
class ModelCase:
    """One question's outcome on the model path, with the SQL the model wrote (if any)."""

    id: str
    question: str
    planner: str
    model: str
    combined: str
    reason: str
    sql: str | None
    model_name: str | None
    ms: float


@dataclass(frozen=True)
class ModelEvalReport:
    """Per-question outcomes and the counts of each path."""

    cases: tuple[ModelCase, ...]

    def counts(self, path: str) -> dict[str, int]:
        """right / clarified / wrong / error counts of one path."""
        key = {"planner": "planner", "model": "model", "planner + model": "combined"}[path]
        found = Counter(getattr(case, key) for case in self.cases)
        return {outcome: found.get(outcome, 0) for outcome in ("right", "clarified", "wrong", "error")}

    def to_json(self) -> dict:
        """Plain-dict form written by ``--report``."""
        return {"counts": {path: self.counts(path) for path in PATHS}, "cases": [asdict(c) for c in self.cases]}


def evaluate_model(cases: list[dict], settings: Settings) -> ModelEvalReport:
    """Score the planner, the model alone, and the two together on ``cases``."""
    from tradeassist.core.gateway import Gateway
    from tradeassist.core.errors import ConfigError
    from tradeassist.sql.evaluate import evaluate
    from tradeassist.sql.llm_engine import VannaSqlEngine
    from tradeassist.sql.route import SqlRoute

    gateway = Gateway.from_settings(settings)
    if not gateway.configured:
        raise ConfigError("eval sql --model needs a model: set TRADEASSIST_LOCAL_URL, TRADEASSIST_VLLM_URL "
                          "or a cloud API key.")
    route = SqlRoute(settings)  # offline: no llm_engine, so this is the planner's own score
    try:
        planner = {case.id: case for case in evaluate(cases, settings, route).cases}
        engine = VannaSqlEngine(gateway, settings, teacher=route.teacher(), database=lambda: route.engine()[0])
        results = []
        for case in cases:
            offline = planner[case["id"]]
            outcome, reason, sql, model, ms = _model_case(case, settings, route, engine)
            # The product's rule: a planner answer stands; only its clarifications go to the model.
            combined = outcome if offline.outcome == "clarified" else offline.outcome
            results.append(ModelCase(case["id"], case["question"], offline.outcome, outcome, combined, reason, sql,
                                     model, ms))
        return ModelEvalReport(tuple(results))
    finally:
        route.close()


def _model_case(case: dict, settings: Settings, route, engine):
    """(outcome, reason, sql, model name, ms) for the model writing this case's SQL."""
    from tradeassist.sql.evaluate import execution_match, run_gold
    from tradeassist.sql.db.executor import Executor

    started = time.perf_counter()
    try:
        gold = run_gold(route, case["gold_sql"], settings)
    except TradeAssistError as exc:
        return "error", f"gold SQL failed: {exc}", None, None, 0.0
    database, planner = route.engine()
    context = tuple(Turn(text, None) for text in case.get("context") or ())
    refusals = _Refusals()
    logger = logging.getLogger("tradeassist.sql.llm_engine")
    logger.addHandler(refusals)
    try:
        sql = engine.generate(Question(case["question"], context=context), planner.catalog, None)
    except TradeAssistError as exc:
        return "clarified", f"refused: {exc}", None, None, _ms(started)
    finally:
        logger.removeHandler(refusals)
    if sql is None:
        return "clarified", refusals.last or "no acceptable SQL from the model", None, None, _ms(started)
    try:
        executor = Executor(database, settings)
        frame = executor.run(executor.guard(sql)).frame
    except TradeAssistError as exc:
        return "clarified", f"refused: {exc}", str(sql), sql.model.model, _ms(started)
    ok, reason = execution_match(gold, frame)
    return ("right" if ok else "wrong"), reason, str(sql), sql.model.model, _ms(started)


class _Refusals(logging.Handler):
    """Keeps the engine's last refusal message (why the model's SQL was not accepted)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        """Remember warnings (refusals) and "no model answered" notes."""
        message = record.getMessage()
        if record.levelno >= logging.WARNING or message.startswith("no model answered"):
            self.last = message


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def print_model_eval(report: ModelEvalReport, console, title: str) -> None:
    """The per-question table and the three paths' counts, side by side."""
    from rich.table import Table

    colors = {"right": "green", "clarified": "yellow", "wrong": "red", "error": "magenta"}
    table = Table("id", "planner", "model", "planner + model", "model's reason", title=title)
    for case in report.cases:
        table.add_row(case.id, *(f"[{colors[o]}]{o}[/]" for o in (case.planner, case.model, case.combined)),
                      case.reason[:80])
    console.print(table)
    summary = Table("path", "right", "clarified", "wrong", "error", title="right / clarified / wrong")
    for path in PATHS:
        counts = report.counts(path)
        summary.add_row(path, *(str(counts[k]) for k in ("right", "clarified", "wrong", "error")))
    console.print(summary)


def run_model_eval(file, settings: Settings, console, *, as_json: bool = False, report=None) -> ModelEvalReport:
    """``eval sql FILE --model``: score, print (a table or JSON) and optionally write the report."""
    import json
    import sys

    from tradeassist.sql.evaluate import load_cases

    result = evaluate_model(load_cases(file), settings)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    else:
        print_model_eval(result, console, f"{file.name}: planner beside the model, today = {settings.current_date()}")
    if report is not None:
        report.write_text(json.dumps(result.to_json(), indent=2, default=str), encoding="utf-8")
    return result

"""``tradeassist sql``, ``teach`` and ``eval sql``: the SQL planner from the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from tradeassist.cli.console import console
from tradeassist.cli.groups import subgroup
from tradeassist.cli.options import DbOption, JsonOption, settings_for


def sql_command(
    question: Annotated[str, typer.Argument(help="The question in plain English.")],
    run: Annotated[bool, typer.Option("--run", help="Also run the SQL and show the table.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the SQL the offline planner writes for a question (``--run`` also runs it)."""
    from tradeassist.core.question import Question
    from tradeassist.sql.route import SqlRoute

    route = SqlRoute(settings_for(db))
    try:
        _sql(route, Question(question), run, as_json, console)
    finally:
        route.close()


def _sql(route, question_obj, run: bool, as_json: bool, console) -> None:
    import sqlglot
    from rich.syntax import Syntax

    if run or as_json:
        answer = route.answer(question_obj)
        if as_json:
            from tradeassist.core.jsonform import dumps

            sys.stdout.write(dumps(answer) + "\n")
            return
        from tradeassist.core.render import render_answer

        render_answer(answer, console)
        return
    database, planner = route.engine()
    plan = planner.plan(question_obj.text)
    if not plan.ok:
        console.print(f"[yellow]{plan.clarify}[/]")
        for option in plan.options:
            console.print(f"  - {option}")
        raise typer.Exit(2)
    from tradeassist.sql.db.executor import Executor

    guarded = Executor(database, route.settings).guard(plan.sql)
    pretty = sqlglot.transpile(guarded.sql, read=database.dialect, write=database.dialect, pretty=True)[0]
    console.print(Syntax(pretty, "sql", word_wrap=True))
    console.print(f"[dim]-- {database.dialect}, confidence {plan.confidence:.2f}[/]")


def teach_command(
    question: Annotated[str, typer.Argument(help="A question in plain English.")],
    sql: Annotated[str, typer.Argument(help="The SQL that answers it (checked by the guard first).")],
    db: DbOption = None,
) -> None:
    """Teach every user a question-SQL pair; similar questions reuse it (a chat thumbs-up teaches its user only)."""
    from rich.markup import escape

    from tradeassist.sql.reading import read_sql
    from tradeassist.sql.teach import Teacher

    settings = settings_for(db)
    pair = Teacher(settings).teach(question, sql)  # guarded again against the database before it is stored
    console.print(f"Taught for every user: [bold]{escape(pair.question)}[/] -> {escape(pair.sql)}\n"
                  f"It computes: {escape(read_sql(pair.sql, pair.dialect))}\n"
                  f"[dim]stored in {settings.home / 'taught_sql.jsonl'}[/]")


def eval_sql_command(
    file: Annotated[Path, typer.Argument(help="JSON lines: id, question, gold_sql (DuckDB dialect, {today}), optional context.")],
    db: DbOption = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write the per-question report (JSON) here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the per-question detail as JSON instead of a table.")] = False,
    model: Annotated[bool, typer.Option("--model", help="Score the language-model path beside the offline planner.")] = False,
) -> None:
    """Score the SQL route by execution match: right, clarified (asked back) and wrong answers."""
    from rich.table import Table

    from tradeassist.sql.evaluate import evaluate, load_cases

    settings = settings_for(db)
    if model:
        from tradeassist.sql.eval_model import run_model_eval

        run_model_eval(file, settings, console, as_json=as_json, report=report)
        return
    result = evaluate(load_cases(file), settings)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        table = Table("id", "outcome", "reason", title=f"{file.name}: {result.score:.1%} right")
        colors = {"right": "green", "wrong": "red", "clarified": "yellow", "error": "magenta"}
        for case in result.cases:
            table.add_row(case.id, f"[{colors[case.outcome]}]{case.outcome}[/]", case.reason[:100])
        console.print(table)
        console.print(f"{result.summary()} ({result.score:.1%} right), today = {settings.current_date()}")
    if report is not None:
        report.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
        if not as_json:
            console.print(f"[dim]report written to {report}[/]")


def register(app: typer.Typer) -> None:
    """Add ``sql``, ``teach`` and ``eval sql`` to the tradeassist CLI."""
    app.command("sql")(sql_command)
    app.command("teach")(teach_command)
    subgroup(app, "eval", "Score the product on question sets.").command("sql")(eval_sql_command)

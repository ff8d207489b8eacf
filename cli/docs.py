"""``tradeassist ingest``, ``docs list`` / ``docs remove`` and ``eval docs``: documents from the terminal.

``ingest`` stores documents for questions; ``docs list`` / ``docs remove`` show and delete them;
``eval docs FILE`` scores the docs route on a question set.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from tradeassist.cli.console import console, err_console
from tradeassist.cli.groups import subgroup
from tradeassist.cli.ingest_view import MAX_EXIT_CODE, ProgressBar, print_summary
from tradeassist.cli.options import settings_for


def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (searched recursively).")],
    collection: Annotated[Optional[str], typer.Option(help="Collection to store into (default: shared).")] = None,
    user: Annotated[str, typer.Option(help="Owner of the documents.")] = "local",
    workers: Annotated[Optional[int], typer.Option(min=1, help="Parser processes (default: all cores).")] = None,
    details: Annotated[bool, typer.Option("--details", help="List every file in the summary.")] = False,
) -> None:
    """Ingest documents (PDF, DOCX, PPTX, XLSX, HTML, TXT, Markdown, e-mail, images) for questions.

    The exit code is the number of files that failed (capped at 100).
    """
    from tradeassist.ingest.offline import set_offline_environment
    from tradeassist.ingest.pipeline import ingest_paths

    set_offline_environment()
    settings = settings_for()
    with ProgressBar(err_console) as on_progress:
        report = ingest_paths(paths, settings, user=user, collection=collection,
                              progress=on_progress, workers=workers)
    print_summary(report, console, details=details)
    raise typer.Exit(min(report.failures, MAX_EXIT_CODE))


def list_documents(
    user: Annotated[Optional[str], typer.Option(help="Only documents this user can see.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List stored documents: source, collection, user, pages, chunks, ingested at."""
    from rich.table import Table

    from tradeassist.retrieval.index import DocumentIndex

    with DocumentIndex.open(settings_for()) as index:
        stored = index.stored_documents(user=user)
    if as_json:
        rows = [
            {
                "key": s.info.key, "source": s.info.source, "collection": s.info.collection,
                "user": s.info.user, "pages": s.info.pages, "chunks": s.chunks,
                "ingested_at": s.ingested_at,
            }
            for s in stored
        ]
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    table = Table(title=f"{len(stored)} documents")
    for column in ("source", "collection", "user", "pages", "chunks", "ingested at"):
        table.add_column(column, justify="right" if column in ("pages", "chunks") else "left")
    for s in stored:
        table.add_row(s.info.source, s.info.collection, s.info.user, str(s.info.pages), str(s.chunks), s.ingested_at)
    console.print(table)


def remove_document(
    name_or_key: Annotated[str, typer.Argument(help="The document's file name, path or key.")],
    user: Annotated[Optional[str], typer.Option(help="Only remove a document this user owns.")] = None,
) -> None:
    """Delete a stored document (every stored copy with that name, key or path)."""
    from tradeassist.retrieval.index import DocumentIndex

    with DocumentIndex.open(settings_for()) as index:
        matches = index.find(name_or_key, user=user)
        removed = sum(index.remove(doc.key, user=user) for doc in matches)
    if not removed:
        from tradeassist.core.errors import UnknownNameError

        raise UnknownNameError(f"{name_or_key!r} is not a document that {user or 'you'} can remove.")
    typer.echo(f"Removed {removed} document{'s' if removed != 1 else ''} named {name_or_key!r}.")


def eval_docs(
    file: Annotated[Path, typer.Argument(help="A JSONL question set (see ../shared/eval/README.md).")],
    user: Annotated[str, typer.Option(help="Ask as this user.")] = "local",
    routed: Annotated[bool, typer.Option(help="Let the router pick the route instead of forcing docs.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the per-question results as JSON.")] = False,
) -> None:
    """Score hit@5 and answer match of the docs route on a question set, per question."""
    from rich.table import Table

    from tradeassist.retrieval import eval as docs_eval

    cases = docs_eval.load_cases(file)
    report = docs_eval.run(cases, _question_asker(routed, user))
    if as_json:
        rows = [
            {"id": r.case.id, "hit_at_5": r.hit, "answer_match": r.answer_match, "figure_in_answer": r.figure,
             "outcome": r.outcome, "seconds": round(r.seconds, 3), "cited": list(r.cited), "error": r.error}
            for r in report.results
        ]
        sys.stdout.write(json.dumps({"hit_at_5": report.hit_rate, "answer_match": report.answer_rate,
                                     "figure_in_answer": report.figure_rate,
                                     "figure_questions": report.figure_questions, **report.outcomes(),
                                     "questions": rows}) + "\n")
        return
    table = Table(title=f"docs eval: {file.name}")
    for column in ("id", "hit@5", "answer", "figure", "outcome", "first citations"):
        table.add_column(column)
    for row in docs_eval.report_rows(report):
        table.add_row(*row)
    console.print(table)
    console.print(report.summary())


def _question_asker(routed: bool, user: str):
    """The function ``eval docs`` asks each question with: through the router, or the docs route alone."""
    from tradeassist.core.question import Question

    settings = settings_for()
    if routed:
        from tradeassist.core.backend import Backend

        backend = Backend(settings)

        def ask_through_router(text: str):
            return backend.ask_safely(Question(text, user=user))

        return ask_through_router
    from tradeassist.core.answer import error_answer
    from tradeassist.core.errors import TradeAssistError
    from tradeassist.retrieval.route import DocsRoute

    route = DocsRoute(settings)

    def ask_docs_route(text: str):
        try:
            return route.answer(Question(text, route="docs", user=user))
        except TradeAssistError as exc:
            return error_answer("docs", exc)

    return ask_docs_route


def register(app: typer.Typer) -> None:
    """Add ``ingest``, the ``docs`` group and ``eval docs`` to the tradeassist CLI."""
    app.command(name="ingest")(ingest)
    docs = subgroup(app, "docs", "See and delete stored documents.")
    docs.command("list")(list_documents)
    docs.command("remove")(remove_document)
    subgroup(app, "eval", "Score the product on question sets.").command("docs")(eval_docs)

"""Command-line commands of the ingest package (registered by core.cli)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ingest.pipeline import IngestReport

#: Exit codes count failed files, capped so they stay meaningful to shells (and below 126).
MAX_EXIT_CODE = 100
#: Above this many files the summary lists only failures and totals.
DETAIL_LIMIT = 40


def register(app: typer.Typer) -> None:
    """Add this package's commands to the tradeassist CLI."""
    app.command(name="ingest")(ingest)


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
    from rich.console import Console

    from core.settings import load_settings
    from ingest.offline import set_offline_environment
    from ingest.pipeline import ingest_paths

    set_offline_environment()
    console = Console(stderr=True)
    settings = load_settings()
    with ProgressBar(console) as on_progress:
        report = ingest_paths(paths, settings, user=user, collection=collection,
                              progress=on_progress, workers=workers)
    print_summary(report, Console(), details=details)
    raise typer.Exit(min(report.failures, MAX_EXIT_CODE))


class ProgressBar:
    """A rich progress bar fed by the pipeline's progress callback (files, pages/s, chunks/s)."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TextColumn("{task.fields[pages]} pages ({task.fields[pages_rate]}/s)"),
            TextColumn("{task.fields[chunks]} chunks ({task.fields[chunks_rate]}/s)"),
            TextColumn("[red]{task.fields[failed]}[/]"), TimeElapsedColumn(),
            TextColumn("{task.fields[current]}", style="dim"),
            console=console, transient=False,
        )
        self.task = self.progress.add_task("ingest", total=None, pages=0, pages_rate="0.0", chunks=0,
                                           chunks_rate="0.0", failed="", current="")

    def __enter__(self):
        self.progress.start()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, event) -> None:
        """Progress callback for ``ingest_paths``."""
        elapsed = max(event.elapsed_s, 1e-6)
        last = event.last.source[:40] if event.last else ""
        self.progress.update(
            self.task, total=event.files_total, completed=event.files_done, pages=event.pages,
            pages_rate=f"{event.pages / elapsed:.1f}", chunks=event.chunks,
            chunks_rate=f"{event.chunks / elapsed:.1f}",
            failed=f"{event.failures} failed" if event.failures else "", current=last,
        )


def print_summary(report: IngestReport, console: Console, *, details: bool = False) -> None:
    """A table of the run: stored, unchanged and failed files with reasons, and the totals."""
    from rich.table import Table

    rows = report.files if details or len(report.files) <= DETAIL_LIMIT else [
        f for f in report.files if f.status == "failed"]
    if rows:
        table = Table(title="Ingest results", show_lines=False)
        for name, justify in (("file", "left"), ("status", "left"), ("type", "left"), ("pages", "right"),
                              ("chunks", "right"), ("seconds", "right"), ("reason", "left")):
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        colour = {"ok": "green", "skipped": "cyan", "failed": "red"}
        for f in rows:
            table.add_row(f.source, f"[{colour[f.status]}]{f.status}[/]", f.kind,
                          str(f.pages) if f.status == "ok" else "", str(f.chunks) if f.status == "ok" else "",
                          f"{f.seconds:.2f}", f.reason)
        console.print(table)
    seconds = max(report.seconds, 1e-6)
    console.print(
        f"{len(report.files)} files: [green]{report.stored} stored[/], [cyan]{report.skipped} unchanged[/], "
        f"[red]{report.failures} failed[/]; {report.pages} pages, {report.chunks} chunks in "
        f"{report.seconds:.1f} s ({report.pages / seconds:.1f} pages/s, {report.chunks / seconds:.1f} chunks/s)"
    )

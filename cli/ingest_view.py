"""How ``tradeassist ingest`` shows a run: progress bars while it works, a summary table at the end."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from tradeassist.ingest.pipeline import IngestReport

#: Exit codes count failed files, capped so they stay meaningful to shells (and below 126).
MAX_EXIT_CODE = 100
#: Above this many files the summary lists only failures and totals.
DETAIL_LIMIT = 40


class ProgressBar:
    """Rich progress bars fed by the pipeline's callback: all files (pages/s, chunks/s), and one
    bar per file being embedded (the long stage of a long document), removed when it is stored."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]{task.description}[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"), TextColumn("{task.fields[detail]}"),
            TextColumn("[red]{task.fields[failed]}[/]"), TimeElapsedColumn(),
            console=console, transient=False,
        )
        self.task = self.progress.add_task("ingest", total=None, unit="files", detail="", failed="")
        self.file_tasks: dict[str, object] = {}

    def __enter__(self):
        self.progress.start()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, event) -> None:
        """Progress callback for ``ingest_paths``."""
        if event.current:
            self._file(event.current, event.current_done, event.current_total)
            return
        if event.last is not None and event.last.source in self.file_tasks:
            self.progress.remove_task(self.file_tasks.pop(event.last.source))  # type: ignore[arg-type]
        elapsed = max(event.elapsed_s, 1e-6)
        detail = (f"{event.pages} pages ({event.pages / elapsed:.1f}/s)  "
                  f"{event.chunks} chunks ({event.chunks / elapsed:.1f}/s)")
        self.progress.update(
            self.task, total=event.files_total, completed=event.files_done, detail=detail,
            failed=f"{event.failures} failed" if event.failures else "",
        )

    def _file(self, source: str, done: int, total: int) -> None:
        task = self.file_tasks.get(source)
        if task is None:
            task = self.progress.add_task(f"  {source[:40]}", total=total, unit="chunks embedded",
                                          detail="", failed="")
            self.file_tasks[source] = task
        self.progress.update(task, completed=done)  # type: ignore[arg-type]


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
    stages = report.stage_seconds()
    if report.stored:
        console.print("stages (seconds, summed over files): "
                      + ", ".join(f"{name} {seconds:.1f}" for name, seconds in stages.items()))
    console.print(
        f"{len(report.files)} files: [green]{report.stored} stored[/], [cyan]{report.skipped} unchanged[/], "
        f"[red]{report.failures} failed[/]; {report.pages} pages, {report.chunks} chunks in "
        f"{report.seconds:.1f} s ({report.pages / seconds:.1f} pages/s, {report.chunks / seconds:.1f} chunks/s)"
    )

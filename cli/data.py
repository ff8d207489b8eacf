"""``tradeassist demo`` and ``tradeassist data import``: build the demo database, load your own data.

``tradeassist demo`` builds the demo trading database; ``tradeassist data import`` loads a CSV or
Parquet file into the trading database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

from tradeassist.cli.console import console
from tradeassist.cli.groups import subgroup
from tradeassist.cli.options import settings_for
from tradeassist.core.errors import BadInputError
from tradeassist.sql.db.urls import is_url as _is_url

#: Progress steps of a demo build: two simulation stages, then one per table written.
DEMO_STEPS = 9


def _database_has_tables(url: str) -> bool:
    """Whether a SQLAlchemy database already holds the demo's ``instruments`` table."""
    import sqlalchemy as sa

    from tradeassist.sql.db.urls import sqlalchemy_url

    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        return sa.inspect(engine).has_table("instruments")
    except sa.exc.SQLAlchemyError as exc:
        from tradeassist.core.errors import DataSourceError

        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DataSourceError(f"Cannot reach the database {url}: {reason}") from exc
    finally:
        engine.dispose()


def demo(
    db: Annotated[Optional[str], typer.Option(
        help="Where to write: a DuckDB file path (default: the demo database in TRADEASSIST_HOME), "
             "or a sqlite:/// or postgresql:// URL.")] = None,
    scale: Annotated[int, typer.Option(min=1, max=100, help="Make an N times larger database.")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and date give the same data.")] = 7,
    if_missing: Annotated[bool, typer.Option(
        "--if-missing", help="Do nothing when the database already exists.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing database.")] = False,
    documents: Annotated[Optional[bool], typer.Option(
        "--documents/--no-documents", help="Also ingest the demo documents (a trading policy, a market "
                                           "commentary, a product sheet); unchanged ones are skipped. "
                                           "Default: yes for the home's demo database, no with --db.")] = None,
) -> None:
    """Build the demo trading database (offline, deterministic, ending today) and ingest the demo documents.

    Examples:

        tradeassist demo

        tradeassist demo --if-missing

        tradeassist demo --no-documents

        tradeassist demo --db postgresql://me@127.0.0.1/trading
    """
    settings = settings_for()
    target = db or str(settings.demo_db_path())
    # The demo documents go with the home's demo database; a database built elsewhere (--db) is
    # often a benchmark or a copy, and does not change the home's documents unless asked.
    documents = documents if documents is not None else db is None
    exists = _database_has_tables(target) if _is_url(target) else Path(target).expanduser().exists()
    if exists and if_missing:
        console.print(f"The demo database already exists at [bold]{target}[/]; leaving it as it is.")
        if documents:
            _ingest_demo_documents(console, settings)
        return
    if exists and not force:
        raise BadInputError(
            f"{target} already exists. Use --force to replace it, or --if-missing to keep it.")
    today = settings.current_date()
    with tempfile.TemporaryDirectory(prefix="tradeassist-demo-") as scratch:
        # A URL target is filled from a DuckDB build in a scratch folder.
        build_path = Path(scratch) / "demo.duckdb" if _is_url(target) else Path(target)
        summary = _build_with_progress(console, build_path, target, today, scale, seed)
    _print_summary(console, summary, target, seed, scale, today)
    if documents:
        _ingest_demo_documents(console, settings)


def _ingest_demo_documents(console, settings) -> None:
    """Ingest the demo documents, so that documents questions can be answered on a first run."""
    from tradeassist.ingest.demo import ingest_demo_documents

    with console.status("Ingesting the demo documents"):
        report = ingest_demo_documents(settings)
    if report.failures:
        reasons = "; ".join(f"{f.source}: {f.reason}" for f in report.files if not f.ok)
        console.print(f"[yellow]Some demo documents could not be ingested[/] ({reasons}).")
    if report.stored:
        console.print(f"Demo documents: {report.stored} ingested ({report.pages} pages, {report.chunks} chunks) "
                      f"in {report.seconds:.1f} s; ask e.g. "
                      "\"What do my documents say about the foreign exchange hedge ratio?\"")
    elif not report.failures:
        console.print("The demo documents are already ingested.")


def _build_with_progress(console, build_path: Path, target: str, today, scale: int, seed: int):
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from tradeassist.sql.demo.build import build_demo, export_database

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("Building the demo database", total=DEMO_STEPS + _is_url(target))

        def step(message: str) -> None:
            progress.update(task, description=message.capitalize(), advance=1)

        summary = build_demo(build_path, today=today, scale=scale, seed=seed, progress=step)
        if _is_url(target):
            progress.update(task, description=f"Copying into {target}")
            export_database(build_path, target)
            progress.advance(task)
    return summary


def _print_summary(console, summary, target: str, seed: int, scale: int, today) -> None:
    from rich.table import Table

    table = Table(title=f"Demo trading database ({summary.first_date} to {summary.last_date})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    table.add_row("[bold]total[/]", f"[bold]{summary.total_rows:,}[/]")
    console.print(table)
    console.print(f"Built in {summary.seconds:.1f} s (seed {seed}, scale {scale}, today {today}).")
    console.print(f"Database: [bold]{target}[/]")


def data_import(
    file: Annotated[Path, typer.Argument(help="A CSV, CSV.gz or Parquet file.")],
    table: Annotated[str, typer.Option("--table", "-t", help="Target table, e.g. daily_bars.")],
    mapping: Annotated[Optional[list[str]], typer.Option(
        "--map", help="Rename a file column: Source=target (repeatable).")] = None,
    instruments: Annotated[Optional[Path], typer.Option(
        help="A CSV of instruments (Symbol,Name,Sector) for symbols the file introduces.")] = None,
    symbol: Annotated[Optional[str], typer.Option(
        help="The symbol of every row, for a file of one instrument without a symbol column.")] = None,
    db: Annotated[Optional[str], typer.Option(
        help="Trading database: a DuckDB path or SQLAlchemy URL (default TRADEASSIST_DB_URL, "
             "else the demo database).")] = None,
) -> None:
    """Import a CSV or Parquet file into a table of the trading database (idempotent upsert)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from tradeassist.sql.data.importer import import_file, parse_mapping

    settings = settings_for(db)
    target = settings.resolved_db_url()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.fields[rows]}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"Importing {file.name}", total=None, rows="")

        def on_progress(done: int, total: int, message: str) -> None:
            progress.update(task, completed=done, total=total or None, description=message,
                            rows=f"{done:,}/{total:,} rows" if total else "")

        report = import_file(file, table=table, db_url=target, mapping=parse_mapping(mapping or []),
                             instruments_file=instruments, symbol=symbol, progress=on_progress)
    console.print(report.render())
    console.print(f"Database: [bold]{target}[/]")


def register(app: typer.Typer) -> None:
    """Add ``demo`` and the ``data`` group to the tradeassist CLI."""
    app.command("demo")(demo)
    group = subgroup(app, "data", "Import your own trading data (CSV, Parquet).")
    group.command("import")(data_import)

"""``tradeassist catalog init`` and ``catalog show``: what the SQL planner knows about a database.

``init`` writes the definitions read from a database nobody described (names, comments, keys,
values) as the YAML file ``TRADEASSIST_DEFINITIONS`` loads, for a person to edit; ``show``
prints the tables, columns, words, roles, joins and indexed values the planner links
questions to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from tradeassist.cli.console import console, err_console
from tradeassist.cli.groups import subgroup
from tradeassist.cli.options import DbOption, settings_for
from tradeassist.core.errors import BadInputError

_SHOWN = 6  # synonyms and example values per cell of ``catalog show``

INIT_HELP = """Write the definitions read from the database as YAML, for you to edit.

Tables get their nouns and verbs, columns the words behind their names (sbTxAmt -> amount),
their comments, roles and example values; joins come from keys and names.

Examples:

  tradeassist catalog init --db warehouse.duckdb --out definitions.yaml

  export TRADEASSIST_DEFINITIONS=definitions.yaml   # then edit synonyms and metrics
"""

SHOW_HELP = """Print what the planner knows: tables, columns with words and roles, joins and values.

Examples:

  tradeassist catalog show --db warehouse.duckdb

  tradeassist catalog show --db postgresql://me@db:5432/trading --table sbTransaction
"""


def _open(db: str | None):
    from tradeassist.sql.db.database import Database

    settings = settings_for(db)
    return settings, Database.connect(settings.resolved_db_url(), settings)


def init_command(
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the YAML here (default: print it).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")] = False,
    db: DbOption = None,
) -> None:
    """Write the definitions read from the database as YAML, for you to edit."""
    from tradeassist.sql.catalog.catalog import Catalog
    from tradeassist.sql.catalog.definitions import generate_definitions
    from tradeassist.sql.catalog.definitions_yaml import definitions_yaml

    if out is not None and out.exists() and not force:
        raise BadInputError(f"{out} exists already: pass --force to overwrite it, or choose another --out.")
    settings, database = _open(db)
    try:
        schema = database.schema()
        catalog = Catalog.for_database(database, settings, definitions=generate_definitions(schema))
        text = definitions_yaml(catalog, database.display_url)
    finally:
        database.close()
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(
        f"Wrote definitions of {len(schema.tables)} tables to [bold]{out}[/]. Edit it, then "
        f"set TRADEASSIST_DEFINITIONS={out} to use it."
    )


def show_command(
    table: Annotated[Optional[str], typer.Option("--table", help="Show only this table.")] = None,
    db: DbOption = None,
) -> None:
    """Print what the planner knows: tables, columns with words and roles, joins and values."""
    from tradeassist.sql.catalog.catalog import Catalog

    settings, database = _open(db)
    try:
        catalog = Catalog.for_database(database, settings)
    finally:
        database.close()
    names = list(catalog.schema.tables)
    if table is not None:
        found = catalog.schema.table(table)
        if found is None:
            raise BadInputError(f"No table {table!r}; the database has: {', '.join(sorted(names))}.")
        names = [found.name]
    console.print(_tables_view(catalog, names))
    for name in names:
        console.print(_columns_view(catalog, name))
    console.print(_joins_view(catalog, names))
    console.print(f"[dim]definitions: {catalog.definitions.source}; {len(catalog.lexicon)} phrases, "
                  f"{sum(map(len, catalog.values.by_column.values()))} indexed values[/]")


def _short(items, limit: int = _SHOWN) -> str:
    items = [str(i) for i in items]
    more = f" (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _tables_view(catalog, names: list[str]):
    from rich.table import Table

    view = Table("table", "words", "key", "label", "date", "measure", "description", title="Tables")
    for name in names:
        tdef = catalog.definitions.tables[name]
        view.add_row(name, _short((*tdef.synonyms, *tdef.verbs)), tdef.subject or "", tdef.label or "",
                     tdef.date_column or "", tdef.measure or "", tdef.description)
    return view


def _columns_view(catalog, name: str):
    from rich.table import Table

    view = Table("column", "type", "role", "words", "values", "comment", title=f"Columns of {name}")
    for column, schema_column in catalog.columns(name).items():
        cdef = catalog.definitions.columns.get((name, column))
        values = catalog.values.by_column.get((name, column), ())
        view.add_row(column, schema_column.kind, catalog.role(name, column), _short(cdef.synonyms if cdef else ()),
                     _short(values), schema_column.comment)
    return view


def _joins_view(catalog, names: list[str]):
    from rich.table import Table

    view = Table("from", "to", "declared", title="Joins")
    for lt, lc, rt, rc in catalog.all_joins():
        if lt in names or rt in names:
            declared = any(fk.columns == (lc,) and fk.ref_table == rt for fk in catalog.schema.tables[lt].foreign_keys)
            view.add_row(f"{lt}.{lc}", f"{rt}.{rc}", "yes" if declared else "from names")
    return view


def register(app: typer.Typer) -> None:
    """Add ``catalog init`` and ``catalog show`` to the tradeassist CLI."""
    group = subgroup(app, "catalog", "What the SQL planner knows about a database; write definitions to edit.")
    group.command("init", help=INIT_HELP)(init_command)
    group.command("show", help=SHOW_HELP)(show_command)

"""Options several commands share, declared once, and the settings a command runs with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from tradeassist.core.settings import Settings

DbOption = Annotated[Optional[str], typer.Option("--db", help="Trading database (DuckDB path or SQLAlchemy URL).")]
RouteOption = Annotated[Optional[str], typer.Option(help="Force a route: sql, docs or signals.")]
UserOption = Annotated[str, typer.Option(help="Who is asking (selects their documents).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the JSON form of the answer.")]


def settings_for(db: str | None = None) -> Settings:
    """The settings from the environment, with ``--db`` (when given) as the trading database."""
    from tradeassist.core.settings import load_settings

    return load_settings(db_url=db)

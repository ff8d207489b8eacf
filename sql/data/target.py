"""Where an import writes: the target database named by a DuckDB path or any SQLAlchemy URL."""

from __future__ import annotations

from pathlib import Path


def sqlalchemy_url(db_url: str) -> str:
    """A SQLAlchemy URL for a DuckDB path or any URL (``postgresql://`` gets the psycopg driver)."""
    if "://" not in db_url:
        return f"duckdb:///{Path(db_url).expanduser()}"
    if db_url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db_url.split("://", 1)[1]
    return db_url


def duckdb_path(db_url: str) -> Path | None:
    """The file of a DuckDB target (a plain path or ``duckdb:///path``), else None."""
    if "://" not in db_url:
        return Path(db_url).expanduser()
    if db_url.startswith("duckdb:///"):
        return Path(db_url.removeprefix("duckdb:///")).expanduser()
    return None

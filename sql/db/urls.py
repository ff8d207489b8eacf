"""Database URLs in one place: a DuckDB file path or a SQLAlchemy URL, parsed, shown and resolved.

Every module that is handed a ``--db`` value (the read-only ``Database``, the importer's writer,
the demo exporter, the signal engine) reads it through these functions, so that a plain path,
``duckdb:///file``, ``sqlite:///file`` and server URLs mean the same thing everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tradeassist.core.errors import ConfigError, DataSourceError

#: Backend names of the databases that live in one local file.
FILE_BACKENDS = ("duckdb", "sqlite")


def is_url(target: str) -> bool:
    """True when ``target`` is a database URL rather than a plain file path."""
    return "://" in target


def parse_url(text: str) -> Any:
    """The SQLAlchemy URL object for ``text``; a ``ConfigError`` saying what is wrong otherwise."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            f"Malformed database URL {hide_password(text)!r}: expected a DuckDB file path or a URL "
            "like sqlite:///data.sqlite or postgresql://user@host:5432/dbname."
        ) from exc
    if not url.drivername:
        raise ConfigError(f"Malformed database URL {hide_password(text)!r}: it names no database kind.")
    return url


def existing_database_file(url: Any, text: str, kind: str, example: str) -> Path:
    """The existing database file a file-based URL names; never creates one."""
    if not url.database or url.database == ":memory:":
        raise ConfigError(f"{text!r} names an empty in-memory {kind} database; give a file path ({example}).")
    path = Path(url.database).expanduser()
    if not path.is_file():
        raise DataSourceError(f"No {kind} database file at {path}.")
    return path


def local_file(target: str) -> Path | None:
    """The file a DuckDB or SQLite target names (a plain path or a file URL), else None."""
    if not is_url(target):
        return Path(target).expanduser()
    url = parse_url(target)
    if url.get_backend_name() in FILE_BACKENDS and url.database and url.database != ":memory:":
        return Path(url.database).expanduser()
    return None


def duckdb_file(target: str) -> Path | None:
    """The file of a DuckDB target (a plain path or ``duckdb:///path``), else None."""
    if not is_url(target):
        return Path(target).expanduser()
    if parse_url(target).get_backend_name() == "duckdb":
        return local_file(target)
    return None


def sqlalchemy_url(target: str) -> str:
    """A SQLAlchemy URL for a DuckDB path or any URL (``postgresql://`` gets the psycopg driver)."""
    if not is_url(target):
        return f"duckdb:///{Path(target).expanduser()}"
    if target.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    return target


#: Query parameters that carry a secret in database URLs (libpq, PyMySQL, SQLAlchemy dialects, MotherDuck).
SECRET_QUERY = re.compile(r"([?&](?:password|passwd|pwd|pass|sslpassword|secret|token|api_?key|access_token|"
                          r"auth_token|motherduck_token)=)[^&#\s]*", re.IGNORECASE)


def hide_password(text: str) -> str:
    """``text`` with any password in a URL replaced by ***: the user-info part and secret query parameters."""
    text = SECRET_QUERY.sub(r"\1***", text)
    if not is_url(text) or "@" not in text:
        return text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(text).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")
    except (ArgumentError, ValueError):  # an unparsable URL is shown without its credentials part
        scheme, rest = text.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[-1]}"

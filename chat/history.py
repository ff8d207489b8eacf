"""Chat history: Chainlit's SQLAlchemy data layer over SQLite (default) or PostgreSQL, plus element files.

Chainlit does not create its tables, so ``create_schema`` does, idempotently. Elements (tables,
charts, CSV files) are kept by ``LocalFileStorage`` under ``<home>/chat-files`` and served back
by the HTTP API to their owner only, so resumed threads show them again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from core.errors import BadInputError, ConfigError
from core.settings import Settings

#: Tables and columns the data layer reads and writes (names are Chainlit's, quoted camelCase).
_TABLES = (
    """CREATE TABLE IF NOT EXISTS users (
        "id" {uuid} PRIMARY KEY,
        "identifier" TEXT NOT NULL UNIQUE,
        "metadata" {json} NOT NULL,
        "createdAt" TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS threads (
        "id" {uuid} PRIMARY KEY,
        "createdAt" TEXT,
        "name" TEXT,
        "userId" {uuid},
        "userIdentifier" TEXT,
        "tags" {tags},
        "metadata" {json},
        FOREIGN KEY ("userId") REFERENCES users("id") ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS steps (
        "id" {uuid} PRIMARY KEY,
        "name" TEXT NOT NULL,
        "type" TEXT NOT NULL,
        "threadId" {uuid} NOT NULL,
        "parentId" {uuid},
        "streaming" BOOLEAN NOT NULL,
        "waitForAnswer" BOOLEAN,
        "isError" BOOLEAN,
        "metadata" {json},
        "tags" {tags},
        "input" TEXT,
        "output" TEXT,
        "createdAt" TEXT,
        "command" TEXT,
        "modes" {json},
        "start" TEXT,
        "end" TEXT,
        "generation" {json},
        "showInput" TEXT,
        "language" TEXT,
        "indent" INT,
        "defaultOpen" BOOLEAN,
        "autoCollapse" BOOLEAN,
        "icon" TEXT,
        FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS elements (
        "id" {uuid} PRIMARY KEY,
        "threadId" {uuid},
        "type" TEXT,
        "url" TEXT,
        "chainlitKey" TEXT,
        "name" TEXT NOT NULL,
        "display" TEXT,
        "objectKey" TEXT,
        "size" TEXT,
        "page" INT,
        "language" TEXT,
        "forId" {uuid},
        "mime" TEXT,
        "props" {json},
        "autoPlay" BOOLEAN,
        "playerConfig" {json},
        FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS feedbacks (
        "id" {uuid} PRIMARY KEY,
        "forId" {uuid} NOT NULL,
        "threadId" {uuid} NOT NULL,
        "value" INT NOT NULL,
        "comment" TEXT,
        FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
    )""",
)

_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.@ -][A-Za-z0-9_.@ /()\[\]-]*$")


def chat_db_url(settings: Settings) -> str:
    """The async SQLAlchemy URL of the history database (``TRADEASSIST_CHAT_DB_URL`` or SQLite)."""
    url = os.environ.get("TRADEASSIST_CHAT_DB_URL", "").strip()
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        return url
    return f"sqlite+aiosqlite:///{settings.ensure_home() / 'chat.sqlite'}"


def _sync_url(url: str) -> str:
    return url.replace("sqlite+aiosqlite://", "sqlite://").replace(
        "postgresql+asyncpg://", "postgresql+psycopg://"
    )


def create_schema(url: str) -> None:
    """Create the data layer's tables if they are missing (SQLite or PostgreSQL)."""
    import sqlalchemy as sa

    postgres = url.startswith("postgresql")
    types = {"uuid": "UUID", "json": "JSONB", "tags": "TEXT[]"} if postgres else {
        "uuid": "TEXT", "json": "TEXT", "tags": "TEXT"
    }
    try:
        engine = sa.create_engine(_sync_url(url))
        with engine.begin() as conn:
            for ddl in _TABLES:
                conn.execute(sa.text(ddl.format(**types)))
        engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        raise ConfigError(f"The chat history database at {url!r} cannot be used: {exc}") from exc


class LocalFileStorage:
    """Element files (charts, tables, CSVs) on local disk, read back through ``/api/files/<key>``."""

    def __init__(self, root: Path, url_prefix: str = "/api/files"):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.url_prefix = url_prefix

    def path_for(self, object_key: str) -> Path:
        """The file of an object key, refusing keys that would leave the storage folder."""
        if not _SAFE_KEY.match(object_key) or ".." in object_key.split("/"):
            raise BadInputError("Invalid file key.")
        path = (self.root / object_key).resolve()
        if self.root not in path.parents:
            raise BadInputError("Invalid file key.")
        return path

    async def upload_file(
        self,
        object_key: str,
        data: bytes | str,
        mime: str = "application/octet-stream",
        overwrite: bool = True,
        content_disposition: str | None = None,
    ) -> dict[str, Any]:
        """Write one element's bytes; returns its object key and the URL the browser reads."""
        import asyncio

        path = self.path_for(object_key)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if overwrite or not path.exists():
                path.write_bytes(raw)
                path.with_name(path.name + ".mime").write_text(mime or "application/octet-stream")

        await asyncio.to_thread(write)
        return {"object_key": object_key, "url": await self.get_read_url(object_key)}

    async def delete_file(self, object_key: str) -> bool:
        """Remove one element's file."""
        try:
            path = self.path_for(object_key)
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".mime").unlink(missing_ok=True)
            return True
        except (BadInputError, OSError):
            return False

    async def get_read_url(self, object_key: str) -> str:
        """The URL the browser fetches the element from (served to its owner only)."""
        from urllib.parse import quote

        return f"{self.url_prefix}/{quote(object_key)}"

    async def close(self) -> None:
        """Nothing to release for local files."""


def storage_for(settings: Settings) -> LocalFileStorage:
    """The element storage of this home folder."""
    return LocalFileStorage(settings.ensure_home() / "chat-files")


def make_data_layer(settings: Settings):
    """Chainlit's SQLAlchemy data layer over the history database, its tables created first."""
    from chainlit.data.storage_clients.base import BaseStorageClient
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

    url = chat_db_url(settings)
    create_schema(url)
    BaseStorageClient.register(LocalFileStorage)  # duck-typed client, declared as one
    return SQLAlchemyDataLayer(conninfo=url, storage_provider=storage_for(settings))

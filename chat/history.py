"""Chat history: Chainlit's SQLAlchemy data layer over SQLite (default) or PostgreSQL, plus element files.

Chainlit does not create its tables, so ``create_schema`` does, idempotently. Elements (tables,
charts, CSV files) are kept by ``LocalFileStorage`` under ``<home>/chat-files`` and served back
by the HTTP API to their owner only, so resumed threads show them again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from tradeassist.core.errors import BadInputError, ConfigError
from tradeassist.core.settings import Settings

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

#: The user id and element id parts of an object key (Chainlit uses UUIDs).
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")
#: Keys as the storage accepted them before element names were digested.
_LEGACY_KEY = re.compile(r"^[A-Za-z0-9_.@ -][A-Za-z0-9_.@ /()\[\]-]*$")


def chat_db_url(settings: Settings) -> str:
    """The async SQLAlchemy URL of the history database (``TRADEASSIST_CHAT_DB_URL`` or SQLite)."""
    url = os.environ.get("TRADEASSIST_CHAT_DB_URL", "").strip()
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        return url
    path = settings.ensure_home() / "chat.sqlite"
    # Thread names and answers are private: the file is the owner's only, whatever the umask.
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    return f"sqlite+aiosqlite:///{path}"


def sync_url(url: str) -> str:
    """The history database's URL for a synchronous SQLAlchemy engine (schema creation, user removal)."""
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
        engine = sa.create_engine(sync_url(url))
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
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.url_prefix = url_prefix

    def path_for(self, object_key: str) -> Path:
        """The file of an object key (``<user id>/<element id>[/<name>]``), always inside the folder.

        Chainlit builds keys from the element's name, which may hold any character (citations are
        named ``[1: report.pdf p.3]``, uploads keep the person's file name), so the name never
        becomes a path: it is stored under a digest of itself. The two leading parts must be plain ids.
        """
        parts = object_key.split("/", 2)
        if len(parts) < 2 or not all(_SAFE_ID.match(p) and p not in (".", "..") for p in parts[:2]):
            raise BadInputError("Invalid file key.")
        folder = self.root / parts[0] / parts[1]
        name = parts[2] if len(parts) == 3 else ""
        path = folder / ("n-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:40])
        if self.root not in path.resolve().parents:
            raise BadInputError("Invalid file key.")
        legacy = self.root / object_key  # files stored before names were digested
        if not path.exists() and _LEGACY_KEY.match(object_key) and ".." not in object_key.split("/"):
            if legacy.resolve().is_file() and self.root in legacy.resolve().parents:
                return legacy.resolve()
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
            # Owner-only whatever the process's umask: element files hold answers and uploads.
            for folder in (path.parent.parent, path.parent):
                folder.mkdir(mode=0o700, exist_ok=True)
                folder.chmod(0o700)
            if overwrite or not path.exists():
                sidecar = path.with_name(path.name + ".mime")
                for target, content in ((path, raw), (sidecar, (mime or "application/octet-stream").encode())):
                    target.touch(mode=0o600, exist_ok=True)
                    target.chmod(0o600)
                    target.write_bytes(content)

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


def _session_user_id(thread_id: str) -> str | None:
    """The persisted id of the user whose live chat session is writing ``thread_id``, if any."""
    from chainlit.context import context

    try:
        session = context.session
    except Exception:  # no Chainlit context (a script, a test): nobody to attribute the thread to
        return None
    user = getattr(session, "user", None)
    if getattr(session, "thread_id", None) == thread_id and getattr(user, "id", None):
        return str(user.id)
    return None


def _history_data_layer_class():
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
    from chainlit.element import ElementDict

    class HistoryDataLayer(SQLAlchemyDataLayer):
        """Chainlit's SQLAlchemy data layer, with element files always stored under their owner."""

        async def _get_user_id_by_thread(self, thread_id: str) -> str | None:
            # The first answer's elements can be written before the thread row has its user
            # (the thread is upserted concurrently); the session writing it knows the owner.
            return await super()._get_user_id_by_thread(thread_id) or _session_user_id(thread_id)

        async def get_thread_author(self, thread_id: str) -> str:
            """The thread's owner, or "" for no such thread (Chainlit answers 404; its ValueError was a 500)."""
            try:
                return await super().get_thread_author(thread_id)
            except ValueError:
                return ""

        async def get_element(self, thread_id: str, element_id: str):
            """One element of a thread; elements saved without props have none (not an error)."""
            rows = await self.execute_sql(
                query='SELECT * FROM elements WHERE "threadId" = :thread_id AND "id" = :element_id',
                parameters={"thread_id": thread_id, "element_id": element_id},
            )
            if not isinstance(rows, list) or not rows:
                return None
            row = rows[0]
            props = row.get("props")
            keys = ("threadId", "chainlitKey", "url", "objectKey", "size", "language", "page", "autoPlay",
                    "playerConfig", "forId", "mime")
            return ElementDict(id=row["id"], type=row["type"], name=row["name"], display=row["display"],
                               props=json.loads(props) if isinstance(props, str) and props else {},
                               **{key: row.get(key) for key in keys})

    return HistoryDataLayer


def make_data_layer(settings: Settings):
    """Chainlit's SQLAlchemy data layer over the history database, its tables created first."""
    from chainlit.data.storage_clients.base import BaseStorageClient

    url = chat_db_url(settings)
    create_schema(url)
    BaseStorageClient.register(LocalFileStorage)  # duck-typed client, declared as one
    return _history_data_layer_class()(conninfo=url, storage_provider=storage_for(settings))

"""The value index kept on disk between processes, valid while its database file is unchanged.

Building the index reads every categorical column (dozens of small queries), which a command
line pays on each question. A local database file's identity (its path, size and modification
time, and those of its write-ahead log) says whether the data can have changed; the index is
saved under the home folder keyed by that identity and by the definitions it was built with,
and any write to the file makes a new key, so a stale index is never read. The files are pickles,
written and read only inside the owner-only home folder, like the rest of the product's state.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from tradeassist.sql.catalog import values as values_module
from tradeassist.sql.catalog.values import MAX_CATEGORY_VALUES, MAX_ENTITY_VALUES, SAMPLE_ROWS, ValueIndex

logger = logging.getLogger(__name__)

#: Changes whenever the index's layout changes, so old files are not read. (An edit of the code that
#: builds the index changes the key by itself: see ``index_inputs``.)
FORMAT_VERSION = 1
#: Files a DuckDB or SQLite database writes beside the main one before checkpointing.
_LOG_SUFFIXES = (".wal", "-wal")


def file_identity(path: Path) -> tuple | None:
    """(path, size, mtime) of a database file and of any write-ahead log beside it; None when unreadable."""
    try:
        resolved = path.resolve()
        identity: list = [str(resolved), *_stat(resolved)]
    except OSError:
        return None
    for suffix in _LOG_SUFFIXES:
        log = resolved.with_name(resolved.name + suffix)
        try:
            identity.extend((suffix, *_stat(log)))
        except FileNotFoundError:
            continue
        except OSError:
            return None
    return tuple(identity)


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def index_inputs(definitions, skip) -> tuple:
    """What the index is built from besides the data: entity keys and labels, value words, skipped
    columns, the limits, and the code that builds it (so an upgrade never reads an older index)."""
    entities = sorted((name, table.subject or "", table.label or "") for name, table in definitions.tables.items())
    synonyms = sorted((key, sorted((str(v), tuple(w)) for v, w in words.items()))
                      for key, words in definitions.value_synonyms.items())
    limits = (MAX_CATEGORY_VALUES, SAMPLE_ROWS, MAX_ENTITY_VALUES)
    code = file_identity(Path(values_module.__file__))
    return FORMAT_VERSION, limits, code, tuple(entities), repr(synonyms), tuple(sorted(skip))


class ValueIndexCache:
    """Value indexes of one database file, saved as files in one owner-only folder."""

    def __init__(self, folder: Path, database_file: Path) -> None:
        self.folder = folder
        self.database_file = database_file

    def path_for(self, identity: tuple, inputs: tuple) -> Path:
        """The file that holds the index for this file identity and these inputs."""
        digest = hashlib.sha256(repr((identity, inputs)).encode()).hexdigest()[:24]
        return self.folder / f"{self._prefix()}-{digest}.pickle"

    def _prefix(self) -> str:
        # Every saved index of one database file starts alike, so older ones are found and removed.
        return "values-" + hashlib.sha256(str(self.database_file.resolve()).encode()).hexdigest()[:16]

    def get_or_build(self, inputs: tuple, build: Callable[[], ValueIndex]) -> ValueIndex:
        """The saved index for the file as it is now, else ``build()`` saved for the next process."""
        identity = file_identity(self.database_file)
        if identity is None:
            return build()
        path = self.path_for(identity, inputs)
        saved = _read(path)
        if saved is not None:
            return saved
        index = build()
        # Saved only when the file did not change while it was read: a half-old index under the
        # new identity would be served as current.
        if file_identity(self.database_file) == identity:
            self._write(path, index)
        return index

    def _write(self, path: Path, index: ValueIndex) -> None:
        try:
            _private_folder(self.folder)
            for old in self.folder.glob(f"{self._prefix()}-*.pickle"):
                if old != path:  # an older identity of this file: it can never match again
                    old.unlink(missing_ok=True)
            scratch = path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(scratch, path)
        except OSError as exc:  # a read-only home still answers, only slower next time
            logger.debug("value index not saved to %s: %s", path, exc)


def _private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parent owner-only (the values are the person's data)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def _read(path: Path) -> ValueIndex | None:
    try:
        with path.open("rb") as handle:
            index = pickle.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, ImportError, AttributeError, LookupError, TypeError,
            ValueError) as exc:  # a damaged or foreign file is only a missed shortcut
        logger.debug("value index at %s unreadable, rebuilt: %s", path, exc)
        return None
    return index if isinstance(index, ValueIndex) else None


def cache_for(database_url: str, home: Path | None) -> ValueIndexCache | None:
    """The cache for a local database file under ``home``; None for servers, memory or no home."""
    if home is None or ":memory:" in database_url:
        return None
    from tradeassist.sql.db.urls import local_file

    database_file = local_file(database_url)
    if database_file is None or not database_file.is_file():
        return None
    return ValueIndexCache(Path(home) / "cache" / "catalog", database_file)

"""Chat users and API tokens: bcrypt-hashed passwords in a SQLite file under the home folder.

Passwords are stored only as bcrypt hashes; API tokens only as SHA-256 digests (a token is a
random 32-byte secret, so a fast digest is enough and lets every request be checked quickly).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tradeassist.core.errors import BadInputError, UnknownNameError
from tradeassist.core.settings import Settings

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD_CHARS = 8
#: bcrypt reads at most 72 bytes of a password; longer ones are refused rather than cut silently.
MAX_PASSWORD_BYTES = 72

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    digest TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class UserRecord:
    """One chat user as listed by ``tradeassist users list``."""

    name: str
    created_at: float
    tokens: int


def token_digest(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserStore:
    """Users with bcrypt password hashes and their API tokens, in ``<home>/users.sqlite``."""

    def __init__(self, settings: Settings, bcrypt_rounds: int = 12):
        self.path: Path = settings.ensure_home() / "users.sqlite"
        #: bcrypt work factor for new hashes (12 by default; verification reads it from each hash).
        self.bcrypt_rounds = bcrypt_rounds
        # Password hashes are private to the owner, whatever the umask (SQLite's journals copy the mode).
        self.path.touch(mode=0o600, exist_ok=True)
        self.path.chmod(0o600)
        with closing(self._connect()) as conn, conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @staticmethod
    def check_name(name: str) -> str:
        """A valid user name, or a clear BadInputError."""
        if not USER_NAME.match(name or ""):
            raise BadInputError(
                f"{name!r} is not a valid user name: use 1-64 letters, digits, '_', '.', '@' or '-'."
            )
        return name

    @staticmethod
    def _check_password(password: str) -> bytes:
        raw = (password or "").encode("utf-8")
        if len(password or "") < MIN_PASSWORD_CHARS:
            raise BadInputError(f"The password must have at least {MIN_PASSWORD_CHARS} characters.")
        if len(raw) > MAX_PASSWORD_BYTES:
            raise BadInputError(f"The password must be at most {MAX_PASSWORD_BYTES} bytes long.")
        return raw

    def add(self, name: str, password: str, *, replace: bool = False) -> None:
        """Create a user (or set a new password with ``replace``)."""
        import bcrypt

        self.check_name(name)
        hashed = bcrypt.hashpw(self._check_password(password), bcrypt.gensalt(rounds=self.bcrypt_rounds))
        with closing(self._connect()) as conn, conn:
            exists = conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
            if exists and not replace:
                raise BadInputError(f"The user {name!r} exists already (use --replace to reset).")
            conn.execute(
                "INSERT INTO users(name, password_hash, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash",
                (name, hashed, time.time()),
            )
            # A new password ends every session opened with the old one, in the same transaction.
            conn.execute("DELETE FROM sessions WHERE name = ?", (name,))

    def require(self, name: str) -> None:
        """UnknownNameError unless a user called ``name`` exists."""
        with closing(self._connect()) as conn:
            if not conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise UnknownNameError(f"There is no user called {name!r}.")

    def remove(self, name: str) -> None:
        """Delete a user and their API tokens."""
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM sessions WHERE name = ?", (name,))
            gone = conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount
        if not gone:
            raise UnknownNameError(f"There is no user called {name!r}.")

    def list(self) -> list[UserRecord]:
        """Every user, by name."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT u.name, u.created_at, COUNT(t.digest) FROM users u "
                "LEFT JOIN api_tokens t ON t.name = u.name GROUP BY u.name ORDER BY u.name"
            ).fetchall()
        return [UserRecord(name, created, tokens) for name, created, tokens in rows]

    def count(self) -> int:
        """How many users exist."""
        with closing(self._connect()) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def verify(self, name: str, password: str) -> bool:
        """True when the password matches the user's stored hash."""
        import bcrypt

        with closing(self._connect()) as conn:
            row = conn.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            bcrypt.checkpw(b"wrong", _dummy_hash())  # same cost for unknown names
            return False
        raw = (password or "").encode("utf-8")
        if len(raw) > MAX_PASSWORD_BYTES:
            return False
        return bcrypt.checkpw(raw, bytes(row[0]))

    def new_token(self, name: str) -> str:
        """Issue a new API token for a user; only its digest is stored."""
        token = "ta_" + secrets.token_urlsafe(32)
        self.require(name)
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT INTO api_tokens(digest, name, created_at) VALUES (?, ?, ?)",
                (token_digest(token), name, time.time()),
            )
        return token

    def user_for_token(self, token: str) -> str | None:
        """The user an API token belongs to, or None."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT name FROM api_tokens WHERE digest = ?", (token_digest(token),)
            ).fetchone()
        return row[0] if row else None

    def open_session(self, name: str, lifetime_s: float) -> str:
        """Start a login session for a user; returns its id (only a digest of it is stored)."""
        session = secrets.token_urlsafe(24)
        now = time.time()
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            conn.execute(
                "INSERT INTO sessions(digest, name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (token_digest(session), name, now, now + lifetime_s),
            )
        return session

    def session_user(self, session: str) -> str | None:
        """The user a live session belongs to; None once it was ended, expired or its user removed."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT name FROM sessions WHERE digest = ? AND expires_at >= ?",
                (token_digest(session), time.time()),
            ).fetchone()
        return row[0] if row else None

    def end_session(self, session: str) -> None:
        """End one session (logout)."""
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM sessions WHERE digest = ?", (token_digest(session),))

    def end_sessions(self, name: str) -> int:
        """End every session of a user; returns how many were live."""
        with closing(self._connect()) as conn, conn:
            return conn.execute("DELETE FROM sessions WHERE name = ?", (name,)).rowcount


@functools.cache
def _dummy_hash() -> bytes:
    import bcrypt

    return bcrypt.hashpw(b"timing-equaliser", bcrypt.gensalt())


def ensure_first_user(settings: Settings) -> tuple[str, str] | None:
    """With no users at all, create ``admin`` with a random password and return it (shown once)."""
    store = UserStore(settings)
    if store.count():
        return None
    password = secrets.token_urlsafe(12)
    store.add("admin", password)
    return "admin", password


def ensure_auth_secret(settings: Settings) -> str:
    """The JWT secret Chainlit signs sessions with, generated once and kept under the home folder."""
    path = settings.ensure_home() / "chainlit_auth_secret"
    if path.exists():
        secret = path.read_text(encoding="utf-8").strip()
        if secret:
            return secret
    secret = secrets.token_urlsafe(48)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
    return secret

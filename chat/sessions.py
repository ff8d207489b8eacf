"""Server-side login sessions: a signed cookie is honoured only while its session is live.

Chainlit's session cookie is a JWT that stays valid until it expires (15 days by default), so on
its own a removed user, a changed password or a logout would not end it. Each login therefore
opens a session in the user store (``UserStore.open_session``) and puts its id in the JWT's
metadata; ``SessionGuard`` checks it on every HTTP request and every websocket frame:

- an HTTP request carrying an ended session is treated as carrying no session at all (the cookie
  is removed before Chainlit sees it, and the browser is told to drop it), so the page shows
  the login form and every authenticated endpoint answers 401;
- a websocket (or Socket.IO polling request) carrying an ended session is refused, and an open
  websocket is closed at its next frame;
- ``POST /logout`` ends the session it carries before Chainlit clears the cookie.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

from tradeassist.chat.headers import send_json
from tradeassist.chat.users import UserStore

#: Chainlit's cookie name (``CHAINLIT_AUTH_COOKIE_NAME`` may rename it; chunks add ``_0``, ``_1``...).
COOKIE_NAME = "access_token"
#: The JWT metadata key that holds the session id.
SESSION_KEY = "session"
#: Close code sent on an open websocket whose session ended (4000-4999 are application codes).
CLOSE_SESSION_ENDED = 4401

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _cookies(scope: Scope) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is Chainlit's problem, not a session
                continue
    return {key: morsel.value for key, morsel in jar.items()}


def session_token(scope: Scope, cookie_name: str = COOKIE_NAME) -> str | None:
    """The session JWT a request carries: the cookie (or its chunks), else an ``Authorization`` JWT."""
    cookies = _cookies(scope)
    if cookies.get(cookie_name):
        return cookies[cookie_name]
    chunks, index = [], 0
    while f"{cookie_name}_{index}" in cookies:
        chunks.append(cookies[f"{cookie_name}_{index}"])
        index += 1
    if chunks:
        return "".join(chunks)
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            # API tokens (``ta_...``) are not JWTs; only a three-part token can be a session.
            if scheme.lower() == "bearer" and token.count(".") == 2:
                return token.strip()
    return None


def session_of(token: str, secret: str) -> tuple[str | None, str | None]:
    """``(user, session id)`` from a session JWT signed with ``secret``, or ``(None, None)``."""
    import jwt

    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None, None  # not ours or expired: Chainlit refuses it by itself
    metadata = claims.get("metadata") or {}
    session = metadata.get(SESSION_KEY) if isinstance(metadata, dict) else None
    return claims.get("identifier"), session if isinstance(session, str) else None


class SessionGuard:
    """ASGI middleware that honours a Chainlit session JWT only while its server-side session is live."""

    def __init__(self, app, users: UserStore, secret: str, cookie_name: str = COOKIE_NAME,
                 max_upload_bytes: int = 64 * 1024 * 1024):
        self.app = app
        self.users = users
        self.secret = secret
        self.cookie_name = cookie_name
        self.max_upload_bytes = max_upload_bytes

    def session_of(self, token: str) -> tuple[str | None, str | None]:
        """``(user, session id)`` from a JWT signed with our secret, or ``(None, None)``."""
        return session_of(token, self.secret)

    def is_live(self, token: str) -> bool:
        """True when the JWT names a live session of the user it was issued to."""
        return self._live(*self.session_of(token))

    def _live(self, user: str | None, session: str | None) -> bool:
        if user is None:
            return True  # unsigned or expired tokens get no further than Chainlit's own check
        return session is not None and self.users.session_user(session) == user

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = session_token(scope, self.cookie_name)
        path = scope.get("path", "")
        if scope["type"] == "http" and scope.get("method") == "POST" and path.rstrip("/").endswith("/project/file"):
            # Chainlit reads (spools) an upload before it checks who sent it: check both first.
            user, session = self.session_of(token) if token is not None else (None, None)
            if user is None or not self._live(user, session):  # the token is decoded once
                await send_json(send, 401, {"detail": "Log in to upload files."})
                return
            length = dict(scope.get("headers") or []).get(b"content-length", b"")
            if not length.isdigit() or int(length) > self.max_upload_bytes:
                await send_json(send, 413, {"detail": f"Uploads are limited to {self.max_upload_bytes} bytes, "
                                                  "sent with a Content-Length."})
                return
        if token is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and path.rstrip("/").endswith("/logout") and scope.get("method") == "POST":
            _, session = self.session_of(token)
            if session:
                self.users.end_session(session)
            await self.app(scope, receive, send)
            return
        live = self.is_live(token)
        if scope["type"] == "websocket":
            if not live:
                await send({"type": "websocket.close", "code": CLOSE_SESSION_ENDED})
                return
            await self.app(scope, self._checked_receive(token, receive, send), send)
            return
        if not live and "/ws/" in path:  # Socket.IO polling: an ended session gets no chat
            await send_json(send, 401, {"detail": "Your session has ended; log in again."})
            return
        if not live:
            scope = {**scope, "headers": self._without_session(scope)}
            send = self._dropping_cookie(send)
        await self.app(scope, receive, send)

    def _checked_receive(self, token: str, receive: Receive, send: Send) -> Receive:
        async def checked() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "websocket.receive" and not self.is_live(token):
                await send({"type": "websocket.close", "code": CLOSE_SESSION_ENDED})
                return {"type": "websocket.disconnect", "code": CLOSE_SESSION_ENDED}
            return message

        return checked

    def _without_session(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        headers = []
        for name, value in scope.get("headers") or []:
            if name == b"authorization" and value.count(b".") == 2:
                continue
            if name == b"cookie":
                kept = [
                    part for part in value.decode("latin-1").split(";")
                    if not part.strip().split("=", 1)[0].startswith(self.cookie_name)
                ]
                value = ";".join(kept).strip().encode("latin-1")
                if not value:
                    continue
            headers.append((name, value))
        return headers

    def _dropping_cookie(self, send: Send) -> Send:
        expire = f"{self.cookie_name}=; Max-Age=0; Path=/; HttpOnly; SameSite=lax".encode("latin-1")

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", expire)]}
            await send(message)

        return sending


"""The HTTP API checks who is calling before it reads a body, and never reads more than a cap.

FastAPI reads and parses a request body (a multipart upload is spooled to disk) before it runs
the dependency that checks the token, so without this a caller with no token could make the
server write or hold gigabytes before hearing 401. ``AuthFirst`` answers 401 from the headers
alone and 413 from ``Content-Length`` before a byte of the body is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tradeassist.chat.headers import send_json

#: Endpoints (relative to the API's mount) that need no token.
OPEN_PATHS = ("/health", "/docs", "/openapi.json")


class AuthFirst:
    """ASGI middleware for the API: token checked before the body, body size capped per endpoint."""

    def __init__(self, app, token_ok: Callable[[str], bool], caps: Mapping[str, int], default_cap: int):
        self.app = app
        self.token_ok = token_ok
        self.caps = dict(caps)
        self.default_cap = default_cap

    def _relative(self, scope: dict[str, Any]) -> str:
        path, root = scope.get("path", ""), scope.get("root_path", "")
        return path[len(root):] if root and path.startswith(root) else path

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = self._relative(scope)
        if path in OPEN_PATHS or path.startswith("/files/"):  # files check the session cookie themselves
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers") or []}
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or not self.token_ok(token.strip()):
            # A token that was sent but refused gets a different message from a missing one,
            # so that a client can tell "log in again" from "you forgot the header".
            message = ("The API token is not valid." if scheme.lower() == "bearer" and token.strip()
                       else "Send 'Authorization: Bearer <token>' with a valid token.")
            await _answer(send, 401, "Unauthorized", message, [(b"www-authenticate", b"Bearer")])
            return
        cap = self.caps.get(path, self.default_cap)
        length = headers.get(b"content-length")
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            # The server (uvicorn) never delivers more bytes than Content-Length announces, so the
            # announced length is the body's size; a body without one (chunked) is not accepted.
            if length is None or not length.strip().isdigit():
                await _answer(send, 411, "LengthRequired", "Send the body with a Content-Length header.")
                return
            if int(length) > cap:
                await _answer(send, 413, "TooLarge", f"The request body is {int(length)} bytes; the limit is {cap}.")
                return
        await self.app(scope, receive, send)



async def _answer(send, status: int, kind: str, message: str, extra: list | None = None) -> None:
    await send_json(send, status, {"error": {"type": kind, "message": message}}, extra)

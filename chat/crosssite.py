"""State-changing requests from another site's page are refused (login CSRF and its kin).

A page elsewhere can make the user's browser post a form here: to ``/login`` with the attacker's
name and password (the victim is then logged in as the attacker, and their uploads and questions go
to the attacker), or to any other state-changing route with the victim's cookie. Browsers say where
a request comes from (``Sec-Fetch-Site``, ``Origin``); a request that comes from another site is
refused before anything runs. Clients that are not browsers (curl, the Python client, API tokens)
send neither header and are not affected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from tradeassist.chat.headers import send_json

#: Methods that change state: only these are checked (a cross-site GET of a page is ordinary).
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cross_site(headers: dict[bytes, bytes], allowed_origins: frozenset[str]) -> bool:
    """Whether the browser says this request comes from another site than this server's."""
    fetch_site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
    if fetch_site == "cross-site":
        return True
    origin = headers.get(b"origin", b"").decode("latin-1").strip()
    if not origin:
        return False
    if origin == "null":  # sandboxed frames and file pages: never this server's own page
        return True
    host = headers.get(b"host", b"").decode("latin-1").lower()
    return urlsplit(origin).netloc.lower() != host and origin.rstrip("/") not in allowed_origins


class CrossSiteRefusal:
    """ASGI middleware: 403 for a state-changing request that a browser sent from another site."""

    def __init__(self, app, allowed_origins: list[str] | None = None):
        self.app = app
        self.allowed_origins = frozenset(o.rstrip("/") for o in (allowed_origins or []))

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] == "http" and scope.get("method") in STATE_CHANGING \
                and cross_site(dict(scope.get("headers") or []), self.allowed_origins):
            await send_json(send, 403, {"detail": "Refused: this request came from another site's page."})
            return
        await self.app(scope, receive, send)

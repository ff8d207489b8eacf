"""The chat page without third-party fonts or stylesheets: nothing on a page load leaves the server.

Chainlit's page template links Google Fonts (and preconnects to it) and a KaTeX stylesheet on a
CDN. Offline they fail, and online every user's browser tells a third party that it opened the
chat. The product does not render LaTeX (``features.latex = false``) and the page falls back to
the system's sans-serif font, so those links are dropped from every HTML page the server sends.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Awaitable, Callable
from typing import Any

#: A ``<link>`` tag whose address is absolute (``https://``, ``http://`` or ``//``): never our server.
_REMOTE_LINK = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["'](?:https?:)?//[^"']*["'][^>]*/?>\s*""",
                          re.IGNORECASE | re.DOTALL)


def strip_remote_links(page: str) -> str:
    """The HTML page without ``<link>`` tags that point at another host (stylesheets, preconnects)."""
    return _REMOTE_LINK.sub("", page)


class LocalAssetsOnly:
    """ASGI middleware: HTML responses lose their links to third-party hosts; others pass untouched."""

    def __init__(self, app, skip_prefixes: tuple[str, ...] = ("/api/",)):
        self.app = app
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        body: list[bytes] = []

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers") or []}
                encoding = headers.get(b"content-encoding", b"").lower()
                # Pages are rewritten plain or gzipped (what Chainlit sends); any other encoding passes.
                if headers.get(b"content-type", b"").startswith(b"text/html") and encoding in (b"", b"gzip"):
                    held["start"] = message  # sent once the whole page is known (its length changes)
                    return
            elif message["type"] == "http.response.body" and "start" in held:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await self._send_page(held.pop("start"), b"".join(body), send)
                return
            await send(message)

        await self.app(scope, receive, sending)

    @staticmethod
    async def _send_page(start: dict[str, Any], raw: bytes, send: Callable[[dict], Awaitable[None]]) -> None:
        # Chainlit compresses its responses: the page is unpacked, cleaned and packed again.
        gzipped = (b"content-encoding", b"gzip") in [(k.lower(), v.lower()) for k, v in start.get("headers") or []]
        text = gzip.decompress(raw) if gzipped else raw
        page = strip_remote_links(text.decode("utf-8", errors="replace")).encode("utf-8")
        if gzipped:
            page = gzip.compress(page)
        headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(page)).encode("latin-1")))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": page})
